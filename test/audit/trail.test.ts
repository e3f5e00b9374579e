/**
 * The trail on SQLite, PostgreSQL and D1: signed checkpoints, proofs, and every tampering an attacker with
 * database access can do, each caught by verifyTenantTrail (what `assay audit verify` runs).
 */
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { canonicalData, entryLine } from '../../src/audit/chain.js';
import {
  consistencyProof,
  inclusionProof,
  latestCheckpoint,
  listCheckpoints,
  makeCheckpoint,
} from '../../src/audit/checkpoints.js';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import { parseCheckpoint } from '../../src/audit/note.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { isPermissionViolation, rawRows } from '../../src/db/store.js';
import { forEachDialect } from '../support/stores.js';
import {
  appendEntries,
  entries,
  insiderSignedCheckpoint,
  openTrail,
  rewriteFrom,
  standardTrail,
  type Trail,
} from './support.js';

const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

forEachDialect('audit trail', (dialect) => {
  let t: Trail;
  let sizes: number[];
  beforeEach(async () => {
    t = await openTrail(dialect);
    sizes = await standardTrail(t);
  });
  afterEach(async () => {
    await t.close();
  });

  it('signs checkpoints in the C2SP format whose roots, proofs and signatures verify', async () => {
    const report = await verifyTenantTrail(t.store, t.tenantId);
    expect(report).toMatchObject({ ok: true, checkpoints: 3, latest: { size: sizes[2] } });
    const latest = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
    const lines = latest.note.split('\n');
    expect(lines[0]).toBe(`assay.test/audit/${t.tenantId}`);
    expect(lines[1]).toBe(String(sizes[2]));
    expect(Buffer.from(lines[2]!, 'base64').toString('hex')).toBe(latest.rootHash);
    expect(lines[3]).toBe('');
    expect(lines[4]).toMatch(new RegExp(`^\u2014 assay\\.test/audit/${t.tenantId} [A-Za-z0-9+/]{91}=$`));
    // The root is the RFC 6962 root over the entries' chain hashes, recomputed here from scratch.
    const all = await entries(t);
    expect(Buffer.from(rootOf(all.map((e) => leafHash(e.this_hash)))).toString('hex')).toBe(latest.rootHash);
    // Inclusion of every entry, and consistency between the checkpoints, checked independently.
    for (const e of all) {
      const p = await inclusionProof(t.store, t.tenantId, e.seq, latest.treeSize);
      expect(
        verifyInclusion(
          p.index,
          p.treeSize,
          leafHash(e.this_hash),
          p.hashes.map(fromHex),
          fromHex(latest.rootHash),
        ),
      ).toBe(true);
    }
    const cps = await t.store.tenant(t.tenantId).read((ctx) => listCheckpoints(ctx));
    const proof = await consistencyProof(t.store, t.tenantId, cps[0]!.treeSize, cps[2]!.treeSize);
    expect(
      verifyConsistency(
        cps[0]!.treeSize,
        cps[2]!.treeSize,
        fromHex(cps[0]!.rootHash),
        fromHex(cps[2]!.rootHash),
        proof.map(fromHex),
      ),
    ).toBe(true);
    // Making one again at the same head returns the same checkpoint.
    expect((await makeCheckpoint(t.deps, t.tenantId, 'on-demand'))!.id).toBe(latest.id);
  });

  it.skipIf(dialect === 'pg')(
    "keeps each entry's data as the canonical text that was hashed (verify hashes it as stored)",
    async () => {
      const rows = await t.store
        .tenant(t.tenantId)
        .read((ctx) =>
          rawRows<{ data: string }>(
            ctx,
            sql`SELECT data FROM audit_log WHERE tenant_id = ${t.tenantId} ORDER BY seq`,
          ),
        );
      expect(rows.length).toBeGreaterThan(30);
      for (const r of rows) expect(r.data).toBe(canonicalData(JSON.parse(r.data)));
    },
  );

  it.skipIf(dialect === 'pg')(
    'catches a data text that is not one JSON object, even where its line hashes right',
    async () => {
      // The last entry (no checkpoint signs it yet), re-hashed by someone with database access, with a
      // data text that is not one object: its line hashes right, but it does not mean the row's fields.
      await appendEntries(t, 1, 100);
      const last = (await entries(t)).at(-1)!;
      const text = '{"digest":"64"},"n":{"x":1}';
      const forged = sha256Hex(`${last.prev_hash}\n${entryLine(last, text)}`);
      await t.attacker.run([
        [
          'UPDATE audit_log SET data = ?, this_hash = ? WHERE tenant_id = ? AND seq = ?',
          [text, forged, t.tenantId, last.seq],
        ],
      ]);
      const report = await verifyTenantTrail(t.store, t.tenantId);
      expect(report).toMatchObject({ ok: false, problem: { kind: 'edited', seq: last.seq } });
    },
  );

  it('refuses UPDATE and DELETE of entries and checkpoints as the app', async () => {
    for (const text of [
      'UPDATE audit_log SET action = action',
      'DELETE FROM audit_log',
      'UPDATE audit_checkpoints SET note = note',
      'DELETE FROM audit_checkpoints',
    ]) {
      const err = await t.store
        .tenant(t.tenantId)
        .write((tx) => {
          tx.write(sql.raw(`${text} WHERE tenant_id = '${t.tenantId}'`));
        })
        .catch((e) => e);
      expect(isPermissionViolation(err), text).toBe(true);
    }
    expect((await verifyTenantTrail(t.store, t.tenantId)).ok).toBe(true);
  });

  it('catches an edited field', async () => {
    await t.attacker.run([
      ['UPDATE audit_log SET target = ? WHERE tenant_id = ? AND seq = ?', ['step:999', t.tenantId, 5]],
    ]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'edited',
      seq: 5,
    });
  });

  it('catches a deleted entry', async () => {
    await t.attacker.run([['DELETE FROM audit_log WHERE tenant_id = ? AND seq = ?', [t.tenantId, 7]]]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'missing',
      seq: 7,
    });
  });

  it('catches deleted last entries through the latest checkpoint', async () => {
    await t.attacker.run([
      ['DELETE FROM audit_log WHERE tenant_id = ? AND seq > ?', [t.tenantId, sizes[2]! - 3]],
    ]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'truncated',
      seq: sizes[2]! - 2,
      checkpoint: sizes[2],
    });
  });

  it('catches two reordered entries', async () => {
    const q = 'UPDATE audit_log SET seq = ? WHERE tenant_id = ? AND seq = ?';
    await t.attacker.run([
      [q, [-1, t.tenantId, 8]],
      [q, [8, t.tenantId, 9]],
      [q, [9, t.tenantId, -1]],
    ]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'reordered',
      seq: 8,
    });
  });

  it('catches a forged checkpoint', async () => {
    const latest = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
    const parsed = parseCheckpoint(latest.note)!;
    // A root of the attacker's choosing under the old signature.
    const forged = latest.note.replace(
      Buffer.from(parsed.root).toString('base64'),
      Buffer.alloc(32, 7).toString('base64'),
    );
    await t.attacker.run([['UPDATE audit_checkpoints SET note = ? WHERE id = ?', [forged, latest.id]]]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'forged-checkpoint',
      checkpoint: sizes[2],
    });
  });

  it('catches two inconsistent checkpoints (history rewritten and re-signed by an insider)', async () => {
    // Entry 15 onwards rewritten so the chain verifies again, the latest checkpoint re-signed over it.
    const old = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
    await rewriteFrom(t, 15);
    const all = await entries(t);
    const note = await insiderSignedCheckpoint(t, all.length, rootOf(all.map((e) => leafHash(e.this_hash))));
    await t.attacker.run([['UPDATE audit_checkpoints SET note = ? WHERE id = ?', [note, old.id]]]);
    // The checkpoint of 10 entries still matches; the one of 20 does not: they cannot both be prefixes.
    expect((await verifyTenantTrail(t.store, t.tenantId)).problem).toMatchObject({
      kind: 'inconsistent-checkpoints',
      checkpoint: sizes[1],
    });
    // Even with every stored checkpoint re-signed, the copy mailed to the auditor contradicts it.
    await t.attacker.run([
      ['DELETE FROM audit_checkpoints WHERE tenant_id = ? AND tree_size <> ?', [t.tenantId, all.length]],
    ]);
    expect((await verifyTenantTrail(t.store, t.tenantId)).ok).toBe(true);
    const mailed = await verifyTenantTrail(t.store, t.tenantId, {
      extraCheckpoints: [{ note: old.note, source: 'the mailed checkpoint' }],
    });
    expect(mailed.problem).toMatchObject({ kind: 'inconsistent-checkpoints', checkpoint: sizes[2] });
    expect(mailed.problem!.message).toContain('the mailed checkpoint');
  });
});
