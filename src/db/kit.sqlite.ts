/**
 * SQLite column kit. Its types are the application's canonical table types: the PostgreSQL kit
 * mirrors every name with pg types, and `defineTables(kit)` describes each table once for both.
 */
import {
  check,
  foreignKey,
  index,
  integer,
  primaryKey,
  type SQLiteColumn,
  sqliteTable,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import { newId } from './ids.js';

/** Marks the tables made with `tenantTable`, so the list of tenant tables is derived, never kept by hand. */
const TENANT_TABLE = Symbol.for('assay.tenantTable');

/** Marks a table as tenant-owned (both kits use it). */
export function markTenantTable<T extends object>(table: T): T {
  Object.defineProperty(table, TENANT_TABLE, { value: true });
  return table;
}

export const isTenantTable = (table: unknown): boolean =>
  typeof table === 'object' && table !== null && (table as Record<symbol, unknown>)[TENANT_TABLE] === true;

export const sqliteKit = {
  table: sqliteTable,
  /** A tenant-owned table (on PostgreSQL it also gets FORCE RLS and the isolation policies). */
  tenantTable: ((...args: Parameters<typeof sqliteTable>) =>
    markTenantTable(sqliteTable(...args))) as typeof sqliteTable,
  id: () =>
    text('id')
      .primaryKey()
      .$defaultFn(() => newId()),
  text: <N extends string>(name: N) => text(name),
  enumText: <N extends string, const V extends readonly [string, ...string[]]>(name: N, values: V) =>
    text(name, { enum: values as unknown as [V[number], ...V[number][]] }),
  int: <N extends string>(name: N) => integer(name, { mode: 'number' }),
  /** Scores and other fractional values are stored as integers scaled by the caller, never floats. */
  bool: <N extends string>(name: N) => integer(name, { mode: 'boolean' }),
  timestamp: <N extends string>(name: N) => integer(name, { mode: 'timestamp_ms' }),
  json: <T, N extends string = string>(name: N) => text(name, { mode: 'json' }).$type<T>(),
  index,
  uniqueIndex,
  /** A unique constraint (inline in CREATE TABLE): the target of the composite tenant foreign keys. */
  unique,
  foreignKey,
  /** A CHECK constraint (an invariant the database holds whatever the application does). */
  check,
  /**
   * The audit chain's keys. SQLite and D1: `(tenant_id, seq)` is the primary key and the table is
   * `WITHOUT ROWID` (in the migration: drizzle cannot say it), so an append writes one b-tree; `id` is a
   * plain column nothing looks up. The fork guard is a trigger (migrations/sqlite/0020_audit_without_rowid.sql).
   */
  chainId: () =>
    text('id')
      .notNull()
      .$defaultFn(() => newId()),
  chainKeys: (_table: string, c: { tenantId: SQLiteColumn; seq: SQLiteColumn; prevHash: SQLiteColumn }) => [
    primaryKey({ columns: [c.tenantId, c.seq] }),
  ],
};

export type Kit = typeof sqliteKit;
