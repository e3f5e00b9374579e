/**
 * The audit chain: per tenant, each entry commits to the previous one,
 * `this_hash = SHA-256(prev_hash ‖ "\n" ‖ JCS(entry without this_hash))` (RFC 8785 canonical JSON),
 * starting from 64 zeros. Editing, deleting or reordering any entry breaks every later link.
 * Entries hold ids and hashes only, never personal data or secrets.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS = '0'.repeat(64);

export interface AuditEntry {
  tenant_id: string;
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  data: Record<string, unknown>;
  prev_hash: string;
}

/** The canonical bytes of an entry: exactly what is hashed, and one line of an exported log. */
export function canonicalEntry(e: AuditEntry): string {
  const s = canonicalize(e);
  if (s === undefined) throw new Error('audit entry cannot be canonicalised');
  return s;
}

export function hashEntry(e: AuditEntry): string {
  return createHash('sha256')
    .update(`${e.prev_hash}\n${canonicalEntry(e)}`)
    .digest('hex');
}

export type ChainCheck =
  | { ok: true; size: number; head: string }
  | { ok: false; seq: number; reason: string };

/** Verifies a tenant's chain in order; reports the first entry whose link or hash is wrong. */
export function verifyChain(entries: Iterable<AuditEntry & { this_hash: string }>): ChainCheck {
  let prev = GENESIS;
  let expectedSeq = 1;
  for (const { this_hash, ...entry } of entries) {
    if (entry.seq !== expectedSeq)
      return { ok: false, seq: entry.seq, reason: `expected entry ${expectedSeq}` };
    if (entry.prev_hash !== prev)
      return { ok: false, seq: entry.seq, reason: 'previous hash does not match' };
    if (hashEntry(entry) !== this_hash)
      return { ok: false, seq: entry.seq, reason: 'entry hash does not match' };
    prev = this_hash;
    expectedSeq++;
  }
  return { ok: true, size: expectedSeq - 1, head: prev };
}
