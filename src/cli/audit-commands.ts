/**
 * `assay audit verify [--tenant T] [--checkpoint FILE]…`, `assay audit export --tenant T --out DIR` and
 * `assay audit checkpoint --tenant T`. Verify exits 1 naming the tenant, the first bad entry and why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeCheckpoint } from '../audit/checkpoints.js';
import { buildExport } from '../audit/export.js';
import { checkReceiptAudit, type ReceiptAudit } from '../audit/receipt-proof.js';
import { describeReport, type ParallelVerify, verifyTenantTrail } from '../audit/verify.js';
import { listTenants } from '../db/repo/tenants.js';
import type { Store } from '../db/store.js';
import type { KeyRing } from '../keys/keyring.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

/** What main.ts lends these commands (its argument parsing, store and tenant lookup). */
export interface CliKit {
  options(
    args: string[],
    spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
  ): { values: Record<string, unknown>; positionals: string[] };
  fail(message: string): never;
  withStore<T>(io: Io, fn: (store: Store) => Promise<T>): Promise<T>;
  withKeys<T>(io: Io, fn: (store: Store, keys: KeyRing, baseUrl: string) => Promise<T>): Promise<T>;
  resolveTenant(store: Store, idOrName: string): Promise<string>;
  /** Worker threads for a long trail's verify, where the database allows (a SQLite file); else none. The
   * command ends them when it is done. */
  parallelVerify(io: Io): (ParallelVerify & { close(): Promise<void> }) | undefined;
  /** The configured SQLite file when it does not exist (opening it would create an empty database). */
  missingDatabase(io: Io): string | null;
}

const CHECKPOINT_MAX_BYTES = 4096;

export function auditCommands(kit: CliKit): Record<string, (args: string[], io: Io) => Promise<number>> {
  const noPositionals = (p: string[]) => {
    if (p.length) kit.fail(`unexpected argument "${p[0]}"`);
  };
  const tenantOf = (values: Record<string, unknown>) => {
    const t = values.tenant;
    if (typeof t !== 'string' || t.trim() === '') kit.fail('--tenant is required');
    return t as string;
  };
  return {
    'audit verify': async (args, io) => {
      const { values, positionals } = kit.options(args, {
        tenant: { type: 'string' },
        checkpoint: { type: 'string', multiple: true },
      });
      noPositionals(positionals);
      const extra = ((values.checkpoint as string[] | undefined) ?? []).map((file) => {
        let stat: fs.Stats;
        try {
          stat = fs.statSync(file);
        } catch {
          kit.fail(`cannot read checkpoint file ${file}`);
        }
        if (!stat.isFile() || stat.size > CHECKPOINT_MAX_BYTES) kit.fail(`${file} is not a checkpoint file`);
        return { note: fs.readFileSync(file, 'utf8'), source: `checkpoint file ${file}` };
      });
      // Verifying a mistyped path must not create an empty database and report nothing wrong.
      const missing = kit.missingDatabase(io);
      if (missing !== null) kit.fail(`no database at ${missing} (check DATA_DIR or DATABASE_URL)`);
      const parallel = kit.parallelVerify(io);
      try {
        return await kit.withStore(io, async (store) => {
          const tenants =
            values.tenant !== undefined
              ? [await kit.resolveTenant(store, tenantOf(values))]
              : (await store.as({ system: 'cli' }).read((g) => listTenants(g))).map((t) => t.id);
          if (extra.length && tenants.length !== 1) kit.fail('--checkpoint needs --tenant');
          if (tenants.length === 0) io.err('No tenants in this database: nothing to verify.');
          let failed = 0;
          for (const id of tenants) {
            const report = await verifyTenantTrail(store, id, {
              extraCheckpoints: extra,
              ...(parallel ? { parallel } : {}),
            });
            if (report.ok) io.out(describeReport(report));
            else {
              io.err(describeReport(report));
              failed++;
            }
          }
          if (failed)
            io.err(`${failed} of ${tenants.length} tenant trail${tenants.length === 1 ? '' : 's'} FAILED.`);
          return failed ? 1 : 0;
        });
      } finally {
        await parallel?.close();
      }
    },
    'audit export': async (args, io) => {
      const { values, positionals } = kit.options(args, {
        tenant: { type: 'string' },
        out: { type: 'string' },
      });
      noPositionals(positionals);
      const tenant = tenantOf(values);
      const out = values.out;
      if (typeof out !== 'string' || out.trim() === '') kit.fail('--out is required (a directory)');
      const dir = path.resolve(out as string);
      if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0))
        kit.fail(`${dir} exists and is not an empty directory`);
      return kit.withKeys(io, async (store, keys, baseUrl) => {
        const id = await kit.resolveTenant(store, tenant);
        // Signs a checkpoint at the head first (src/audit/export.ts): a line cut from the end then shows.
        const files = await buildExport({ store, keys, baseUrl }, id);
        for (const f of files) {
          const target = path.join(dir, f.path);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, f.content);
        }
        const lines = files.find((f) => f.path === 'log.jsonl')!.content.split('\n').length - 1;
        io.out(
          `Exported ${lines} entries and ${files.filter((f) => f.path.startsWith('checkpoints/')).length} checkpoints of tenant ${id} to ${dir}.`,
        );
        io.err('Check it with the recipe in docs/audit.md (openssl, sha256sum and sh only).');
        return 0;
      });
    },
    'audit checkpoint': async (args, io) => {
      const { values, positionals } = kit.options(args, { tenant: { type: 'string' } });
      noPositionals(positionals);
      const tenant = tenantOf(values);
      return kit.withKeys(io, async (store, keys, baseUrl) => {
        const id = await kit.resolveTenant(store, tenant);
        const c = await makeCheckpoint({ store, keys, baseUrl }, id, 'on-demand');
        if (!c) kit.fail(`tenant ${id} has no audit entries yet`);
        io.out(c.note.trimEnd());
        return 0;
      });
    },
  };
}

/** The 32 raw bytes of an Ed25519 SPKI PEM (the well-known audit key, or an export's audit-key.pem). */
export function ed25519FromPem(pem: string): Uint8Array | null {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem);
  if (!m) return null;
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  if (der.length !== 44 || !der.subarray(0, 12).equals(prefix)) return null;
  return new Uint8Array(der.subarray(12));
}

/**
 * `assay receipt verify`'s audit part: a receipt that carries a checkpoint and an inclusion proof is
 * verified only if the checkpoint's signature and the proof hold. Keys: every PEM block in
 * `auditKeyFile`, else the key table.
 */
export async function checkReceiptProof(
  payload: { tenant: { id: string }; audit?: ReceiptAudit },
  auditKeyFile: string | undefined,
  keyTable: () => Promise<{ publicKey: Uint8Array }[]>,
): Promise<{ ok: true; line: string | null } | { ok: false; reason: string }> {
  if (!payload.audit?.checkpoint) return { ok: true, line: null };
  let keys: { publicKey: Uint8Array }[];
  if (auditKeyFile !== undefined) {
    const text = fs.readFileSync(auditKeyFile, 'utf8');
    keys = text
      .split(/(?=-----BEGIN PUBLIC KEY-----)/)
      .map(ed25519FromPem)
      .filter((k): k is Uint8Array => k !== null)
      .map((publicKey) => ({ publicKey }));
    if (!keys.length) return { ok: false, reason: `${auditKeyFile} holds no Ed25519 public key` };
  } else keys = await keyTable();
  const check = await checkReceiptAudit(payload.audit, payload.tenant.id, keys);
  if (!check.ok) return { ok: false, reason: check.reason };
  return {
    ok: true,
    line: `Audit trail:   entry ${payload.audit.seq} is in the signed checkpoint of ${check.treeSize} entries of ${check.origin} (inclusion proof verified)`,
  };
}
