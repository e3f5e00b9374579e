/**
 * The `assay` command line. Exit 0 on success, 1 on a user error with a clear message (never a stack
 * trace for bad input), 2 on an unexpected failure.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { findTenants, listTenants } from '../db/repo/tenants.js';
import type { Store } from '../db/store.js';
import { createKeyRing, type KeyRing } from '../keys/keyring.js';
import { ensureSigningKeys } from '../keys/signing-keys.js';
import { ConfigError, loadConfig } from '../platform/node/config.js';
import { loadMasterKey } from '../platform/node/master-key-file.js';
import { MigrationHistoryError } from '../platform/node/migration-history.js';
import { openStore } from '../platform/node/open-store.js';
import { systemClock } from '../platform/ports.js';
import { createTenantWithAdmin } from '../workspace/tenants.js';

class CliError extends Error {}

const USAGE = `Usage: assay <command> [options]

Commands:
  tenant create --name NAME --admin-email EMAIL   create a tenant and print its admin's one-time set-up link
  tenant list                                     list tenants (id, then name)
  questionnaire lint FILE...                      check questionnaire files (exit 1 on any error)
  questionnaire publish --tenant T FILE           publish a questionnaire version for a tenant (id or name)
  assessment send --tenant T --questionnaire ID[@VERSION] --vendor-name N --contact-email E
      [--contact-name N] [--due YYYY-MM-DD] [--otp] [--link-hours H] [--context KEY=VALUE]... [--locale en|de]
                                                  send a questionnaire; prints the assessment id (the link goes only by email)
  assessment list --tenant T [--json]             list assessments: id, vendor, questionnaire, status, due date, score
  keys rotate [--purpose link|receipt|audit|all]  activate new signing keys and retire the old ones (default: all)
  receipt verify FILE [--jwks URL|FILE]           check a submission receipt offline (default keys: this server's)

Configuration comes from the environment (DATABASE_URL, DATA_DIR, BASE_URL, …; see README).`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
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
  fn: (store: Store, keys: KeyRing, baseUrl: string) => Promise<T>,
): Promise<T> {
  return withStore(io, async (store, baseUrl, config) => {
    const master = loadMasterKey(config);
    await ensureSigningKeys(store, master);
    return fn(store, createKeyRing(store, master, { clock: systemClock }), baseUrl);
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
    const { positionals } = options(args, {});
    if (positionals.length === 0) throw new CliError('name at least one questionnaire file');
    // Loaded on demand: the other commands do not need the engine.
    const { lintFiles } = await import('../platform/node/questionnaire-files.js');
    const result = lintFiles(positionals);
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
    };
    const { sendAssessment, SendError } = await import('../workspace/assessments.js');
    const { loadLibrary, shippedSource } = await import('../platform/node/questionnaire-files.js');
    const { nodeTemplates } = await import('../platform/node/views.js');
    return withKeys(io, async (store, keys, baseUrl) => {
      const tenantId = await resolveTenant(store, tenant);
      try {
        const library = loadLibrary();
        const sent = await sendAssessment(
          {
            store,
            keys,
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
      for (const l of lines) {
        const score = l.score === null ? '-' : `${l.score.toFixed(1)}${l.rating ? ` ${l.rating}` : ''}`;
        io.out([l.id, l.vendor, l.questionnaire, l.status, l.dueDate ?? '-', score].join('\t'));
      }
      return 0;
    });
  },
};

const KEY_PURPOSES_CLI = ['link', 'receipt', 'audit'] as const;

Object.assign(commands, {
  'keys rotate': (async (args, io) => {
    const { values, positionals } = options(args, { purpose: { type: 'string' } });
    if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"`);
    const which = values.purpose ?? 'all';
    if (which !== 'all' && !(KEY_PURPOSES_CLI as readonly string[]).includes(which))
      throw new CliError(`--purpose must be link, receipt, audit or all, got "${which}"`);
    const purposes = which === 'all' ? KEY_PURPOSES_CLI : [which as (typeof KEY_PURPOSES_CLI)[number]];
    const { rotateKeys } = await import('../keys/rotate.js');
    return withStore(io, async (store, _baseUrl, config) => {
      const master = loadMasterKey(config);
      for (const r of await rotateKeys(store, master, purposes)) {
        io.out(`${r.purpose}: activated ${r.activated}${r.retired ? `, retired ${r.retired}` : ''}`);
      }
      io.err(
        'Running servers sign with the new keys within a minute; retired keys keep verifying what they signed.',
      );
      return 0;
    });
  }) as Handler,
  'receipt verify': (async (args, io) => {
    const { values, positionals } = options(args, { jwks: { type: 'string' } });
    if (positionals.length !== 1) throw new CliError('name exactly one receipt file');
    const file = positionals[0]!;
    let text: string;
    try {
      const { statSync } = await import('node:fs');
      if (statSync(file).size > 1024 * 1024) throw new CliError(`${file} is too large to be a receipt`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const receipts = await import('../vendor/receipts.js');
    const jws = receipts.extractReceipt(text);
    if (!jws)
      throw new CliError(
        `${file} does not hold a receipt (a compact JWS, or the block from the receipt email)`,
      );
    const print = (r: Awaited<ReturnType<typeof receipts.verifyReceiptWithKeys>>) => {
      if (!r.ok) {
        io.err(`assay receipt verify: NOT VALID: ${r.reason}`);
        return 1;
      }
      const p = r.payload;
      io.out('Receipt VALID');
      io.out(`  issuer         ${p.iss}`);
      io.out(`  key            ${r.kid}`);
      io.out(`  tenant         ${p.tenant?.name} (${p.tenant?.id})`);
      io.out(`  assessment     ${p.assessment}`);
      io.out(`  vendor         ${p.vendor}`);
      io.out(`  questionnaire  ${p.questionnaire?.ref} (source SHA-256 ${p.questionnaire?.sourceSha256})`);
      io.out(`  submitted at   ${p.submittedAt}`);
      io.out(`  answers        ${p.answers?.count} (SHA-256 of the RFC 8785 form ${p.answers?.digest})`);
      io.out(
        `  files          ${p.evidence?.length ?? 0}${(p.evidence ?? []).map((e) => `\n    ${e.sha256}  ${e.size} bytes`).join('')}`,
      );
      io.out(
        `  score          ${p.score ?? '-'} (band ${p.band ?? '-'}, rating ${p.rating ?? '-'}, ${p.findings} findings)`,
      );
      return 0;
    };
    if (values.jwks) {
      const src = values.jwks;
      if (/^https?:\/\//.test(src)) return print(await receipts.verifyReceiptWithJwks(new URL(src), jws));
      let set: unknown;
      try {
        set = JSON.parse(readFileSync(src, 'utf8'));
      } catch (err) {
        throw new CliError(
          `cannot read the JWKS ${src}: ${(err as NodeJS.ErrnoException).code ?? 'not JSON'}`,
        );
      }
      if (!set || typeof set !== 'object' || !Array.isArray((set as { keys?: unknown }).keys))
        throw new CliError(`${src} is not a JWKS (an object with "keys")`);
      return print(await receipts.verifyReceiptWithJwks(set as never, jws));
    }
    return withKeys(io, async (_store, keys) => print(await receipts.verifyReceiptWithKeys(keys, jws)));
  }) as Handler,
});

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  const name = `${argv[0]} ${argv[1] ?? ''}`.trim();
  const handler = commands[name];
  if (!handler) {
    io.err(`assay: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    return await handler(argv.slice(2), io);
  } catch (err) {
    if (err instanceof CliError) io.err(`assay ${name}: ${err.message}`);
    else if (err instanceof ConfigError || err instanceof MigrationHistoryError) io.err(err.message);
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
