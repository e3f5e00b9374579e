/**
 * RFC 6962 / RFC 9162 §2.1 Merkle tree hashing over a tenant's audit chain.
 *
 * A leaf is one entry's chain hash as 32 raw bytes (`this_hash`, which already commits to the entry's
 * canonical bytes and to every entry before it): `leaf = SHA-256(0x00 ‖ this_hash)`, an inner node
 * `SHA-256(0x01 ‖ left ‖ right)`, and a tree of n leaves splits at k, the largest power of two below n.
 *
 * Building a root or a proof over a large log from scratch costs a pass over every leaf. {@link TreeView}
 * instead takes the hashes of complete aligned blocks of {@link BLOCK} leaves (kept in the
 * `audit_merkle_blocks` cache, see ./checkpoints.ts) plus the leaves of the few blocks a question
 * touches, so a root or a proof over a million entries costs about a thousand hashes. The cache is
 * only a speed-up: `assay audit verify` recomputes everything from the entries.
 */
import { hexInto } from '../crypto/encoding.js';
import { sha256, sha256Into } from '../crypto/hash.js';

/** Leaves per cached block (a power of two). */
export const BLOCK = 1024;
export const BLOCK_LEVEL = 10;

// Scratch inputs, reused: hashing is synchronous and the digest is a fresh array, so nothing aliases them.
// (A million-entry verify hashes two million of these; allocating each input showed in the profile.)
const leafInput = new Uint8Array(33); // 0x00 ‖ entry hash
const nodeInput = new Uint8Array(65).fill(1, 0, 1); // 0x01 ‖ left ‖ right

/** RFC 6962 leaf hash of one entry's chain hash (raw bytes). */
export function leafHashOf(entryHash: Uint8Array): Uint8Array {
  if (entryHash.length !== 32) throw new RangeError('an entry hash is 32 bytes');
  leafInput.set(entryHash, 1);
  return sha256Into(leafInput, new Uint8Array(32));
}

/** RFC 6962 leaf hash of one entry's chain hash (hex). */
export function leafHash(entryHashHex: string): Uint8Array {
  if (entryHashHex.length !== 64) throw new RangeError('an entry hash is 64 hex digits');
  hexInto(entryHashHex, leafInput, 1);
  return sha256Into(leafInput, new Uint8Array(32));
}

/**
 * RFC 6962 leaf hash of one entry's chain hash (hex), written into `out` at `offset`: what a verify
 * runs a million times, without a fresh array per leaf.
 */
export function leafHashInto(entryHashHex: string, out: Uint8Array, offset: number): void {
  if (entryHashHex.length !== 64) throw new RangeError('an entry hash is 64 hex digits');
  hexInto(entryHashHex, leafInput, 1);
  sha256Into(leafInput, out, offset);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) throw new RangeError('a node hash is 32 bytes');
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return sha256Into(nodeInput, new Uint8Array(32));
}

/** SHA-256 of the empty string: the root of the empty tree (RFC 6962 §2.1). */
export const EMPTY_ROOT = sha256(new Uint8Array(0));

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root over leaf hashes already in memory (the plain statement of the RFC, for small trees and tests). */
export function rootOf(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  if (hi - lo === 0) return EMPTY_ROOT;
  if (hi - lo === 1) return leaves[lo]!;
  const k = splitPoint(hi - lo);
  return nodeHash(rootOf(leaves, lo, lo + k), rootOf(leaves, lo + k, hi));
}

/**
 * Incremental roots of every prefix: push leaves in order, ask for the root of the tree so far. Keeps
 * one hash per set bit of the size (a compact range), so a pass over a million entries that checks a
 * thousand checkpoints costs one hash per leaf plus a few per checkpoint.
 */
export class PrefixRoots {
  // The compact range as one buffer, 32 bytes a level in stack order (at most 53 levels below 2^53
  // leaves): merges hash in place, so pushing a leaf allocates nothing but a block's root.
  #stack = new Uint8Array(32 * 64);
  #depth = 0;
  #size = 0;
  /** The root of every complete aligned block of BLOCK leaves, as the merges pass it (no extra hashing). */
  readonly blocks: Uint8Array[] = [];
  get size(): number {
    return this.#size;
  }
  /** Pushes the leaf hash at `leaf[offset…offset+32)`. */
  push(leaf: Uint8Array, offset = 0): void {
    if (leaf.length < offset + 32) throw new RangeError('a leaf hash is 32 bytes');
    const stack = this.#stack;
    // The running hash sits in nodeInput[33…65) (the right half of the next merge).
    for (let i = 0; i < 32; i++) nodeInput[33 + i] = leaf[offset + i]!;
    let n = this.#size;
    let level = 0;
    while (n & 1) {
      this.#depth--;
      nodeInput.set(stack.subarray(this.#depth * 32, this.#depth * 32 + 32), 1);
      sha256Into(nodeInput, nodeInput, 33);
      n >>>= 1;
      if (++level === BLOCK_LEVEL) this.blocks.push(nodeInput.slice(33, 65));
    }
    stack.set(nodeInput.subarray(33, 65), this.#depth * 32);
    this.#depth++;
    this.#size++;
  }
  /**
   * The root of the leaves pushed so far; with `tail`, of those leaves followed by a subtree whose root is
   * `tail` (the MTH of a tree whose size is this size plus the tail's, when this size is a multiple of
   * the tail's power-of-two span: how a parallel verify joins block roots and a partial block's root).
   */
  root(tail?: Uint8Array): Uint8Array {
    if (this.#depth === 0) return tail ?? EMPTY_ROOT;
    let h: Uint8Array = tail ?? this.#at(this.#depth - 1);
    for (let i = this.#depth - (tail ? 1 : 2); i >= 0; i--) h = nodeHash(this.#at(i), h);
    return h;
  }

  /**
   * The root of the leaves after the last complete block (MTH of the partial block), or null when the
   * size is a multiple of BLOCK. Valid when the first leaf pushed sat at a multiple of BLOCK.
   */
  tailRoot(): Uint8Array | null {
    let n = this.#size & (BLOCK - 1);
    let levels = 0;
    for (; n; n &= n - 1) levels++;
    if (levels === 0) return null;
    let h: Uint8Array = this.#at(this.#depth - 1);
    for (let i = this.#depth - 2; i >= this.#depth - levels; i--) h = nodeHash(this.#at(i), h);
    return h;
  }

  #at(i: number): Uint8Array {
    return this.#stack.slice(i * 32, i * 32 + 32);
  }
}

/**
 * A tree of `size` leaves, answering from complete block hashes where it can and from loaded leaves
 * elsewhere. `blocks[i]` is the root of leaves [i·BLOCK, (i+1)·BLOCK); `leaves(b)` gives the leaf
 * hashes of block b (only asked for blocks that are partial or that a proof reaches into).
 */
export class TreeView {
  constructor(
    readonly size: number,
    readonly blocks: readonly Uint8Array[],
    readonly leavesOf: (block: number) => readonly Uint8Array[],
  ) {}

  /** MTH(D[lo:hi]). */
  hash(lo: number, hi: number): Uint8Array {
    const n = hi - lo;
    if (n === 0) return EMPTY_ROOT;
    if (n >= BLOCK && (n & (n - 1)) === 0 && lo % BLOCK === 0 && hi / BLOCK <= this.blocks.length) {
      return this.#fromBlocks(lo / BLOCK, hi / BLOCK);
    }
    if (n === 1) {
      const b = Math.floor(lo / BLOCK);
      return this.leavesOf(b)[lo - b * BLOCK]!;
    }
    // Inside one block whose leaves are loaded: hash them directly.
    const b = Math.floor(lo / BLOCK);
    if (Math.floor((hi - 1) / BLOCK) === b) {
      const leaves = this.leavesOf(b);
      return rootOf(leaves, lo - b * BLOCK, hi - b * BLOCK);
    }
    const k = splitPoint(n);
    return nodeHash(this.hash(lo, lo + k), this.hash(lo + k, hi));
  }

  #fromBlocks(a: number, b: number): Uint8Array {
    if (b - a === 1) return this.blocks[a]!;
    const k = (b - a) / 2;
    return nodeHash(this.#fromBlocks(a, a + k), this.#fromBlocks(a + k, b));
  }

  root(): Uint8Array {
    return this.hash(0, this.size);
  }

  /** RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of leaf m, leaf's sibling first. */
  inclusionProof(m: number): Uint8Array[] {
    if (m < 0 || m >= this.size) throw new RangeError('leaf index outside the tree');
    const out: Uint8Array[] = [];
    const walk = (mm: number, lo: number, hi: number) => {
      const n = hi - lo;
      if (n <= 1) return;
      const k = splitPoint(n);
      if (mm < k) {
        walk(mm, lo, lo + k);
        out.push(this.hash(lo + k, hi));
      } else {
        walk(mm - k, lo + k, hi);
        out.push(this.hash(lo, lo + k));
      }
    };
    walk(m, 0, this.size);
    return out;
  }

  /** RFC 6962 §2.1.2 PROOF(m, D[n]): the consistency proof from the first m leaves to this tree. */
  consistencyProof(m: number): Uint8Array[] {
    if (m < 1 || m > this.size) throw new RangeError('the older tree size must be between 1 and this size');
    const out: Uint8Array[] = [];
    const sub = (mm: number, lo: number, hi: number, complete: boolean) => {
      const n = hi - lo;
      if (mm === n) {
        if (!complete) out.push(this.hash(lo, hi));
        return;
      }
      const k = splitPoint(n);
      if (mm <= k) {
        sub(mm, lo, lo + k, complete);
        out.push(this.hash(lo + k, hi));
      } else {
        sub(mm - k, lo + k, hi, false);
        out.push(this.hash(lo, lo + k));
      }
    };
    sub(m, 0, this.size, true);
    return out;
  }
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof has the wrong shape. */
export function rootFromInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | null {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const r = rootFromInclusion(index, size, leaf, proof);
  return r !== null && equal(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree (size2, root2) extends (size1, root1). */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (size1 < 1 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  let path = [...proof];
  // When size1 is a power of two, the proof leaves out the old root itself.
  if ((size1 & (size1 - 1)) === 0) path = [root1, ...path];
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}
