/**
 * The store contract: units of work that are atomic on better-sqlite3, node-postgres and D1.
 *
 * D1 has no interactive transactions (only `batch()`), so every unit is shaped the same way on every
 * driver: it *reads* first (statements run at once), and *queues* its writes, which the store commits
 * all-or-nothing when the unit's function returns. Invariants that need "only if" are expressed in SQL —
 * a conditional `UPDATE … WHERE … RETURNING` whose write is queued with a `guard` (the unit aborts with
 * {@link GuardError} unless it changed a row), or a unique key — never as read-then-branch.
 *
 * Rules every driver enforces (see docs/architecture.md, "The unit-of-work contract"):
 * - a unit never awaits anything but the database (no hashing, mail or network inside): the store
 *   notices and aborts the unit with {@link UnitOfWorkError};
 * - a unit never starts another one: nesting throws at once ({@link NestedUnitError});
 * - a context is unusable after its unit ended ({@link UnitEndedError});
 * - writes go through `tx.write()`; a write executed directly is refused;
 * - read-only units take no write lock.
 */
import type { SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { isId } from './ids.js';
import type { Tables } from './tables.js';

export type Dialect = 'sqlite' | 'pg' | 'd1';

/** What repository functions build queries with. On PostgreSQL the type is a deliberate fiction (see schema.pg.ts). */
export type AppDb = BaseSQLiteDatabase<'sync' | 'async', unknown>;

/**
 * Who a unit of work acts for. On PostgreSQL each claim becomes a transaction-local setting
 * (`app.tenant_id`, `app.user_id`, …) that the row-level security policies read; on SQLite and D1 the
 * repository layer's `WHERE tenant_id = ?` is the isolation, and the claims only document intent.
 */
export interface Claims {
  readonly tenantId?: string;
  readonly userId?: string;
  /** SHA-256 of a session cookie: the one session row a request may reach without a tenant. */
  readonly sessionId?: string;
  /** SHA-256 of a one-time link token: the one token row a request may reach. */
  readonly tokenId?: string;
  /** A named system process (the mail sender, the scheduler, the operator CLI). */
  readonly system?: 'mail' | 'scheduler' | 'cli';
}

/** A read-only unit of work. */
export interface ReadCtx {
  /** The query builder. Throws once the unit has ended. */
  readonly db: AppDb;
  readonly t: Tables;
  readonly dialect: Dialect;
  readonly claims: Claims;
}

/** A read-only unit scoped to one tenant. Repository functions for tenant data take this. */
export interface TenantReadCtx extends ReadCtx {
  readonly tenantId: string;
}

/** A statement the store can queue: a drizzle insert/update/delete (with or without `.returning()`). */
// biome-ignore lint/suspicious/noExplicitAny: drizzle's builder types differ per dialect; the store checks at runtime.
export type WriteQuery = PromiseLike<any> & { toSQL(): { sql: string; params: unknown[] } };

export interface WriteOptions {
  /**
   * Name of the invariant this write carries: unless it changes at least one row, the whole unit is
   * rolled back and rejects with `GuardError(guard)`. Use it on conditional updates
   * (`… WHERE consumed_at IS NULL`) instead of reading first and branching.
   */
  guard?: string;
}

/** What a queued write produced; readable once the unit has committed. */
export interface Written<R = unknown> {
  /** Rows of a `.returning()` write. Throws before the unit committed. */
  readonly rows: R[];
  /** Rows the statement changed. Throws before the unit committed. */
  readonly changes: number;
}

/** One entry of a tenant's audit chain, as the caller gives it (ids and hashes only, never personal data). */
export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  data?: Record<string, unknown>;
}

/** A unit of work that may write. */
export interface WriteCtx extends ReadCtx {
  /** Queues a write (a drizzle builder, or raw SQL); it runs, in order, when the unit's function returns. Do not await it. */
  write<R = unknown>(query: WriteQuery | SQL, options?: WriteOptions): Written<R>;
  /** Queues an audit entry for the unit's tenant, chained atomically with the unit's writes. */
  audit(entry: AuditInput, at?: Date): void;
}

export interface TenantWriteCtx extends WriteCtx {
  readonly tenantId: string;
}

/** Units of work for one set of claims. */
export interface Scope<R extends ReadCtx, W extends WriteCtx> {
  readonly claims: Claims;
  /** A read-only unit: statements run at once, no transaction, no write lock. */
  read<T>(fn: (ctx: R) => Promise<T> | T): Promise<T>;
  /** Reads, then commits the queued writes all-or-nothing. `fn` may run again if the commit lost a race. */
  write<T>(fn: (tx: W) => Promise<T> | T): Promise<T>;
}

export interface Store {
  readonly dialect: Dialect;
  readonly t: Tables;
  /** No claims: for tables read before anything is known (health, key table). */
  readonly global: Scope<ReadCtx, WriteCtx>;
  /**
   * Scoped to one tenant; throws {@link TenantScopeError} for anything but a well-formed id. `extra`
   * adds claims (a unit that consumes a one-time link of the tenant names the link's hash).
   */
  tenant(tenantId: string, extra?: Omit<Claims, 'tenantId'>): Scope<TenantReadCtx, TenantWriteCtx>;
  /** Any other combination of claims (a user's own memberships, one session, a system process). */
  as(claims: Claims): Scope<ReadCtx, WriteCtx>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Sees every statement a store sends (tests count them), with its parameters where the call has them
 * (bench/register.bench.ts replays them on a bare driver connection).
 */
export type StatementObserver = (sql: string, params?: readonly unknown[]) => void;

// ---- errors --------------------------------------------------------------------------------------

/** A unit of work was asked for a tenant that is not a well-formed id: fail closed. */
export class TenantScopeError extends Error {
  constructor() {
    super('a tenant-scoped unit of work needs a valid tenant id');
    this.name = 'TenantScopeError';
  }
}

/** A guarded write changed no row: the unit was rolled back. */
export class GuardError extends Error {
  constructor(readonly guard: string) {
    super(`unit of work aborted: invariant "${guard}" did not hold`);
    this.name = 'GuardError';
  }
}

/** A unit of work was started inside another one. Pass the context down instead. */
export class NestedUnitError extends Error {
  constructor() {
    super('a unit of work was started inside another unit of work: pass the context down instead of nesting');
    this.name = 'NestedUnitError';
  }
}

/** A context was used after its unit of work ended. */
export class UnitEndedError extends Error {
  constructor() {
    super('this unit of work has ended: its context can no longer be used');
    this.name = 'UnitEndedError';
  }
}

/** The unit of work broke the contract (a direct write, a non-database await, a write in a read unit). */
export class UnitOfWorkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitOfWorkError';
  }
}

function assertTenantId(tenantId: string): void {
  if (!isId(tenantId)) throw new TenantScopeError();
}

export function assertClaims(claims: Claims): void {
  if (claims.tenantId !== undefined) assertTenantId(claims.tenantId);
  if (claims.userId !== undefined && !isId(claims.userId)) throw new TenantScopeError();
  for (const hash of [claims.sessionId, claims.tokenId])
    if (hash !== undefined && !/^[0-9a-f]{64}$/.test(hash))
      throw new UnitOfWorkError('session and token claims are SHA-256 hex digests');
}

// ---- driver errors -------------------------------------------------------------------------------

/** The driver error behind drizzle's wrapper (drizzle 0.45 wraps driver errors in `cause`). */
function driverError(err: unknown): { code?: string; message?: string } | null {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return e as { code: string; message?: string };
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** Every message on the `cause` chain (D1 reports constraint failures in the message only). */
function messages(err: unknown): string {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string') out.push(m);
    e = (e as { cause?: unknown }).cause;
  }
  return out.join('\n');
}

/** A unique or primary-key violation on any driver; `on` narrows it to a table (and columns) or a constraint name. */
export function isUniqueViolation(err: unknown, on?: string): boolean {
  const d = driverError(err);
  const text = messages(err);
  const unique =
    d?.code === '23505' ||
    d?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    d?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /UNIQUE constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(text);
  if (!unique || on === undefined) return unique;
  const constraint = (d as { constraint?: unknown } | null)?.constraint;
  return text.includes(on) || constraint === on;
}

/**
 * An audit append that lost a race (D1 appends optimistically): its `(tenant_id, seq)` was taken since its
 * head was read. The no-replace trigger refuses it before the primary key would, so its message counts too.
 */
const AUDIT_SEQ_TAKEN = 'audit_log is append-only: seq is taken';
export const isAuditSeqTaken = (err: unknown): boolean =>
  isUniqueViolation(err, 'audit_log.') || messages(err).includes(AUDIT_SEQ_TAKEN);

/**
 * Unique keys a concurrent unit may fill between this unit's read ("absent") and its insert — two first
 * submissions of one vendor both creating the risk of a finding. The drivers retry the unit (a
 * RetryableConflict): its re-read then finds the row and updates it, so the sync is idempotent under the
 * race. The PostgreSQL constraint name, and the columns SQLite and D1 name in their message.
 */
const RETRY_ON_UNIQUE = ['risks_vendor_finding_uq', 'risks.tenant_id, risks.vendor_id, risks.finding_key'];
export const isRetryableUnique = (err: unknown): boolean =>
  RETRY_ON_UNIQUE.some((on) => isUniqueViolation(err, on));

/** A row-level-security or privilege refusal on PostgreSQL, or an append-only trigger on SQLite/D1. */
export function isPermissionViolation(err: unknown): boolean {
  const d = driverError(err);
  // SQLite and D1 have no roles: their guard triggers say "append-only" or "permission denied" instead.
  return d?.code === '42501' || /append-only|permission denied/.test(messages(err));
}

/** PostgreSQL: a statement gave up waiting for a lock (lock_timeout). */
export function isLockTimeout(err: unknown): boolean {
  return driverError(err)?.code === '55P03';
}

/** A foreign-key violation on any driver (a reference to a row of another tenant, or to nothing). */
export function isForeignKeyViolation(err: unknown): boolean {
  const d = driverError(err);
  return (
    d?.code === '23503' ||
    d?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    /FOREIGN KEY constraint failed/.test(messages(err))
  );
}

/** A raw SQL fragment's rows on any driver. Reads only; for the few queries drizzle cannot build. */
export async function rawRows<R>(ctx: ReadCtx, query: SQL): Promise<R[]> {
  const db = ctx.db as unknown as {
    execute?: (q: SQL) => Promise<{ rows: R[] }>;
    all: (q: SQL) => Promise<R[]>;
  };
  if (ctx.dialect === 'pg') return (await db.execute!(query)).rows;
  return db.all(query);
}
