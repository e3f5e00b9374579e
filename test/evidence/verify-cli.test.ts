/**
 * `assay evidence verify [--tenant T]` on SQLite and PostgreSQL with real files on disk: evidence stored
 * through storeEvidence into DATA_DIR/blobs, then checked by the CLI; a tampered blob and a missing one
 * each reported with the evidence id, the reason and the expected SHA-256 (exit 1), a clean store exit 0,
 * a replaced version checked too, bad arguments exit 1 with a message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { evidenceBlobAddress, storeEvidence } from '../../src/evidence/evidence.js';
import { CHUNK } from '../../src/evidence/sealed-stream.js';
import { nodeBlobs } from '../../src/platform/node/blobs.js';
import { loadConfig } from '../../src/platform/node/config.js';
import { openStore } from '../../src/platform/node/open-store.js';
import type { Ports } from '../../src/platform/ports.js';
import { testPlatform } from '../support/app.js';
import { cliEnv, cliIo } from '../support/cli.js';
import { forEachDialect } from '../support/stores.js';
import { newAssessment, pdf, uploadRequest } from './support.js';

/** TEST_MASTER_KEY (test/support/app.ts): 32 bytes of 42. */
const MASTER_KEY = Buffer.alloc(32, 42).toString('base64');
const vendor = 'vendor:00000000-0000-4000-8000-000000000001';

forEachDialect(
  'assay evidence verify',
  (dialect) => {
    let env: Record<string, string>;
    let close: () => Promise<void>;
    let store: Store;
    let platform: Ports;
    let tenantId: string;
    let otherTenant: string;
    let blobDir: string;
    const files: { id: string; sha256: string }[] = [];

    const run = async (...args: string[]) => {
      const r = cliIo(env);
      const code = await runCli(['evidence', 'verify', ...args], r.value);
      return { code, out: r.out, err: r.err.join('\n') };
    };
    const blobFile = async (tid: string, id: string) => {
      const row = await store.tenant(tid).read((ctx) => repo.getEvidenceAnyState(ctx, id));
      const address = await evidenceBlobAddress(platform, tid, row!);
      const [, name] = address.split('/') as [string, string];
      return path.join(blobDir, tid, name.slice(0, 2), name);
    };

    beforeAll(async () => {
      const base = await cliEnv(dialect as 'sqlite' | 'pg', 'assay-verify-');
      close = base.close;
      const dataDir = base.env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'assay-verify-'));
      env = { ...base.env, DATA_DIR: dataDir, MASTER_KEY };
      const config = loadConfig({ BASE_URL: 'https://assay.test', ...env });
      store = await openStore(config);
      blobDir = path.join(dataDir, 'blobs');
      platform = await testPlatform(store, { blobs: nodeBlobs(blobDir) });
      const mk = async (name: string) =>
        (await store.tenant(newId()).write((tx) => repo.insertTenant(tx, name, tx.tenantId))).id;
      tenantId = await mk(`Verify ${newId().slice(0, 6)}`);
      otherTenant = await mk(`Other ${newId().slice(0, 6)}`);
      const assessmentId = await newAssessment(store, tenantId);
      const target = { tenantId, assessmentId, questionId: 'gov.isms', uploadedBy: vendor };
      // Three chunks: a flipped bit in the last one is found only by reading the whole file.
      const big = new Uint8Array(3 * CHUNK);
      big.set(pdf('one'), 0);
      const first = await storeEvidence(platform, target, uploadRequest('policy.pdf', big));
      // A second version replacing the first: both versions are read.
      const second = await storeEvidence(
        platform,
        { ...target, replaces: first.id },
        uploadRequest('policy-v2.pdf', pdf('two')),
      );
      const third = await storeEvidence(platform, target, uploadRequest('soc2.pdf', pdf('three')));
      files.push(first, second, third);
      const otherAssessment = await newAssessment(store, otherTenant);
      await storeEvidence(
        platform,
        { tenantId: otherTenant, assessmentId: otherAssessment, questionId: 'gov.isms', uploadedBy: vendor },
        uploadRequest('b.pdf', pdf('other')),
      );
    });
    afterAll(async () => {
      await store?.close();
      await close?.();
    });

    it('exits 0 when every stored version checks out, and says how many it read', async () => {
      const all = await run();
      expect(all.code, all.err).toBe(0);
      expect(all.out).toEqual([]);
      expect(all.err).toMatch(/^OK: 4 stored file version\(s\) checked in \d+ tenant\(s\), 0 failed/m);
      const one = await run('--tenant', tenantId);
      expect(one.code).toBe(0);
      expect(one.err).toMatch(/OK: 3 stored file version\(s\) checked in 1 tenant\(s\)/);
    });

    it('reports a tampered and a missing blob with id, reason and expected SHA-256, and exits 1', async () => {
      const tampered = await blobFile(tenantId, files[0]!.id);
      const missing = await blobFile(tenantId, files[2]!.id);
      const originalT = fs.readFileSync(tampered);
      const originalM = fs.readFileSync(missing);
      try {
        const b = Buffer.from(originalT);
        b[b.length - 100]! ^= 1;
        fs.writeFileSync(tampered, b);
        fs.rmSync(missing);
        const r = await run('--tenant', tenantId);
        expect(r.code).toBe(1);
        expect(r.out).toHaveLength(2);
        const line = (id: string) => r.out.find((l) => l.includes(`evidence ${id}`)) ?? '';
        expect(line(files[0]!.id)).toMatch(/^FAIL\t/);
        expect(line(files[0]!.id)).toContain('corrupt: the blob does not authenticate');
        expect(line(files[0]!.id)).toContain(`expected sha256 ${files[0]!.sha256}`);
        expect(line(files[0]!.id)).toContain('version 1');
        expect(line(files[2]!.id)).toContain('missing: the blob is missing');
        expect(line(files[2]!.id)).toContain(`expected sha256 ${files[2]!.sha256}`);
        expect(r.err).toMatch(/FAILED: 3 stored file version\(s\) checked in 1 tenant\(s\), 2 failed/);
        // The other tenant is untouched.
        expect((await run('--tenant', otherTenant)).code).toBe(0);
      } finally {
        fs.writeFileSync(tampered, originalT);
        fs.writeFileSync(missing, originalM);
      }
      expect((await run()).code).toBe(0);
    });

    it('reports a version it cannot read as a failure line with the reason, checks the rest, exits 1', async () => {
      const broken = await blobFile(tenantId, files[1]!.id);
      const original = fs.readFileSync(broken);
      try {
        // A symlink to itself where the blob was: reading it fails with ELOOP, not an integrity error.
        fs.rmSync(broken);
        fs.symlinkSync(broken, broken);
        const r = await run('--tenant', tenantId);
        expect(r.code).toBe(1);
        expect(r.out).toHaveLength(1);
        expect(r.out[0]).toMatch(new RegExp(`^FAIL\ttenant ${tenantId}\tevidence ${files[1]!.id}\t`));
        expect(r.out[0]).toContain('\terror: ');
        expect(r.out[0]).toContain(`expected sha256 ${files[1]!.sha256}`);
        expect(r.err).toMatch(/FAILED: 3 stored file version\(s\) checked in 1 tenant\(s\), 1 failed/);
      } finally {
        fs.rmSync(broken, { recursive: true, force: true });
        fs.writeFileSync(broken, original);
      }
      expect((await run()).code).toBe(0);
    });

    it.each([
      [['--tenant', 'Nobody at all'], /no tenant with id or name/],
      [['--tenant', ''], /--tenant needs a tenant id or name/],
      [['extra'], /unexpected argument "extra"/],
      [['--bogus'], /Unknown option '--bogus'/],
    ])('refuses %j with exit 1 and a message', async (args, message) => {
      const r = await run(...args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    });
  },
  ['sqlite', 'pg'],
);
