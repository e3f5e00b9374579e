/**
 * SQLite column kit. Its types are the application's canonical table types: the PostgreSQL kit
 * mirrors every name with pg types, and `defineTables(kit)` describes each table once for both.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newId } from './ids.js';

export const sqliteKit = {
  table: sqliteTable,
  /** A tenant-owned table (on PostgreSQL it also gets FORCE RLS and the isolation policies). */
  tenantTable: sqliteTable,
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
};

export type Kit = typeof sqliteKit;
