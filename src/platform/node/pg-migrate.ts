/**
 * PostgreSQL migrations and the boot self-check. Migrations run as the owning role under an advisory
 * lock (several instances may start at once); the owner then grants the app role what it needs and
 * nothing more. The self-check refuses, in production, a role for which row-level security is inert.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { TENANT_TABLES } from '../../db/schema.sqlite.js';
import { rawRows, type Store } from '../../db/store.js';
import { appPath } from './app-root.js';

export const PG_MIGRATIONS = appPath('migrations/pg');
/** Arbitrary but fixed: every Assay instance takes the same lock before migrating. */
const MIGRATION_LOCK = 0x61737361; // 'assa'

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Applies pending migrations as the owner (`migrationUrl`) under a session advisory lock, then grants
 * the app role (the user of `appUrl`) what it needs and nothing more: no UPDATE/DELETE on the audit log.
 */
export async function migratePg(migrationUrl: string, appUrl: string, folder = PG_MIGRATIONS): Promise<void> {
  const client = new pg.Client({ connectionString: migrationUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder: folder });
      const appRole = decodeURIComponent(new URL(appUrl).username || '');
      const { rows } = await client.query<{ me: string }>('select current_user as me');
      if (appRole && appRole !== rows[0]?.me) {
        const r = quoteIdent(appRole);
        await client.query(`GRANT USAGE ON SCHEMA public TO ${r}`);
        await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`);
        await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${r}`);
      }
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

/**
 * What is wrong with the role the app is connected as, if anything. Row-level security is inert for
 * superusers, BYPASSRLS roles and (without FORCE) table owners, so each of those is a finding.
 */
export async function pgRoleProblems(store: Store): Promise<string[]> {
  return store.global.read(async (ctx) => {
    const problems: string[] = [];
    const role = await rawRows<{ name: string; super: boolean; bypass: boolean }>(
      ctx,
      sql`select current_user as name, rolsuper as super, rolbypassrls as bypass from pg_roles where rolname = current_user`,
    );
    const me = role[0];
    if (!me) return ['cannot read the current role from pg_roles'];
    const fix = `connect DATABASE_URL as a role without SUPERUSER/BYPASSRLS that owns no tables (see README, "PostgreSQL")`;
    if (me.super)
      problems.push(
        `the app connects as "${me.name}", a SUPERUSER, which bypasses row-level security: ${fix}`,
      );
    if (me.bypass) problems.push(`the app role "${me.name}" has BYPASSRLS: ${fix}`);
    const owned = await rawRows<{ tablename: string }>(
      ctx,
      sql`select tablename from pg_tables where schemaname = 'public' and tableowner = current_user`,
    );
    if (owned.length) {
      problems.push(
        `the app role "${me.name}" owns ${owned.length} table(s) (${owned
          .slice(0, 3)
          .map((o) => o.tablename)
          .join(', ')}…): run migrations as a separate owner role via MIGRATION_DATABASE_URL`,
      );
    }
    const rls = await rawRows<{ relname: string; enabled: boolean; forced: boolean }>(
      ctx,
      sql`select relname, relrowsecurity as enabled, relforcerowsecurity as forced from pg_class
          where relnamespace = 'public'::regnamespace and relkind = 'r'`,
    );
    for (const name of TENANT_TABLES) {
      const r = rls.find((x) => x.relname === name);
      if (!r) problems.push(`table ${name} is missing: migrations have not run`);
      else if (!r.enabled || !r.forced)
        problems.push(`table ${name} does not have ENABLE + FORCE ROW LEVEL SECURITY`);
    }
    const audit = await rawRows<{ u: boolean; d: boolean }>(
      ctx,
      sql`select has_table_privilege('audit_log', 'UPDATE') as u, has_table_privilege('audit_log', 'DELETE') as d`,
    );
    if (audit[0]?.u || audit[0]?.d)
      problems.push(`the app role "${me.name}" may UPDATE or DELETE audit_log rows`);
    return problems;
  });
}
