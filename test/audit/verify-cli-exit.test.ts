/**
 * `assay audit verify` as cron or CI runs it: the built CLI in its own process. It must exit (a worker
 * thread it started but never used once kept the process alive: the report printed, the exit code never
 * came), and a mistyped database path is an error, not a new empty database that verifies.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { openTrail, type Trail } from './support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let t: Trail;
const dirs: string[] = [];

beforeAll(async () => {
  t = await openTrail('sqlite');
}, 60_000);
afterAll(async () => {
  await t?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function verify(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/assay.js'), 'audit', 'verify', ...args], {
    encoding: 'utf8',
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH, BASE_URL: 'https://assay.test', ...env },
    timeout: 30_000,
  });
  return { code: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr.trim() };
}

it('exits on a short trail, intact and edited, without using its worker threads', async () => {
  const env = { DATA_DIR: path.dirname(t.file!) };
  const ok = verify(env, '--tenant', t.tenantId);
  expect(ok).toMatchObject({ code: 0, signal: null, err: '' });
  expect(ok.out).toContain(': ok, ');
  await t.attacker.run([
    ['UPDATE audit_log SET target = ? WHERE tenant_id = ? AND seq = ?', ['x', t.tenantId, 2]],
  ]);
  const bad = verify(env);
  expect(bad).toMatchObject({ code: 1, signal: null });
  expect(bad.err).toContain('FAILED (edited) at entry 2');
});

it('refuses a data folder without a database, and creates none', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-verify-nodb-'));
  dirs.push(empty);
  const r = verify({ DATA_DIR: empty });
  expect(r.signal).toBeNull();
  expect(r.code).not.toBe(0);
  expect(r.err).toContain('no database at');
  expect(fs.readdirSync(empty).filter((f) => f.endsWith('.db'))).toEqual([]);
});

it('says so when the database holds no tenant', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-verify-empty-'));
  dirs.push(dir);
  await openSqliteStore({ file: path.join(dir, path.basename(t.file!)) }).close();
  const r = verify({ DATA_DIR: dir });
  expect(r).toMatchObject({
    code: 0,
    signal: null,
    out: '',
    err: 'No tenants in this database: nothing to verify.',
  });
});
