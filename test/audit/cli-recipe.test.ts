/**
 * `assay audit verify` and `assay audit export` on SQLite and PostgreSQL, and the auditor's recipe
 * (test/audit/recipe.sh: sh, sha256sum and openssl only, the real binaries) against a good export and
 * against each tampering: an edited field, a deleted entry, deleted last entries, two reordered entries,
 * a forged checkpoint, and a mailed checkpoint that contradicts a rewritten history.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../../src/audit/checkpoints.js';
import { leafHash, rootOf } from '../../src/audit/merkle.js';
import { type CliIo, runCli } from '../../src/cli/main.js';
import { pgAvailable } from '../support/stores.js';
import {
  appendEntries,
  entries,
  insiderSignedCheckpoint,
  openTrail,
  rewriteFrom,
  standardTrail,
  type Trail,
} from './support.js';

const RECIPE = path.join(import.meta.dirname, 'recipe.sh');

function cli(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    // The master key the trail's signing keys are wrapped under (the export signs a checkpoint first).
    env: { BASE_URL: 'https://assay.test', MASTER_KEY: Buffer.alloc(32, 42).toString('base64'), ...env },
  };
  return { io, out, err };
}

function recipe(dir: string, ...extra: string[]) {
  const r = spawnSync('sh', [RECIPE, dir, ...extra], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Copies an export, changes it with `edit`, runs the recipe on the copy. */
function tampered(dir: string, edit: (copy: string) => void) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-export-'));
  fs.cpSync(dir, copy, { recursive: true });
  edit(copy);
  return recipe(copy);
}
const editLog = (copy: string, fn: (lines: string[]) => string[]) => {
  const file = path.join(copy, 'log.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  fs.writeFileSync(file, `${fn(lines).join('\n')}\n`);
};

it('this machine has openssl with Ed25519 raw-input verification and sha256sum', () => {
  expect(execFileSync('openssl', ['version'], { encoding: 'utf8' })).toMatch(/^OpenSSL 3\./);
  expect(execFileSync('sh', ['-c', 'printf abc | sha256sum'], { encoding: 'utf8' })).toMatch(/^ba7816bf/);
});

for (const dialect of ['sqlite', 'pg'] as const) {
  describe.skipIf(dialect === 'pg' && !pgAvailable())(`audit CLI and the openssl recipe [${dialect}]`, () => {
    let t: Trail;
    let env: Record<string, string>;
    let good: string;
    let sizes: number[];
    beforeAll(async () => {
      t = await openTrail(dialect);
      sizes = await standardTrail(t);
      env =
        dialect === 'sqlite'
          ? { DATA_DIR: path.dirname(t.file!) }
          : { DATABASE_URL: t.pg!.appUrl, MIGRATION_DATABASE_URL: t.pg!.ownerUrl, DATA_DIR: os.tmpdir() };
      good = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'assay-export-')), 'out');
      const r = cli(env);
      expect(
        await runCli(['audit', 'export', '--tenant', t.tenantId, '--out', good], r.io),
        r.err.join('\n'),
      ).toBe(0);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('exports the canonical lines, the checkpoints and the key, and verify passes', async () => {
      const lines = fs.readFileSync(path.join(good, 'log.jsonl'), 'utf8').split('\n').slice(0, -1);
      const all = await entries(t);
      expect(lines).toHaveLength(all.length);
      // Line n's hash is SHA-256(prev ‖ "\n" ‖ line): exactly the stored chain hash.
      let prev = '0'.repeat(64);
      for (const [i, line] of lines.entries()) {
        prev = execFileSync('sha256sum', { input: `${prev}\n${line}`, encoding: 'utf8' }).split(' ')[0]!;
        expect(prev).toBe(all[i]!.this_hash);
      }
      expect(fs.readdirSync(path.join(good, 'checkpoints')).sort()).toEqual(
        sizes.map((s) => `${s}.txt`).sort(),
      );
      expect(fs.readFileSync(path.join(good, 'audit-key.pem'), 'utf8')).toMatch(
        /^-----BEGIN PUBLIC KEY-----/,
      );
      const r = cli(env);
      expect(await runCli(['audit', 'verify', '--tenant', t.tenantId], r.io)).toBe(0);
      expect(r.out.join('\n')).toContain(`tenant ${t.tenantId}: ok, ${all.length} entries, 3 checkpoints`);
    });

    it('the recipe passes on the good export', () => {
      const r = recipe(good);
      expect(r.out).toContain(`OK: ${sizes[2]} entries, 3 checkpoint(s) verified`);
      expect(r.code).toBe(0);
    });

    it('the recipe catches an edited field, a deleted entry, deleted last entries and two reordered entries', () => {
      const edited = tampered(good, (c) =>
        editLog(c, (l) => l.map((x, i) => (i === 4 ? x.replace('"step:', '"stop:') : x))),
      );
      expect(edited).toMatchObject({ code: 1 });
      expect(edited.out).toContain('line 6 does not link to line 5');
      const deleted = tampered(good, (c) => editLog(c, (l) => l.filter((_, i) => i !== 6)));
      expect(deleted.out).toContain('line 7 is not entry 7');
      expect(deleted.code).toBe(1);
      const truncated = tampered(good, (c) => editLog(c, (l) => l.slice(0, -3)));
      expect(truncated.out).toContain(`signs ${sizes[2]} entries but log.jsonl has ${sizes[2]! - 3}`);
      expect(truncated.code).toBe(1);
      const reordered = tampered(good, (c) =>
        editLog(c, (l) => l.map((x, i) => (i === 7 ? l[8]! : i === 8 ? l[7]! : x))),
      );
      expect(reordered.out).toContain('line 8 is not entry 8');
      expect(reordered.code).toBe(1);
    });

    it('the recipe catches a forged checkpoint', () => {
      const forged = tampered(good, (c) => {
        const f = path.join(c, 'checkpoints', `${sizes[1]}.txt`);
        const lines = fs.readFileSync(f, 'utf8').split('\n');
        lines[2] = Buffer.alloc(32, 9).toString('base64');
        fs.writeFileSync(f, lines.join('\n'));
      });
      expect(forged.code).toBe(1);
      expect(forged.out).toContain('is not the signed one');
      // A consistent root under a signature that is not ours.
      const resigned = tampered(good, (c) => {
        const f = path.join(c, 'checkpoints', `${sizes[1]}.txt`);
        const text = fs.readFileSync(f, 'utf8');
        const sig = text.slice(text.lastIndexOf(' ') + 1, -1);
        const bytes = Buffer.from(sig, 'base64');
        bytes[40] = bytes[40]! ^ 1;
        fs.writeFileSync(f, text.replace(sig, bytes.toString('base64')));
      });
      expect(resigned.out).toContain('signature does not verify');
      expect(resigned.code).toBe(1);
    });

    it('the export signs a checkpoint at the head first, so the recipe catches a line cut from the end', async () => {
      const have = (await entries(t)).length;
      await appendEntries(t, 3, have); // after the latest checkpoint: before the fix, no signature covered them
      const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'assay-export-')), 'out');
      const r = cli(env);
      expect(
        await runCli(['audit', 'export', '--tenant', t.tenantId, '--out', dir], r.io),
        r.err.join('\n'),
      ).toBe(0);
      const n = have + 3;
      expect(fs.readFileSync(path.join(dir, 'checkpoint.txt'), 'utf8').split('\n')[1]).toBe(String(n));
      expect(fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').split('\n')).toHaveLength(n + 1);
      expect(recipe(dir)).toMatchObject({ code: 0 });
      // The audit report's repro: `sed -i '$d' log.jsonl`.
      const cut = tampered(dir, (c) => editLog(c, (l) => l.slice(0, -1)));
      expect(cut.out).toContain(`signs ${n} entries but log.jsonl has ${n - 1}: the log was truncated`);
      expect(cut.code).toBe(1);
      // A line added after the checkpoint, chain-valid (anyone can extend a hash chain): covered by nothing.
      const added = tampered(dir, (c) =>
        editLog(c, (l) => {
          const last = JSON.parse(l.at(-1)!);
          const prev = createHash('sha256')
            .update(`${last.prev_hash}\n${l.at(-1)}`)
            .digest('hex');
          return [...l, canonicalize({ ...last, prev_hash: prev, seq: n + 1, target: 'step:forged' })!];
        }),
      );
      expect(added.out).toContain(`chain: ${n + 1} entries`);
      expect(added.out).toContain(`checkpoint.txt signs ${n} entries but log.jsonl has ${n + 1}`);
      expect(added.code).toBe(1);
    });

    it('verify and the recipe catch a rewritten history against a checkpoint held outside (the mailed copy)', async () => {
      const mailed = path.join(os.tmpdir(), `mailed-${t.tenantId}.txt`);
      const old = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
      fs.writeFileSync(mailed, old.note);
      await rewriteFrom(t, 12);
      const all = await entries(t);
      const note = await insiderSignedCheckpoint(
        t,
        all.length,
        rootOf(all.map((e) => leafHash(e.this_hash))),
      );
      await t.attacker.run([
        ['DELETE FROM audit_checkpoints WHERE tenant_id = ?', [t.tenantId]],
        [
          'INSERT INTO audit_checkpoints (id, tenant_id, tree_size, root_hash, note, kid, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [
            crypto.randomUUID(),
            t.tenantId,
            all.length,
            'x',
            note,
            old.kid,
            'periodic',
            dialect === 'pg' ? new Date() : Date.now(),
          ],
        ],
      ]);
      // The stored trail alone now verifies: the insider re-signed it.
      const plain = cli(env);
      expect(await runCli(['audit', 'verify', '--tenant', t.tenantId], plain.io)).toBe(0);
      const held = cli(env);
      expect(await runCli(['audit', 'verify', '--tenant', t.tenantId, '--checkpoint', mailed], held.io)).toBe(
        1,
      );
      expect(held.err.join('\n')).toMatch(
        new RegExp(`tenant ${t.tenantId}: FAILED \\(inconsistent-checkpoints\\)`),
      );
      const rewritten = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'assay-export-')), 'out');
      expect(await runCli(['audit', 'export', '--tenant', t.tenantId, '--out', rewritten], cli(env).io)).toBe(
        0,
      );
      expect(recipe(rewritten).code).toBe(0);
      const r = recipe(rewritten, mailed);
      expect(r.out).toContain('is not the signed one (history differs)');
      expect(r.code).toBe(1);
    });

    it('names the tenant, the first bad entry and why, and exits 1 (every tenant without --tenant)', async () => {
      await t.attacker.run([['DELETE FROM audit_log WHERE tenant_id = ? AND seq = ?', [t.tenantId, 3]]]);
      const r = cli(env);
      expect(await runCli(['audit', 'verify'], r.io)).toBe(1);
      expect(r.err.join('\n')).toContain(
        `tenant ${t.tenantId}: FAILED (missing) at entry 3: entry 3 is missing`,
      );
      const bad = cli(env);
      expect(await runCli(['audit', 'verify', '--tenant', 'no such tenant'], bad.io)).toBe(1);
      expect(await runCli(['audit', 'export', '--tenant', t.tenantId], bad.io)).toBe(1);
      expect(bad.err.join('\n')).toContain('--out is required');
    });
  });
}
