import { and, asc, desc, eq, gt, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { AuditEntry } from '../../audit/chain.js';
import { type AuditInput, rawRows, type TenantReadCtx, type TenantWriteCtx } from '../store.js';
import { SCAN_COLUMNS, type ScannedEntry, type ScanRow, scannedFromRow } from './audit-scan.js';

export type { AuditInput };

export type StoredEntry = AuditEntry & { this_hash: string };

/**
 * Queues one entry on the tenant's chain in the caller's unit of work, so the change and its audit
 * entry commit together. The store chains it at commit (see each driver) so concurrent appends can
 * never fork the chain.
 */
export function appendAudit(tx: TenantWriteCtx, input: AuditInput, at = new Date()): void {
  tx.audit(input, at);
}

type Row = {
  tenantId: string;
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  data: Record<string, unknown>;
  prevHash: string;
  thisHash: string;
  ip: string | null;
  ua: string | null;
};

/** A row in the exported shape (snake_case, as hashed; absent client fields stay absent). */
export function toEntry(r: Row): StoredEntry {
  const e: StoredEntry = {
    tenant_id: r.tenantId,
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    target: r.target,
    data: r.data,
    prev_hash: r.prevHash,
    this_hash: r.thisHash,
  };
  if (r.ip !== null) e.ip = r.ip;
  if (r.ua !== null) e.ua = r.ua;
  return e;
}

/** The tenant's chain in order, in the exported shape (snake_case, as hashed). */
export async function listAudit(
  { db, t, tenantId }: TenantReadCtx,
  opts: { afterSeq?: number; limit?: number } = {},
): Promise<StoredEntry[]> {
  const rows = await db
    .select()
    .from(t.auditLog)
    .where(
      opts.afterSeq
        ? and(eq(t.auditLog.tenantId, tenantId), gt(t.auditLog.seq, opts.afterSeq))
        : eq(t.auditLog.tenantId, tenantId),
    )
    .orderBy(asc(t.auditLog.seq))
    .limit(opts.limit ?? 1_000_000);
  return rows.map((r) => toEntry(r as Row));
}

export { SCAN_COLUMNS, type ScannedEntry, type ScanRow, scannedFromRow } from './audit-scan.js';

/**
 * A page of the chain for a verify: rows as arrays straight from the driver (no query-builder mapping,
 * no JSON parsing: a verify reads a million). The tenant column is not read: the WHERE clause makes it
 * the scope's tenant (exact text equality on both dialects), so every row shares the scope's string.
 */
export async function scanAudit(
  ctx: TenantReadCtx,
  afterSeq: number,
  limit: number,
): Promise<ScannedEntry[]> {
  const tenantId = ctx.tenantId;
  const query = sql`SELECT ${sql.raw(SCAN_COLUMNS)} FROM audit_log
        WHERE tenant_id = ${tenantId} AND seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`;
  if (ctx.dialect !== 'pg') {
    const rows = (await (ctx.db as unknown as { values(q: SQL): Promise<ScanRow[]> }).values(
      query,
    )) as ScanRow[];
    return rows.map((r) => scannedFromRow(tenantId, r));
  }
  const rows = await rawRows<{
    seq: number | string;
    ts: string;
    actor: string;
    action: string;
    target: string;
    data: string | Record<string, unknown>;
    prev_hash: string;
    this_hash: string;
    ip: string | null;
    ua: string | null;
  }>(ctx, query);
  return rows.map((r) => {
    const e = {
      tenant_id: tenantId,
      seq: Number(r.seq),
      ts: r.ts,
      actor: r.actor,
      action: r.action,
      target: r.target,
      data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
      prev_hash: r.prev_hash,
      this_hash: r.this_hash,
    } as ScannedEntry;
    if (r.ip !== null) e.ip = r.ip;
    if (r.ua !== null) e.ua = r.ua;
    return e;
  });
}

/** The chain hashes of entries `fromSeq..toSeq` (inclusive), in order: the Merkle leaves. */
export async function listEntryHashes(
  ctx: TenantReadCtx,
  fromSeq: number,
  toSeq: number,
): Promise<{ seq: number; thisHash: string }[]> {
  const query = sql`SELECT seq, this_hash FROM audit_log WHERE tenant_id = ${ctx.tenantId} AND seq >= ${fromSeq} AND seq <= ${toSeq} ORDER BY seq`;
  if (ctx.dialect !== 'pg') {
    // Arrays straight from the driver: a checkpoint reads up to two blocks of these.
    const rows = await (ctx.db as unknown as { values(q: SQL): Promise<[number, string][]> }).values(query);
    return rows.map((r) => ({ seq: r[0], thisHash: r[1] }));
  }
  const rows = await rawRows<{ seq: number | string; this_hash: string }>(ctx, query);
  return rows.map((r) => ({ seq: Number(r.seq), thisHash: r.this_hash }));
}

/** The last entry's seq and hash (null: the chain is empty). */
export async function chainHead({ db, t, tenantId }: TenantReadCtx) {
  const [row] = await db
    .select({ seq: t.auditLog.seq, thisHash: t.auditLog.thisHash })
    .from(t.auditLog)
    .where(eq(t.auditLog.tenantId, tenantId))
    .orderBy(desc(t.auditLog.seq))
    .limit(1);
  return row ?? null;
}

/** The entry that records an action on a target (the latest, if several). */
export async function findEntry(
  { db, t, tenantId }: TenantReadCtx,
  action: string,
  target: string,
): Promise<StoredEntry | null> {
  const [row] = await db
    .select()
    .from(t.auditLog)
    .where(
      and(eq(t.auditLog.tenantId, tenantId), eq(t.auditLog.action, action), eq(t.auditLog.target, target)),
    )
    .orderBy(desc(t.auditLog.seq))
    .limit(1);
  return row ? toEntry(row as Row) : null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** ISO times, inclusive lower, exclusive upper. */
  from?: string;
  to?: string;
  /** Keyset: entries before this seq (newest first). */
  beforeSeq?: number;
  limit: number;
}

/** A page of entries, newest first, for the workspace's trail page. */
export async function searchAudit({ db, t, tenantId }: TenantReadCtx, f: AuditFilter) {
  const where: SQL[] = [eq(t.auditLog.tenantId, tenantId)];
  if (f.actor) where.push(eq(t.auditLog.actor, f.actor));
  if (f.action) where.push(eq(t.auditLog.action, f.action));
  if (f.target) where.push(eq(t.auditLog.target, f.target));
  if (f.from) where.push(gte(t.auditLog.ts, f.from));
  if (f.to) where.push(lt(t.auditLog.ts, f.to));
  if (f.beforeSeq) where.push(lt(t.auditLog.seq, f.beforeSeq));
  const rows = await db
    .select()
    .from(t.auditLog)
    .where(and(...where))
    .orderBy(desc(t.auditLog.seq))
    .limit(f.limit);
  return rows.map((r) => toEntry(r as Row));
}

// ---- checkpoints ---------------------------------------------------------------------------------

export interface CheckpointRow {
  id: string;
  tenantId: string;
  treeSize: number;
  rootHash: string;
  note: string;
  kid: string;
  reason: string;
  createdAt: Date;
}

export function insertCheckpoint(
  tx: TenantWriteCtx,
  c: Pick<CheckpointRow, 'treeSize' | 'rootHash' | 'note' | 'kid' | 'reason'>,
  now: Date,
): void {
  tx.write(
    tx.db
      .insert(tx.t.auditCheckpoints)
      .values({ ...c, tenantId: tx.tenantId, createdAt: now })
      .onConflictDoNothing(),
  );
}

/** Every checkpoint, smallest tree first. */
export async function listCheckpoints({ db, t, tenantId }: TenantReadCtx): Promise<CheckpointRow[]> {
  return (await db
    .select()
    .from(t.auditCheckpoints)
    .where(eq(t.auditCheckpoints.tenantId, tenantId))
    .orderBy(asc(t.auditCheckpoints.treeSize))) as CheckpointRow[];
}

export async function latestCheckpoint({ db, t, tenantId }: TenantReadCtx): Promise<CheckpointRow | null> {
  const [row] = await db
    .select()
    .from(t.auditCheckpoints)
    .where(eq(t.auditCheckpoints.tenantId, tenantId))
    .orderBy(desc(t.auditCheckpoints.treeSize))
    .limit(1);
  return (row as CheckpointRow | undefined) ?? null;
}

export async function checkpointOfSize(
  { db, t, tenantId }: TenantReadCtx,
  size: number,
): Promise<CheckpointRow | null> {
  const [row] = await db
    .select()
    .from(t.auditCheckpoints)
    .where(and(eq(t.auditCheckpoints.tenantId, tenantId), eq(t.auditCheckpoints.treeSize, size)));
  return (row as CheckpointRow | undefined) ?? null;
}

// ---- Merkle block cache --------------------------------------------------------------------------

/** The cached block hashes 0..n-1 (in order; stops at the first gap). */
export async function listMerkleBlocks(ctx: TenantReadCtx, below: number): Promise<string[]> {
  const query = sql`SELECT idx, hash FROM audit_merkle_blocks WHERE tenant_id = ${ctx.tenantId} AND idx < ${below} ORDER BY idx`;
  const rows =
    ctx.dialect !== 'pg'
      ? await (ctx.db as unknown as { values(q: SQL): Promise<[number, string][]> }).values(query)
      : (await rawRows<{ idx: number | string; hash: string }>(ctx, query)).map(
          (r) => [Number(r.idx), r.hash] as [number, string],
        );
  const out: string[] = [];
  for (const [idx, hash] of rows) {
    if (idx !== out.length) break;
    out.push(hash);
  }
  return out;
}

export function insertMerkleBlock(tx: TenantWriteCtx, idx: number, hash: string): void {
  tx.write(
    tx.db.insert(tx.t.auditMerkleBlocks).values({ tenantId: tx.tenantId, idx, hash }).onConflictDoNothing(),
  );
}

// ---- settings ------------------------------------------------------------------------------------

export async function getCheckpointRecipients({ db, t, tenantId }: TenantReadCtx): Promise<string[]> {
  const [row] = await db
    .select({ mailTo: t.auditSettings.mailTo })
    .from(t.auditSettings)
    .where(eq(t.auditSettings.tenantId, tenantId));
  return row?.mailTo ?? [];
}

export function setCheckpointRecipients(tx: TenantWriteCtx, mailTo: string[], now: Date): void {
  tx.write(
    tx.db
      .insert(tx.t.auditSettings)
      .values({ tenantId: tx.tenantId, mailTo, updatedAt: now })
      .onConflictDoUpdate({ target: [tx.t.auditSettings.tenantId], set: { mailTo, updatedAt: now } }),
  );
}

/**
 * Puts the attested receipt (the same receipt plus its checkpoint and inclusion proof) in place of the
 * plain one, only if the plain one is still there.
 */
export function replaceReceipt(
  tx: TenantWriteCtx,
  assessmentId: string,
  plain: string,
  attested: string,
): void {
  tx.write(
    tx.db
      .update(tx.t.assessments)
      .set({ receipt: attested })
      .where(
        and(
          eq(tx.t.assessments.tenantId, tx.tenantId),
          eq(tx.t.assessments.id, assessmentId),
          eq(tx.t.assessments.receipt, plain),
        ),
      ),
    { guard: 'receipt-unchanged' },
  );
}
