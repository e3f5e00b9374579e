/** RFC 6962 hashing and proofs: the block-cached TreeView against the plain recursive definition. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOCK,
  leafHash,
  PrefixRoots,
  rootFromInclusion,
  rootOf,
  TreeView,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import '../../src/platform/node/native-crypto.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(sha256Hex(`entry ${i}`)));
const view = (l: Uint8Array[], size = l.length) => {
  const blocks: Uint8Array[] = [];
  for (let b = 0; (b + 1) * BLOCK <= size; b++) blocks.push(rootOf(l, b * BLOCK, (b + 1) * BLOCK));
  return new TreeView(size, blocks, (b) => l.slice(b * BLOCK, (b + 1) * BLOCK));
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RFC 6962 Merkle tree', () => {
  it('matches the RFC 6962 test vector shape: empty tree and one leaf', () => {
    // The empty tree's root is SHA-256 of nothing; a one-leaf tree's root is its leaf hash.
    expect(hex(rootOf([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [one] = leaves(1);
    expect(hex(rootOf([one!]))).toBe(hex(one!));
  });

  it('the block view, the prefix roots and the recursive definition agree', () => {
    const all = leaves(3 * BLOCK + 37);
    const prefix = new PrefixRoots();
    for (const [i, l] of all.entries()) {
      prefix.push(l);
      const n = i + 1;
      if (n % 97 === 0 || n === BLOCK || n === 2 * BLOCK || n === all.length) {
        const want = hex(rootOf(all, 0, n));
        expect(hex(prefix.root())).toBe(want);
        expect(hex(view(all, n).root())).toBe(want);
      }
    }
  });

  it('block roots joined with a range-local tail root equal the root (how a parallel verify builds it)', () => {
    const all = leaves(4 * BLOCK + 300);
    // A range that starts at a block boundary, as each worker's does.
    const start = 2 * BLOCK;
    const local = new PrefixRoots();
    const blocks: Uint8Array[] = [];
    for (let b = 0; b < start / BLOCK; b++) blocks.push(rootOf(all, b * BLOCK, (b + 1) * BLOCK));
    for (let i = start; i < all.length; i++) {
      local.push(all[i]!);
      const n = i + 1;
      if (n % 131 === 0 || n % BLOCK === 0 || n % BLOCK === 1 || n === all.length) {
        const joined = new PrefixRoots();
        for (const b of [...blocks, ...local.blocks].slice(0, Math.floor(n / BLOCK))) joined.push(b);
        const tail = local.tailRoot();
        expect(tail === null).toBe(n % BLOCK === 0);
        if (tail) expect(hex(tail)).toBe(hex(rootOf(all, n - (n % BLOCK), n)));
        expect(hex(joined.root(tail ?? undefined))).toBe(hex(rootOf(all, 0, n)));
      }
    }
    // Below one block there are no block roots: the tail is the root.
    const small = new PrefixRoots();
    for (const l of all.slice(0, 5)) small.push(l);
    expect(hex(new PrefixRoots().root(small.tailRoot()!))).toBe(hex(rootOf(all, 0, 5)));
  });

  it('inclusion proofs verify, and fail for another leaf, index or root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * BLOCK + 300 }), fc.nat(), (n, m0) => {
        const all = leaves(n);
        const m = m0 % n;
        const t = view(all);
        const proof = t.inclusionProof(m);
        const root = rootOf(all);
        expect(verifyInclusion(m, n, all[m]!, proof, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion((m + 1) % n, n, all[m]!, proof, root)).toBe(false);
          expect(verifyInclusion(m, n, all[(m + 1) % n]!, proof, root)).toBe(false);
        }
        expect(rootFromInclusion(m, n + 5000, all[m]!, proof)).toBeNull();
      }),
      { numRuns: 40 },
    );
  });

  it('consistency proofs verify between any two sizes, and fail for a rewritten history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 * BLOCK + 300 }), fc.nat(), (n, m0) => {
        const all = leaves(n);
        const m = (m0 % n) + 1;
        const proof = view(all).consistencyProof(m);
        const r1 = rootOf(all, 0, m);
        const r2 = rootOf(all);
        expect(verifyConsistency(m, n, r1, r2, m === n ? [] : proof)).toBe(true);
        const forged = [...all];
        forged[m - 1] = leafHash(sha256Hex('forged'));
        expect(verifyConsistency(m, n, rootOf(forged, 0, m), r2, proof)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
