/**
 * PostgreSQL column kit: the same names as the SQLite kit with pg types. Tenant tables get row-level
 * security policies on the transaction-local `app.tenant_id` setting; FORCE (which drizzle cannot emit)
 * is in the hand-written migration.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTableExtraConfigValue,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { newId } from './ids.js';
import { markTenantTable } from './kit.sqlite.js';

/**
 * jsonb that node-postgres has already parsed. drizzle's own `jsonb` runs `JSON.parse` again on any
 * string it gets back, so a stored text "12345" read as the number 12345, "true" as a boolean, "null"
 * as null. node-postgres parses jsonb itself (type 3802), so the value comes through as it is; the
 * written form is drizzle's (`JSON.stringify`), unchanged.
 */
const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (v) => JSON.stringify(v),
  fromDriver: (v) => v,
});

const currentTenant = sql`current_setting('app.tenant_id', true)`;

function tenantPolicies(name: string) {
  return [
    pgPolicy(`${name}_tenant_isolation`, {
      as: 'permissive',
      for: 'all',
      to: 'public',
      using: sql`tenant_id = ${currentTenant}`,
      withCheck: sql`tenant_id = ${currentTenant}`,
    }),
  ];
}

export const pgKit = {
  table: pgTable,
  tenantTable: <N extends string, C extends Record<string, PgColumnBuilderBase>>(
    name: N,
    columns: C,
    extra?: (t: never) => PgTableExtraConfigValue[],
  ) =>
    markTenantTable(
      pgTable(name, columns, (t) => [
        ...((extra as ((t: unknown) => PgTableExtraConfigValue[]) | undefined)?.(t) ?? []),
        ...tenantPolicies(name),
      ]),
    ),
  id: () =>
    text('id')
      .primaryKey()
      .$defaultFn(() => newId()),
  text: <N extends string>(name: N) => text(name),
  enumText: <N extends string, const V extends readonly [string, ...string[]]>(name: N, values: V) =>
    text(name, { enum: values as unknown as [V[number], ...V[number][]] }),
  int: <N extends string>(name: N) => integer(name),
  bool: <N extends string>(name: N) => boolean(name),
  timestamp: <N extends string>(name: N) => timestamp(name, { withTimezone: true, mode: 'date' }),
  json: <T, N extends string = string>(name: N) => jsonb(name).$type<T>(),
  index,
  uniqueIndex,
  /** A unique constraint (inline in CREATE TABLE): the target of the composite tenant foreign keys. */
  unique,
  foreignKey,
  check,
  /** The audit chain's keys on PostgreSQL: `id` the primary key, unique `(tenant_id, seq)` and `(tenant_id, prev_hash)`. */
  chainId: () =>
    text('id')
      .primaryKey()
      .$defaultFn(() => newId()),
  chainKeys: (table: string, c: { tenantId: PgColumn; seq: PgColumn; prevHash: PgColumn }) => [
    uniqueIndex(`${table}_tenant_seq_uq`).on(c.tenantId, c.seq),
    uniqueIndex(`${table}_tenant_prev_uq`).on(c.tenantId, c.prevHash),
  ],
};
