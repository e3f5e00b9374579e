/**
 * The Store: one interface over better-sqlite3 and node-postgres. Every unit of work is one
 * transaction (atomic multi-statement writes on both drivers); tenant-scoped units of work carry the
 * tenant, and on PostgreSQL set `app.tenant_id` transaction-locally so row-level security applies and
 * nothing leaks across pooled connections.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Dialect } from '../config.js';
import { isId } from './ids.js';
import type { Tables } from './tables.js';

/** What repository functions see. On PostgreSQL the type is a deliberate fiction (see schema.pg.ts). */
export type AppDb = BaseSQLiteDatabase<'sync' | 'async', unknown>;

/** A unit of work over the global tables (no tenant set: tenant tables read as empty on PostgreSQL). */
export interface GlobalCtx {
  readonly db: AppDb;
  readonly t: Tables;
  readonly dialect: Dialect;
}

/** A unit of work scoped to one tenant. Repository functions for tenant data take this. */
export interface TenantCtx extends GlobalCtx {
  readonly tenantId: string;
}

export interface Store {
  readonly dialect: Dialect;
  readonly t: Tables;
  /** Runs `fn` in one transaction scoped to `tenantId`. Never nest units of work: pass the ctx down. */
  withTenant<T>(tenantId: string, fn: (ctx: TenantCtx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction with no tenant: for sessions, users, keys, outbox, setup tokens. */
  global<T>(fn: (ctx: GlobalCtx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one transaction that may read the memberships of `userId` (sign-in's tenant list). */
  withUser<T>(userId: string, fn: (ctx: GlobalCtx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when a unit of work is asked for a tenant that is not a well-formed id: fail closed. */
export class TenantScopeError extends Error {
  constructor() {
    super('a tenant-scoped unit of work needs a valid tenant id');
    this.name = 'TenantScopeError';
  }
}

export function assertTenantId(tenantId: string): void {
  if (!isId(tenantId)) throw new TenantScopeError();
}

/** The driver error behind drizzle's wrapper (drizzle 0.45 wraps driver errors in `cause`). */
function driverError(err: unknown): { code?: string; message?: string } | null {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return e as { code: string; message?: string };
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** A unique or primary-key violation on either driver. */
export function isUniqueViolation(err: unknown): boolean {
  const code = driverError(err)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A row-level-security or privilege refusal on PostgreSQL, or an append-only trigger on SQLite. */
export function isPermissionViolation(err: unknown): boolean {
  const d = driverError(err);
  return (
    d?.code === '42501' || (d?.code === 'SQLITE_CONSTRAINT_TRIGGER' && /append-only/.test(d.message ?? ''))
  );
}

/** `select set_config(...)` for the PostgreSQL store; exported for the isolation tests. */
export const setLocal = (name: 'app.tenant_id' | 'app.user_id', value: string) =>
  sql`select set_config(${name}, ${value}, true)`;

/** Rows of a raw SQL query on either driver (drizzle's pg and sqlite databases differ here). */
export async function rawRows<R>(ctx: GlobalCtx, query: SQL): Promise<R[]> {
  if (ctx.dialect === 'pg') {
    const res = await (ctx.db as unknown as { execute(q: SQL): Promise<{ rows: R[] }> }).execute(query);
    return res.rows;
  }
  return (await ctx.db.all(query)) as R[];
}
