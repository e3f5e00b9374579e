/**
 * PostgreSQL migrations, the app role's grants and the boot self-check. Migrations run as the owning
 * role under an advisory lock (several instances may start at once); the owner then grants the app role
 * exactly what {@link PG_ACCESS} designs and nothing more. The self-check refuses, in production, a role
 * for which row-level security is inert or can be made inert, and a database whose policies or grants
 * are not the designed ones (a migration that drops a policy or widens a grant fails the boot).
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { TENANT_TABLES } from '../../db/schema.sqlite.js';
import { type ReadCtx, rawRows, type Store } from '../../db/store.js';
import { appPath } from './app-root.js';
import { checkHistory, journalStamps } from './migration-history.js';

export const PG_MIGRATIONS = appPath('migrations/pg');
/** Arbitrary but fixed: every Assay instance takes the same lock before migrating. */
const MIGRATION_LOCK = 0x61737361; // 'assa'

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

// ---- the access design -----------------------------------------------------------------------------

/** What the app role may do to a table. `update` lists the only columns it may change (`true`: all). */
export interface Privileges {
  readonly select?: true;
  /** Table-wide: drizzle names every column in an INSERT (DEFAULT for the unset ones), so column grants cannot narrow it; the INSERT policies do. */
  readonly insert?: true;
  readonly update?: true | readonly string[];
  readonly delete?: true;
}

export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface TableAccess {
  readonly grants: Privileges;
  /** ENABLE + FORCE row-level security with exactly these policies (name → command); absent: no RLS. */
  readonly policies?: Readonly<Record<string, PolicyCommand>>;
  /** Set on a global table that carries `tenant_id`: why it is not a tenant table. */
  readonly tenantData?: string;
  /** Why the table gets this access. */
  readonly why: string;
}

const CRUD: Privileges = { select: true, insert: true, update: true, delete: true };

/**
 * The global tables, each with its grants and policies (migrations/pg/0002_global_tables_rls.sql has
 * the policy bodies and the reasons for them). Tenant tables are derived from the table definitions.
 */
export const GLOBAL_TABLES: Readonly<Record<string, TableAccess>> = {
  tenants: {
    grants: {
      select: true,
      insert: true,
      update: [
        'name',
        'settings',
        'deletion_requested_at',
        'deletion_due_at',
        'deletion_requested_by',
        // Not deletion_window_from: on PostgreSQL the window starts in the system log (always NULL, 0030).
      ],
      delete: true,
    },
    policies: {
      tenants_read: 'SELECT',
      // The scheduler lists tenants to run its jobs in each (migrations/pg/0008_review_rls.sql).
      tenants_scheduler_read: 'SELECT',
      tenants_create: 'INSERT',
      tenants_update: 'UPDATE',
      tenants_delete: 'DELETE',
      // The system log's SECURITY DEFINER state check sees every tenant (migrations/pg/0029…sql).
      tenants_owner_read: 'SELECT',
    },
    why: 'the app creates tenants, an admin may rename one, change its settings or ask for its deletion (tenants_update: its own units only), and the purge deletes it past its deadline (tenants_delete: its own units only); its id never changes',
  },
  users: {
    grants: {
      select: true,
      insert: true,
      update: [
        'password_hash',
        'totp_secret',
        'totp_pending_secret',
        'totp_enabled_at',
        'totp_last_step',
        // Erasure (GDPR Art. 17): the email is replaced by a tombstone, the identity disabled.
        'email',
        'disabled_at',
      ],
    },
    policies: {
      users_read: 'SELECT',
      users_owner_read: 'SELECT',
      users_create: 'INSERT',
      users_update: 'UPDATE',
      users_delete: 'DELETE',
    },
    why: 'an identity is created once and only its password hash and second factor (TOTP seed, last step) are ever set; its id never changes, its email only to the tombstone of an erasure (which also disables it)',
  },
  sessions: {
    grants: { select: true, insert: true, update: ['last_seen_at', 'reauth_at', 'attempts'], delete: true },
    policies: {
      sessions_read: 'SELECT',
      sessions_start: 'INSERT',
      sessions_touch: 'UPDATE',
      sessions_end: 'DELETE',
      sessions_sweep: 'DELETE',
    },
    tenantData:
      'a session names the tenant (and user) it signs in to, but is looked up by its cookie hash before any tenant is known',
    why: 'a session is only ever touched (last seen, last re-authentication, second-step tries) or ended: its user, tenant, kind and expiry cannot be rewritten',
  },
  mfa_recovery_codes: {
    grants: { select: true, insert: true, update: ['used_at'], delete: true },
    policies: {
      mfa_recovery_codes_read: 'SELECT',
      mfa_recovery_codes_issue: 'INSERT',
      mfa_recovery_codes_use: 'UPDATE',
      mfa_recovery_codes_revoke: 'DELETE',
      // The purge's SECURITY DEFINER function erases the codes of the identities it tombstones.
      mfa_recovery_codes_owner_read: 'SELECT',
      mfa_recovery_codes_owner_erase: 'DELETE',
    },
    why: "an identity's recovery codes (keyed hashes) serve it in every tenant: issued, used once (only used_at changes) or replaced, and reachable only as that user (migrations/pg/0012_mfa_rls.sql)",
  },
  setup_tokens: {
    grants: { select: true, insert: true, update: ['consumed_at', 'revoked_at', 'email'], delete: true },
    policies: {
      setup_tokens_read: 'SELECT',
      setup_tokens_issue: 'INSERT',
      setup_tokens_consume: 'UPDATE',
      // A purged tenant's links go with it (migrations/pg/…_tenant_exit_rls.sql).
      setup_tokens_purge: 'DELETE',
    },
    tenantData:
      'a set-up link names the tenant it admits to (first-run links name none), and is redeemed by its hash before any tenant is known',
    why: 'a link is issued, then consumed once or (an invitation) revoked; its email is cleared by an erasure; nothing else about it changes, and only the purge of its tenant deletes it',
  },
  mail_outbox: {
    grants: {
      select: true,
      insert: true,
      delete: true,
      update: [
        'status',
        'attempts',
        'next_attempt_at',
        'lease_until',
        'claim_token',
        'last_error',
        'sent_at',
        // Erasure, and blank bodies once sent: the policies and trigger (0024, 0036) admit no other values.
        'to_address',
        'subject',
        'text_body',
        'html_body',
      ],
    },
    policies: {
      mail_outbox_read: 'SELECT',
      mail_outbox_queue: 'INSERT',
      mail_outbox_send: 'UPDATE',
      mail_outbox_erase: 'UPDATE',
      mail_outbox_purge: 'DELETE',
      // Retention: the sender deletes sent and failed mail 30 days old (migrations/pg/0036).
      mail_outbox_expire: 'DELETE',
    },
    tenantData:
      'a message names the tenant it is sent for, and one sender serves every tenant from one queue',
    why: 'the sender changes only the delivery state, and blanks the bodies of a message it is done with; recipient, subject and bodies are otherwise fixed once queued, except that an erasure of the tenant blanks them (mail_outbox_erase admits only the blank values); the sender deletes done mail after 30 days, the purge of its tenant deletes the rest',
  },
  signing_keys: {
    grants: { select: true, insert: true, update: ['status', 'activated_at', 'retired_at'] },
    why: 'public keys are public and private keys are wrapped by the master key, so no RLS; but key material is never rewritten (that would substitute a key) and keys are never deleted (old receipts must stay verifiable)',
  },
  key_rotations: {
    grants: { select: true, insert: true },
    why: 'the record of each signing-key rotation (kids, ages, forced or not): no tenant data, no RLS; append-only (triggers refuse UPDATE, DELETE and TRUNCATE)',
  },
  job_runs: {
    grants: { select: true, insert: true },
    why: 'the scheduler guard: a (job, slot) row is claimed with an insert and never changed or deleted; it names a job and an hour, no tenant data, no RLS',
  },
  rate_counters: {
    grants: CRUD,
    why: 'counters are keyed hashes of anonymous clients, needed before anything is known: no tenant data, no RLS',
  },
  system_log: {
    grants: { select: true, insert: true },
    policies: {
      system_log_read: 'SELECT',
      system_log_append: 'INSERT',
      // Its SECURITY DEFINER insert trigger judges an entry against the earlier ones.
      system_log_owner_read: 'SELECT',
    },
    tenantData:
      'it records the deletion of tenants that no longer exist (ids, actions, counts: no names or emails), so it cannot hang off one',
    why: 'append-only like the audit log: no UPDATE, no DELETE (and triggers refuse both, and TRUNCATE); read by the operator and the scheduler',
  },
  unit_guards: {
    grants: {},
    why: 'only D1 uses it (a NOT NULL failure aborts a batch); PostgreSQL units never touch it',
  },
};

/** Policies for the table owner only (the SECURITY DEFINER lookup runs as it); every other one is for PUBLIC. */
const OWNER_POLICIES = new Set([
  'users_owner_read',
  'memberships_owner_read',
  'mfa_recovery_codes_owner_read',
  'mfa_recovery_codes_owner_erase',
  'system_log_owner_read',
  'tenants_owner_read',
]);

/** Policies a tenant table has besides `<table>_tenant_isolation` (migrations/pg/0001…sql). */
const EXTRA_TENANT_POLICIES: Readonly<Record<string, Readonly<Record<string, PolicyCommand>>>> = {
  memberships: {
    memberships_self_read: 'SELECT',
    memberships_session_read: 'SELECT',
    // The tombstone guard and the purge see every membership of an identity (migrations/pg/0028…sql).
    memberships_owner_read: 'SELECT',
  },
};

/** Tenant tables the app appends to but never changes. */
const APPEND_ONLY: Readonly<Record<string, string>> = {
  audit_log: 'the audit chain is append-only: no UPDATE, no DELETE (and triggers refuse both, and TRUNCATE)',
  audit_checkpoints:
    'signed checkpoints are append-only like the log: no UPDATE, no DELETE (and triggers refuse both, and TRUNCATE)',
  audit_merkle_blocks:
    'a cache of subtree hashes derived from the log: written once per block, never changed (verify does not trust it)',
};

/** Every table's designed access: the global tables above, and the tenant tables derived from the definitions. */
export const PG_ACCESS: Readonly<Record<string, TableAccess>> = {
  ...GLOBAL_TABLES,
  ...Object.fromEntries(
    TENANT_TABLES.map((name): [string, TableAccess] => [
      name,
      {
        grants: APPEND_ONLY[name] ? { select: true, insert: true } : CRUD,
        policies: { [`${name}_tenant_isolation`]: 'ALL', ...EXTRA_TENANT_POLICIES[name] },
        why: APPEND_ONLY[name] ?? 'tenant data: row-level security on app.tenant_id decides which rows',
      },
    ]),
  ),
};

/**
 * Functions the app role may execute: sign-in's lookup of one user by exact email, and the purge's two
 * doors past a tenant's deletion window: its audit rows, and the identities that belonged only to it
 * (docs/tenant-exit.md).
 */
export const PG_FUNCTIONS = [
  'assay_user_by_email(text)',
  'assay_purge_tenant_audit(text)',
  'assay_purge_sole_identities(text)',
  // The window start: the request's system log entry, written without locking the tenant row (0030).
  'assay_start_deletion_window(text)',
  // The cancel: the request's cancel entry, written without locking the tenant row (0030).
  'assay_cancel_deletion(text,text)',
] as const;

/**
 * Functions the app role's policies and triggers call as itself (not SECURITY DEFINER): granted
 * explicitly, so a database that revoked EXECUTE from PUBLIC keeps its policies working.
 */
const PG_HELPER_FUNCTIONS = [
  'assay_tenant_past_window(text)',
  // SECURITY DEFINER, read-only: what the system log's insert trigger judges a purge entry by.
  'assay_system_log_state(text)',
  // SECURITY DEFINER, read-only: when a request's window started, from its system log entry (every
  // door asks it through assay_tenant_past_window; migrations/pg/0030_window_start_log.sql).
  'assay_deletion_window_from(text,timestamp with time zone)',
  // SECURITY DEFINER, read-only: whether a request has a cancel entry (0030).
  'assay_deletion_cancelled(text,timestamp with time zone)',
  // SECURITY DEFINER: the irreversible doors wait for cancels in flight on a row the app role cannot
  // reach, and it raises unless the tenant is past its window (0031).
  'assay_await_cancels(text)',
] as const;

/** Helpers that must run as the owner (they read the system log, which a tenant's unit cannot). */
const PG_DEFINER_HELPERS = new Set<string>([
  'assay_system_log_state(text)',
  'assay_deletion_window_from(text,timestamp with time zone)',
  'assay_deletion_cancelled(text,timestamp with time zone)',
  'assay_await_cancels(text)',
]);

/**
 * The cancel and window-start locks: rows of an owner-only table (migrations/pg/0031_cancel_lock_row.sql).
 * The app role must not reach it at all (no USAGE on the schema, no privilege on the table), or it could
 * hold a lock against an in-time cancel.
 */
const PG_PRIVATE_LOCKS = { schema: 'assay_private', table: 'tenant_locks' } as const;

/** CHECK constraints a guard relies on (table → names). */
const PG_CHECKS: Readonly<Record<string, readonly string[]>> = {
  // On PostgreSQL the window starts in the system log; the column stays NULL (0030).
  tenants: ['tenants_window_from_unused'],
};

/** Unique indexes a guard relies on (table → names): one purge entry per tenant, one request entry per request. */
const PG_UNIQUE_INDEXES: Readonly<Record<string, readonly string[]>> = {
  system_log: ['system_log_one_purge_uq', 'system_log_one_request_uq'],
};
/** Unique indexes that must be gone: an app-role session could hold them against an in-time cancel (0032). */
const PG_UNWANTED_INDEXES = ['system_log_one_cancel_uq'] as const;

/**
 * Settings a role or database default (`ALTER ROLE … [IN DATABASE …] SET`, which any role may run for
 * itself) must not carry for the app role. Refused: the isolation level and access mode (Assay begins
 * every unit with both explicitly, but a default that differs is someone arguing with the tenant-exit
 * guards), and replica mode (it disables the guard triggers; only a superuser can set it). Warned, with
 * the value: the timeouts, which an operator may set on purpose; a cancel sets its own (docs/tenant-exit.md).
 */
const REFUSED_ROLE_SETTINGS: Readonly<Record<string, string>> = {
  default_transaction_isolation: 'read committed',
  default_transaction_read_only: 'off',
  session_replication_role: 'origin',
};
const WARNED_ROLE_SETTINGS = [
  'lock_timeout',
  'statement_timeout',
  'idle_in_transaction_session_timeout',
  'transaction_timeout',
] as const;
/** Same-role backends can be ended or cancelled through these unless a superuser revokes them. */
const SIGNAL_FUNCTIONS = [
  'pg_terminate_backend(integer,bigint)',
  'pg_terminate_backend(integer)', // before PostgreSQL 14
  'pg_cancel_backend(integer)',
] as const;

/** The triggers that keep the audit log and its checkpoints append-only whoever connects. */
const AUDIT_TRIGGERS = {
  audit_log: ['audit_log_no_update', 'audit_log_no_truncate'],
  audit_checkpoints: ['audit_checkpoints_no_update', 'audit_checkpoints_no_truncate'],
  system_log: ['system_log_no_update', 'system_log_no_truncate', 'system_log_stamp'],
  key_rotations: ['key_rotations_no_update', 'key_rotations_no_truncate'],
  // The deletion window is the database's (migrations/pg/0029_tenant_exit_guards.sql), and an identity
  // changes only to an erasure tombstone (0024).
  tenants: ['tenants_deletion_clock', 'tenants_lock_rows', 'tenants_delete_window'],
  users: ['users_erasure_only'],
  tenant_keys: ['tenant_keys_shred_window'],
  // A purge's DELETE waits for cancels in flight (0031).
  setup_tokens: ['setup_tokens_delete_window'],
  mail_outbox: ['mail_outbox_delete_window'],
} as const;
const GUARD_TRIGGER_TABLES = new Set(['tenants', 'users', 'tenant_keys', 'setup_tokens', 'mail_outbox']);

// ---- migrating -------------------------------------------------------------------------------------

/**
 * The schema is behind this Assay (or cannot be read) and the role in DATABASE_URL may not migrate it:
 * a one-line message naming the URL to set. The CLI exits 1 with it; the server refuses to start.
 */
export class SchemaBehindError extends Error {
  constructor(role: string, why: string) {
    super(
      `The PostgreSQL schema ${why}, and the role "${role}" in DATABASE_URL may not migrate it: set MIGRATION_DATABASE_URL to the owner role's URL (it migrates and re-applies the grants), then run this again.`,
    );
    this.name = 'SchemaBehindError';
  }
}

/** The SQLSTATE of a pg error, also when drizzle wrapped it (its `cause`). */
function sqlState(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

type SchemaState = { state: 'current' } | { state: 'behind'; pending: number } | { state: 'unreadable' };

/** What `client`'s role sees of the migration history: every migration of `folder` applied, some pending, or no access. */
async function schemaState(client: pg.Client, folder: string): Promise<SchemaState> {
  // Asked without touching the table: reading a schema without USAGE raises (to_regclass too).
  const { rows } = await client.query<{ ns: boolean; usage: boolean }>(
    `select to_regnamespace('drizzle') is not null as ns,
            coalesce(has_schema_privilege(to_regnamespace('drizzle'), 'USAGE'), false) as usage`,
  );
  if (!rows[0]?.ns) return { state: 'behind', pending: journalStamps(folder).size };
  if (!rows[0].usage) return { state: 'unreadable' };
  const { rows: t } = await client.query<{ t: string | null; select: boolean }>(
    `select to_regclass('drizzle.__drizzle_migrations')::text as t,
            coalesce(has_table_privilege(to_regclass('drizzle.__drizzle_migrations'), 'SELECT'), false) as select`,
  );
  if (!t[0]?.t) return { state: 'behind', pending: journalStamps(folder).size };
  if (!t[0].select) return { state: 'unreadable' };
  const { rows: applied } = await client.query<{ created_at: string }>(
    'select created_at from drizzle.__drizzle_migrations',
  );
  const ours = journalStamps(folder);
  checkHistory(
    applied.map((r) => r.created_at),
    ours,
    'The PostgreSQL database',
  );
  const done = new Set(applied.map((r) => Number(r.created_at)));
  const pending = [...ours].filter((stamp) => !done.has(stamp)).length;
  return pending === 0 ? { state: 'current' } : { state: 'behind', pending };
}

/**
 * Migrates as `migrationUrl`'s role, then grants the app role. Without a separate owner URL (the two
 * URLs are the same: MIGRATION_DATABASE_URL unset), the role in DATABASE_URL is usually the app role,
 * which can neither read drizzle's schema nor create anything: then nothing is migrated when the schema
 * is current, and a schema that is behind is a {@link SchemaBehindError}, not a permission error. A single
 * URL of the owner (a development set-up) still migrates as before.
 */
export async function migratePg(migrationUrl: string, appUrl: string, folder = PG_MIGRATIONS): Promise<void> {
  if (migrationUrl === appUrl) {
    const client = new pg.Client({ connectionString: appUrl });
    await client.connect();
    let state: SchemaState;
    let role: string;
    try {
      state = await schemaState(client, folder);
      role = (await client.query<{ me: string }>('select current_user as me')).rows[0]!.me;
    } finally {
      await client.end();
    }
    if (state.state === 'current') return;
    const why =
      state.state === 'unreadable'
        ? 'history (drizzle.__drizzle_migrations) cannot be read by this role'
        : `is ${state.pending} migration${state.pending === 1 ? '' : 's'} behind this version of Assay`;
    try {
      await migrateAs(migrationUrl, appUrl, folder);
    } catch (err) {
      // 42501 insufficient_privilege: the app role, as designed. Anything else is a real failure.
      if (sqlState(err) === '42501') throw new SchemaBehindError(role, why);
      throw err;
    }
    return;
  }
  await migrateAs(migrationUrl, appUrl, folder);
}

/**
 * Applies pending migrations as the owner (`migrationUrl`) under a session advisory lock, then gives the
 * app role (the user of `appUrl`) exactly the designed privileges. Everything is revoked first, so a
 * database migrated by an older version (which granted more) converges; revoke and grants are one
 * transaction, so instances already running never see the app role without its privileges.
 */
async function migrateAs(migrationUrl: string, appUrl: string, folder: string): Promise<void> {
  const client = new pg.Client({ connectionString: migrationUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const { rows: recorded } = await client.query<{ t: string | null }>(
        "select to_regclass('drizzle.__drizzle_migrations')::text as t",
      );
      if (recorded[0]?.t) {
        const { rows: applied } = await client.query<{ created_at: string }>(
          'select created_at from drizzle.__drizzle_migrations',
        );
        checkHistory(
          applied.map((r) => r.created_at),
          journalStamps(folder),
          'The PostgreSQL database',
        );
      }
      await migrate(drizzle(client), { migrationsFolder: folder });
      const appRole = decodeURIComponent(new URL(appUrl).username || '');
      const { rows } = await client.query<{ me: string }>('select current_user as me');
      if (appRole && appRole !== rows[0]?.me) await grantAppRole(client, appRole);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

async function grantAppRole(client: pg.Client, appRole: string): Promise<void> {
  const r = quoteIdent(appRole);
  const existing = await client.query<{ name: string }>(
    `select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')`,
  );
  const statements = [
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r}`,
    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM ${r}`,
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    // Read-only, the migration history (file hashes and stamps, nothing else): with DATABASE_URL alone
    // (the CLI on a server without the owner's URL) it tells a current schema from one that is behind.
    `REVOKE ALL ON ALL TABLES IN SCHEMA drizzle FROM ${r}`,
    `GRANT USAGE ON SCHEMA drizzle TO ${r}`,
    `GRANT SELECT ON drizzle.__drizzle_migrations TO ${r}`,
  ];
  for (const { name } of existing.rows) {
    const g = PG_ACCESS[name]?.grants;
    if (!g) continue; // not ours, or not designed yet: the app role gets nothing on it
    const t = quoteIdent(name);
    const whole = [
      g.select && 'SELECT',
      g.insert && 'INSERT',
      g.update === true && 'UPDATE',
      g.delete && 'DELETE',
    ];
    const privileges = whole.filter(Boolean).join(', ');
    if (privileges) statements.push(`GRANT ${privileges} ON ${t} TO ${r}`);
    if (Array.isArray(g.update) && g.update.length)
      statements.push(`GRANT UPDATE (${g.update.map(quoteIdent).join(', ')}) ON ${t} TO ${r}`);
  }
  for (const fn of [...PG_FUNCTIONS, ...PG_HELPER_FUNCTIONS])
    statements.push(`GRANT EXECUTE ON FUNCTION ${fn} TO ${r}`);
  await client.query('BEGIN');
  try {
    for (const s of statements) await client.query(s);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

// ---- the boot self-check ---------------------------------------------------------------------------

const FIX_ROLE =
  'connect DATABASE_URL as a role without SUPERUSER, BYPASSRLS or CREATEROLE that owns no tables and is a member of no such role (see README, "PostgreSQL")';
/** Grants are re-applied at every start, after the migrations. */
const FIX_MIGRATE =
  'start Assay with MIGRATION_DATABASE_URL set to the owner role: it re-applies the designed grants';
/** Policies, triggers and functions come from migrations that ran once: a later change removed or altered them. */
const FIX_SCHEMA =
  'something changed the schema after the migrations ran: restore it as migrations/pg defines it';

type Role = {
  oid: number;
  name: string;
  super: boolean;
  bypass: boolean;
  createrole: boolean;
  me: boolean;
  via: string;
};

/**
 * What is wrong with the role the app is connected as, and with the database's row-level security, if
 * anything. Row-level security is inert for superusers, BYPASSRLS roles and (without FORCE) table owners;
 * a role that is a *member* of one of those can `SET ROLE` to it (whether or not it inherits), and a
 * CREATEROLE role can make itself such a member. Then every table must have the designed RLS flags,
 * policies and grants (PG_ACCESS), and the audit log its append-only triggers.
 */
export async function pgRoleProblems(store: Store): Promise<string[]> {
  return store.global.read(async (ctx) => {
    const problems: string[] = [];
    // The current role and, transitively, every role it is a member of (pg_auth_members, regardless of
    // INHERIT: SET ROLE reaches them all). `via` is the chain, for the message.
    const roles = await rawRows<Role>(
      ctx,
      sql`with recursive member_of(oid, via) as (
            select m.roleid, r.rolname::text
              from pg_auth_members m join pg_roles r on r.oid = m.roleid
             where m.member = (select oid from pg_roles where rolname = current_user)
            union
            select m.roleid, g.via || ' → ' || r.rolname
              from pg_auth_members m join member_of g on m.member = g.oid join pg_roles r on r.oid = m.roleid
          )
          select r.oid::int as oid, r.rolname as name, r.rolsuper as super, r.rolbypassrls as bypass,
                 r.rolcreaterole as createrole, r.rolname = current_user as me,
                 coalesce((select min(via) from member_of g where g.oid = r.oid), '') as via
            from pg_roles r
           where r.rolname = current_user or r.oid in (select oid from member_of)`,
    );
    const me = roles.find((r) => r.me);
    if (!me) return ['cannot read the current role from pg_roles'];
    const app = `the app role "${me.name}"`;
    if (me.super)
      problems.push(
        `the app connects as "${me.name}", a SUPERUSER, which bypasses row-level security: ${FIX_ROLE}`,
      );
    if (me.bypass) problems.push(`${app} has BYPASSRLS, which bypasses row-level security: ${FIX_ROLE}`);
    if (me.createrole)
      problems.push(
        `${app} has CREATEROLE, so it could grant itself the owner role or create a BYPASSRLS role: ALTER ROLE ${quoteIdent(me.name)} NOCREATEROLE`,
      );

    const tables = await rawRows<{ name: string; owner: string; enabled: boolean; forced: boolean }>(
      ctx,
      sql`select relname as name, pg_get_userbyid(relowner) as owner, relrowsecurity as enabled,
                 relforcerowsecurity as forced
            from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')`,
    );
    const owners = new Set(tables.map((t) => t.owner));
    const owned = tables.filter((t) => t.owner === me.name);
    if (owned.length) {
      problems.push(
        `${app} owns ${owned.length} table(s) (${owned
          .slice(0, 3)
          .map((o) => o.name)
          .join(', ')}…): run migrations as a separate owner role via MIGRATION_DATABASE_URL`,
      );
    }
    const members = roles.filter((r) => !r.me);
    for (const r of members) {
      const reasons = [
        owners.has(r.name) && 'owns the tables (it can disable row-level security or drop the policies)',
        r.super && 'is a SUPERUSER',
        r.bypass && 'has BYPASSRLS',
        r.createrole && 'has CREATEROLE',
      ].filter(Boolean);
      if (!reasons.length) continue;
      const chain = r.via === r.name ? '' : ` (through ${r.via})`;
      problems.push(
        `${app} is a member of "${r.name}"${chain}, which ${reasons.join(' and ')}: with SET ROLE the app can act as it, so row-level security does not bind it. REVOKE ${quoteIdent(r.via.split(' → ')[0]!)} FROM ${quoteIdent(me.name)}`,
      );
    }

    const roleUnsound = problems.length > 0;

    // Row-level security: ENABLE + FORCE and exactly the designed policies on every table that has any.
    const policies = await rawRows<{
      table: string;
      name: string;
      cmd: string;
      permissive: string;
      roles: string;
      qual: string | null;
      check: string | null;
    }>(
      ctx,
      sql`select tablename as table, policyname as name, cmd, permissive, array_to_string(roles, ',') as roles,
                 qual, with_check as check
            from pg_policies where schemaname = 'public'`,
    );
    for (const [name, access] of Object.entries(PG_ACCESS)) {
      const t = tables.find((x) => x.name === name);
      if (!t) {
        problems.push(
          `table ${name} is missing: the migrations have not run (set MIGRATION_DATABASE_URL to the owner role)`,
        );
        continue;
      }
      if (!access.policies) continue;
      if (!t.enabled || !t.forced)
        problems.push(`table ${name} does not have ENABLE + FORCE ROW LEVEL SECURITY: ${FIX_SCHEMA}`);
      const have = policies.filter((p) => p.table === name);
      for (const [policy, cmd] of Object.entries(access.policies)) {
        const p = have.find((x) => x.name === policy);
        if (!p) {
          problems.push(`table ${name} lacks its row-level security policy ${policy}: ${FIX_SCHEMA}`);
          continue;
        }
        if (p.cmd !== cmd)
          problems.push(`policy ${policy} on ${name} applies to ${p.cmd}, not ${cmd}: ${FIX_SCHEMA}`);
        // Names alone would let `ALTER POLICY … USING (true)` or `… TO public` through. Every policy for
        // PUBLIC must depend on a claim; the owner's own policy must stay the owner's.
        const ownerOnly = OWNER_POLICIES.has(policy);
        const roles = ownerOnly ? t.owner : 'public';
        if (p.roles !== roles || p.permissive !== 'PERMISSIVE')
          problems.push(
            `policy ${policy} on ${name} applies to ${p.permissive.toLowerCase()} ${p.roles}, not permissive ${roles}: ${FIX_SCHEMA}`,
          );
        if (!ownerOnly && [p.qual, p.check].some((e) => e !== null && !e.includes("current_setting('app.")))
          problems.push(
            `policy ${policy} on ${name} no longer depends on a claim (app.* setting), so it lets every unit of work through: ${FIX_SCHEMA}`,
          );
      }
      for (const p of have.filter((x) => !(x.name in access.policies!)))
        problems.push(
          `table ${name} has a policy Assay does not define (${p.name}, ${p.cmd}): permissive policies add up, so it may widen access; drop it or add it to PG_ACCESS in src/platform/node/pg-migrate.ts`,
        );
    }

    // A role that is (or can become) an owner or superuser holds every privilege: the fix is the role,
    // and listing each table's privileges on top would bury it. Privileges are judged once it is sound.
    if (!roleUnsound) problems.push(...(await privilegeProblems(ctx, me, members, owners)));

    for (const [table, names] of Object.entries(AUDIT_TRIGGERS)) {
      const triggers = await rawRows<{ name: string }>(
        ctx,
        sql`select tgname as name from pg_trigger
             where tgrelid = to_regclass(${`public.${table}`}) and tgenabled in ('O', 'A') and not tgisinternal`,
      ).catch(() => []);
      for (const name of names)
        if (!triggers.some((t) => t.name === name))
          problems.push(
            `the ${GUARD_TRIGGER_TABLES.has(table) ? 'guard' : 'append-only'} trigger ${name} on ${table} is missing or disabled: ${FIX_SCHEMA}`,
          );
    }

    const fns = await rawRows<{ name: string; exec: boolean; definer: boolean }>(
      ctx,
      sql`select p.oid::regprocedure::text as name, has_function_privilege(p.oid, 'EXECUTE') as exec,
                 p.prosecdef as definer
            from pg_proc p where p.pronamespace = 'public'::regnamespace`,
    );
    for (const fn of PG_FUNCTIONS) {
      const f = fns.find((x) => x.name === fn);
      if (!f) problems.push(`function ${fn} is missing: ${FIX_SCHEMA}`);
      else if (!f.exec)
        problems.push(`${app} may not execute ${fn} (sign-in or the purge needs it): ${FIX_MIGRATE}`);
      else if (!f.definer) problems.push(`function ${fn} is not SECURITY DEFINER: ${FIX_SCHEMA}`);
    }
    // The doors' helpers: a missing one fails every door closed, but the boot says so first.
    for (const fn of PG_HELPER_FUNCTIONS) {
      const f = fns.find((x) => x.name === fn);
      if (!f) problems.push(`function ${fn} is missing: ${FIX_SCHEMA}`);
      else if (!f.exec)
        problems.push(`${app} may not execute ${fn} (the tenant-exit guards need it): ${FIX_MIGRATE}`);
      else if (PG_DEFINER_HELPERS.has(fn) && !f.definer)
        problems.push(`function ${fn} is not SECURITY DEFINER: ${FIX_SCHEMA}`);
    }
    const checks = await rawRows<{ table: string; name: string }>(
      ctx,
      sql`select c.conrelid::regclass::text as table, c.conname as name from pg_constraint c
           where c.contype = 'c' and c.convalidated and c.connamespace = 'public'::regnamespace`,
    );
    for (const [table, names] of Object.entries(PG_CHECKS))
      for (const name of names)
        if (!checks.some((c) => c.table === table && c.name === name))
          problems.push(`the check constraint ${name} on ${table} is missing: ${FIX_SCHEMA}`);
    const uniques = await rawRows<{ table: string; name: string }>(
      ctx,
      sql`select i.indrelid::regclass::text as table, c.relname as name from pg_index i
            join pg_class c on c.oid = i.indexrelid
           where i.indisunique and i.indisvalid and c.relnamespace = 'public'::regnamespace`,
    );
    for (const [table, names] of Object.entries(PG_UNIQUE_INDEXES))
      for (const name of names)
        if (!uniques.some((c) => c.table === table && c.name === name))
          problems.push(`the unique index ${name} on ${table} is missing: ${FIX_SCHEMA}`);
    for (const name of PG_UNWANTED_INDEXES)
      if (uniques.some((c) => c.name === name))
        problems.push(
          `the unique index ${name} is back (a session could hold it against an in-time cancel): DROP INDEX ${name}`,
        );
    problems.push(...(await privateLockProblems(ctx, app)));
    for (const s of await roleSettings(ctx)) {
      if (s.name in REFUSED_ROLE_SETTINGS && s.value.toLowerCase() !== REFUSED_ROLE_SETTINGS[s.name])
        problems.push(
          `${s.where} sets ${s.name} = '${s.value}' (Assay runs every unit READ COMMITTED and READ WRITE, and its guard triggers as origin): ${s.reset}`,
        );
      // A claim's default would be every unit's claim that does not set it (an operator's, say).
      if (s.name.startsWith('app.'))
        problems.push(
          `${s.where} sets the claim ${s.name} = '${s.value}' for every session that does not set it: ${s.reset}`,
        );
    }
    return problems;
  });
}

type RoleSetting = { name: string; value: string; where: string; reset: string };

/** The defaults the app role's sessions in this database start with, from pg_db_role_setting. */
async function roleSettings(ctx: ReadCtx): Promise<RoleSetting[]> {
  const rows = await rawRows<{ role: string | null; db: string | null; config: string[] }>(
    ctx,
    sql`select r.rolname as role, d.datname as db, s.setconfig as config
          from pg_db_role_setting s
          left join pg_roles r on r.oid = s.setrole
          left join pg_database d on d.oid = s.setdatabase
         where (s.setrole = 0 or r.rolname = current_user)
           and (s.setdatabase = 0 or d.datname = current_database())`,
  );
  return rows.flatMap((row) =>
    row.config.map((entry) => {
      const i = entry.indexOf('=');
      const name = entry.slice(0, i);
      // A role's own default (in this database or all), a database's (ALTER DATABASE), or everyone's.
      const where = row.role
        ? `ALTER ROLE ${quoteIdent(row.role)}${row.db ? ` IN DATABASE ${quoteIdent(row.db)}` : ''}`
        : row.db
          ? `ALTER DATABASE ${quoteIdent(row.db)}`
          : 'ALTER ROLE ALL';
      return { name, value: entry.slice(i + 1), where, reset: `${where} RESET ${name}` };
    }),
  );
}

/**
 * What the boot reports but does not refuse: defaults for the timeouts (an operator may set them; a cancel
 * overrides them locally), and the app role's EXECUTE on the backend-signalling functions, which let one
 * of its sessions end another's (an admin's cancel in flight). Revoking those takes a superuser.
 */
export async function pgRoleWarnings(store: Store): Promise<string[]> {
  return store.global.read(async (ctx) => {
    const warnings: string[] = [];
    for (const s of await roleSettings(ctx))
      if ((WARNED_ROLE_SETTINGS as readonly string[]).includes(s.name) && !/^0\D*$/.test(s.value))
        warnings.push(
          `${s.where} sets ${s.name} = '${s.value}': every unit but a deletion cancel gives up after it; if nobody meant it, ${s.reset}`,
        );
    const signals = await rawRows<{ name: string }>(
      ctx,
      sql`select f as name from unnest(${sql.param([...SIGNAL_FUNCTIONS])}::text[]) f
           where to_regprocedure(f) is not null and has_function_privilege(to_regprocedure(f), 'EXECUTE')`,
    );
    for (const { name } of signals)
      warnings.push(
        `the app role may execute ${name}, so one of its sessions can end or cancel another (an admin's deletion cancel in flight): as a superuser, in this database, REVOKE EXECUTE ON FUNCTION ${name} FROM PUBLIC`,
      );
    return warnings;
  });
}

/** The lock table exists, and the app role can neither reach its schema nor hold any privilege on it. */
async function privateLockProblems(ctx: ReadCtx, app: string): Promise<string[]> {
  const { schema, table } = PG_PRIVATE_LOCKS;
  const name = `${schema}.${table}`;
  const [row] = await rawRows<{ usage: boolean; t: number | null; privs: string[] }>(
    ctx,
    sql`select has_schema_privilege(n.oid, 'USAGE') as usage, c.oid::int as t,
               coalesce((select array_agg(p) from unnest(${sql.param([...TABLE_PRIVILEGES])}::text[]) p
                          where c.oid is not null and has_table_privilege(c.oid, p)), '{}') as privs
          from pg_namespace n left join pg_class c on c.relnamespace = n.oid and c.relname = ${table}
         where n.nspname = ${schema}`,
  );
  if (!row?.t) return [`the lock table ${name} is missing: ${FIX_SCHEMA}`];
  const problems: string[] = [];
  if (row.usage)
    problems.push(
      `${app} may use the schema ${schema}, which Assay never grants (its lock rows are the database's): REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC and from the app role`,
    );
  if (row.privs.length)
    problems.push(
      `${app} may ${row.privs.join(', ')} on ${name}, which Assay never grants (it could hold a lock against a cancel): REVOKE ALL ON ${name} FROM PUBLIC and from the app role`,
    );
  return problems;
}

const TABLE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'TRUNCATE',
  'REFERENCES',
  'TRIGGER',
] as const;
/** The privileges that can also be granted per column. */
const COLUMN_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']);

/**
 * The app role's privileges against the design: more than designed (through a grant to it, to PUBLIC,
 * or to a role it can SET ROLE to) is a hole; less is a broken migration. TRUNCATE is never granted:
 * it ignores row-level security. Roles already reported (owners, superusers) are not listed again.
 */
async function privilegeProblems(
  ctx: ReadCtx,
  me: Role,
  members: Role[],
  owners: Set<string>,
): Promise<string[]> {
  const problems: string[] = [];
  const holders = [me, ...members.filter((r) => !r.super && !owners.has(r.name))];
  const oids = holders.map((r) => r.oid);
  const rows = await rawRows<{
    table: string;
    role: string;
    priv: string;
    whole: boolean;
    columns: string[];
  }>(
    ctx,
    sql`select c.relname as table, r.rolname as role, p.priv,
               has_table_privilege(r.oid, c.oid, p.priv) as whole,
               case when p.priv = any(${sql.param([...COLUMN_PRIVILEGES])}::text[]) then
                 coalesce((select array_agg(a.attname::text order by a.attnum) from pg_attribute a
                            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                              and has_column_privilege(r.oid, c.oid, a.attnum, p.priv)), '{}')
               else '{}' end as columns
          from pg_class c
          cross join pg_roles r
          cross join unnest(${sql.param([...TABLE_PRIVILEGES])}::text[]) as p(priv)
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
           and r.oid = any(${sql.param(oids)}::oid[])`,
  );
  const excess = new Map<string, Set<string>>();
  const note = (key: string, role: string) => {
    if (!excess.has(key)) excess.set(key, new Set());
    excess.get(key)!.add(role === me.name ? `"${role}"` : `"${role}" (a role it is a member of)`);
  };
  for (const row of rows) {
    const g = PG_ACCESS[row.table]?.grants ?? {};
    const designed =
      row.priv === 'SELECT'
        ? g.select
        : row.priv === 'INSERT'
          ? g.insert
          : row.priv === 'DELETE'
            ? g.delete
            : undefined;
    if (row.priv === 'UPDATE') {
      const allowed = g.update === true ? null : new Set(g.update ?? []);
      if (allowed === null) {
        if (!row.whole && row.role === me.name) problems.push(missing(me, 'UPDATE', row.table));
        continue;
      }
      const extra = row.columns.filter((c) => !allowed.has(c));
      if (row.whole || extra.length)
        note(`UPDATE on ${row.table}(${(row.whole ? ['every column'] : extra).join(', ')})`, row.role);
      if (row.role === me.name)
        for (const c of allowed)
          if (!row.columns.includes(c)) problems.push(missing(me, `UPDATE (${c})`, row.table));
      continue;
    }
    if (designed) {
      if (!row.whole && row.role === me.name) problems.push(missing(me, row.priv, row.table));
      continue;
    }
    if (row.whole || row.columns.length) note(`${row.priv} on ${row.table}`, row.role);
  }
  for (const [what, roles] of excess)
    problems.push(
      `${[...roles].join(' and ')} may ${what}, which Assay never grants${
        what.startsWith('TRUNCATE') ? ' (TRUNCATE ignores row-level security)' : ''
      }: revoke it (from the app role, from PUBLIC, or from the role that holds it; see PG_ACCESS in src/platform/node/pg-migrate.ts)`,
    );
  return problems;
}

const missing = (me: Role, priv: string, table: string) =>
  `the app role "${me.name}" lacks ${priv} on ${table}, which the app needs: ${FIX_MIGRATE}`;
