/**
 * What ties a vendor's receipt to the tenant's trail: the submission's entry (seq and chain hash), a
 * checkpoint signed right after it, and the RFC 6962 inclusion proof of that entry in the checkpoint.
 * With the receipt and the audit public key alone the vendor can later show that the submission is in
 * the trail; a checkpoint from any later time proves it is still there (a consistency proof, which the
 * tenant's auditor can get from a fresh export).
 */
import { findEntry, type StoredEntry } from '../db/repo/audit.js';
import { attestEntry, type TrailDeps } from './checkpoints.js';
import { leafHash, rootFromInclusion } from './merkle.js';
import { type NoteVerifier, parseCheckpoint, verifyCheckpointSignature } from './note.js';

export interface ReceiptAudit {
  seq: number;
  entryHash: string;
  checkpoint?: string;
  inclusionProof?: { index: number; treeSize: number; hashes: string[] };
}

/** The entry an action on a target appended (null if there is none). */
export function entryOf(deps: Pick<TrailDeps, 'store'>, tenantId: string, action: string, target: string) {
  return deps.store.tenant(tenantId).read((ctx) => findEntry(ctx, action, target));
}

/** Signs a checkpoint that covers `entry` and proves the entry is in it. */
export async function attestForReceipt(
  deps: TrailDeps,
  tenantId: string,
  entry: StoredEntry,
): Promise<ReceiptAudit> {
  const { checkpoint, proof } = await attestEntry(deps, tenantId, entry.seq, 'submission');
  return {
    seq: entry.seq,
    entryHash: entry.this_hash,
    checkpoint: checkpoint.note,
    inclusionProof: { index: proof.index, treeSize: proof.treeSize, hashes: proof.hashes },
  };
}

export type ReceiptAuditCheck =
  | { ok: true; treeSize: number; origin: string }
  | { ok: false; reason: string };

const fromHex = (h: string) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
};

/**
 * Checks a receipt's audit part on its own: the checkpoint's signature (with the given audit keys),
 * that it is the log of the receipt's tenant, and that the proof leads from the entry to its root.
 */
export async function checkReceiptAudit(
  audit: ReceiptAudit,
  tenantId: string,
  verifiers: readonly Omit<NoteVerifier, 'name'>[],
): Promise<ReceiptAuditCheck> {
  if (!audit.checkpoint || !audit.inclusionProof)
    return { ok: false, reason: 'the receipt carries no checkpoint and inclusion proof' };
  const cp = parseCheckpoint(audit.checkpoint);
  if (!cp) return { ok: false, reason: 'the checkpoint is not a signed checkpoint note' };
  if (!cp.origin.endsWith(`/audit/${tenantId}`))
    return { ok: false, reason: `the checkpoint is of another log (${cp.origin})` };
  if (
    !(await verifyCheckpointSignature(
      cp,
      verifiers.map((v) => ({ ...v, name: cp.origin })),
    ))
  )
    return { ok: false, reason: 'the checkpoint signature does not verify with the audit key' };
  const p = audit.inclusionProof;
  if (p.treeSize !== cp.size)
    return { ok: false, reason: 'the proof is for another tree size than the checkpoint' };
  if (p.index !== audit.seq - 1) return { ok: false, reason: 'the proof is for another entry' };
  const hex64 = (h: unknown) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h);
  if (!hex64(audit.entryHash) || !Array.isArray(p.hashes) || !p.hashes.every(hex64))
    return { ok: false, reason: 'the entry hash or a proof hash is not a SHA-256 hex digest' };
  const root = rootFromInclusion(p.index, p.treeSize, leafHash(audit.entryHash), p.hashes.map(fromHex));
  if (!root?.every((b, i) => b === cp.root[i]))
    return { ok: false, reason: 'the inclusion proof does not lead to the checkpoint root' };
  return { ok: true, treeSize: cp.size, origin: cp.origin };
}
