/**
 * `assay audit verify` on a SQLite file long enough for worker threads (above MIN_PARALLEL_ENTRIES),
 * from source (runCli, the worker through tsx) and from the built CLI (bin/assay.js → dist/cli.js and
 * dist/audit-verify-worker.js, built by the suite's global set-up): the same lines as a single pass,
 * on an intact trail and with an entry edited at the first seam.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeCheckpoint } from '../../src/audit/checkpoints.js';
import { describeReport, planRanges, verifyTenantTrail } from '../../src/audit/verify.js';
import { type CliIo, runCli } from '../../src/cli/main.js';
import { MIN_PARALLEL_ENTRIES } from '../../src/platform/node/audit-verify-pool.js';
import { appendDirect } from './parallel.js';
import { openTrail, type Trail } from './support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let t: Trail;
let env: Record<string, string>;

beforeAll(async () => {
  t = await openTrail('sqlite');
  appendDirect(t.file!, t.tenantId, MIN_PARALLEL_ENTRIES + 5000);
  await makeCheckpoint(t.deps, t.tenantId, 'periodic');
  env = { DATA_DIR: path.dirname(t.file!), BASE_URL: 'https://assay.test' };
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function fromSource(): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  const code = await runCli(['audit', 'verify', '--tenant', t.tenantId], io);
  return { code, out, err };
}

function built() {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin/assay.js'), 'audit', 'verify', '--tenant', t.tenantId],
    {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH, ...env },
    },
  );
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

it('an intact trail: ok from source and from dist/, as the single pass says', async () => {
  const single = describeReport(await verifyTenantTrail(t.store, t.tenantId));
  expect(single).toContain(`: ok, ${MIN_PARALLEL_ENTRIES + 5002} entries, 1 checkpoint, latest signs`);
  expect(await fromSource()).toEqual({ code: 0, out: [single], err: [] });
  expect(built()).toEqual({ code: 0, out: single, err: '' });
});

it('an entry edited at the first seam: the same failure line from both CLIs', async () => {
  const head = MIN_PARALLEL_ENTRIES + 5000 + 2; // seedTenant's entries come first
  const ranges = planRanges(head, { threads: os.availableParallelism() });
  const seq = ranges[1]?.from ?? 5000;
  await t.attacker.run([
    ['UPDATE audit_log SET target = ? WHERE tenant_id = ? AND seq = ?', ['x', t.tenantId, seq]],
  ]);
  const single = await verifyTenantTrail(t.store, t.tenantId);
  expect(single.problem).toMatchObject({ kind: 'edited', seq });
  const line = describeReport(single);
  const failed = '1 of 1 tenant trail FAILED.';
  expect(await fromSource()).toEqual({ code: 1, out: [], err: [line, failed] });
  expect(built()).toEqual({ code: 1, out: '', err: `${line}\n${failed}` });
});
