/**
 * The audit chain: per tenant, each entry commits to the previous one,
 * `this_hash = SHA-256(prev_hash ‖ "\n" ‖ JCS(entry without this_hash))` (RFC 8785 canonical JSON),
 * starting from 64 zeros. Editing, deleting or reordering any entry breaks every later link.
 * Entries hold ids and hashes only, never personal data or secrets.
 *
 * Stores append with {@link nextEntry} at commit time, inside their own transaction (SQLite, PostgreSQL)
 * or optimistically with the unique keys on (tenant_id, seq) and (tenant_id, prev_hash) as the arbiter (D1).
 */
import canonicalize from 'canonicalize';
import { sha256, sha256Hex } from '../crypto/hash.js';
import type { AuditInput } from '../db/store.js';
import type { AuditClientFields } from './client.js';

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
  /** Keyed hash of the client address (src/audit/client.ts); absent for system work and older entries. */
  ip?: string;
  /** Keyed hash of the user agent; absent likewise. */
  ua?: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** RFC 8785 canonical JSON of an I-JSON value: keys sorted by code unit, ECMAScript strings and numbers. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new Error('audit data cannot hold NaN or Infinity');
    if (v === undefined || typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol')
      throw new Error('audit data holds a value JSON cannot');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonical(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '';
  for (const k of keys) {
    if (o[k] === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(k)}:${canonical(o[k])}`;
  }
  return `{${out}}`;
}

/**
 * The canonical bytes of an entry: exactly what is hashed, and one line of an exported log. The
 * entry's own keys are written in their sorted order directly (this runs a million times in a verify);
 * test/audit/chain.test.ts holds it equal to the `canonicalize` library's RFC 8785 output.
 */
export function canonicalEntry(e: AuditEntry): string {
  return entryLine(e, canonical(e.data));
}

/** RFC 8785 canonical JSON of an entry's `data`: what the stores keep in the `data` column. */
export const canonicalData = (data: Record<string, unknown>): string => canonical(data);

/**
 * The canonical line of an entry whose `data` is already in canonical form (`dataJson`, as the stores
 * keep it): a verify hashes the stored text as it is instead of parsing and re-serialising it.
 */
export function entryLine(e: Omit<AuditEntry, 'data'>, dataJson: string): string {
  const q = JSON.stringify;
  return (
    `{"action":${q(e.action)},"actor":${q(e.actor)},"data":${dataJson}` +
    `${e.ip !== undefined ? `,"ip":${q(e.ip)}` : ''},"prev_hash":${q(e.prev_hash)},"seq":${canonical(e.seq)}` +
    `,"target":${q(e.target)},"tenant_id":${q(e.tenant_id)},"ts":${q(e.ts)}` +
    `${e.ua !== undefined ? `,"ua":${q(e.ua)}` : ''}}`
  );
}

/**
 * {@link entryLine} for a verify, the same bytes with less escaping work: `e.prev_hash` must already be
 * known equal to a checked 64-hex-digit digest and `e.seq` to a checked safe integer (both then serialise
 * as themselves), and `tenantJson` is `JSON.stringify(e.tenant_id)`, computed once per trail.
 */
export function verifiedEntryLine(e: Omit<AuditEntry, 'data'>, dataJson: string, tenantJson: string): string {
  const q = JSON.stringify;
  return (
    `{"action":${q(e.action)},"actor":${q(e.actor)},"data":${dataJson}` +
    `${e.ip !== undefined ? `,"ip":${q(e.ip)}` : ''},"prev_hash":"${e.prev_hash}","seq":${e.seq}` +
    `,"target":${q(e.target)},"tenant_id":${tenantJson},"ts":${q(e.ts)}` +
    `${e.ua !== undefined ? `,"ua":${q(e.ua)}` : ''}}`
  );
}

/** The library's RFC 8785 form, which {@link canonicalEntry} must equal (tests). */
export function referenceCanonicalEntry(e: AuditEntry): string {
  const s = canonicalize(e);
  if (s === undefined) throw new Error('audit entry cannot be canonicalised');
  return s;
}

export function hashEntry(e: AuditEntry): string {
  return sha256Hex(`${e.prev_hash}\n${canonicalEntry(e)}`);
}

/** The chain hash as raw bytes (a verify needs both the hex and the bytes of each). */
export function hashEntryBytes(e: AuditEntry): Uint8Array {
  return sha256(`${e.prev_hash}\n${canonicalEntry(e)}`);
}

/** The entry that follows `head` (null: the chain is empty), and its hash. */
export function nextEntry(
  tenantId: string,
  head: ChainHead | null,
  input: AuditInput,
  at: Date,
  client: AuditClientFields | null = null,
): { entry: AuditEntry; hash: string; dataJson: string } {
  const entry: AuditEntry = {
    tenant_id: tenantId,
    seq: (head?.seq ?? 0) + 1,
    ts: at.toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    data: input.data ?? {},
    prev_hash: head?.hash ?? GENESIS,
  };
  if (client?.ip) entry.ip = client.ip;
  if (client?.ua) entry.ua = client.ua;
  const dataJson = canonical(entry.data);
  return { entry, hash: sha256Hex(`${entry.prev_hash}\n${entryLine(entry, dataJson)}`), dataJson };
}

/** The audit_log columns a raw INSERT names, in the order `auditRowValues` gives their values. */
export const AUDIT_INSERT_COLUMNS =
  'id, tenant_id, seq, ts, actor, action, target, data, prev_hash, this_hash, ip, ua';

/** One entry's values for a raw INSERT over AUDIT_INSERT_COLUMNS: `data` as the canonical text that was hashed. */
export function auditRowValues(
  id: string,
  { entry, hash, dataJson }: ReturnType<typeof nextEntry>,
): [
  string,
  string,
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string | null,
  string | null,
] {
  return [
    id,
    entry.tenant_id,
    entry.seq,
    entry.ts,
    entry.actor,
    entry.action,
    entry.target,
    dataJson,
    entry.prev_hash,
    hash,
    entry.ip ?? null,
    entry.ua ?? null,
  ];
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
