/**
 * PostgreSQL for tests: roles are created once (idempotently) by the global setup; every suite gets
 * a fresh database owned by the owner role, migrated by it, and used by the app role, exactly as in
 * production (the app role owns nothing and has neither SUPERUSER nor BYPASSRLS).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const OWNER_ROLE = 'assay_test_owner';
export const APP_ROLE = 'assay_test_app';

export function urlFor(role: string, database: string): string {
  const u = new URL(ADMIN_URL);
  u.username = role;
  u.password = '';
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * What a superuser runs in each production database (README, "PostgreSQL"): the app role's sessions may
 * not end or cancel each other (an admin's deletion cancel in flight; docs/tenant-exit.md, sixth review).
 */
export const SUPERUSER_REVOKES = [
  'REVOKE EXECUTE ON FUNCTION pg_terminate_backend(integer, bigint) FROM PUBLIC',
  'REVOKE EXECUTE ON FUNCTION pg_cancel_backend(integer) FROM PUBLIC',
] as const;

export async function adminQuery(text: string, values: unknown[] = [], database?: string) {
  const u = new URL(ADMIN_URL);
  if (database) u.pathname = `/${database}`;
  const url = u.toString();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export async function pgReachable(): Promise<boolean> {
  try {
    await adminQuery('select 1');
    return true;
  } catch {
    return false;
  }
}

export async function ensureRoles(): Promise<void> {
  // Concurrent CI runs on one server: CREATE ROLE has no IF NOT EXISTS, so tolerate duplicates.
  for (const [role, attrs] of [
    [OWNER_ROLE, 'LOGIN NOSUPERUSER NOBYPASSRLS'],
    [APP_ROLE, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
  ] as const) {
    try {
      await adminQuery(`CREATE ROLE ${role} ${attrs}`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42710') throw err;
      await adminQuery(`ALTER ROLE ${role} ${attrs}`);
    }
  }
}

/** A fresh, empty database owned by the owner role. */
export async function createTestDatabase(): Promise<{
  name: string;
  ownerUrl: string;
  appUrl: string;
  drop(): Promise<void>;
}> {
  const name = `assay_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  await adminQuery(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await adminQuery(`GRANT CONNECT ON DATABASE ${name} TO ${APP_ROLE}`);
  for (const revoke of SUPERUSER_REVOKES) await adminQuery(revoke, [], name);
  return {
    name,
    ownerUrl: urlFor(OWNER_ROLE, name),
    appUrl: urlFor(APP_ROLE, name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
