/**
 * Evidence versions and destruction, on SQLite and PostgreSQL: each file has its own key wrapped by the
 * tenant key and its own blob; a replacement is a new version and the old one stays; destroying a file
 * removes its blob and its wrapped key, checked by reading the raw storage (files on disk, every column
 * of every row), and leaves the audit chain verifying.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import * as repo from '../../src/db/repo/index.js';
import { dataKeysFor } from '../../src/evidence/data-keys.js';
import { downloadPath } from '../../src/evidence/download.js';
import {
  destroyEvidence,
  EvidenceError,
  evidenceBlobAddress,
  listEvidence,
  storeEvidence,
} from '../../src/evidence/evidence.js';
import { openFileKey } from '../../src/evidence/file-keys.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import {
  type Fixture,
  filesUnder,
  fixture,
  newAssessment,
  pdf,
  sha256Hex,
  uploadRequest,
} from './support.js';

forEachDialect(
  'evidence versions and per-file keys',
  (dialect) => {
    let ts: TestStore;
    let f: Fixture;
    const vendor = 'vendor:00000000-0000-4000-8000-000000000001';
    beforeAll(async () => {
      ts = await openTestStore(dialect);
      f = await fixture(ts.store);
    }, 60_000);
    afterAll(() => ts.close());
    // A question takes three files: each test answers a fresh assessment.
    let aid: string;
    beforeEach(async () => {
      aid = await newAssessment(f.store, f.tenantId);
    });

    const upload = (name: string, bytes: Uint8Array, opts: { replaces?: string; q?: string } = {}) =>
      storeEvidence(
        f.platform,
        {
          tenantId: f.tenantId,
          assessmentId: aid,
          questionId: opts.q ?? 'gov.isms',
          uploadedBy: vendor,
          ...(opts.replaces ? { replaces: opts.replaces } : {}),
        },
        uploadRequest(name, bytes),
      );
    const rawRow = (id: string) =>
      f.store.tenant(f.tenantId).read(async (tx) => {
        const rows = await tx.db.select().from(tx.t.evidence);
        return rows.find((r) => r.id === id)!;
      });
    const blobFile = async (id: string, tenantId = f.tenantId) => {
      const row = await f.store.tenant(tenantId).read((tx) => repo.getEvidenceAnyState(tx, id));
      const [tenant, name] = (await evidenceBlobAddress(f.platform, tenantId, row!)).split('/') as [
        string,
        string,
      ];
      return path.join(tenant, name.slice(0, 2), name);
    };
    const download = async (id: string) =>
      f.app.request(
        `https://assay.test${await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: id })}`,
      );
    const current = () => listEvidence(f.platform, { tenantId: f.tenantId, assessmentId: aid });
    const refused = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(EvidenceError);
      return err as EvidenceError;
    };

    it('gives each file its own key, wrapped by the tenant key, and its own blob (same content or not)', async () => {
      const bytes = pdf('same content');
      const a = await upload('a.pdf', bytes);
      const b = await upload('b.pdf', bytes);
      expect(a.sha256).toBe(b.sha256);
      const [ra, rb] = [await rawRow(a.id), await rawRow(b.id)];
      expect(ra.fileKey).toMatch(/^[A-Za-z0-9_-]{80}$/);
      expect(rb.fileKey).not.toBe(ra.fileKey);
      expect(await blobFile(a.id)).not.toBe(await blobFile(b.id));
      expect(filesUnder(f.blobDir)).toEqual(
        expect.arrayContaining([await blobFile(a.id), await blobFile(b.id)]),
      );
      // One tenant key; the file key unwraps only with it, for this file and this tenant.
      const keys = await f.store.tenant(f.tenantId).read((tx) => repo.listDataKeys(tx));
      expect(keys).toHaveLength(1);
      const tenantKey = await dataKeysFor(f.platform).current(f.tenantId);
      expect(await openFileKey(tenantKey.key, f.tenantId, a.id, ra.fileKey!)).not.toBeNull();
      expect(await openFileKey(tenantKey.key, f.tenantId, b.id, ra.fileKey!)).toBeNull();
      expect(await openFileKey(tenantKey.key, f.other.tenantId, a.id, ra.fileKey!)).toBeNull();
      const otherKey = await dataKeysFor(f.platform).current(f.other.tenantId);
      expect(await openFileKey(otherKey.key, f.tenantId, a.id, ra.fileKey!)).toBeNull();
      for (const e of [a, b]) {
        const res = await download(e.id);
        expect(sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(sha256Hex(bytes));
      }
    });

    it('a replacement is a new version: the old one is no longer listed but stays, downloadable, with its blob', async () => {
      const v1 = await upload('policy.pdf', pdf('version one'));
      const v2 = await upload('policy v2.pdf', pdf('version two'), { replaces: v1.id, q: v1.questionId });
      expect(v2).toMatchObject({ version: 2, replacesId: v1.id, sha256: sha256Hex(pdf('version two')) });
      const listed = (await current()).map((e) => e.id);
      expect(listed).toContain(v2.id);
      expect(listed).not.toContain(v1.id);
      expect((await rawRow(v1.id)).supersededAt).toBeInstanceOf(Date);
      expect(filesUnder(f.blobDir)).toContain(await blobFile(v1.id));
      const old = await download(v1.id);
      expect(old.status).toBe(200);
      expect(sha256Hex(new Uint8Array(await old.arrayBuffer()))).toBe(v1.sha256);
      const versions = await f.store.tenant(f.tenantId).read((tx) => repo.listEvidenceVersions(tx, aid));
      expect(versions.filter((v) => v.id === v1.id || v.id === v2.id).map((v) => v.version)).toEqual([1, 2]);
      const entry = (await f.store.tenant(f.tenantId).read((tx) => repo.listAudit(tx))).find(
        (e) => e.target === `evidence:${v2.id}`,
      );
      expect(entry?.data).toMatchObject({ version: 2, replaces: v1.id, data_sha256: v2.sha256 });

      // A version already replaced cannot be replaced again; nothing is stored.
      const before = filesUnder(f.blobDir);
      const rows = (await f.store.tenant(f.tenantId).read((tx) => tx.db.select().from(tx.t.evidence))).length;
      const err = await refused(upload('again.pdf', pdf('three'), { replaces: v1.id, q: v1.questionId }));
      expect(err.status).toBe(409);
      expect(err.message).toMatch(/no longer current/);
      for (const bad of ['not-an-id', '00000000-0000-4000-8000-000000000000']) {
        expect((await refused(upload('x.pdf', pdf('x'), { replaces: bad, q: v1.questionId }))).status).toBe(
          409,
        );
      }
      expect(filesUnder(f.blobDir)).toEqual(before);
      expect((await f.store.tenant(f.tenantId).read((tx) => tx.db.select().from(tx.t.evidence))).length).toBe(
        rows,
      );
    });

    it("refuses to replace another question's or another tenant's file", async () => {
      const mine = await upload('m.pdf', pdf('mine'));
      const theirs = await storeEvidence(
        f.platform,
        {
          tenantId: f.other.tenantId,
          assessmentId: f.other.assessmentId,
          questionId: 'gov.isms',
          uploadedBy: vendor,
        },
        uploadRequest('t.pdf', pdf('theirs')),
      );
      expect((await refused(upload('x.pdf', pdf('x'), { replaces: theirs.id }))).status).toBe(409);
      const txt = new TextEncoder().encode('plain text');
      expect((await refused(upload('x.txt', txt, { replaces: mine.id, q: 'sup.screens' }))).status).toBe(409);
      expect((await current()).map((e) => e.id)).toContain(mine.id);
    });

    it('two replacements of one version at once: exactly one commits (the supersede guard)', async () => {
      const v1 = await upload('race.pdf', pdf('race v1'));
      const results = await Promise.allSettled([
        upload('race a.pdf', pdf('race a'), { replaces: v1.id }),
        upload('race b.pdf', pdf('race b'), { replaces: v1.id }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(EvidenceError);
      const versions = await f.store.tenant(f.tenantId).read((tx) => repo.listEvidenceVersions(tx, aid));
      expect(versions.filter((v) => v.replacesId === v1.id)).toHaveLength(1);
      // The loser's blob is gone too: no blob without a row.
      const blobs = filesUnder(f.blobDir).filter((p) => p.startsWith(f.tenantId));
      const all = await f.store.tenant(f.tenantId).read((tx) => tx.db.select().from(tx.t.evidence));
      const named = new Set(
        await Promise.all(
          all.filter((v) => v.fileKey !== null && v.tenantId === f.tenantId).map((v) => blobFile(v.id)),
        ),
      );
      expect(blobs.filter((b) => !named.has(b))).toEqual([]);
    });

    describe('destruction', () => {
      it('removes the blob and the wrapped key: nothing of either is left in raw storage', async () => {
        const keep = await upload('keep.pdf', pdf('keep me'));
        const e = await upload('secret.pdf', pdf('destroy me'));
        const file = await blobFile(e.id);
        const wrapped = (await rawRow(e.id)).fileKey!;
        expect(fs.existsSync(path.join(f.blobDir, file))).toBe(true);

        expect(
          await destroyEvidence(f.platform, {
            tenantId: f.tenantId,
            evidenceId: e.id,
            actor: 'system:test',
            reason: 'retention',
          }),
        ).toEqual({ sha256: e.sha256 });

        // The file on disk is gone; the other file's blob is not.
        expect(fs.existsSync(path.join(f.blobDir, file))).toBe(false);
        expect(filesUnder(f.blobDir)).toContain(await blobFile(keep.id));
        // No column of any row of any table holds the wrapped key any more.
        const row = await rawRow(e.id);
        expect(row.fileKey).toBeNull();
        expect(row.destroyedAt).toBeInstanceOf(Date);
        const dump = JSON.stringify(
          await f.store
            .tenant(f.tenantId)
            .read(async (tx) => [
              await tx.db.select().from(tx.t.evidence),
              await tx.db.select().from(tx.t.tenantKeys),
              await tx.db.select().from(tx.t.auditLog),
            ]),
        );
        expect(dump).not.toContain(wrapped);
        // Not downloadable, not listed; the audit entry keeps its hash and the chain verifies.
        expect((await download(e.id)).status).toBe(404);
        expect((await current()).map((x) => x.id)).not.toContain(e.id);
        const chain = await f.store.tenant(f.tenantId).read((tx) => repo.listAudit(tx));
        expect(
          chain.find((x) => x.action === 'evidence.destroyed' && x.target === `evidence:${e.id}`)?.data,
        ).toEqual({ assessment: aid, data_sha256: e.sha256, reason: 'retention' });
        expect(verifyChain(chain)).toMatchObject({ ok: true });
        // Destroying again, an unknown id, another tenant's file: nothing happens.
        const n = chain.length;
        for (const [tenantId, evidenceId] of [
          [f.tenantId, e.id],
          [f.tenantId, '00000000-0000-4000-8000-000000000000'],
          [f.other.tenantId, keep.id],
        ] as const) {
          expect(
            await destroyEvidence(f.platform, { tenantId, evidenceId, actor: 'system:test', reason: 'x' }),
          ).toBeNull();
        }
        expect((await f.store.tenant(f.tenantId).read((tx) => repo.listAudit(tx))).length).toBe(n);
        expect((await download(keep.id)).status).toBe(200);
      });

      it('a copy of the blob kept elsewhere does not decrypt once the key is destroyed', async () => {
        const e = await upload('copy.pdf', pdf('copied bytes'));
        const file = path.join(f.blobDir, await blobFile(e.id));
        const copy = fs.readFileSync(file);
        await destroyEvidence(f.platform, {
          tenantId: f.tenantId,
          evidenceId: e.id,
          actor: 'system:test',
          reason: 'x',
        });
        // Put the bytes back where they were and un-delete the row: still nothing to decrypt with.
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, copy);
        const { eq } = await import('drizzle-orm');
        await f.store.tenant(f.tenantId).write((tx) => {
          tx.write(tx.db.update(tx.t.evidence).set({ deletedAt: null }).where(eq(tx.t.evidence.id, e.id)));
        });
        // Refused as a file that fails its integrity check (it does not decrypt), never the bytes.
        const res = await download(e.id);
        expect(res.status).toBe(409);
        expect(await res.text()).not.toContain('copied bytes');
      });
    });
  },
  ['sqlite', 'pg'],
);
