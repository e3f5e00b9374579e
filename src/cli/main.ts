/**
 * The `assay` command line. Exit 0 on success, 1 on a user error with a clear message (never a stack
 * trace for bad input), 2 on an unexpected failure, 3 for "not yet, nothing changed" (`keys rotate` while
 * a next key is younger than the minimum age; the message names when it will be eligible).
 */
import fs, { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet, JWK } from 'jose';
import { ZodError } from 'zod';
import { findTenants, listTenants } from '../db/repo/tenants.js';
import type { Store } from '../db/store.js';
import { createKeyRing, type KeyRing } from '../keys/keyring.js';
import type { MasterKey } from '../keys/master-key.js';
import {
  ensureSigningKeys,
  KEY_PURPOSE_LIST,
  MasterKeyMismatchError,
  MIN_NEXT_KEY_AGE_MS,
  NextKeyTooYoungError,
  publicJwks,
  RotationConflictError,
  rotateSigningKeys,
} from '../keys/signing-keys.js';
import { sqliteParallelVerify } from '../platform/node/audit-verify-pool.js';
import { nodeBlobs } from '../platform/node/blobs.js';
import { ConfigError, loadConfig } from '../platform/node/config.js';
import { createLogger } from '../platform/node/logger.js';
import { configuredDevOutbox } from '../platform/node/mail.js';
import { loadMasterKey } from '../platform/node/master-key-file.js';
import { MigrationHistoryError } from '../platform/node/migration-history.js';
import { openStore } from '../platform/node/open-store.js';
import { SchemaBehindError } from '../platform/node/pg-migrate.js';
import { type Clock, systemClock, unconfiguredBlobs } from '../platform/ports.js';
import { createTenantWithAdmin } from '../workspace/tenants.js';
import { auditCommands, type CliKit, checkReceiptProof } from './audit-commands.js';
import { privacyCommands } from './privacy-commands.js';
import { extractReceipt } from './receipt-mail.js';
import { tenantExitCommands } from './tenant-exit-commands.js';

class CliError extends Error {}

const existsFile = (f: string) => {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
};

const USAGE = `Usage: assay <command> [options]

Commands:
  tenant create --name NAME --admin-email EMAIL   create a tenant and print its admin's one-time set-up link
  tenant list                                     list tenants (id, then name)
  tenant export --tenant T --out FILE             write everything the tenant holds to FILE (.zip; docs/tenant-exit.md)
  tenant delete --tenant T [--cancel]             schedule the tenant's deletion in 30 days (or cancel it)
  tenant purge                                    purge the tenants past their deletion deadline now
  questionnaire lint [--complete-locales] FILE... check questionnaire files (exit 1 on any error; the flag
                                                  also warns about texts missing a declared locale)
  questionnaire publish --tenant T FILE           publish a questionnaire version for a tenant (id or name)
  assessment send --tenant T --questionnaire ID[@VERSION] --vendor-name N --contact-email E
      [--contact-name N] [--due YYYY-MM-DD] [--otp] [--link-hours H] [--context KEY=VALUE]... [--locale en|de]
                                                  send a questionnaire; prints the assessment id (the link goes only by email)
  assessment list --tenant T [--json]             list assessments: id, vendor, questionnaire, status, due date, score
  risk list --tenant T [--vendor V] [--status S] [--format table|csv|json]
                                                  list the risk register (vendor: id or exact name)
  keys rotate [--purpose link|receipt|audit|all] [--min-age-hours H] [--force]
                                                  activate the next signing key, retire the old one, publish a new next
                                                  (default: all); refused (exit 3) while a next key is younger than H
                                                  hours (default 24); --force promotes it anyway, recorded as forced
  receipt verify FILE [--jwks URL|FILE] [--audit-key PEM]
                                                  check a receipt and its audit inclusion proof (default keys: this server's key table)
  audit verify [--tenant T] [--checkpoint FILE]...
                                                  recompute every audit chain, Merkle root and checkpoint (exit 1 on any fault)
  audit export --tenant T --out DIR               write log.jsonl, the checkpoints and the audit key (docs/audit.md)
  audit checkpoint --tenant T                     sign a checkpoint of the tenant's trail now and print it
  privacy export --tenant T (--contact-email E | --contact-id ID | --member-email E) --out FILE
                                                  everything held about one person, as a zip (GDPR Art. 15/20; docs/privacy.md)
  privacy erase --tenant T (--contact-email E | --contact-id ID | --member-email E) --confirm E
                                                  erase one person's personal data (GDPR Art. 17); --confirm is their address again
  evidence verify [--tenant T]                    decrypt every stored evidence version and recompute its SHA-256
                                                  (one line per failure; exit 1 on any failure; docs/evidence.md)
  backup --out FILE                               write the SQLite database and the files under DATA_DIR to FILE (.tar.gz)
  restore FILE [--force]                          restore a backup into an empty DATA_DIR (--force: move the current one aside)

Configuration comes from the environment (DATABASE_URL, DATA_DIR, BASE_URL, …; see README).`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** The platform clock (tests move it; `systemClock` otherwise). Only `keys rotate` reads it so far. */
  clock?: Clock;
}

type Handler = (args: string[], io: CliIo) => Promise<number>;

function options<const O extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], spec: O) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message.replace(/\. To specify a positional.*$/s, '.'));
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new CliError(`--${name} is required`);
  return v;
}

async function withStore<T>(
  io: CliIo,
  fn: (store: Store, baseUrl: string, config: ReturnType<typeof loadConfig>) => Promise<T>,
): Promise<T> {
  const config = loadConfig(io.env);
  const store = await openStore(config, (m) => io.err(`warning: ${m}`));
  try {
    return await fn(store, config.baseUrl, config);
  } finally {
    await store.close();
  }
}

/** The store with the signing keys (created on first use, as the server does). */
async function withKeys<T>(
  io: CliIo,
  fn: (store: Store, keys: KeyRing, baseUrl: string, master: MasterKey) => Promise<T>,
): Promise<T> {
  return withStore(io, async (store, baseUrl, config) => {
    const master = loadMasterKey(config);
    await ensureSigningKeys(store, master);
    return fn(store, createKeyRing(store, master, { clock: systemClock }), baseUrl, master);
  });
}

/** `--tenant` takes an id or an exact name. */
async function resolveTenant(store: Store, idOrName: string): Promise<string> {
  const found = await store.as({ system: 'cli' }).read((g) => findTenants(g, idOrName));
  if (found.length === 0)
    throw new CliError(`no tenant with id or name "${idOrName}" (see: assay tenant list)`);
  if (found.length > 1) throw new CliError(`"${idOrName}" names ${found.length} tenants; use the tenant id`);
  return found[0]!.id;
}

const commands: Record<string, Handler> = {
  'tenant create': async (args, io) => {
    const { values, positionals } = options(args, {
      name: { type: 'string' },
      'admin-email': { type: 'string' },
    });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const name = required(values, 'name');
    const adminEmail = required(values, 'admin-email');
    return withStore(io, async (store, baseUrl) => {
      // Commands find a tenant by id or name: a second tenant of the same name would make the name useless.
      const wanted = name.trim().toLowerCase();
      const same = (await store.as({ system: 'cli' }).read((g) => listTenants(g))).find(
        (t) => t.name.trim().toLowerCase() === wanted,
      );
      if (same)
        throw new CliError(`a tenant named "${same.name}" exists already (${same.id}); choose another name`);
      const { tenantId, token } = await createTenantWithAdmin(store, { name, adminEmail });
      io.out(`Created tenant ${tenantId} (${name.trim()}).`);
      io.out(`One-time set-up link for ${adminEmail.trim().toLowerCase()} (valid 72 hours):`);
      io.out(`${baseUrl}/setup/${token}`);
      return 0;
    });
  },
  'tenant list': async (args, io) => {
    const { positionals } = options(args, {});
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    return withStore(io, async (store) => {
      for (const t of await store.as({ system: 'cli' }).read((g) => listTenants(g)))
        io.out(`${t.id}\t${t.name}`);
      return 0;
    });
  },
  'questionnaire lint': async (args, io) => {
    const { values, positionals } = options(args, { 'complete-locales': { type: 'boolean' } });
    if (positionals.length === 0) throw new CliError('name at least one questionnaire file');
    // Loaded on demand: the other commands do not need the engine.
    const { lintFiles } = await import('../platform/node/questionnaire-files.js');
    const result = lintFiles(positionals, values['complete-locales'] ? { completeLocales: true } : {});
    io.out(result.output);
    return result.errors > 0 ? 1 : 0;
  },
  'questionnaire publish': async (args, io) => {
    const { values, positionals } = options(args, { tenant: { type: 'string' } });
    const tenant = required(values, 'tenant');
    if (positionals.length !== 1) throw new CliError('name exactly one questionnaire file to publish');
    const file = positionals[0]!;
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const { publishQuestionnaire, PublishError } = await import('../workspace/questionnaires.js');
    const { loadLibrary } = await import('../platform/node/questionnaire-files.js');
    return withStore(io, async (store) => {
      const tenantId = await resolveTenant(store, tenant);
      try {
        const { row, created } = await store
          .tenant(tenantId)
          .write((c) =>
            publishQuestionnaire(c, source, { file, actor: 'system:cli', library: loadLibrary() }),
          );
        io.out(
          `${created ? 'Published' : 'Already published'} ${row.questionnaireId}@${row.version} (${row.id}).`,
        );
        return 0;
      } catch (err) {
        if (!(err instanceof PublishError)) throw err;
        io.err(err.message);
        return 1;
      }
    });
  },
  'assessment send': async (args, io) => {
    const { values, positionals } = options(args, {
      tenant: { type: 'string' },
      questionnaire: { type: 'string' },
      'vendor-name': { type: 'string' },
      'contact-email': { type: 'string' },
      'contact-name': { type: 'string' },
      due: { type: 'string' },
      otp: { type: 'boolean' },
      'link-hours': { type: 'string' },
      context: { type: 'string', multiple: true },
      locale: { type: 'string' },
    });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const tenant = required(values, 'tenant');
    const hoursText = values['link-hours'];
    if (hoursText !== undefined && !/^\d{1,4}$/.test(hoursText))
      throw new CliError(`--link-hours must be a whole number of hours, got "${hoursText}"`);
    const input = {
      questionnaire: required(values, 'questionnaire'),
      vendorName: required(values, 'vendor-name'),
      contactEmail: required(values, 'contact-email'),
      contactName: values['contact-name'] ?? null,
      dueDate: values.due ?? null,
      otp: values.otp ?? false,
      linkHours: hoursText === undefined ? null : Number(hoursText),
      context: (values.context as string[] | undefined) ?? [],
      locale: values.locale ?? null,
      actor: 'system:cli',
      // The operator at the console is not a member: the CLI adds the vendor and contact it names.
      mayAddVendors: true,
    };
    const { sendAssessment, SendError } = await import('../workspace/assessments.js');
    const { loadLibrary, shippedSource } = await import('../platform/node/questionnaire-files.js');
    const { nodeTemplates } = await import('../platform/node/views.js');
    return withKeys(io, async (store, keys, baseUrl, master) => {
      const tenantId = await resolveTenant(store, tenant);
      try {
        const library = loadLibrary();
        const sent = await sendAssessment(
          {
            store,
            keys,
            master,
            clock: systemClock,
            templates: nodeTemplates({ dev: false }),
            baseUrl,
            library,
            shipped: shippedSource(library),
          },
          tenantId,
          input,
        );
        io.out(sent.assessmentId);
        io.err(
          `Sent ${sent.questionnaireRef} to ${input.contactEmail.trim().toLowerCase()}${sent.vendorCreated ? ' (new vendor)' : ''}; the invitation is queued (link valid until ${sent.linkExpiresAt.toISOString()}).`,
        );
        return 0;
      } catch (err) {
        if (err instanceof SendError) throw new CliError(err.message);
        throw err;
      }
    });
  },
  'assessment list': async (args, io) => {
    const { values, positionals } = options(args, { tenant: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const tenant = required(values, 'tenant');
    const { assessmentLines } = await import('../workspace/assessments.js');
    return withStore(io, async (store) => {
      const tenantId = await resolveTenant(store, tenant);
      const lines = await store.tenant(tenantId).read((ctx) => assessmentLines(ctx));
      if (values.json) {
        io.out(JSON.stringify(lines, null, 2));
        return 0;
      }
      // A header line, as `risk list` prints one: the columns are read by people as often as by scripts.
      io.out(['id', 'vendor', 'questionnaire', 'status', 'due', 'score'].join('\t'));
      for (const l of lines) {
        const score = l.score === null ? '-' : `${l.score.toFixed(1)}${l.rating ? ` ${l.rating}` : ''}`;
        io.out([l.id, l.vendor, l.questionnaire, l.status, l.dueDate ?? '-', score].join('\t'));
      }
      return 0;
    });
  },
};

commands['risk list'] = async (args, io) => {
  const { values, positionals } = options(args, {
    tenant: { type: 'string' },
    vendor: { type: 'string' },
    status: { type: 'string' },
    format: { type: 'string' },
  });
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
  const tenant = required(values, 'tenant');
  const format = values.format ?? 'table';
  if (!['table', 'csv', 'json'].includes(format))
    throw new CliError(`--format must be one of table, csv, json, got "${format}"`);
  const { RISK_STATUSES } = await import('../db/tables.js');
  if (values.status !== undefined && !(RISK_STATUSES as readonly string[]).includes(values.status))
    throw new CliError(`--status must be one of ${RISK_STATUSES.join(', ')}, got "${values.status}"`);
  const { registerTable, toCsv } = await import('../risk/export.js');
  const { reopenExpiredAcceptances } = await import('../risk/acceptance.js');
  const { findVendorByName, getVendor } = await import('../db/repo/vendors.js');
  const { isId } = await import('../db/ids.js');
  return withStore(io, async (store) => {
    const tenantId = await resolveTenant(store, tenant);
    const scope = store.tenant(tenantId);
    const now = systemClock.now();
    await reopenExpiredAcceptances(scope, now);
    const table = await scope.read(async (ctx) => {
      let vendorId: string | undefined;
      if (values.vendor !== undefined) {
        const v = isId(values.vendor)
          ? await getVendor(ctx, values.vendor)
          : await findVendorByName(ctx, values.vendor);
        if (!v) throw new CliError(`no vendor with id or name "${values.vendor}" in this tenant`);
        vendorId = v.id;
      }
      return registerTable(
        ctx,
        {
          sort: 'rating',
          dir: 'desc',
          vendor: vendorId,
          status: values.status as (typeof RISK_STATUSES)[number] | undefined,
        },
        { withOwner: true, now },
      );
    });
    if (format === 'csv') io.out(toCsv(table).replace(/\r\n$/, ''));
    else if (format === 'json')
      io.out(
        JSON.stringify(
          table.rows.map((r) => Object.fromEntries(table.header.map((h, i) => [h, r[i] ?? null]))),
          null,
          2,
        ),
      );
    else
      for (const r of [table.header, ...table.rows])
        io.out(r.map((v) => (v === null ? '-' : String(v))).join('\t'));
    return 0;
  });
};

const RECEIPT_MAX_BYTES = 256 * 1024;
const JWKS_MAX_BYTES = 1024 * 1024;

function readSmallFile(file: string, what: string, max: number): string {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      `cannot read ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}`,
    );
  }
  if (!stat.isFile()) throw new CliError(`cannot read ${what} ${file}: not a file`);
  if (stat.size > max) throw new CliError(`${what} ${file} is too large (${stat.size} bytes) to be one`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function parseJwks(text: string, from: string): JSONWebKeySet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${from} is not JSON (expected a JWKS: {"keys": [...]})`);
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new CliError(`${from} is not a JWKS (no "keys" array)`);
  return { keys: keys.filter((k): k is JWK => typeof k === 'object' && k !== null) };
}

/** `--jwks`: an http(s) URL (fetched, 10 s, 1 MiB at most) or a file. */
async function loadJwks(source: string): Promise<{ jwks: JSONWebKeySet; origin: string | null }> {
  if (!/^https?:\/\//i.test(source)) {
    return { jwks: parseJwks(readSmallFile(source, 'key set', JWKS_MAX_BYTES), source), origin: null };
  }
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new CliError(`--jwks ${source} is not a valid URL`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    throw new CliError(
      `cannot fetch ${url.href}: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}`,
    );
  }
  if (!res.ok) throw new CliError(`cannot fetch ${url.href}: HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > JWKS_MAX_BYTES) throw new CliError(`${url.href} is too large to be a key set`);
  return { jwks: parseJwks(text, url.href), origin: url.origin };
}

/** `--min-age-hours`: a non-negative number of hours, at most a year (default: the day of MIN_NEXT_KEY_AGE_MS). */
function minAgeHours(value: string | undefined): number {
  if (value === undefined) return MIN_NEXT_KEY_AGE_MS;
  const v = value.trim();
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 8760)
    throw new CliError(`--min-age-hours must be a number of hours from 0 to 8760, got "${value}"`);
  return Math.round(Number(v) * 3_600_000);
}

function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 120 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.floor(minutes / 60)} hours`;
}

const moreCommands: Record<string, Handler> = {
  'keys rotate': async (args, io) => {
    const { values, positionals } = options(args, {
      purpose: { type: 'string' },
      'min-age-hours': { type: 'string' },
      force: { type: 'boolean' },
    });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const purpose = values.purpose ?? 'all';
    const purposes = purpose === 'all' ? KEY_PURPOSE_LIST : KEY_PURPOSE_LIST.filter((p) => p === purpose);
    if (purposes.length === 0) {
      throw new CliError(
        `--purpose must be one of ${[...KEY_PURPOSE_LIST, 'all'].join(', ')}, got "${purpose}"`,
      );
    }
    const minAgeMs = minAgeHours(values['min-age-hours']);
    const force = values.force === true;
    return withStore(io, async (store, _baseUrl, config) => {
      const master = loadMasterKey(config);
      let rotated: Awaited<ReturnType<typeof rotateSigningKeys>>;
      try {
        rotated = await rotateSigningKeys(store, master, purposes, {
          clock: io.clock ?? systemClock,
          minAgeMs,
          force,
          actor: 'system:cli',
        });
      } catch (err) {
        if (err instanceof NextKeyTooYoungError) {
          // Not a mistake of the operator's, and not a failure: "not yet". Its own exit code, so a
          // scheduled rotation can tell it apart and try again at the time named.
          io.err(`assay keys rotate: not rotated: ${err.message}.`);
          io.err(
            err.eligibleAt
              ? `Nothing was changed. Run it again from ${err.eligibleAt.toISOString()}, or pass --force (relying parties that cached the published keys before then cannot verify what the new key signs until they refresh).`
              : 'Nothing was changed. Start the server once, then rotate after the minimum age, or pass --force.',
          );
          return 3;
        }
        if (err instanceof RotationConflictError || err instanceof MasterKeyMismatchError)
          throw new CliError(err.message);
        throw err;
      }
      for (const r of rotated) {
        if (r.forced)
          io.err(
            `warning: --force: the ${r.purpose} key ${r.activated} ${r.nextAgeMs === null ? 'was never published before it signs' : `was published only ${formatAge(r.nextAgeMs)} ago`}; relying parties that cached the published keys before then cannot verify what it signs until they refresh. Recorded as forced.`,
          );
        io.out(
          `${r.purpose}: activated ${r.activated}; retired ${r.retired ?? '(none: first key)'}; next ${r.next}${r.forced ? ' (forced)' : ''}`,
        );
      }
      io.err(
        'Running servers sign with the new keys within a minute; retired keys still verify what they signed.',
      );
      return 0;
    });
  },
  'receipt verify': async (args, io) => {
    const { values, positionals } = options(args, {
      jwks: { type: 'string' },
      'audit-key': { type: 'string' },
    });
    if (positionals.length !== 1) throw new CliError('name exactly one receipt file (the .jws)');
    const text = readSmallFile(positionals[0]!, 'receipt', RECEIPT_MAX_BYTES);
    // A bare .jws, the armoured block of the receipt mail, or the saved mail (.eml) itself.
    const jws = extractReceipt(text);
    const { verifyReceipt, receiptLines } = await import('../vendor/receipts.js');
    let source: { jwks: JSONWebKeySet; origin: string | null; what: string };
    if (values.jwks !== undefined) {
      if (values.jwks.trim() === '') throw new CliError('--jwks needs a URL or a file');
      source = { ...(await loadJwks(values.jwks)), what: values.jwks };
    } else {
      const jwks = await withStore(io, (store) => publicJwks(store, { purpose: 'receipt' }));
      source = { jwks, origin: null, what: "this server's key table" };
    }
    const check = await verifyReceipt(source.jwks, jws);
    if (!check.ok) {
      io.err(`Receipt NOT verified: ${check.reason}.`);
      return 1;
    }
    // Keys fetched from a server prove only that server's receipts (RFC 8725 §3.8).
    if (source.origin !== null && new URL(check.payload.iss).origin !== source.origin) {
      io.err(
        `Receipt NOT verified: it names issuer ${check.payload.iss}, but the keys came from ${source.origin}.`,
      );
      return 1;
    }
    // The checkpoint and inclusion proof it carries must hold too (docs/audit.md "Receipts").
    const { auditVerifiers } = await import('../audit/checkpoints.js');
    const auditKeyFile = values['audit-key'];
    if (auditKeyFile !== undefined && !existsFile(auditKeyFile))
      throw new CliError(`cannot read ${auditKeyFile}`);
    const proof = await checkReceiptProof(check.payload, auditKeyFile, () =>
      withStore(io, (store) => auditVerifiers(store, '')),
    );
    if (!proof.ok) {
      io.err(`Receipt NOT verified: ${proof.reason}.`);
      return 1;
    }
    for (const line of receiptLines(check)) io.out(line);
    if (proof.line) io.out(proof.line);
    io.err(`Keys: ${source.what}.`);
    return 0;
  },
};
Object.assign(commands, moreCommands);
Object.assign(
  commands,
  auditCommands({
    options: options as CliKit['options'],
    fail: (message) => {
      throw new CliError(message);
    },
    withStore: (io, fn) => withStore(io as CliIo, (store) => fn(store)),
    withKeys: (io, fn) => withKeys(io as CliIo, fn),
    resolveTenant,
    // SQLite files only: workers open the file read-only. PostgreSQL verifies in one pass (docs/audit.md).
    parallelVerify: (io) => {
      const db = loadConfig((io as CliIo).env).database;
      return db.dialect === 'sqlite' && db.file !== ':memory:' ? sqliteParallelVerify(db.file) : undefined;
    },
    missingDatabase: (io) => {
      const db = loadConfig((io as CliIo).env).database;
      return db.dialect === 'sqlite' && db.file !== ':memory:' && !fs.existsSync(db.file) ? db.file : null;
    },
  }),
);

Object.assign(
  commands,
  privacyCommands({
    options: options as CliKit['options'],
    fail: (message) => {
      throw new CliError(message);
    },
    withMaster: (io, fn) =>
      withStore(io as CliIo, (store, _baseUrl, config) =>
        fn(store, loadMasterKey(config), configuredDevOutbox(config)),
      ),
    resolveTenant,
  }),
  tenantExitCommands({
    options: options as CliKit['options'],
    fail: (message) => {
      throw new CliError(message);
    },
    resolveTenant,
    withPorts: (io, fn) =>
      withStore(io as CliIo, async (store, baseUrl, config) => {
        const master = loadMasterKey(config);
        const blobs = config.dataDir
          ? nodeBlobs(path.join(config.dataDir, 'blobs'))
          : unconfiguredBlobs('no DATA_DIR is set');
        await ensureSigningKeys(store, master);
        const keys = createKeyRing(store, master, { clock: systemClock });
        const mail = configuredDevOutbox(config);
        const logger = createLogger({ level: 'warn' });
        return fn({ store, master, blobs, keys, baseUrl, logger, ...(mail ? { mail } : {}) });
      }),
  }),
);

/** Backup and restore act on the embedded database only; PostgreSQL has its own tools (docs/operations.md). */
function sqliteOnly(config: ReturnType<typeof loadConfig>, what: string): string {
  if (config.database.dialect !== 'sqlite') {
    throw new CliError(
      `${what} works on the embedded SQLite database; for PostgreSQL use pg_dump or point-in-time recovery (see docs/operations.md)`,
    );
  }
  return config.database.file;
}

const backupCommands: Record<string, Handler> = {
  backup: async (args, io) => {
    const { values, positionals } = options(args, { out: { type: 'string' } });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const out = required(values, 'out');
    const config = loadConfig(io.env);
    const dbFile = sqliteOnly(config, 'assay backup');
    const { backupDataDir, BackupError } = await import('../platform/node/backup.js');
    try {
      const r = await backupDataDir(config.dataDir, out, { dbFile });
      io.out(`Backed up the database and ${r.files} file(s) to ${out}.`);
      if (fs.existsSync(path.join(config.dataDir, 'master.key')))
        io.err('The backup holds master.key: keep it as safe as the key itself.');
      else
        io.err(
          'The master key (MASTER_KEY) is not in the backup: keep it separately; without it nothing restores.',
        );
      return 0;
    } catch (err) {
      if (err instanceof BackupError) throw new CliError(err.message);
      throw err;
    }
  },
  restore: async (args, io) => {
    const { values, positionals } = options(args, { force: { type: 'boolean' } });
    if (positionals.length !== 1) throw new CliError('name exactly one backup file');
    const config = loadConfig(io.env);
    const dbFile = sqliteOnly(config, 'assay restore');
    if (path.resolve(dbFile) !== path.join(config.dataDir, 'assay.db'))
      throw new CliError('assay restore writes DATA_DIR/assay.db; unset DATABASE_URL to restore');
    const { restoreDataDir, BackupError } = await import('../platform/node/backup.js');
    try {
      const r = await restoreDataDir(positionals[0]!, config.dataDir, { force: values.force ?? false });
      if (r.movedAside) io.err(`The previous DATA_DIR was moved to ${r.movedAside}.`);
      io.out(
        `Restored the backup of ${r.createdAt} (the database and ${r.files} file(s)) into ${config.dataDir}.`,
      );
      return 0;
    } catch (err) {
      if (err instanceof BackupError) throw new CliError(err.message);
      throw err;
    }
  },
};
Object.assign(commands, backupCommands);
commands['evidence verify'] = async (args, io) =>
  (await import('./evidence-commands.js')).evidenceVerify(args, io);

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  // One-word commands (backup, restore) take their arguments right after the name.
  const single = commands[argv[0]!] !== undefined;
  const name = single ? argv[0]! : `${argv[0]} ${argv[1] ?? ''}`.trim();
  const handler = commands[name];
  if (!handler) {
    io.err(`assay: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    return await handler(argv.slice(single ? 1 : 2), io);
  } catch (err) {
    if (err instanceof CliError) io.err(`assay ${name}: ${err.message}`);
    else if (
      err instanceof ConfigError ||
      err instanceof MigrationHistoryError ||
      err instanceof SchemaBehindError
    )
      io.err(err.message);
    else if (err instanceof ZodError) io.err(`assay ${name}: ${err.issues.map((i) => i.message).join('; ')}`);
    else {
      io.err(`assay ${name}: unexpected failure: ${(err as Error)?.message ?? String(err)}`);
      if (io.env.ASSAY_DEBUG) io.err(String((err as Error)?.stack));
      return 2;
    }
    return 1;
  }
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const code = await runCli(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    env: process.env,
  });
  process.exitCode = code;
}
