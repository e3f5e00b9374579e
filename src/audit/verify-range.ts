/**
 * One range of a tenant's audit chain, checked entry by entry: what a single-pass verify runs over the
 * whole log and what each worker thread of a parallel one runs over its part (./verify.ts joins them).
 * Kept apart from the repository's query builder so a worker loads only the hashing.
 */
import { sha256Hex } from '../crypto/hash.js';
import type { ScannedEntry } from '../db/repo/audit-scan.js';
import { hashEntry, verifiedEntryLine } from './chain.js';
import { BLOCK, leafHashInto, PrefixRoots } from './merkle.js';

/**
 * Rows a verify reads per page. Small enough that a page's rows die young (20,000 rows outlived the
 * young generation, and promoting them made the garbage collector a quarter of a million-entry verify;
 * docs/benchmarks.md, "Audit trail"), large enough that the per-statement cost stays out of sight.
 */
export const PAGE = 2000;
export type Page = (afterSeq: number, limit: number) => Promise<ScannedEntry[]>;

/** Whether an entry's `data` is (or its stored text parses as) one JSON object. */
export function dataIsObject(e: ScannedEntry): boolean {
  try {
    const d = e.data;
    return d !== null && typeof d === 'object' && !Array.isArray(d);
  } catch {
    return false;
  }
}

/** One range of a trail to verify: entries `from..to` (to may be Infinity: to the end of the log). */
export interface RangeTask {
  tenantId: string;
  from: number;
  to: number;
  /**
   * The chain hash entry `from` must link to (GENESIS for the first range); null: take the first entry's
   * own `prev_hash` and report it, for the coordinator to check against the previous range.
   */
  prev: string | null;
  /** Checkpoint sizes; the range reports the partial block's root at each one it holds. */
  wanted: number[];
}

/** What a range's check hands back: enough to join ranges and to check every checkpoint root. */
export interface RangeResult {
  from: number;
  /** The first entry that fails (this range's own check; the seam is the coordinator's), or null. */
  failedAt: number | null;
  /** The `prev_hash` entry `from` carries (null when that entry failed or is missing). */
  firstPrev: string | null;
  /** The chain hash of the last entry that passed (null: none did). */
  lastHash: string | null;
  /** Entries that passed: `from .. from + count − 1`. */
  count: number;
  /** Their RFC 6962 leaf hashes, 32 bytes each. */
  leaves: Uint8Array;
  /** The roots of the complete aligned blocks among them (the range starts at a block boundary). */
  blocks: Uint8Array[];
  /** For each wanted size in the range: the root of that prefix's partial block (null: none). */
  tails: [number, Uint8Array | null][];
}

/**
 * Checks entries `from..to` as they come from `page`: each entry's hash recomputed from its canonical
 * form, its `seq` and its link to the one before; and the Merkle leaves, block roots and checkpoint tail
 * roots of the range. `from` must be 1 or follow a multiple of BLOCK. Stops at the first failure.
 */
export async function verifyRangeOf(page: Page, task: RangeTask): Promise<RangeResult> {
  const { tenantId, from, to } = task;
  if ((from - 1) % BLOCK !== 0) throw new RangeError('a range starts at a block boundary');
  const wanted = new Set(task.wanted.filter((w) => w >= from && w <= to));
  const roots = new PrefixRoots();
  // Every leaf, 32 bytes each in one growing buffer (a million small arrays kept alive cost the
  // garbage collector more than the hashing); consistency proofs read them back by block.
  const span = Number.isFinite(to) ? Math.min(to - from + 1, BLOCK * 64) : BLOCK * 64;
  let leafBytes = new Uint8Array(32 * Math.max(1, span));
  const tails: [number, Uint8Array | null][] = [];
  let prev = task.prev;
  let firstPrev: string | null = null;
  let failedAt: number | null = null;
  let k = from;
  const tenantJson = JSON.stringify(tenantId);
  scan: for (let after = from - 1; ; ) {
    const rows = await page(after, PAGE);
    for (const e of rows) {
      if (k > to) break scan;
      const { this_hash } = e;
      // The stored canonical text is hashed as it is; where it is not the canonical form (PostgreSQL's
      // jsonb, rows written before the stores kept the canonical text) the entry is re-serialised. Either
      // way the entry passes only if SHA-256 of its bytes is the hash the next entry links to.
      // The stored text must also parse as one JSON object, so the bytes mean exactly the row's fields
      // (a `data` text cannot carry another column's field into the hashed line).
      // `prev` is GENESIS or a digest checked below, and `k` an integer: the line writes both as they
      // are. (A range's first `prev` is the entry's own until the coordinator checks the seam; if the
      // seam fails, the entry fails there whatever this computed.)
      if (prev === null && e.seq === k) prev = e.prev_hash;
      const linked = e.seq === k && e.prev_hash === prev;
      const ok =
        linked &&
        ((e.dataJson !== undefined &&
          sha256Hex(
            `${prev}\n${verifiedEntryLine(e, e.dataJson, e.tenant_id === tenantId ? tenantJson : JSON.stringify(e.tenant_id))}`,
          ) === this_hash &&
          dataIsObject(e)) ||
          (dataIsObject(e) && hashEntry(e) === this_hash));
      if (!ok) {
        failedAt = k;
        break scan;
      }
      if (k === from) firstPrev = e.prev_hash;
      const i = k - from;
      if ((i + 1) * 32 > leafBytes.length) {
        const grown = new Uint8Array(leafBytes.length * 2);
        grown.set(leafBytes);
        leafBytes = grown;
      }
      leafHashInto(this_hash, leafBytes, i * 32);
      roots.push(leafBytes, i * 32);
      if (wanted.has(k)) tails.push([k, roots.tailRoot()]);
      prev = this_hash;
      k++;
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.seq;
  }
  // A bounded range whose rows ran out early: its next entry is missing.
  if (failedAt === null && k <= to && Number.isFinite(to)) failedAt = k;
  const count = k - from;
  return {
    from,
    failedAt,
    firstPrev,
    lastHash: count > 0 ? prev : null,
    count,
    leaves: leafBytes.subarray(0, count * 32),
    blocks: roots.blocks,
    tails,
  };
}
