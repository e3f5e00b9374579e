/**
 * Verifies a tenant's whole trail from the entries up, trusting nothing derived: every entry's chain
 * hash and link, the RFC 6962 root at every checkpoint's size, every checkpoint's signature (any audit
 * key the key table holds, under the log's name), and consistency between consecutive checkpoints (an
 * RFC 6962 consistency proof built from the entries and checked as a verifier would). Checkpoints held
 * outside Assay (the daily mail, a receipt) can be checked against the same log.
 *
 * On failure it names the first bad entry (or checkpoint) and why:
 * - `edited`: an entry's content no longer matches its hash;
 * - `missing`: an entry is gone (a gap in the sequence, or a link to nothing);
 * - `reordered`: an entry sits where another was written (its hash matches another position);
 * - `truncated`: a signed checkpoint covers more entries than the log holds (its tail was deleted);
 * - `forged-checkpoint`: a checkpoint's signature does not verify, or it names another log;
 * - `inconsistent-checkpoints`: signed checkpoints that cannot both be prefixes of this log.
 */
import { bytesToHex } from '../crypto/encoding.js';
import { chainHead, listCheckpoints, type ScannedEntry, scanAudit } from '../db/repo/audit.js';
import type { Store } from '../db/store.js';
import { GENESIS, hashEntry } from './chain.js';
import { auditVerifiers } from './checkpoints.js';
import { BLOCK, PrefixRoots, TreeView, verifyConsistency } from './merkle.js';
import {
  type NoteVerifier,
  type ParsedCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignature,
} from './note.js';
import { dataIsObject, type Page, type RangeResult, type RangeTask, verifyRangeOf } from './verify-range.js';

export { type Page, type RangeResult, type RangeTask, verifyRangeOf } from './verify-range.js';

export type TrailProblemKind =
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'truncated'
  | 'forged-checkpoint'
  | 'inconsistent-checkpoints';

export interface TrailProblem {
  kind: TrailProblemKind;
  /** The first bad entry, where the problem is an entry's. */
  seq?: number;
  /** The tree size of the checkpoint concerned, where it is a checkpoint's. */
  checkpoint?: number;
  message: string;
}

export interface TrailReport {
  tenantId: string;
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** The latest valid checkpoint's size and root (hex). */
  latest: { size: number; root: string } | null;
  problem?: TrailProblem;
}

/** How far around a broken entry the diagnosis looks for where it belongs. */
const WINDOW = 1000;

/** Why entry `at` (position k, expected previous hash `prev`) breaks the chain. */
async function diagnose(
  page: Page,
  k: number,
  prev: string,
  at: ScannedEntry | undefined,
): Promise<TrailProblem> {
  if (!at)
    return { kind: 'missing', seq: k, message: `entry ${k} is missing: the log ends at entry ${k - 1}` };
  if (at.seq !== k) {
    return {
      kind: 'missing',
      seq: k,
      message: `entry ${k} is missing: the log jumps from entry ${k - 1} to entry ${at.seq}`,
    };
  }
  // A plain copy: a scanned row's `data` is a getter on its class, which a spread would not copy.
  const { this_hash, dataJson: _, ...fields } = at;
  const stored = { ...fields, data: at.data };
  const around = await page(Math.max(0, k - WINDOW - 1), 2 * WINDOW + 1);
  if (hashEntry(stored) !== this_hash) {
    // Written at another position? Its hash then matches with that position's sequence number.
    for (let d = 1; d <= WINDOW; d++) {
      for (const j of [k + d, k - d]) {
        if (j >= 1 && hashEntry({ ...stored, seq: j }) === this_hash) {
          return {
            kind: 'reordered',
            seq: k,
            message: `entry ${k} was written as entry ${j}: entries were reordered`,
          };
        }
      }
    }
    return {
      kind: 'edited',
      seq: k,
      message: `entry ${k} was edited: its content no longer matches its hash`,
    };
  }
  // Self-consistent, but not linked to its predecessor.
  if (around.some((e) => e.prev_hash === prev && e.seq !== k)) {
    return { kind: 'reordered', seq: k, message: `entry ${k} is out of place: entries were reordered` };
  }
  if (stored.prev_hash !== GENESIS && !around.some((e) => e.this_hash === stored.prev_hash)) {
    return {
      kind: 'missing',
      seq: k,
      message: `entry ${k} follows an entry that is no longer in the log: an entry before it was removed`,
    };
  }
  return {
    kind: 'edited',
    seq: k,
    message: `entry ${k} does not link to entry ${k - 1}: the log was edited`,
  };
}

/**
 * Runs {@link verifyRangeOf} in other threads, each reading its own connection. Provided by the Node
 * CLI for a SQLite file; everything else verifies in one thread.
 */
export interface ParallelVerify {
  /** Threads to use, this one included (this one runs ranges too, the others through `verifyRange`). */
  readonly threads: number;
  /** Trails with fewer entries verify in one thread: starting a thread costs more than it saves. */
  readonly minEntries: number;
  /** Entries a range (a multiple of BLOCK); by default about 32 ranges a thread, 4 blocks or more. */
  readonly rangeEntries?: number;
  /**
   * Checks one range elsewhere, reading the tenant's entries `task.from..task.to` itself. Calls may
   * overlap (a thread is given its next range before it finishes this one).
   */
  verifyRange(task: RangeTask): Promise<RangeResult>;
}

/** Why the entry at position `k` fails, as the single pass names it: `at` is the row found there. */
async function problemAt(
  page: Page,
  k: number,
  prev: string,
  at: ScannedEntry | undefined,
): Promise<TrailProblem> {
  if (!at || dataIsObject(at)) return diagnose(page, k, prev, at);
  return { kind: 'edited', seq: k, message: `entry ${k} was edited: its data is not a JSON object` };
}

/**
 * The ranges a parallel verify splits entries 1..head into: each starts at a block boundary; many
 * more ranges than threads, so a thread that starts late or runs slow (another process on its core)
 * takes fewer of them.
 */
export function planRanges(head: number, runner: Pick<ParallelVerify, 'threads' | 'rangeEntries'>) {
  const blocks = Math.ceil(head / BLOCK);
  const per = runner.rangeEntries
    ? Math.max(1, Math.round(runner.rangeEntries / BLOCK))
    : Math.max(4, Math.ceil(blocks / (runner.threads * 32)));
  const out: { from: number; to: number }[] = [];
  for (let b = 0; b < blocks; b += per)
    out.push({ from: b * BLOCK + 1, to: Math.min(head, (b + per) * BLOCK) });
  return out;
}

/** A turn of the event loop (the worker threads' replies are events; a range here runs in microtasks). */
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Every range of the plan, checked by this thread and the runner's together, each taking the next
 * range when it has one to spare; none is started past a range known to fail.
 */
async function runRanges(
  page: Page,
  tenantId: string,
  wanted: number[],
  head: number,
  runner: ParallelVerify,
): Promise<(RangeResult | undefined)[]> {
  const plan = planRanges(head, runner);
  const results: (RangeResult | undefined)[] = new Array(plan.length);
  let next = 0;
  let stopAfter = plan.length;
  const take = () => (next < plan.length && next <= stopAfter ? next++ : -1);
  const task = (i: number): RangeTask => ({
    tenantId,
    ...plan[i]!,
    prev: i === 0 ? GENESIS : null,
    wanted,
  });
  const record = (i: number, r: RangeResult) => {
    results[i] = r;
    if (r.failedAt !== null) stopAfter = Math.min(stopAfter, i);
  };
  const here = async () => {
    for (let i = take(); i >= 0; i = take()) {
      record(i, await verifyRangeOf(page, task(i)));
      await yieldToEvents();
    }
  };
  const there = async () => {
    for (let i = take(); i >= 0; i = take()) record(i, await runner.verifyRange(task(i)));
  };
  // Two requests in flight per other thread: it starts its next range while this one is busy.
  await Promise.all([here(), ...Array.from({ length: 2 * (runner.threads - 1) }, there)]);
  return results;
}

export interface VerifyInput {
  tenantId: string;
  page: Page;
  /** Signed notes: the stored checkpoints, then any held outside (mail, receipts). */
  checkpoints: { note: string; source: string }[];
  verifiers: NoteVerifier[];
  /**
   * Verify in parallel up to this head (the log's last seq, read after the checkpoints): entries
   * appended during the verify are left for the next one. Without it, one pass to the end of the log.
   */
  parallel?: { head: number; runner: ParallelVerify };
}

/** The verification itself, over any source of entries (the database, or an export). */
export async function verifyTrail(input: VerifyInput): Promise<TrailReport> {
  const { tenantId } = input;
  const report = (entries: number, latest: TrailReport['latest'], problem?: TrailProblem): TrailReport => ({
    tenantId,
    ok: !problem,
    entries,
    checkpoints: input.checkpoints.length,
    latest,
    ...(problem ? { problem } : {}),
  });

  // 1. Checkpoint signatures and names, before trusting their sizes.
  const parsed: (ParsedCheckpoint & { source: string })[] = [];
  for (const c of input.checkpoints) {
    const p = parseCheckpoint(c.note);
    const size = p?.size;
    if (!p)
      return report(0, null, { kind: 'forged-checkpoint', message: `${c.source} is not a checkpoint note` });
    if (!p.origin.endsWith(`/audit/${tenantId}`)) {
      return report(0, null, {
        kind: 'forged-checkpoint',
        checkpoint: size,
        message: `${c.source} (size ${size}) is for another log (${p.origin})`,
      });
    }
    const verifiers = input.verifiers.map((v) => ({ ...v, name: p.origin }));
    if (!(await verifyCheckpointSignature(p, verifiers))) {
      return report(0, null, {
        kind: 'forged-checkpoint',
        checkpoint: size,
        message: `${c.source} (size ${size}): the signature does not verify with any audit key`,
      });
    }
    parsed.push({ ...p, source: c.source });
  }
  const wantedSizes = [...new Set(parsed.map((p) => p.size))];

  // 2. The chain, entry by entry, in ranges (one, or one per thread), joined at the seams.
  const par = input.parallel;
  const results = par
    ? await runRanges(input.page, tenantId, wantedSizes, par.head, par.runner)
    : [
        await verifyRangeOf(input.page, {
          tenantId,
          from: 1,
          to: Number.POSITIVE_INFINITY,
          prev: GENESIS,
          wanted: wantedSizes,
        }),
      ];
  let prev = GENESIS;
  for (const r of results) {
    // Ranges past the first failing one may be left unchecked; the loop returns before reaching them.
    if (!r) break;
    const seamBroken = r.from > 1 && r.firstPrev !== prev;
    const k = seamBroken ? r.from : r.failedAt;
    if (k !== null) {
      const before = k === r.from ? prev : r.lastHash!;
      const [at] = await input.page(k - 1, 1);
      return report(k - 1, null, await problemAt(input.page, k, before, at));
    }
    prev = r.lastHash ?? prev;
  }
  const done = results as RangeResult[];
  const size = done.reduce((n, r) => n + r.count, 0);
  // Every leaf in one buffer, and the root of every prefix a checkpoint names: the complete blocks'
  // roots joined with that prefix's partial block (a few hashes a checkpoint).
  let leafBytes: Uint8Array;
  if (done.length === 1) leafBytes = done[0]!.leaves;
  else {
    leafBytes = new Uint8Array(size * 32);
    for (const r of done) leafBytes.set(r.leaves, (r.from - 1) * 32);
  }
  const blocks = done.flatMap((r) => r.blocks);
  const tails = new Map(done.flatMap((r) => r.tails));
  const rootAt = new Map<number, Uint8Array>();
  const blockPrefix = new PrefixRoots();
  for (const s of [...tails.keys()].sort((a, b) => a - b)) {
    while (blockPrefix.size < Math.floor(s / BLOCK)) blockPrefix.push(blocks[blockPrefix.size]!);
    rootAt.set(s, blockPrefix.root(tails.get(s) ?? undefined));
  }

  // 3. Every checkpoint against the log it claims to sign.
  const equal = (a: Uint8Array, b: Uint8Array) => a.every((x, i) => x === b[i]);
  const good = parsed.filter(
    (p) => p.size <= size && equal(rootAt.get(p.size) ?? new Uint8Array(32), p.root),
  );
  const latest = good.reduce<(typeof good)[number] | null>((a, b) => (!a || b.size > a.size ? b : a), null);
  const latestInfo = latest ? { size: latest.size, root: bytesToHex(latest.root) } : null;
  for (const p of parsed) {
    if (p.size > size) {
      return report(size, latestInfo, {
        kind: 'truncated',
        seq: size + 1,
        checkpoint: p.size,
        message: `${p.source} signs ${p.size} entries but the log has ${size}: entries ${size + 1}–${p.size} were deleted`,
      });
    }
  }
  // Consecutive checkpoints, proven consistent as an outside verifier would (RFC 9162 §2.1.4.2).
  const sorted = [...parsed].sort((a, b) => a.size - b.size);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (good.includes(p)) continue;
    const other = good.find((g) => g.size !== p.size) ?? good[0];
    return report(size, latestInfo, {
      kind: 'inconsistent-checkpoints',
      checkpoint: p.size,
      message: other
        ? `${p.source} (size ${p.size}) is inconsistent with ${other.source} (size ${other.size}) and with the log: both are signed, so history was rewritten after one of them`
        : `${p.source} (size ${p.size}) does not match the log at that size: history was rewritten after it was signed`,
    });
  }
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const view = new TreeView(b.size, blocks.slice(0, Math.floor(b.size / BLOCK)), (blk) =>
      Array.from({ length: Math.max(0, Math.min(BLOCK, size - blk * BLOCK)) }, (_, i) =>
        leafBytes.subarray((blk * BLOCK + i) * 32, (blk * BLOCK + i + 1) * 32),
      ),
    );
    const proof = a.size === b.size ? [] : view.consistencyProof(a.size);
    if (!verifyConsistency(a.size, b.size, a.root, b.root, proof)) {
      return report(size, latestInfo, {
        kind: 'inconsistent-checkpoints',
        checkpoint: b.size,
        message: `${a.source} (size ${a.size}) and ${b.source} (size ${b.size}) are not consistent`,
      });
    }
  }
  return report(size, latestInfo);
}

/**
 * `assay audit verify` for one tenant, and what a restore test calls: the stored entries and
 * checkpoints, plus any checkpoint notes held elsewhere (`extra`). Never throws for a bad trail.
 * With `parallel` (the Node CLI on SQLite), a trail of at least `minEntries` is verified in ranges
 * up to the head read at the start; the report is the one a single pass over that head gives.
 */
export async function verifyTenantTrail(
  store: Store,
  tenantId: string,
  opts: { extraCheckpoints?: { note: string; source: string }[]; parallel?: ParallelVerify } = {},
): Promise<TrailReport> {
  const scope = store.tenant(tenantId);
  const stored = await scope.read((ctx) => listCheckpoints(ctx));
  const verifiers = await auditVerifiers(store, '');
  // The head after the checkpoints: every stored checkpoint is then within it, and the ranges stop there.
  const runner = opts.parallel;
  const last = runner && runner.threads > 1 ? (await scope.read((ctx) => chainHead(ctx)))?.seq : undefined;
  // Ranges are cut by seq, so only a whole-number head can bound them: a row whose seq is not one (a blob or
  // text sorts after every number, a fraction between two) can be there only if someone dropped the
  // triggers; the single pass reads every row in order and names it, so it verifies such a trail.
  const head = typeof last === 'number' && Number.isSafeInteger(last) && last >= 1 ? last : 0;
  return verifyTrail({
    ...(runner && head >= Math.max(runner.minEntries, 1) ? { parallel: { head, runner } } : {}),
    tenantId,
    page: (afterSeq, limit) => scope.read((ctx) => scanAudit(ctx, afterSeq, limit)),
    checkpoints: [
      ...stored.map((c) => ({ note: c.note, source: `checkpoint ${c.treeSize}` })),
      ...(opts.extraCheckpoints ?? []),
    ],
    verifiers,
  });
}

/** One line for people: `tenant T: ok, N entries, M checkpoints` or the problem. */
export function describeReport(r: TrailReport): string {
  if (r.ok) {
    return `tenant ${r.tenantId}: ok, ${r.entries} entries, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}${r.latest ? `, latest signs ${r.latest.size}` : ''}`;
  }
  const p = r.problem!;
  return `tenant ${r.tenantId}: FAILED (${p.kind})${p.seq ? ` at entry ${p.seq}` : ''}: ${p.message}`;
}
