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
import { sha256Hex } from '../crypto/hash.js';
import { listCheckpoints, type ScannedEntry, scanAudit } from '../db/repo/audit.js';
import type { Store } from '../db/store.js';
import { GENESIS, hashEntry, verifiedEntryLine } from './chain.js';
import { auditVerifiers } from './checkpoints.js';
import { BLOCK, leafHashInto, PrefixRoots, TreeView, verifyConsistency } from './merkle.js';
import {
  type NoteVerifier,
  type ParsedCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignature,
} from './note.js';

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

/**
 * Rows a verify reads per page. Small enough that a page's rows die young (20,000 rows outlived the
 * young generation, and promoting them made the garbage collector a quarter of a million-entry verify;
 * docs/benchmarks.md, "Audit trail"), large enough that the per-statement cost stays out of sight.
 */
const PAGE = 2000;
/** How far around a broken entry the diagnosis looks for where it belongs. */
const WINDOW = 1000;

type Page = (afterSeq: number, limit: number) => Promise<ScannedEntry[]>;

/** Whether an entry's `data` is (or its stored text parses as) one JSON object. */
function dataIsObject(e: ScannedEntry): boolean {
  try {
    const d = e.data;
    return d !== null && typeof d === 'object' && !Array.isArray(d);
  } catch {
    return false;
  }
}

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

export interface VerifyInput {
  tenantId: string;
  page: Page;
  /** Signed notes: the stored checkpoints, then any held outside (mail, receipts). */
  checkpoints: { note: string; source: string }[];
  verifiers: NoteVerifier[];
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
  const wanted = new Map<number, (ParsedCheckpoint & { source: string })[]>();
  for (const p of parsed) wanted.set(p.size, [...(wanted.get(p.size) ?? []), p]);

  // 2. The chain, entry by entry, with the root of every prefix a checkpoint names.
  const roots = new PrefixRoots();
  // Every leaf, 32 bytes each in one growing buffer (a million small arrays kept alive cost the
  // garbage collector more than the hashing); consistency proofs read them back by block.
  let leafBytes = new Uint8Array(32 * BLOCK * 64);
  const rootAt = new Map<number, Uint8Array>();
  let prev = GENESIS;
  let k = 1;
  const tenantJson = JSON.stringify(tenantId);
  for (let after = 0; ; ) {
    const rows = await input.page(after, PAGE);
    for (const e of rows) {
      const { this_hash } = e;
      // The stored canonical text is hashed as it is; where it is not the canonical form (PostgreSQL's
      // jsonb, rows written before the stores kept the canonical text) the entry is re-serialised. Either
      // way the entry passes only if SHA-256 of its bytes is the hash the next entry links to.
      // The stored text must also parse as one JSON object, so the bytes mean exactly the row's fields
      // (a `data` text cannot carry another column's field into the hashed line).
      // `prev` is GENESIS or a digest checked below, and `k` an integer: the line writes both as they are.
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
        const problem = dataIsObject(e)
          ? await diagnose(input.page, k, prev, e)
          : ({
              kind: 'edited',
              seq: k,
              message: `entry ${k} was edited: its data is not a JSON object`,
            } as const);
        return report(k - 1, null, problem);
      }
      if (k * 32 > leafBytes.length) {
        const grown = new Uint8Array(leafBytes.length * 2);
        grown.set(leafBytes);
        leafBytes = grown;
      }
      leafHashInto(this_hash, leafBytes, (k - 1) * 32);
      roots.push(leafBytes, (k - 1) * 32);
      if (wanted.has(k)) rootAt.set(k, roots.root());
      prev = this_hash;
      k++;
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.seq;
  }
  const size = k - 1;

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
  const blocks = roots.blocks;
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
 */
export async function verifyTenantTrail(
  store: Store,
  tenantId: string,
  opts: { extraCheckpoints?: { note: string; source: string }[] } = {},
): Promise<TrailReport> {
  const scope = store.tenant(tenantId);
  const stored = await scope.read((ctx) => listCheckpoints(ctx));
  const verifiers = await auditVerifiers(store, '');
  return verifyTrail({
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
