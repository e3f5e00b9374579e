/**
 * The PostgreSQL boot self-check (pgRoleProblems) against the holes it exists for: an app role that can
 * become a role for which row-level security is inert, and a database whose policies or grants drifted
 * from the design. Each case gets its own app role and database (roles are cluster-wide, and the other
 * suites' app role must stay clean while these run in parallel), built the way production is.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/store.js';
import { migratePg, PG_ACCESS, pgRoleProblems } from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { adminQuery, OWNER_ROLE, urlFor } from '../support/pg.js';
import { pgAvailable } from '../support/stores.js';

const suffix = () => randomBytes(5).toString('hex');

/** A database migrated by the owner role, used by an app role of its own; `sql` runs as the owner. */
async function privateDatabase() {
  const app = `assay_t_app_${suffix()}`;
  const name = `assay_t_${suffix()}`;
  const roles = [app];
  await adminQuery(`CREATE ROLE ${app} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`);
  await adminQuery(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  await adminQuery(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
  await adminQuery(`GRANT CONNECT ON DATABASE ${name} TO ${app}`);
  const ownerUrl = urlFor(OWNER_ROLE, name);
  const appUrl = urlFor(app, name);
  await migratePg(ownerUrl, appUrl);
  const store = openPgStore({ url: appUrl, max: 1 });
  const owner = openPgStore({ url: ownerUrl, max: 1 });
  return {
    app,
    name,
    store,
    ownerUrl,
    appUrl,
    /** A cluster role made for this case (dropped at the end). */
    async role(attributes: string) {
      const role = `assay_t_role_${suffix()}`;
      await adminQuery(`CREATE ROLE ${role} NOLOGIN ${attributes}`);
      roles.push(role);
      return role;
    },
    /** One statement as the owner, in this database. */
    async asOwner(text: string) {
      await owner.global.write((tx) => {
        tx.write(sql.raw(text));
      });
    },
    async problems() {
      return (await pgRoleProblems(store)).join('\n');
    },
    async drop() {
      await store.close();
      await owner.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      for (const r of roles.reverse()) await adminQuery(`DROP ROLE IF EXISTS ${r}`);
    },
  };
}

describe.skipIf(!pgAvailable())('PostgreSQL boot self-check', () => {
  let db: Awaited<ReturnType<typeof privateDatabase>>;
  beforeAll(async () => {
    db = await privateDatabase();
  });
  afterAll(() => db.drop());

  // Every case below undoes what it did, so each starts from the designed state.
  afterEach(async () => {
    expect(await pgRoleProblems(db.store)).toEqual([]);
  });

  it('passes the app role as migrations leave it', async () => {
    expect(await pgRoleProblems(db.store)).toEqual([]);
  });

  describe('refuses an app role that can become one that bypasses row-level security', () => {
    it('a member of the role that owns the tables (SET ROLE owner, then disable RLS)', async () => {
      await adminQuery(`GRANT ${OWNER_ROLE} TO ${db.app}`);
      try {
        const problems = await db.problems();
        expect(problems).toContain(`the app role "${db.app}" is a member of "${OWNER_ROLE}"`);
        expect(problems).toMatch(/owns the tables/);
        expect(problems).toContain(`REVOKE "${OWNER_ROLE}" FROM "${db.app}"`);
      } finally {
        await adminQuery(`REVOKE ${OWNER_ROLE} FROM ${db.app}`);
      }
    });

    it('whether or not the membership is inherited (NOINHERIT still allows SET ROLE)', async () => {
      await adminQuery(`ALTER ROLE ${db.app} NOINHERIT`);
      await adminQuery(`GRANT ${OWNER_ROLE} TO ${db.app}`);
      try {
        expect(await db.problems()).toContain(`is a member of "${OWNER_ROLE}"`);
      } finally {
        await adminQuery(`REVOKE ${OWNER_ROLE} FROM ${db.app}`);
        await adminQuery(`ALTER ROLE ${db.app} INHERIT`);
      }
    });

    it('through a chain of memberships, naming the grant to revoke', async () => {
      const middle = await db.role('');
      await adminQuery(`GRANT ${OWNER_ROLE} TO ${middle}`);
      await adminQuery(`GRANT ${middle} TO ${db.app}`);
      try {
        const problems = await db.problems();
        expect(problems).toContain(`is a member of "${OWNER_ROLE}" (through ${middle} → ${OWNER_ROLE})`);
        expect(problems).toContain(`REVOKE "${middle}" FROM "${db.app}"`);
      } finally {
        await adminQuery(`REVOKE ${middle} FROM ${db.app}`);
      }
    });

    it('a member of a SUPERUSER role', async () => {
      const su = await db.role('SUPERUSER');
      await adminQuery(`GRANT ${su} TO ${db.app}`);
      try {
        const problems = await db.problems();
        expect(problems).toContain(`is a member of "${su}", which is a SUPERUSER`);
        expect(problems).toContain(`REVOKE "${su}" FROM "${db.app}"`);
      } finally {
        await adminQuery(`REVOKE ${su} FROM ${db.app}`);
      }
    });

    it('a member of a BYPASSRLS role', async () => {
      const bypass = await db.role('BYPASSRLS');
      await adminQuery(`GRANT ${bypass} TO ${db.app}`);
      try {
        expect(await db.problems()).toContain(`is a member of "${bypass}", which has BYPASSRLS`);
      } finally {
        await adminQuery(`REVOKE ${bypass} FROM ${db.app}`);
      }
    });

    it('a role with CREATEROLE, or a member of one (it could grant itself the owner role)', async () => {
      await adminQuery(`ALTER ROLE ${db.app} CREATEROLE`);
      try {
        expect(await db.problems()).toContain(
          `the app role "${db.app}" has CREATEROLE, so it could grant itself the owner role or create a BYPASSRLS role: ALTER ROLE "${db.app}" NOCREATEROLE`,
        );
      } finally {
        await adminQuery(`ALTER ROLE ${db.app} NOCREATEROLE`);
      }
      const creator = await db.role('CREATEROLE');
      await adminQuery(`GRANT ${creator} TO ${db.app}`);
      try {
        expect(await db.problems()).toContain(`is a member of "${creator}", which has CREATEROLE`);
      } finally {
        await adminQuery(`REVOKE ${creator} FROM ${db.app}`);
      }
    });

    it('but a member of a harmless role passes', async () => {
      const plain = await db.role('');
      await adminQuery(`GRANT ${plain} TO ${db.app}`);
      try {
        expect(await pgRoleProblems(db.store)).toEqual([]);
      } finally {
        await adminQuery(`REVOKE ${plain} FROM ${db.app}`);
      }
    });
  });

  describe('refuses a database whose row-level security drifted from the design', () => {
    it('a global table without FORCE, or without RLS at all', async () => {
      for (const table of ['sessions', 'users', 'mail_outbox']) {
        await db.asOwner(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
        try {
          expect(await db.problems()).toContain(
            `table ${table} does not have ENABLE + FORCE ROW LEVEL SECURITY`,
          );
        } finally {
          await db.asOwner(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
        }
      }
      await db.asOwner('ALTER TABLE tenants DISABLE ROW LEVEL SECURITY');
      try {
        expect(await db.problems()).toContain(
          'table tenants does not have ENABLE + FORCE ROW LEVEL SECURITY',
        );
      } finally {
        await db.asOwner('ALTER TABLE tenants ENABLE ROW LEVEL SECURITY');
      }
    });

    it('a dropped policy, on every table that has policies', async () => {
      // Dropping a permissive policy fails closed, but silently: the boot says which one went missing.
      const all = Object.entries(PG_ACCESS).flatMap(([table, a]) =>
        Object.keys(a.policies ?? {}).map((policy) => ({ table, policy })),
      );
      expect(all.length).toBeGreaterThan(20);
      for (const { table, policy } of [
        { table: 'sessions', policy: 'sessions_read' },
        { table: 'setup_tokens', policy: 'setup_tokens_consume' },
        { table: 'mail_outbox', policy: 'mail_outbox_send' },
        { table: 'users', policy: 'users_update' },
        { table: 'tenants', policy: 'tenants_read' },
      ]) {
        expect(all).toContainEqual({ table, policy });
        await db.asOwner(`ALTER POLICY ${policy} ON ${table} RENAME TO ${policy}_gone`);
        try {
          const problems = await db.problems();
          expect(problems).toContain(`table ${table} lacks its row-level security policy ${policy}`);
          expect(problems).toContain(`table ${table} has a policy Assay does not define (${policy}_gone`);
        } finally {
          await db.asOwner(`ALTER POLICY ${policy}_gone ON ${table} RENAME TO ${policy}`);
        }
      }
    });

    it('an extra permissive policy, which would widen access', async () => {
      await db.asOwner('CREATE POLICY everyone ON users FOR SELECT USING (true)');
      try {
        expect(await db.problems()).toContain(
          'table users has a policy Assay does not define (everyone, SELECT): permissive policies add up',
        );
      } finally {
        await db.asOwner('DROP POLICY everyone ON users');
      }
    });

    it('a policy altered to let everyone through, or to apply to everyone', async () => {
      await db.asOwner('ALTER POLICY users_read ON users USING (true)');
      await db.asOwner('ALTER POLICY sessions_start ON sessions WITH CHECK (tenant_id IS NOT NULL)');
      await db.asOwner('ALTER POLICY users_owner_read ON users TO public');
      try {
        const problems = await db.problems();
        expect(problems).toContain('policy users_read on users no longer depends on a claim');
        expect(problems).toContain('policy sessions_start on sessions no longer depends on a claim');
        expect(problems).toContain(
          `policy users_owner_read on users applies to permissive public, not permissive ${OWNER_ROLE}`,
        );
      } finally {
        await db.asOwner(`ALTER POLICY users_owner_read ON users TO ${OWNER_ROLE}`);
        await db.asOwner(
          "ALTER POLICY sessions_start ON sessions WITH CHECK (tenant_id = current_setting('app.tenant_id', true))",
        );
        await db.asOwner(`ALTER POLICY users_read ON users USING (
          id = current_setting('app.user_id', true)
          OR EXISTS (SELECT 1 FROM memberships m
                     WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true))
          OR EXISTS (SELECT 1 FROM sessions s
                     WHERE s.id = current_setting('app.session_id', true) AND s.user_id = users.id))`);
      }
    });

    it('a missing or disabled append-only trigger on the audit log', async () => {
      await db.asOwner('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      try {
        expect(await db.problems()).toContain(
          'the append-only trigger audit_log_no_update on audit_log is missing or disabled',
        );
      } finally {
        await db.asOwner('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });

    it('a missing tenant-exit guard: the window-start helper, its grant, the unused-column check, the unique index', async () => {
      const has = async (text: string) => (await db.problems()).includes(text);
      await db.asOwner('ALTER TABLE tenants DROP CONSTRAINT tenants_window_from_unused');
      try {
        expect(await has('the check constraint tenants_window_from_unused on tenants is missing')).toBe(true);
      } finally {
        await db.asOwner(
          'ALTER TABLE tenants ADD CONSTRAINT tenants_window_from_unused CHECK (deletion_window_from IS NULL)',
        );
      }
      const helper = 'assay_deletion_window_from(text,timestamp with time zone)';
      await db.asOwner(`REVOKE EXECUTE ON FUNCTION ${helper} FROM ${db.app}`);
      try {
        expect(await has(`may not execute ${helper}`)).toBe(true);
      } finally {
        await db.asOwner(`GRANT EXECUTE ON FUNCTION ${helper} TO ${db.app}`);
      }
      await db.asOwner('ALTER INDEX system_log_one_request_uq RENAME TO system_log_one_request_x');
      try {
        expect(await has('the unique index system_log_one_request_uq on system_log is missing')).toBe(true);
      } finally {
        await db.asOwner('ALTER INDEX system_log_one_request_x RENAME TO system_log_one_request_uq');
      }
      // 0032 dropped the cancel entry's unique index: a session could hold it against an in-time cancel.
      await db.asOwner(
        "CREATE UNIQUE INDEX system_log_one_cancel_uq ON system_log (tenant_id, (data->>'requested_at')) WHERE action = 'tenant.deletion_cancelled' AND data ? 'requested_at'",
      );
      try {
        expect(await has('the unique index system_log_one_cancel_uq is back')).toBe(true);
      } finally {
        await db.asOwner('DROP INDEX system_log_one_cancel_uq');
      }
      await db.asOwner(`ALTER FUNCTION ${helper} SECURITY INVOKER`);
      try {
        expect(await has(`function ${helper} is not SECURITY DEFINER`)).toBe(true);
      } finally {
        await db.asOwner(`ALTER FUNCTION ${helper} SECURITY DEFINER`);
      }
      expect(await db.problems()).toBe('');
    });

    it('the cancel lock within the app role reach, a door that does not wait, or a lock table gone (0031)', async () => {
      const has = async (text: string) => (await db.problems()).includes(text);
      await db.asOwner(`GRANT USAGE ON SCHEMA assay_private TO ${db.app}`);
      await db.asOwner(`GRANT SELECT, UPDATE ON assay_private.tenant_locks TO ${db.app}`);
      try {
        expect(await has('may use the schema assay_private')).toBe(true);
        expect(await has('may SELECT, UPDATE on assay_private.tenant_locks')).toBe(true);
      } finally {
        await db.asOwner(`REVOKE ALL ON assay_private.tenant_locks FROM ${db.app}`);
        await db.asOwner(`REVOKE ALL ON SCHEMA assay_private FROM ${db.app}`);
      }
      await db.asOwner('ALTER TABLE mail_outbox DISABLE TRIGGER mail_outbox_delete_window');
      try {
        expect(
          await has('the guard trigger mail_outbox_delete_window on mail_outbox is missing or disabled'),
        ).toBe(true);
      } finally {
        await db.asOwner('ALTER TABLE mail_outbox ENABLE TRIGGER mail_outbox_delete_window');
      }
      await db.asOwner('ALTER FUNCTION assay_await_cancels(text) SECURITY INVOKER');
      try {
        expect(await has('function assay_await_cancels(text) is not SECURITY DEFINER')).toBe(true);
      } finally {
        await db.asOwner('ALTER FUNCTION assay_await_cancels(text) SECURITY DEFINER');
      }
      await db.asOwner('ALTER TABLE assay_private.tenant_locks RENAME TO tenant_locks_x');
      try {
        expect(await has('the lock table assay_private.tenant_locks is missing')).toBe(true);
      } finally {
        await db.asOwner('ALTER TABLE assay_private.tenant_locks_x RENAME TO tenant_locks');
      }
      expect(await db.problems()).toBe('');
    });
  });

  describe('refuses privileges beyond the design, and names missing ones', () => {
    it('a column the app never writes, TRUNCATE, or UPDATE on the audit log, however granted', async () => {
      const cases = [
        {
          grant: `GRANT UPDATE (created_at) ON users TO ${db.app}`,
          says: `"${db.app}" may UPDATE on users(created_at)`,
        },
        {
          grant: 'GRANT TRUNCATE ON tenants TO PUBLIC',
          says: 'may TRUNCATE on tenants, which Assay never grants (TRUNCATE ignores row-level security)',
        },
        { grant: `GRANT UPDATE ON audit_log TO ${db.app}`, says: 'may UPDATE on audit_log(every column)' },
        { grant: `GRANT DELETE ON audit_log TO ${db.app}`, says: 'may DELETE on audit_log' },
        { grant: `GRANT SELECT ON unit_guards TO ${db.app}`, says: 'may SELECT on unit_guards' },
        {
          grant: `GRANT UPDATE (expires_at) ON sessions TO ${db.app}`,
          says: 'may UPDATE on sessions(expires_at)',
        },
        { grant: `GRANT TRIGGER ON mail_outbox TO ${db.app}`, says: 'may TRIGGER on mail_outbox' },
      ];
      for (const { grant, says } of cases) {
        await db.asOwner(grant);
        try {
          expect(await db.problems(), grant).toContain(says);
        } finally {
          await db.asOwner(grant.replace(/^GRANT/, 'REVOKE').replace(/ TO /, ' FROM '));
        }
      }
    });

    it('through a role the app can SET ROLE to, even without inheriting it', async () => {
      const writer = await db.role('');
      await db.asOwner(`GRANT UPDATE ON users TO ${writer}`);
      await adminQuery(`ALTER ROLE ${db.app} NOINHERIT`);
      await adminQuery(`GRANT ${writer} TO ${db.app}`);
      try {
        expect(await db.problems()).toContain(
          `"${writer}" (a role it is a member of) may UPDATE on users(every column)`,
        );
      } finally {
        await adminQuery(`REVOKE ${writer} FROM ${db.app}`);
        await adminQuery(`ALTER ROLE ${db.app} INHERIT`);
        await db.asOwner(`REVOKE UPDATE ON users FROM ${writer}`);
      }
    });

    it('a missing grant, and migrations restore exactly the design', async () => {
      await db.asOwner(`REVOKE UPDATE (password_hash) ON users FROM ${db.app}`);
      await db.asOwner(`REVOKE INSERT ON sessions FROM ${db.app}`);
      await db.asOwner(`REVOKE EXECUTE ON FUNCTION assay_user_by_email(text) FROM ${db.app}`);
      await db.asOwner(`GRANT UPDATE (created_at) ON users TO ${db.app}`);
      const problems = await db.problems();
      expect(problems).toContain(`the app role "${db.app}" lacks UPDATE (password_hash) on users`);
      expect(problems).toContain(`the app role "${db.app}" lacks INSERT on sessions, which the app needs`);
      expect(problems).toContain(`may not execute assay_user_by_email(text)`);
      expect(problems).toContain('may UPDATE on users(created_at)');
      await migratePg(db.ownerUrl, db.appUrl);
      expect(await pgRoleProblems(db.store)).toEqual([]);
    });
  });
});

describe.skipIf(!pgAvailable())('PostgreSQL boot self-check: the store it is given', () => {
  let db: Awaited<ReturnType<typeof privateDatabase>>;
  let owner: Store;
  beforeAll(async () => {
    db = await privateDatabase();
    owner = openPgStore({ url: db.ownerUrl, max: 1 });
  });
  afterAll(async () => {
    await owner.close();
    await db.drop();
  });

  it('refuses the owner itself', async () => {
    expect((await pgRoleProblems(owner)).join('\n')).toMatch(/owns \d+ table/);
  });
});
