/**
 * `assay evidence verify [--tenant T]` (docs/evidence.md, "Verifying stored files"): decrypts every stored
 * version of every evidence file (of one tenant, or of all) and recomputes its SHA-256 against the row.
 * One line per failure (tenant, evidence id, assessment, version, reason, expected SHA-256), a summary
 * on stderr; a version whose check fails unexpectedly (a read error) is a failure line with reason
 * `error`, and the rest are still checked; exit 1 on any failure, 0 when every file checks out. Read-only: it records nothing.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findTenants, listTenants } from '../db/repo/tenants.js';
import { verifyTenantEvidence } from '../evidence/verify.js';
import { nodeBlobs } from '../platform/node/blobs.js';
import { loadConfig } from '../platform/node/config.js';
import { loadMasterKey } from '../platform/node/master-key-file.js';
import { openStore } from '../platform/node/open-store.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
}

const NAME = 'assay evidence verify';

export async function evidenceVerify(args: string[], io: Io): Promise<number> {
  let tenant: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { tenant: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length) throw new Error(`unexpected argument "${positionals[0]}"`);
    tenant = values.tenant;
    if (tenant !== undefined && tenant.trim() === '') throw new Error('--tenant needs a tenant id or name');
  } catch (err) {
    io.err(`${NAME}: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '.')}`);
    return 1;
  }
  const config = loadConfig(io.env);
  if (!config.dataDir) {
    io.err(`${NAME}: no DATA_DIR is set, so there are no stored files to read`);
    return 1;
  }
  const master = loadMasterKey(config);
  const blobs = nodeBlobs(path.join(config.dataDir, 'blobs'));
  const store = await openStore(config, (m) => io.err(`warning: ${m}`));
  try {
    const all = await store
      .as({ system: 'cli' })
      .read((g) => (tenant ? findTenants(g, tenant) : listTenants(g)));
    if (tenant && all.length !== 1) {
      io.err(
        all.length === 0
          ? `${NAME}: no tenant with id or name "${tenant}" (see: assay tenant list)`
          : `${NAME}: "${tenant}" names ${all.length} tenants; use the tenant id`,
      );
      return 1;
    }
    let checked = 0;
    let skipped = 0;
    let failed = 0;
    for (const t of all) {
      const r = await verifyTenantEvidence({ store, master, blobs }, t.id, (f) =>
        io.out(
          `FAIL\ttenant ${f.tenantId}\tevidence ${f.evidenceId}\tassessment ${f.assessmentId}\tversion ${f.version}\t${f.reason}: ${f.detail}\texpected sha256 ${f.expected}`,
        ),
      );
      checked += r.checked;
      skipped += r.skipped;
      failed += r.failed;
    }
    io.err(
      `${failed === 0 ? 'OK' : 'FAILED'}: ${checked} stored file version(s) checked in ${all.length} tenant(s), ${failed} failed${skipped ? `, ${skipped} destroyed (skipped)` : ''}.`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}
