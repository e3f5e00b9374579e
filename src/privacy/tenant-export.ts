/**
 * Tenant exit, part one (EU Data Act Art. 23–25; docs/tenant-exit.md): everything the tenant holds, as
 * one streamed ZIP. `data/<table>.json` is every tenant table (vendor contacts opened, since this is the
 * tenant's own data; wrapped keys left out, since they open nothing outside this server), `schema.json`
 * a JSON Schema (2020-12) of those files, `evidence/<id>/<name>` each evidence file decrypted and checked
 * against its SHA-256, `audit/` exactly what `assay audit export` writes, and README.md. Rows are read a
 * page at a time and files a chunk at a time as the reader pulls, so memory does not grow with the tenant.
 */
import { and, asc, eq, getTableColumns, gt } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { canonicalEntry } from '../audit/chain.js';
import { ed25519Pem } from '../audit/export.js';
import { rawEd25519 } from '../audit/note.js';
import { listAudit, listCheckpoints } from '../db/repo/audit.js';
import * as repo from '../db/repo/index.js';
import { listPublishedKeys } from '../db/repo/keys.js';
import { sqliteTables } from '../db/schema.sqlite.js';
import type { TenantReadCtx } from '../db/store.js';
import type { Tables } from '../db/tables.js';
import { MissingBlobError, openDownload } from '../evidence/download.js';
import type { Ports } from '../platform/ports.js';
import { contactDataFor } from '../vendor/contact-data.js';
import { type ZipEntry, zipStream } from './zip.js';
import { portableName, UniqueNames } from './zip-names.js';

type TableKey = keyof Tables;
export type ExportPorts = Pick<Ports, 'store' | 'master' | 'blobs'>;

/** Left out of `data/`: wrapped keys (useless and sensitive), and the audit trail (it is under `audit/`). */
const NOT_EXPORTED = new Set<TableKey>(['tenantKeys', 'auditLog', 'auditCheckpoints', 'auditMerkleBlocks']);
/** Columns replaced by what they hold: a contact's sealed fields are exported opened. */
const OPENED: Partial<Record<TableKey, { drop: string[]; add: Record<string, object> }>> = {
  vendorContacts: {
    drop: ['sealed'],
    add: {
      name: { type: ['string', 'null'] },
      email: { type: ['string', 'null'] },
      phone: { type: ['string', 'null'] },
      role: { type: ['string', 'null'] },
    },
  },
};

export const EXPORTED_TABLES: readonly TableKey[] = (Object.keys(sqliteTables) as TableKey[])
  .filter((k) => repo.PURGE_ORDER.includes(k) && !NOT_EXPORTED.has(k))
  .sort();

/** The property of a table's primary-key column (keyset pagination): `id`, `jti`, or `tenantId` for one-row tables. */
const keyColumnOf = (key: TableKey): string => {
  const cols = Object.entries(getTableColumns(sqliteTables[key] as never)) as [
    string,
    { primary: boolean },
  ][];
  const pk = cols.find(([, c]) => c.primary);
  if (!pk) throw new Error(`table ${key} has no single-column primary key`);
  return pk[0];
};

const fileOf = (key: TableKey) => `data/${getTableConfig(sqliteTables[key] as never).name}.json`;

function columnSchema(col: { dataType: string; notNull: boolean; columnType: string }): object {
  const base =
    col.dataType === 'date'
      ? { type: 'string', format: 'date-time' }
      : col.dataType === 'number'
        ? { type: 'number' }
        : col.dataType === 'boolean'
          ? { type: 'boolean' }
          : col.dataType === 'json'
            ? {}
            : { type: 'string' };
  if (col.notNull || !('type' in base)) return base;
  return { ...base, type: [base.type, 'null'] };
}

/** The JSON Schema of every `data/*.json` file, keyed by file name under `$defs` and `properties`. */
export function exportSchema(): object {
  const files: Record<string, object> = {};
  for (const key of EXPORTED_TABLES) {
    const props: Record<string, object> = {};
    const opened = OPENED[key];
    for (const [name, col] of Object.entries(getTableColumns(sqliteTables[key] as never))) {
      if (opened?.drop.includes(name)) continue;
      props[name] = columnSchema(col as never);
    }
    Object.assign(props, opened?.add ?? {});
    files[fileOf(key)] = {
      type: 'array',
      items: { type: 'object', properties: props, required: Object.keys(props), additionalProperties: false },
    };
  }
  files['tenant.json'] = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      settings: { type: 'object' },
      exportedAt: { type: 'string', format: 'date-time' },
    },
    required: ['id', 'name', 'createdAt', 'settings', 'exportedAt'],
    additionalProperties: false,
  };
  files['evidence.json'] = {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        path: { type: ['string', 'null'] },
        fileName: {
          type: 'string',
          description: 'The name as uploaded (the path holds a portable form of it).',
        },
        sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        size: { type: 'number' },
        missing: { type: 'boolean' },
      },
      required: ['id', 'path', 'fileName', 'sha256', 'size'],
      additionalProperties: false,
    },
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Assay tenant export',
    description: 'Each key of `files` is a path in the archive; its value is the schema of that file.',
    type: 'object',
    properties: { files: { type: 'object', properties: files } },
  };
}

const PAGE = 500;
const enc = new TextEncoder();

const toJson = (row: Record<string, unknown>) =>
  JSON.stringify(row, (_k, v) => (v instanceof Date ? v.toISOString() : v));

/** A table's rows as a JSON array, a page at a time (keyset on id). */
async function* tableJson(ports: ExportPorts, tenantId: string, key: TableKey): AsyncIterable<Uint8Array> {
  const scope = ports.store.tenant(tenantId);
  const contacts = contactDataFor(ports);
  const pk = keyColumnOf(key);
  yield enc.encode('[');
  let first = true;
  for (let after = ''; ; ) {
    const rows = await scope.read((ctx: TenantReadCtx) => {
      const table = ctx.t[key] as typeof ctx.t.vendors;
      const keyCol = (table as unknown as Record<string, typeof table.id>)[pk]!;
      return ctx.db
        .select()
        .from(table)
        .where(and(eq(table.tenantId, ctx.tenantId), gt(keyCol, after)))
        .orderBy(asc(keyCol))
        .limit(PAGE) as Promise<Record<string, unknown>[]>;
    });
    const out: string[] = [];
    for (const row of rows) {
      let r = row;
      if (key === 'vendorContacts') {
        const c = await contacts.open(tenantId, row as unknown as repo.ContactRow);
        const { sealed: _s, ...rest } = row;
        r = { ...rest, name: c.name, email: c.email, phone: c.phone, role: c.role };
      }
      out.push(`${first ? '\n' : ',\n'}${toJson(r)}`);
      first = false;
    }
    if (out.length) yield enc.encode(out.join(''));
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]![pk] as string;
  }
  yield enc.encode('\n]\n');
}

/**
 * An evidence file's archive path: its id folder, then its name made portable (src/privacy/zip-names.ts:
 * no characters, device names or trailing dots Windows refuses, a length cap, unique per folder). The
 * name as uploaded is in evidence.json (`fileName`) and data/evidence.json.
 */
const evidencePath = (names: UniqueNames, id: string, name: string) =>
  `evidence/${id}/${names.take(`evidence/${id}`, portableName(name))}`;

async function* streamOf(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Every live evidence row (not removed, key not destroyed), a page at a time. */
async function* evidenceRows(ports: ExportPorts, tenantId: string) {
  const scope = ports.store.tenant(tenantId);
  for (let after = ''; ; ) {
    const rows = await scope.read(({ db, t, tenantId: tid }) =>
      db
        .select({
          id: t.evidence.id,
          fileName: t.evidence.fileName,
          sha256: t.evidence.sha256,
          size: t.evidence.size,
        })
        .from(t.evidence)
        .where(and(eq(t.evidence.tenantId, tid), gt(t.evidence.id, after)))
        .orderBy(asc(t.evidence.id))
        .limit(PAGE),
    );
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

const README = `# Assay tenant export

- \`tenant.json\`: the tenant (id, name, settings) and when this export was made.
- \`data/<table>.json\`: every row of every table the tenant owns, as a JSON array. Vendor contacts are
  exported with their fields opened (name, email, phone, role). Times are ISO 8601 in UTC.
- \`schema.json\`: a JSON Schema (draft 2020-12) of every file above, under \`properties.files\`.
- \`evidence/<id>/<file name>\`: each evidence file, decrypted, under a portable form of its name (characters,
  device names and trailing dots Windows refuses replaced, at most 120 characters); \`evidence.json\` lists
  them with the name as uploaded (\`fileName\`), their SHA-256, which \`sha256sum\` reproduces. A file
  whose content was missing from storage when the export was made is listed with \`"missing": true\` and
  \`"path": null\` (its SHA-256 and size are what was uploaded); there is no file for it in \`evidence/\`.
- \`audit/\`: the audit trail exactly as \`assay audit export\` writes it (\`log.jsonl\`, \`checkpoints/\`,
  \`checkpoint.txt\`, \`audit-key.pem\`, \`keys/\`). Verify it with the recipe in Assay's docs/audit.md:
  line n's hash is SHA-256(hash(n-1) || "\\n" || line n), and the checkpoint's signature verifies with
  \`openssl pkeyutl -verify -pubin -inkey audit/audit-key.pem -rawin\`.
`;

/**
 * `audit/`: the same files as `buildExport` (src/audit/export.ts, what `assay audit export` writes), but
 * with `log.jsonl` streamed a page at a time instead of built in memory. The test compares the two byte
 * for byte.
 */
async function* auditEntries(ports: ExportPorts, tenantId: string): AsyncIterable<ZipEntry> {
  const scope = ports.store.tenant(tenantId);
  // The log up to the latest checkpoint, as buildExport writes it: the export's callers sign one at the
  // head first, so only entries appended while it streams are left out (no signature would cover them).
  const checkpoints = await scope.read((ctx) => listCheckpoints(ctx));
  const size = checkpoints.at(-1)?.treeSize ?? 0;
  async function* log(): AsyncIterable<Uint8Array> {
    for (let after = 0; after < size; ) {
      const rows = await scope.read((ctx) =>
        listAudit(ctx, { afterSeq: after, limit: Math.min(PAGE, size - after) }),
      );
      const lines = rows.filter((e) => e.seq <= size);
      if (lines.length)
        yield enc.encode(lines.map(({ this_hash: _, ...e }) => `${canonicalEntry(e)}\n`).join(''));
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.seq;
    }
  }
  yield { name: 'audit/log.jsonl', data: log() };
  const keys = await ports.store.global.read((g) => listPublishedKeys(g, 'audit'));
  for (const c of checkpoints) yield { name: `audit/checkpoints/${c.treeSize}.txt`, data: c.note };
  const latest = checkpoints[checkpoints.length - 1];
  if (latest) yield { name: 'audit/checkpoint.txt', data: latest.note };
  for (const k of keys) yield { name: `audit/keys/${k.kid}.pem`, data: ed25519Pem(rawEd25519(k.publicJwk)) };
  const signer = keys.find((k) => k.kid === latest?.kid) ?? keys.find((k) => k.status === 'active');
  if (signer) yield { name: 'audit/audit-key.pem', data: ed25519Pem(rawEd25519(signer.publicJwk)) };
}

type MissingFile = { id: string; path: null; fileName: string; sha256: string; size: number; missing: true };

/** The entries of a tenant's export, produced as the ZIP writer pulls them. */
export async function* tenantExportEntries(
  ports: ExportPorts,
  tenantId: string,
  now: Date,
): AsyncIterable<ZipEntry> {
  const tenant = await ports.store.tenant(tenantId).read((ctx) => repo.getTenantWithSettings(ctx));
  if (!tenant) throw new Error('no such tenant');
  yield { name: 'README.md', data: README };
  yield {
    name: 'tenant.json',
    data: `${toJson({ id: tenant.id, name: tenant.name, createdAt: tenant.createdAt, settings: tenant.settings, exportedAt: now })}\n`,
  };
  yield { name: 'schema.json', data: `${JSON.stringify(exportSchema(), null, 2)}\n` };
  for (const key of EXPORTED_TABLES) yield { name: fileOf(key), data: tableJson(ports, tenantId, key) };
  const listed: (
    | { id: string; path: string; fileName: string; sha256: string; size: number }
    | MissingFile
  )[] = [];
  const names = new UniqueNames();
  for await (const row of evidenceRows(ports, tenantId)) {
    let opened: Awaited<ReturnType<typeof openDownload>>;
    try {
      opened = await openDownload(ports, { tenantId, evidenceId: row.id });
    } catch (err) {
      // A file whose blob is gone from storage is listed as missing, with the digest it had: the export
      // says so rather than leave it out unnoticed (or break off the archive half way).
      if (!(err instanceof MissingBlobError)) throw err;
      listed.push({
        id: row.id,
        path: null,
        fileName: row.fileName,
        sha256: row.sha256,
        size: row.size,
        missing: true,
      });
      continue;
    }
    if (!opened) continue;
    const path = evidencePath(names, row.id, row.fileName);
    listed.push({ id: row.id, path, fileName: row.fileName, sha256: row.sha256, size: row.size });
    yield { name: path, data: streamOf(opened.body) };
  }
  yield { name: 'evidence.json', data: `${JSON.stringify(listed, null, 2)}\n` };
  yield* auditEntries(ports, tenantId);
}

/** The export as a stream of ZIP bytes. */
export function tenantExportZip(ports: ExportPorts, tenantId: string, now: Date): ReadableStream<Uint8Array> {
  return zipStream(tenantExportEntries(ports, tenantId, now));
}
