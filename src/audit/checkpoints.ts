/**
 * Signed checkpoints of a tenant's audit log, and proofs against them.
 *
 * A checkpoint commits to the first N entries (N = the chain's head when it is made) through the RFC
 * 6962 root over their chain hashes (./merkle.ts), signed as a C2SP note with the audit key (./note.ts).
 * Made by the hourly job, at each submission (the receipt carries it) and on demand (workspace, CLI);
 * stored append-only in `audit_checkpoints`. Making one is not itself audited: the checkpoint row is
 * its own append-only record, and an entry per checkpoint would leave every checkpoint one entry behind.
 *
 * Roots and proofs read complete 1024-entry blocks from `audit_merkle_blocks` (filled here, on first
 * need) plus the entries of at most a few blocks, so they cost about the same at a million entries as
 * at a thousand. Units: reads first (hashing is synchronous, allowed inside), signing between units.
 */
import { bytesToHex, hexToBytes } from '../crypto/encoding.js';
import {
  type CheckpointRow,
  chainHead,
  checkpointOfSize,
  insertCheckpoint,
  insertMerkleBlock,
  latestCheckpoint,
  listCheckpoints,
  listEntryHashes,
  listMerkleBlocks,
} from '../db/repo/audit.js';
import { listPublishedKeys } from '../db/repo/keys.js';
import type { Store, TenantReadCtx } from '../db/store.js';
import type { KeyRing } from '../keys/keyring.js';
import { BLOCK, leafHash, rootOf, TreeView } from './merkle.js';
import { auditOrigin, type NoteVerifier, rawEd25519, signCheckpoint } from './note.js';

export interface TrailDeps {
  store: Store;
  keys: Pick<KeyRing, 'signer'>;
  /** The server's BASE_URL: its host names the log (`<host>/audit/<tenant>`). */
  baseUrl: string;
  clock?: { now(): Date };
}

export type CheckpointReason = 'periodic' | 'submission' | 'on-demand';

/**
 * Reads what a tree of `size` entries needs: the complete blocks (computing and returning the ones the
 * cache lacks) and the leaves of the partial tail block and of `blocksWithLeaves`.
 */
async function loadTree(ctx: TenantReadCtx, size: number, blocksWithLeaves: number[] = []) {
  const complete = Math.floor(size / BLOCK);
  const cached = await listMerkleBlocks(ctx, complete);
  const blocks: Uint8Array[] = cached.map(hexToBytes);
  const fresh: { idx: number; hash: string }[] = [];
  const leaves = new Map<number, Uint8Array[]>();
  const readLeaves = async (b: number) => {
    const rows = await listEntryHashes(ctx, b * BLOCK + 1, Math.min(size, (b + 1) * BLOCK));
    return rows.map((r) => leafHash(r.thisHash));
  };
  for (let b = blocks.length; b < complete; b++) {
    const l = await readLeaves(b);
    if (l.length !== BLOCK) throw new Error(`audit log of tenant ${ctx.tenantId} has a gap in block ${b}`);
    const h = rootOf(l);
    blocks.push(h);
    fresh.push({ idx: b, hash: bytesToHex(h) });
    leaves.set(b, l);
  }
  const want = new Set(blocksWithLeaves);
  if (size % BLOCK) want.add(complete);
  for (const b of want) if (!leaves.has(b) && b * BLOCK < size) leaves.set(b, await readLeaves(b));
  const view = new TreeView(size, blocks, (b) => {
    const l = leaves.get(b);
    if (!l) throw new Error(`leaves of block ${b} were not loaded`);
    return l;
  });
  return { view, fresh };
}

/** The verifiers for a tenant's checkpoints: every audit key the key table still has, under the log's name. */
export async function auditVerifiers(store: Store, origin: string): Promise<NoteVerifier[]> {
  const rows = await store.global.read((g) => listPublishedKeys(g, 'audit'));
  return rows.map((r) => ({ name: origin, publicKey: rawEd25519(r.publicJwk), kid: r.kid }));
}

/**
 * Makes (or finds) the checkpoint of the tenant's log at its current head. Null when the log is empty.
 * Idempotent per tree size: a concurrent or repeated call for the same size keeps the first note.
 */
export async function makeCheckpoint(
  deps: TrailDeps,
  tenantId: string,
  reason: CheckpointReason,
): Promise<CheckpointRow | null> {
  return (await checkpointAt(deps, tenantId, reason, null))?.checkpoint ?? null;
}

/**
 * The checkpoint at the head and, for `proveSeq`, that entry's inclusion proof in it, from one read of
 * the tree (the block hashes, the tail block's leaves and the proven entry's block).
 */
async function checkpointAt(
  deps: TrailDeps,
  tenantId: string,
  reason: CheckpointReason,
  proveSeq: number | null,
): Promise<{ checkpoint: CheckpointRow; proof: InclusionProof | null } | null> {
  const scope = deps.store.tenant(tenantId);
  const now = deps.clock?.now() ?? new Date();
  const prove = (view: TreeView, size: number): InclusionProof | null =>
    proveSeq === null || proveSeq > size
      ? null
      : {
          index: proveSeq - 1,
          treeSize: size,
          hashes: view.inclusionProof(proveSeq - 1).map(bytesToHex),
        };
  const built = await scope.read(async (ctx) => {
    const head = await chainHead(ctx);
    if (!head) return null;
    const existing = await checkpointOfSize(ctx, head.seq);
    const withLeaves = proveSeq !== null && proveSeq <= head.seq ? [Math.floor((proveSeq - 1) / BLOCK)] : [];
    if (existing && proveSeq === null) return { existing, proof: null };
    const { view, fresh } = await loadTree(ctx, head.seq, withLeaves);
    const proof = prove(view, head.seq);
    if (existing) return { existing, proof };
    return { size: head.seq, root: view.root(), fresh, proof };
  });
  if (!built) return null;
  if ('existing' in built) return { checkpoint: built.existing!, proof: built.proof };
  const signer = await deps.keys.signer('audit');
  const origin = auditOrigin(deps.baseUrl, tenantId);
  const [verifier] = (await auditVerifiers(deps.store, origin)).filter((v) => v.kid === signer.kid);
  if (!verifier) throw new Error('the active audit key is not in the key table');
  const note = await signCheckpoint(
    { key: signer.key, publicKey: verifier.publicKey },
    origin,
    built.size,
    built.root,
  );
  await scope.write((tx) => {
    for (const b of built.fresh) insertMerkleBlock(tx, b.idx, b.hash);
    insertCheckpoint(
      tx,
      { treeSize: built.size, rootHash: bytesToHex(built.root), note, kid: signer.kid, reason },
      now,
    );
  });
  // A concurrent maker of the same size may have won: its note (same size, same root) is the one kept.
  const checkpoint = await scope.read(async (ctx) => (await checkpointOfSize(ctx, built.size))!);
  return { checkpoint, proof: built.proof };
}

export interface InclusionProof {
  /** 0-based leaf index (= seq − 1). */
  index: number;
  treeSize: number;
  /** Hex hashes, the leaf's sibling first (RFC 6962 PATH). */
  hashes: string[];
}

/** The RFC 6962 audit path of entry `seq` in the tree of the first `treeSize` entries. */
export async function inclusionProof(
  store: Store,
  tenantId: string,
  seq: number,
  treeSize: number,
): Promise<InclusionProof> {
  if (seq < 1 || seq > treeSize) throw new RangeError('the entry is not in that tree');
  const index = seq - 1;
  return store.tenant(tenantId).read(async (ctx) => {
    const { view } = await loadTree(ctx, treeSize, [Math.floor(index / BLOCK)]);
    return { index, treeSize, hashes: view.inclusionProof(index).map(bytesToHex) };
  });
}

/** The RFC 6962 consistency proof from the tree of `size1` entries to the tree of `size2`. */
export async function consistencyProof(
  store: Store,
  tenantId: string,
  size1: number,
  size2: number,
): Promise<string[]> {
  return store.tenant(tenantId).read(async (ctx) => {
    const edge = Math.floor((size1 - 1) / BLOCK);
    const { view } = await loadTree(ctx, size2, [edge]);
    return view.consistencyProof(size1).map(bytesToHex);
  });
}

/** A checkpoint and the inclusion proof of one entry in it: what a receipt carries. */
export async function attestEntry(deps: TrailDeps, tenantId: string, seq: number, reason: CheckpointReason) {
  const made = await checkpointAt(deps, tenantId, reason, seq);
  if (!made?.proof) throw new Error('the entry is not in the log yet');
  return { checkpoint: made.checkpoint, proof: made.proof };
}

export { latestCheckpoint, listCheckpoints };
