/**
 * TENANT_TABLES is derived from the table definitions (`k.tenantTable`), and the PostgreSQL self-check
 * verifies RLS on exactly those plus the global tables PG_ACCESS lists. A table that carries tenant
 * data but is made with `k.table` would silently drop out of both: this suite insists that every table
 * with a `tenant_id` column is either a tenant table or a global table that says why it is one.
 */
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteKit } from '../../src/db/kit.sqlite.js';
import { pgTables } from '../../src/db/schema.pg.js';
import { sqliteTables, TENANT_TABLES } from '../../src/db/schema.sqlite.js';
import { rawRows } from '../../src/db/store.js';
import { GLOBAL_TABLES, PG_ACCESS } from '../../src/platform/node/pg-migrate.js';
import { openTestStore, pgAvailable, type TestStore } from '../support/stores.js';

type Described = { name: string; columns: string[] };

/** Every table with a tenant_id column that is neither a tenant table nor a global table with a reason. */
function unaccounted(tables: Described[], tenantTables: readonly string[]): string[] {
  return tables
    .filter((t) => t.columns.includes('tenant_id'))
    .filter((t) => !tenantTables.includes(t.name) && !GLOBAL_TABLES[t.name]?.tenantData?.trim())
    .map((t) => t.name);
}

/** Every table without a designed access (grants, and policies if it has RLS). */
const undesigned = (tables: Described[]) => tables.filter((t) => !PG_ACCESS[t.name]).map((t) => t.name);

const describeTables = (tables: Record<string, object>): Described[] =>
  Object.values(tables).map((table) => ({
    name: getTableName(table as never),
    columns: Object.values(getTableColumns(table as never)).map((c) => (c as { name: string }).name),
  }));

describe('tenant tables are derived, and none can drop out of the RLS self-check', () => {
  const sqlite = describeTables(sqliteTables);
  const pg = describeTables(pgTables);

  it('derives TENANT_TABLES from the definitions', () => {
    expect(TENANT_TABLES.length).toBeGreaterThanOrEqual(10);
    for (const name of TENANT_TABLES) {
      const t = sqlite.find((x) => x.name === name)!;
      expect(t.columns, name).toContain('tenant_id');
    }
    expect(TENANT_TABLES).toContain('memberships');
    expect(TENANT_TABLES).toContain('audit_log');
    // Both kits mark the same tables.
    expect(pg.map((t) => t.name).sort()).toEqual(sqlite.map((t) => t.name).sort());
  });

  it('accounts for every table with a tenant_id: a tenant table, or a global table with its reason', () => {
    expect(unaccounted(sqlite, TENANT_TABLES)).toEqual([]);
    expect(unaccounted(pg, TENANT_TABLES)).toEqual([]);
    const globalWithTenantData = Object.entries(GLOBAL_TABLES)
      .filter(([, a]) => a.tenantData)
      .map(([name]) => name)
      .sort();
    expect(globalWithTenantData).toEqual(['mail_outbox', 'sessions', 'setup_tokens', 'system_log']);
    for (const name of globalWithTenantData) {
      // A global table with tenant data must be narrowed by row-level security itself.
      expect(GLOBAL_TABLES[name]!.policies, name).toBeDefined();
      expect(sqlite.find((t) => t.name === name)?.columns, name).toContain('tenant_id');
    }
  });

  it('designs the access of every table, and lists no table twice', () => {
    expect(undesigned(sqlite)).toEqual([]);
    for (const name of TENANT_TABLES) expect(GLOBAL_TABLES[name], name).toBeUndefined();
    expect(Object.keys(PG_ACCESS).sort()).toEqual(sqlite.map((t) => t.name).sort());
  });

  it('catches a new table with tenant data made with k.table instead of k.tenantTable', () => {
    const stray = sqliteKit.table('vendor_notes', {
      id: sqliteKit.id(),
      tenantId: sqliteKit.text('tenant_id').notNull(),
      note: sqliteKit.text('note'),
    });
    const tables = [...sqlite, ...describeTables({ stray })];
    expect(unaccounted(tables, TENANT_TABLES)).toEqual(['vendor_notes']);
    expect(undesigned(tables)).toEqual(['vendor_notes']);
    // As a tenant table it is accounted for.
    expect(unaccounted(tables, [...TENANT_TABLES, 'vendor_notes'])).toEqual([]);
  });
});

describe.skipIf(!pgAvailable())('tenant tables in the migrated PostgreSQL schema', () => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore('pg');
  });
  afterAll(() => ts.close());

  it('holds no table with a tenant_id that the definitions do not account for, and none undesigned', async () => {
    // pg_attribute, not information_schema: the latter hides what the app role may not read.
    const rows = await ts.store.global.read((c) =>
      rawRows<{ name: string; columns: string[] }>(
        c,
        sql.raw(`select c.relname as name, array_agg(a.attname::text order by a.attnum) as columns
                  from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                 where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
                 group by c.relname`),
      ),
    );
    expect(rows.length).toBe(Object.keys(PG_ACCESS).length);
    expect(unaccounted(rows, TENANT_TABLES)).toEqual([]);
    expect(undesigned(rows)).toEqual([]);
  });
});
