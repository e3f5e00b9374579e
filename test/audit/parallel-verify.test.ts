/**
 * The parallel verify (`assay audit verify` on a SQLite file: ranges in worker threads, each on its own
 * read-only connection) against the single pass, on real SQLite files: an intact trail and each
 * tampering, in the middle of a range and at the seams between ranges, must give the same report.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { hashEntry } from '../../src/audit/chain.js';
import { latestCheckpoint, listCheckpoints, makeCheckpoint } from '../../src/audit/checkpoints.js';
import { BLOCK, leafHash, rootOf } from '../../src/audit/merkle.js';
import { parseCheckpoint } from '../../src/audit/note.js';
import {
  type ParallelVerify,
  planRanges,
  type TrailReport,
  verifyTenantTrail,
} from '../../src/audit/verify.js';
import { listAudit } from '../../src/db/repo/audit.js';
import {
  MIN_PARALLEL_ENTRIES,
  type SqliteParallelVerify,
  sqliteParallelVerify,
} from '../../src/platform/node/audit-verify-pool.js';
import { appendDirect } from './parallel.js';
import {
  appendEntries,
  entries,
  insiderSignedCheckpoint,
  openTrail,
  rewriteFrom,
  type Trail,
} from './support.js';

let t: Trail;
let head: number;
let sizes: number[];
/** Ranges of one block: 1–1024, 1025–2048, 2049–3072, … */
let seams: { from: number; to: number }[];
let pool: SqliteParallelVerify;
const THREADS = 3;

beforeEach(async () => {
  t = await openTrail('sqlite');
  sizes = [];
  const have = (await entries(t)).length;
  // Checkpoints inside the first range, at a block boundary (2048, inside the second), inside the third, at the head.
  for (const upTo of [700, 2048, 3500, 5050]) {
    appendDirect(t.file!, t.tenantId, upTo - (sizes.at(-1) ?? have));
    sizes.push((await makeCheckpoint(t.deps, t.tenantId, 'periodic'))!.treeSize);
  }
  head = sizes.at(-1)!;
  // Two worker threads and this one; ranges of one block, so the seams fall where the tests tamper.
  pool = sqliteParallelVerify(t.file!, { threads: THREADS, minEntries: 0, rangeEntries: BLOCK });
  seams = planRanges(head, pool);
}, 60_000);
afterEach(async () => {
  await pool.close();
  await t.close();
});

const runner = (): ParallelVerify => pool;

/** Both paths; their reports must be equal, field for field. */
async function both(
  opts: { extraCheckpoints?: { note: string; source: string }[] } = {},
): Promise<TrailReport> {
  const single = await verifyTenantTrail(t.store, t.tenantId, opts);
  const parallel = await verifyTenantTrail(t.store, t.tenantId, { ...opts, parallel: runner() });
  expect(parallel).toEqual(single);
  return single;
}

const entry = async (seq: number) =>
  (await t.store.tenant(t.tenantId).read((ctx) => listAudit(ctx, { afterSeq: seq - 1, limit: 1 })))[0]!;
const del = (seq: number) =>
  t.attacker.run([['DELETE FROM audit_log WHERE tenant_id = ? AND seq = ?', [t.tenantId, seq]]]);
const editTarget = (seq: number) =>
  t.attacker.run([
    ['UPDATE audit_log SET target = ? WHERE tenant_id = ? AND seq = ?', ['x', t.tenantId, seq]],
  ]);
const swap = (a: number, b: number) => {
  const q = 'UPDATE audit_log SET seq = ? WHERE tenant_id = ? AND seq = ?';
  return t.attacker.run([
    [q, [-1, t.tenantId, a]],
    [q, [a, t.tenantId, b]],
    [q, [b, t.tenantId, -1]],
  ]);
};

it('splits the trail into ranges at block boundaries', () => {
  expect(seams).toEqual([
    { from: 1, to: 1024 },
    { from: 1025, to: 2048 },
    { from: 2049, to: 3072 },
    { from: 3073, to: 4096 },
    { from: 4097, to: head },
  ]);
  expect(planRanges(500, { threads: 2 })).toEqual([{ from: 1, to: 500 }]);
  // By default about 32 ranges a thread, none shorter than 4 blocks.
  expect(planRanges(1_000_000, { threads: 2 })).toHaveLength(62);
  const small = planRanges(10_000, { threads: 2 });
  expect(small.map((r) => r.from)).toEqual([1, 4 * BLOCK + 1, 8 * BLOCK + 1]);
  expect(small.at(-1)!.to).toBe(10_000);
});

it('an intact trail: the same report, every checkpoint root recomputed', async () => {
  const r = await both();
  expect(r).toMatchObject({ ok: true, entries: head, checkpoints: 4, latest: { size: head } });
});

it('an edited entry in the middle of a range', async () => {
  await editTarget(2000);
  expect((await both()).problem).toMatchObject({ kind: 'edited', seq: 2000 });
});

it('an edited entry at a seam: the last of a range, the first of the next', async () => {
  await editTarget(seams[1]!.from);
  expect((await both()).problem).toMatchObject({ kind: 'edited', seq: seams[1]!.from });
  await editTarget(seams[0]!.to);
  expect((await both()).problem).toMatchObject({ kind: 'edited', seq: seams[0]!.to });
});

it("a range's first entry re-hashed onto another predecessor: the seam check catches it", async () => {
  // Self-consistent (its hash matches its content), so only the link to the previous range's last entry fails.
  const seq = seams[2]!.from;
  const e = await entry(seq);
  const { this_hash: _, ...rest } = e;
  const moved = { ...rest, prev_hash: 'ab'.repeat(32) };
  await t.attacker.run([
    [
      'UPDATE audit_log SET prev_hash = ?, this_hash = ? WHERE tenant_id = ? AND seq = ?',
      [moved.prev_hash, hashEntry(moved), t.tenantId, seq],
    ],
  ]);
  expect((await both()).problem).toMatchObject({ seq });
});

it('a removed entry: in the middle, first and last of a range, the last of the log', async () => {
  await del(2500);
  expect((await both()).problem).toMatchObject({ kind: 'missing', seq: 2500 });
  await del(seams[1]!.from);
  expect((await both()).problem).toMatchObject({ kind: 'missing', seq: seams[1]!.from });
  await del(seams[0]!.to);
  expect((await both()).problem).toMatchObject({ kind: 'missing', seq: seams[0]!.to });
});

it('removed last entries: truncated against the checkpoint at the head', async () => {
  await t.attacker.run([['DELETE FROM audit_log WHERE tenant_id = ? AND seq > ?', [t.tenantId, head - 3]]]);
  expect((await both()).problem).toMatchObject({ kind: 'truncated', seq: head - 2, checkpoint: head });
});

it('a reordered pair: inside a range and across a seam', async () => {
  await swap(seams[1]!.to, seams[1]!.to + 1);
  expect((await both()).problem).toMatchObject({ kind: 'reordered', seq: seams[1]!.to });
  await swap(1500, 1501);
  expect((await both()).problem).toMatchObject({ kind: 'reordered', seq: 1500 });
});

it('a data text that is not one JSON object at a seam', async () => {
  await t.attacker.run([
    ['UPDATE audit_log SET data = ? WHERE tenant_id = ? AND seq = ?', ['[1]', t.tenantId, seams[1]!.from]],
  ]);
  expect((await both()).problem).toMatchObject({ kind: 'edited', seq: seams[1]!.from });
});

it('a bad checkpoint root: forged under the old signature, or signed by an insider over another log', async () => {
  const all = await t.store.tenant(t.tenantId).read((ctx) => listCheckpoints(ctx));
  const mid = all.find((c) => c.treeSize === 3500)!;
  // An insider signs a root over the first 3500 entries with one leaf changed: not this log's root.
  const leaves = (await entries(t)).slice(0, 3500).map((e) => leafHash(e.this_hash));
  leaves[1500] = leafHash('cd'.repeat(32));
  const note = await insiderSignedCheckpoint(t, 3500, rootOf(leaves));
  await t.attacker.run([['UPDATE audit_checkpoints SET note = ? WHERE id = ?', [note, mid.id]]]);
  expect((await both()).problem).toMatchObject({ kind: 'inconsistent-checkpoints', checkpoint: 3500 });
  // The same root without a valid signature.
  const latest = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
  const forged = latest.note.replace(
    Buffer.from(parseCheckpoint(latest.note)!.root).toString('base64'),
    Buffer.alloc(32, 7).toString('base64'),
  );
  await t.attacker.run([['UPDATE audit_checkpoints SET note = ? WHERE id = ?', [forged, latest.id]]]);
  expect((await both()).problem).toMatchObject({ kind: 'forged-checkpoint', checkpoint: head });
});

it('history rewritten from a seam on: the chain holds, the checkpoints after it do not', async () => {
  const old = (await t.store.tenant(t.tenantId).read((ctx) => latestCheckpoint(ctx)))!;
  await rewriteFrom(t, seams[1]!.from);
  expect((await both()).problem).toMatchObject({ kind: 'inconsistent-checkpoints', checkpoint: 2048 });
  // The stored checkpoints gone: the rewritten chain verifies, but not against the mailed copy.
  await t.attacker.run([['DELETE FROM audit_checkpoints WHERE tenant_id = ?', [t.tenantId]]]);
  expect((await both()).ok).toBe(true);
  const mailed = await both({ extraCheckpoints: [{ note: old.note, source: 'the mailed checkpoint' }] });
  expect(mailed.problem).toMatchObject({ kind: 'inconsistent-checkpoints', checkpoint: head });
});

it('verify while appending: ranges stop at the head read at the start, no false failure', async () => {
  // The runner appends entries and signs a checkpoint before each worker starts: after the head was read.
  const real = runner();
  let appended = 0;
  const busy: ParallelVerify = {
    ...real,
    verifyRange: async (task) => {
      await appendEntries(t, 5, 10_000 + appended);
      appendDirect(t.file!, t.tenantId, 1500);
      appended += 1505;
      await makeCheckpoint(t.deps, t.tenantId, 'periodic');
      return real.verifyRange(task);
    },
  };
  const during = await verifyTenantTrail(t.store, t.tenantId, { parallel: busy });
  expect(during).toMatchObject({ ok: true, entries: head, checkpoints: 4, latest: { size: head } });
  // Every range the other threads took came after the head was read (four: two threads, two each in flight).
  expect(appended).toBe((seams.length - 1) * 1505);
  // And real concurrency: appends through the store while the workers read.
  let stop = false;
  const writer = (async () => {
    let n = 0;
    while (!stop) {
      await appendEntries(t, 1, 20_000 + n++);
      await new Promise((r) => setTimeout(r, 1));
    }
    return n;
  })();
  const before = (await entries(t)).length;
  const report = await verifyTenantTrail(t.store, t.tenantId, { parallel: real });
  stop = true;
  const n = await writer;
  expect(report.ok).toBe(true);
  expect(report.entries).toBeGreaterThanOrEqual(before);
  expect(report.entries).toBeLessThanOrEqual(before + n);
  expect((await both()).ok).toBe(true);
});

it('a trail below the threshold verifies in this thread', async () => {
  expect(head).toBeLessThan(MIN_PARALLEL_ENTRIES);
  const defaults = sqliteParallelVerify(t.file!, { threads: 2 });
  const never: ParallelVerify = {
    ...defaults,
    verifyRange: () => Promise.reject(new Error('no thread for a short trail')),
  };
  expect((await verifyTenantTrail(t.store, t.tenantId, { parallel: never })).ok).toBe(true);
  await defaults.close();
});

it('a row whose seq is not a whole number after the head (triggers dropped): the single pass names it, both ways', async () => {
  // The ranges are cut by seq up to the head read first; a blob or text seq sorts after every number and a
  // fraction after the head, so that head cannot bound them: the parallel path leaves such a trail to the
  // single pass, which reads every row in order.
  const copyHead = (seqSql: string) => {
    // Someone holding the file: the link trigger (which refuses such a seq) dropped for the insert.
    const db = new Database(t.file!);
    try {
      db.transaction(() => {
        const links = db
          .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_links'")
          .pluck()
          .get() as string;
        db.exec('DROP TRIGGER audit_log_links');
        db.prepare(
          `INSERT INTO audit_log SELECT id || 'x', tenant_id, ${seqSql}, ts, actor, action, target, data, prev_hash, this_hash, ip, ua FROM audit_log WHERE tenant_id = ? AND seq = ?`,
        ).run(t.tenantId, head);
        db.exec(links);
      })();
    } finally {
      db.close();
    }
  };
  copyHead(`${head}.5`);
  const fraction = await both();
  expect(fraction.ok).toBe(false);
  await t.attacker.run([['DELETE FROM audit_log WHERE tenant_id = ? AND seq > ?', [t.tenantId, head]]]);
  expect((await both()).ok).toBe(true);
  copyHead(`CAST('${head + 1}' AS BLOB)`);
  expect((await both()).ok).toBe(false);
});
