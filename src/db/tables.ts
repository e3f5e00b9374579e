/**
 * THE one description of every table, for every dialect. `schema.sqlite.ts` (SQLite and D1) and
 * `schema.pg.ts` call `defineTables` with their column kit; drizzle-kit generates `migrations/sqlite`
 * (also wrangler's `migrations_dir` for D1) and `migrations/pg` from those.
 *
 * Tables made with `k.tenantTable` are tenant-owned: they carry `tenant_id`, every repository query
 * filters on it, and on PostgreSQL they have FORCE ROW LEVEL SECURITY. References between tenant rows
 * carry the tenant too — composite foreign keys on `(tenant_id, x_id)` to a unique `(tenant_id, id)` —
 * so no row of one tenant can point at another tenant's row, whatever the application does.
 *
 * The global tables are reached before a tenant is known (sign-in, link redemption, the mail sender).
 * Most of them hold tenant data: `sessions`, `setup_tokens` and `mail_outbox` name a tenant (the outbox
 * holds whole messages), `users` hold the password hashes of identities that may belong to several
 * tenants, `tenants` the names. On PostgreSQL those five have FORCE ROW LEVEL SECURITY too, keyed on the
 * claim that names a row (a session or link hash, the user or tenant the unit acts for, a system
 * process), and the app role may write only the columns the app changes; sign-in's lookup by email goes
 * through one function that returns one row (migrations/pg/0002_global_tables_rls.sql; the grants and the
 * self-check that verifies both are in src/platform/node/pg-migrate.ts). SQLite and D1 have no such
 * layer: there the repository functions, which look these rows up by hash, id or tenant, are the only
 * narrowing. `signing_keys` (public keys, and private keys wrapped by the master key), `rate_counters`
 * (keyed hashes) and `unit_guards` (never a row) hold no tenant data.
 */
import { getTableName, sql } from 'drizzle-orm';
import { isTenantTable, type Kit } from './kit.sqlite.js';

/**
 * Member roles (src/auth/permissions.ts says what each may do). `analyst` is the security analyst; the
 * stored value stays `analyst` so rows from 0.2 keep their meaning.
 */
export const ROLES = ['admin', 'compliance_manager', 'analyst', 'executive', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * An assessment's status is derived from its recorded events (src/workspace/assessment-events.ts) and
 * kept here for filtering. `opened`: a link was redeemed; `expired`: every link lapsed before anyone
 * opened one; `revoked`: the team withdrew it. Overdue is not a status but a mark (`overdue_at`) on an
 * open assessment, so the vendor can still answer after the due date.
 */
export const ASSESSMENT_STATUSES = [
  'draft',
  'sent',
  'opened',
  'in_progress',
  'submitted',
  /** A reviewer asked for changes on some questions: open for answers again until resubmitted. */
  'changes_requested',
  'reviewed',
  'revoked',
  'expired',
  'cancelled',
] as const;
/** What can happen to an assessment; each is recorded in `assessment_events` in the unit that does it. */
export const ASSESSMENT_EVENT_KINDS = [
  'sent',
  'opened',
  'in_progress',
  'submitted',
  'changes_requested',
  'reviewed',
  'revoked',
  'expired',
  'reminded',
  'link_resent',
  'overdue',
  /** A reviewer changed the buyer-set context facts (with a note; a submission is re-rated). */
  'context_changed',
  /** A context change left required questions open on a reviewed assessment: back to submitted. */
  'review_reopened',
] as const;
export const RISK_STATUSES = ['open', 'in_treatment', 'accepted', 'closed'] as const;
export const RISK_TREATMENTS = ['mitigate', 'accept', 'transfer', 'avoid'] as const;
export const RISK_ORIGINS = ['finding', 'manual'] as const;
export const ACCEPTANCE_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
/** What a tenant admin sets for the whole tenant (the settings pages). */
export interface TenantSettings {
  linkTtlHours?: number;
  /** Every member must sign in with a second factor (src/auth/mfa-policy.ts). */
  requireMfa?: boolean;
  /** 'every': vendors may comment on every question, not only where the questionnaire asks (src/questionnaire/comment-policy.ts). */
  vendorComments?: 'questionnaire' | 'every';
}

export const KEY_PURPOSES = ['link', 'receipt', 'audit'] as const;
/** One-time links under /setup: the first tenant's admin, a CLI-created admin, a colleague invited by a member. */
export const SETUP_PURPOSES = ['first_admin', 'tenant_admin', 'member_invite'] as const;
/**
 * What the security event log records (issue 9): failed sign-ins, permission denials, rate-limit hits
 * and failed vendor codes. Kept at least 90 days (src/workspace/security-log.ts).
 */
export const SECURITY_EVENT_KINDS = [
  'sign_in_failed',
  'permission_denied',
  'rate_limited',
  'code_failed',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];
export const KEY_STATUSES = ['next', 'active', 'retired', 'revoked'] as const;

export function defineTables(k: Kit) {
  const createdAt = () =>
    k
      .timestamp('created_at')
      .notNull()
      .$defaultFn(() => new Date());
  const tenantId = () =>
    k
      .text('tenant_id')
      .notNull()
      .references(() => tenants.id);

  const tenants = k.table('tenants', {
    id: k.id(),
    name: k.text('name').notNull(),
    settings: k.json<TenantSettings>('settings').notNull().default({}),
    createdAt: createdAt(),
    /**
     * Tenant exit (src/privacy/tenant-deletion.ts): set when an admin asks for the tenant's deletion,
     * cleared by a cancel. While set the workspace is closed to everyone but admins (who may cancel), and
     * once `deletion_due_at` has passed the purge job destroys the data key and removes every row.
     */
    deletionRequestedAt: k.timestamp('deletion_requested_at'),
    /** PostgreSQL: the request plus 720 hours, the earliest the deadline can be (the window's start decides it). */
    deletionDueAt: k.timestamp('deletion_due_at'),
    /** `user:<id>` of the admin who asked. */
    deletionRequestedBy: k.text('deletion_requested_by'),
    /**
     * SQLite and D1: when the 30-day window started by the database's clock (with the request; only the
     * database's own clock is accepted, migrations/sqlite/0019_tenant_exit_guards.sql). PostgreSQL never
     * uses it (always NULL: a CHECK constraint, and no grant): the window starts with the request's
     * system log entry, written by a later transaction without locking this row, so a window start held
     * open never blocks a cancel (migrations/pg/0030_window_start_log.sql; docs/tenant-exit.md).
     */
    deletionWindowFrom: k.timestamp('deletion_window_from'),
  });

  const users = k.table(
    'users',
    {
      id: k.id(),
      /** Lower-cased; one identity may belong to several tenants through memberships. */
      email: k.text('email').notNull(),
      passwordHash: k.text('password_hash'),
      disabledAt: k.timestamp('disabled_at'),
      /** TOTP seed, AES-GCM under the master key (src/auth/totp-secrets.ts); null: no second factor. */
      totpSecret: k.text('totp_secret'),
      /** A seed being enrolled, not yet confirmed with a first code. */
      totpPendingSecret: k.text('totp_pending_secret'),
      totpEnabledAt: k.timestamp('totp_enabled_at'),
      /** The last accepted TOTP time step: only a strictly later one is accepted (no replay in the window). */
      totpLastStep: k.int('totp_last_step'),
      createdAt: createdAt(),
    },
    (t) => [k.uniqueIndex('users_email_uq').on(t.email)],
  );

  const memberships = k.tenantTable(
    'memberships',
    {
      id: k.id(),
      tenantId: tenantId(),
      userId: k
        .text('user_id')
        .notNull()
        .references(() => users.id),
      role: k.enumText('role', ROLES).notNull(),
      /** Set while an admin has disabled the member: no sign-in to this tenant, every session ended. */
      disabledAt: k.timestamp('disabled_at'),
      createdAt: createdAt(),
    },
    (t) => [
      k.uniqueIndex('memberships_tenant_user_uq').on(t.tenantId, t.userId),
      k.index('memberships_user_idx').on(t.userId),
    ],
  );

  const sessions = k.table(
    'sessions',
    {
      /** SHA-256 of the cookie value: a database leak yields no usable session. */
      id: k.text('id').primaryKey(),
      /** `mfa_pending`: a correct password awaiting its second factor; it opens nothing (src/auth/mfa-sign-in.ts). */
      kind: k.enumText('kind', ['user', 'vendor', 'mfa_pending']).notNull(),
      userId: k.text('user_id').references(() => users.id),
      tenantId: k.text('tenant_id').references(() => tenants.id),
      assessmentId: k.text('assessment_id'),
      /** Vendor sessions: the contact who redeemed the link (the session is scoped to one assessment). */
      contactId: k.text('contact_id'),
      createdAt: createdAt(),
      lastSeenAt: k.timestamp('last_seen_at').notNull(),
      expiresAt: k.timestamp('expires_at').notNull(),
      /** Member sessions: when the member last proved who they are (sign-in, /app/reauth). */
      reauthAt: k.timestamp('reauth_at'),
      /** Pending second steps: codes tried so far (a few, then the pending state is spent). */
      attempts: k.int('attempts').notNull().default(0),
    },
    (t) => [k.index('sessions_user_idx').on(t.userId), k.index('sessions_expires_idx').on(t.expiresAt)],
  );

  /** Single-use recovery codes of a member's TOTP factor: keyed hashes only (src/auth/recovery-codes.ts). */
  const mfaRecoveryCodes = k.table(
    'mfa_recovery_codes',
    {
      id: k.id(),
      userId: k
        .text('user_id')
        .notNull()
        .references(() => users.id),
      codeHash: k.text('code_hash').notNull(),
      createdAt: createdAt(),
      usedAt: k.timestamp('used_at'),
    },
    (t) => [k.uniqueIndex('mfa_recovery_codes_user_hash_uq').on(t.userId, t.codeHash)],
  );

  const setupTokens = k.table('setup_tokens', {
    /** SHA-256 of the token in the one-time link. */
    id: k.text('id').primaryKey(),
    purpose: k.enumText('purpose', SETUP_PURPOSES).notNull(),
    tenantId: k.text('tenant_id').references(() => tenants.id),
    email: k.text('email'),
    /** `member_invite`: the role the invited colleague gets on accepting. */
    role: k.enumText('role', ROLES),
    /** `member_invite`: the member who invited (an id, for the audit trail and the team page). */
    invitedBy: k.text('invited_by').references(() => users.id),
    expiresAt: k.timestamp('expires_at').notNull(),
    consumedAt: k.timestamp('consumed_at'),
    /** An invitation withdrawn before use (it can no longer be consumed). */
    revokedAt: k.timestamp('revoked_at'),
    createdAt: createdAt(),
  });

  /**
   * Vendors (docs/vendors.md): the supplier register NIS2 Art. 21(2)(d), DORA's register of information
   * and ISO 27001 A.5.19–5.22 ask for. Nothing here is personal data; contacts are in vendor_contacts.
   */
  const vendors = k.tenantTable(
    'vendors',
    {
      id: k.id(),
      tenantId: tenantId(),
      name: k.text('name').notNull(),
      legalEntity: k.text('legal_entity'),
      /** ISO 3166-1 alpha-2. */
      country: k.text('country'),
      website: k.text('website'),
      services: k.text('services'),
      /** Where the vendor stores or processes the tenant's data: ISO 3166-1 alpha-2 codes. */
      locations: k.json<string[]>('locations').notNull().default([]),
      contractStart: k.text('contract_start'),
      contractEnd: k.text('contract_end'),
      renewalDate: k.text('renewal_date'),
      /** Categories of the tenant's data the vendor can reach (src/workspace/vendor-fields.ts). */
      dataAccess: k.json<string[]>('data_access').notNull().default([]),
      /** The tenant's systems the vendor can reach, one entry each. */
      systemAccess: k.json<string[]>('system_access').notNull().default([]),
      subProcessors: k
        .json<{ name: string; country: string; service: string }[]>('sub_processors')
        .notNull()
        .default([]),
      /** The intake answers the tier is computed from (src/workspace/vendor-tier.ts), null before any. */
      intake: k.json<{
        dataSensitivity: string;
        serviceCriticality: string;
        substitutability: string;
      } | null>('intake'),
      tier: k.enumText('tier', ['low', 'medium', 'high', 'critical']).notNull().default('medium'),
      /** Why the tier is what it is: the rule's reasoning, or the override's reason. */
      tierReason: k.text('tier_reason'),
      /** True when a member set the tier by hand over the intake's result. */
      tierOverridden: k.bool('tier_overridden').notNull().default(false),
      nextReviewDate: k.text('next_review_date'),
      status: k.enumText('status', ['active', 'onboarding', 'offboarded']).notNull().default('active'),
      offboardedAt: k.timestamp('offboarded_at'),
      createdAt: createdAt(),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [
      k.uniqueIndex('vendors_tenant_name_uq').on(t.tenantId, t.name),
      k.unique('vendors_tenant_id_uq').on(t.tenantId, t.id),
      // Keyset pages of the vendor list, for each offered filter and sort (src/db/repo/vendors.ts).
      k.index('vendors_tenant_tier_name_idx').on(t.tenantId, t.tier, t.name),
      k.index('vendors_tenant_status_name_idx').on(t.tenantId, t.status, t.name),
      k.index('vendors_tenant_review_idx').on(t.tenantId, t.nextReviewDate, t.id),
    ],
  );

  /**
   * Vendor contacts: personal data. Name, email, phone and role are one AES-256-GCM ciphertext under the
   * tenant's data key (`sealed`, src/vendor/contact-data.ts); `email_hash` is an HMAC of the normalised
   * email under a per-tenant key derived from the master key, so a contact is found by email without
   * storing it. Erasure overwrites both with NULL and sets `erased_at`: the row stays, because
   * assessments, links and answers reference it by id.
   */
  const vendorContacts = k.tenantTable(
    'vendor_contacts',
    {
      id: k.id(),
      tenantId: tenantId(),
      vendorId: k.text('vendor_id').notNull(),
      emailHash: k.text('email_hash'),
      sealed: k.text('sealed'),
      /** The tenant data key `sealed` is encrypted under (tenant_keys.id). */
      keyId: k.text('key_id'),
      erasedAt: k.timestamp('erased_at'),
      createdAt: createdAt(),
      updatedAt: k.timestamp('updated_at'),
    },
    (t) => [
      k.uniqueIndex('vendor_contacts_vendor_email_hash_uq').on(t.tenantId, t.vendorId, t.emailHash),
      k.unique('vendor_contacts_tenant_id_uq').on(t.tenantId, t.id),
      k.foreignKey({
        name: 'vendor_contacts_vendor_fk',
        columns: [t.tenantId, t.vendorId],
        foreignColumns: [vendors.tenantId, vendors.id],
      }),
    ],
  );

  /** How many months apart vendor reviews fall, per tier (one row per tenant; absent: the defaults). */
  const reviewIntervals = k.tenantTable('review_intervals', {
    tenantId: k
      .text('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    critical: k.int('critical').notNull(),
    high: k.int('high').notNull(),
    medium: k.int('medium').notNull(),
    low: k.int('low').notNull(),
    updatedAt: k.timestamp('updated_at').notNull(),
  });

  const questionnaireVersions = k.tenantTable(
    'questionnaire_versions',
    {
      id: k.id(),
      tenantId: tenantId(),
      questionnaireId: k.text('questionnaire_id').notNull(),
      version: k.text('version').notNull(),
      /** The exact vrq/1 source the assessment is pinned to; newer versions never change it. */
      source: k.text('source').notNull(),
      sourceHash: k.text('source_hash').notNull(),
      title: k.text('title').notNull(),
      createdAt: createdAt(),
    },
    (t) => [
      k.uniqueIndex('qv_tenant_ref_uq').on(t.tenantId, t.questionnaireId, t.version),
      k.unique('qv_tenant_id_uq').on(t.tenantId, t.id),
    ],
  );

  const assessments = k.tenantTable(
    'assessments',
    {
      id: k.id(),
      tenantId: tenantId(),
      vendorId: k.text('vendor_id').notNull(),
      contactId: k.text('contact_id').notNull(),
      questionnaireVersionId: k.text('questionnaire_version_id').notNull(),
      status: k.enumText('status', ASSESSMENT_STATUSES).notNull().default('draft'),
      dueDate: k.text('due_date'),
      otpRequired: k.bool('otp_required').notNull().default(false),
      createdBy: k.text('created_by').references(() => users.id),
      /** Score in tenths of a percent (0–1000): integers keep both dialects exact. */
      scorePermille: k.int('score_permille'),
      band: k.text('band'),
      answersHash: k.text('answers_hash'),
      /** The headline rating at submission (vrq/1.1: never better than the band or the findings allow). */
      rating: k.text('rating'),
      /** Buyer-set context facts (service criticality, function classification…), fixed when sending. */
      context: k.json<Record<string, unknown>>('context').notNull().default({}),
      /** How long a link for this assessment lives, in hours (capped; the tenant's default when sent). */
      linkTtlHours: k.int('link_ttl_hours').notNull().default(72),
      /** The language of the mails to the vendor (en, de), chosen when sending; null: the questionnaire's. */
      locale: k.text('locale'),
      /** Every question takes an optional comment (the tenant's vendorComments setting when sent). */
      commentsEverywhere: k.bool('comments_everywhere').notNull().default(false),
      /**
       * Bumped by every answer write, in the same unit (guarded on an open status): submission freezes
       * exactly the answers it read, and no autosave lands after it (docs/vendor-portal.md).
       */
      answersRevision: k.int('answers_revision').notNull().default(0),
      /** The signed receipt (compact JWS) handed to the vendor at submission. */
      receipt: k.text('receipt'),
      submittedBy: k.text('submitted_by'),
      /** A re-assessment: the assessment whose answers it was pre-filled from (src/workspace/review.ts). */
      previousAssessmentId: k.text('previous_assessment_id'),
      sentAt: k.timestamp('sent_at'),
      submittedAt: k.timestamp('submitted_at'),
      /** Set once by the overdue job when the due date passed with the assessment still open. */
      overdueAt: k.timestamp('overdue_at'),
      createdAt: createdAt(),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [
      k.index('assessments_tenant_vendor_idx').on(t.tenantId, t.vendorId),
      // The list page's keyset order, alone and under the status filter; the reminder job's due dates.
      k.index('assessments_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
      k.index('assessments_tenant_status_idx').on(t.tenantId, t.status, t.createdAt, t.id),
      k.index('assessments_tenant_due_idx').on(t.tenantId, t.dueDate),
      // The dashboard's counts by status with the overdue ones, and its overdue list: a covering index.
      k.index('assessments_status_due_idx').on(t.tenantId, t.status, t.dueDate),
      k.unique('assessments_tenant_id_uq').on(t.tenantId, t.id),
      k.foreignKey({
        name: 'assessments_vendor_fk',
        columns: [t.tenantId, t.vendorId],
        foreignColumns: [vendors.tenantId, vendors.id],
      }),
      k.foreignKey({
        name: 'assessments_contact_fk',
        columns: [t.tenantId, t.contactId],
        foreignColumns: [vendorContacts.tenantId, vendorContacts.id],
      }),
      k.foreignKey({
        name: 'assessments_qv_fk',
        columns: [t.tenantId, t.questionnaireVersionId],
        foreignColumns: [questionnaireVersions.tenantId, questionnaireVersions.id],
      }),
      k.foreignKey({
        name: 'assessments_previous_fk',
        columns: [t.tenantId, t.previousAssessmentId],
        foreignColumns: [t.tenantId, t.id],
      }),
      k.index('assessments_previous_idx').on(t.tenantId, t.previousAssessmentId),
    ],
  );

  /**
   * What happened to an assessment, when, and by whom (ids only): the status is derived from these. A
   * row is written in the same unit as the change it records. `once_key` makes an event happen at most
   * once (a reminder per due date and offset, the overdue mark per due date): a second insert conflicts.
   */
  const assessmentEvents = k.tenantTable(
    'assessment_events',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      kind: k.enumText('kind', ASSESSMENT_EVENT_KINDS).notNull(),
      at: k.timestamp('at').notNull(),
      /** `user:<id>`, `vendor:<contact id>`, `system`. */
      actor: k.text('actor').notNull(),
      onceKey: k.text('once_key'),
    },
    (t) => [
      k.index('assessment_events_assessment_idx').on(t.tenantId, t.assessmentId, t.at),
      k.uniqueIndex('assessment_events_once_uq').on(t.tenantId, t.assessmentId, t.onceKey),
      k.foreignKey({
        name: 'assessment_events_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /** Per-tenant settings of chasing: the days before the due date a reminder goes out (0: on the day). */
  const assessmentSettings = k.tenantTable('assessment_settings', {
    tenantId: k
      .text('tenant_id')
      .primaryKey()
      .references(() => tenants.id),
    reminderDays: k.json<number[]>('reminder_days').notNull(),
    updatedBy: k.text('updated_by'),
    updatedAt: k.timestamp('updated_at').notNull(),
  });

  const answers = k.tenantTable(
    'answers',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      /** Question id, or `<qid>#comment` / `<qid>#evidence` (see docs/questionnaire-format.md). */
      key: k.text('key').notNull(),
      value: k.json<unknown>('value'),
      /** Bumped by every write; autosave writes only over the revision it last saw (no lost updates). */
      revision: k.int('revision').notNull().default(1),
      /** The contact whose session wrote this revision (shown to a colleague whose write was refused). */
      updatedBy: k.text('updated_by'),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [
      k.uniqueIndex('answers_assessment_key_uq').on(t.tenantId, t.assessmentId, t.key),
      k.foreignKey({
        name: 'answers_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  const evidence = k.tenantTable(
    'evidence',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      questionId: k.text('question_id').notNull(),
      fileName: k.text('file_name').notNull(),
      contentType: k.text('content_type').notNull(),
      size: k.int('size').notNull(),
      /** SHA-256 of the plaintext, computed by the server while streaming (a client's claim is ignored). */
      sha256: k.text('sha256').notNull(),
      /** The tenant data key the stored bytes are encrypted under (tenant_keys.id). */
      keyId: k.text('key_id'),
      /** `vendor:<contact id>` or `user:<id>`: ids only. */
      uploadedBy: k.text('uploaded_by'),
      deletedAt: k.timestamp('deleted_at'),
      createdAt: createdAt(),
      // ---- versions and per-file keys (privacy) ----
      /**
       * This file's own AES-256-GCM key, wrapped by the tenant data key `key_id` (src/evidence/file-keys.ts).
       * NULL once destroyed: with it the bytes are gone, whatever copies of the blob remain.
       */
      fileKey: k.text('file_key'),
      /** 1 for a first upload; a replacement is the next version of the file it replaces. */
      version: k.int('version').notNull().default(1),
      /** The earlier version this one replaced (evidence.id, same tenant). */
      replacesId: k.text('replaces_id'),
      /** Set when a newer version replaced this one; the row and its blob stay until retention removes them. */
      supersededAt: k.timestamp('superseded_at'),
      /** Set when the file key and blob were destroyed (erasure, retention): the row is an empty record. */
      destroyedAt: k.timestamp('destroyed_at'),
      // ---- end privacy ----
    },
    (t) => [
      k.index('evidence_assessment_idx').on(t.tenantId, t.assessmentId),
      k.foreignKey({
        name: 'evidence_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /**
   * Vendor links: the JWT carries `jti`; this row makes the link single-use and revocable. Spent with one
   * guarded conditional UPDATE; issuing a new link for an assessment revokes the older ones in the same unit.
   */
  const vendorLinks = k.tenantTable(
    'vendor_links',
    {
      /** The JWT's `jti`: 128 random bits, base64url. */
      jti: k.text('jti').primaryKey(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      contactId: k.text('contact_id').notNull(),
      purpose: k.enumText('purpose', ['invite', 'fresh']).notNull(),
      issuedAt: k.timestamp('issued_at').notNull(),
      expiresAt: k.timestamp('expires_at').notNull(),
      consumedAt: k.timestamp('consumed_at'),
      revokedAt: k.timestamp('revoked_at'),
    },
    (t) => [
      k.index('vendor_links_assessment_idx').on(t.tenantId, t.assessmentId),
      k.foreignKey({
        name: 'vendor_links_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
      k.foreignKey({
        name: 'vendor_links_contact_fk',
        columns: [t.tenantId, t.contactId],
        foreignColumns: [vendorContacts.tenantId, vendorContacts.id],
      }),
    ],
  );

  /**
   * Six-digit codes: `access` opens a vendor session where fresh access was asked for; `submit` confirms
   * a submission. Stored as an HMAC under a secret derived from the master key (six digits are cheap to
   * brute-force offline), bound to the asking browser or session, ≤ 10 minutes, ≤ 5 tries each.
   */
  const accessCodes = k.tenantTable(
    'access_codes',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      contactId: k.text('contact_id').notNull(),
      purpose: k.enumText('purpose', ['access', 'submit']).notNull(),
      codeHash: k.text('code_hash').notNull(),
      /** SHA-256 of what the code is bound to: the pending token of the asking browser, or the vendor session. */
      binding: k.text('binding').notNull(),
      attempts: k.int('attempts').notNull().default(0),
      expiresAt: k.timestamp('expires_at').notNull(),
      consumedAt: k.timestamp('consumed_at'),
      createdAt: createdAt(),
    },
    (t) => [
      k.index('access_codes_assessment_idx').on(t.tenantId, t.assessmentId, t.purpose),
      k.foreignKey({
        name: 'access_codes_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /** The tenant's data key (AES-256-GCM for evidence and contact data), wrapped by the master key. */
  const tenantKeys = k.tenantTable(
    'tenant_keys',
    {
      id: k.id(),
      tenantId: tenantId(),
      purpose: k.enumText('purpose', ['data']).notNull(),
      wrapped: k.text('wrapped').notNull(),
      createdAt: createdAt(),
      /** Crypto-shredding: once destroyed, what it encrypted is unreadable. */
      destroyedAt: k.timestamp('destroyed_at'),
    },
    (t) => [k.index('tenant_keys_tenant_idx').on(t.tenantId, t.purpose)],
  );

  const findings = k.tenantTable(
    'findings',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      vendorId: k.text('vendor_id').notNull(),
      /** The finding id from the questionnaire (e.g. SUP-001). */
      findingKey: k.text('finding_key').notNull(),
      questionId: k.text('question_id').notNull(),
      title: k.text('title').notNull(),
      remediation: k.text('remediation').notNull(),
      likelihood: k.int('likelihood').notNull(),
      impact: k.int('impact').notNull(),
      rating: k.text('rating').notNull(),
      dueDate: k.text('due_date'),
      controls: k.json<string[]>('controls').notNull(),
      createdAt: createdAt(),
    },
    (t) => [
      k.uniqueIndex('findings_assessment_key_uq').on(t.tenantId, t.assessmentId, t.findingKey),
      k.foreignKey({
        name: 'findings_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
      k.foreignKey({
        name: 'findings_vendor_fk',
        columns: [t.tenantId, t.vendorId],
        foreignColumns: [vendors.tenantId, vendors.id],
      }),
    ],
  );

  /**
   * The review's own records (src/workspace/review.ts): internal reviewer notes (`note`, never shown to
   * the vendor) and requests for changes on one question (`change_request`, shown to the vendor next to
   * that question until the next submission resolves them). Bodies are the reviewer's words: they never
   * reach the audit log (only ids and digests do).
   */
  const reviewNotes = k.tenantTable(
    'review_notes',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      /** The question a change request is about; null for a note on the whole assessment. */
      questionId: k.text('question_id'),
      kind: k.enumText('kind', ['note', 'change_request']).notNull(),
      body: k.text('body').notNull(),
      authorUserId: k.text('author_user_id').references(() => users.id),
      createdAt: createdAt(),
      /** Change requests: set by the resubmission that answered them. */
      resolvedAt: k.timestamp('resolved_at'),
    },
    (t) => [
      k.index('review_notes_assessment_idx').on(t.tenantId, t.assessmentId, t.kind),
      k.foreignKey({
        name: 'review_notes_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /**
   * Evidence validity (src/workspace/evidence-validity.ts): one row per (assessment, question, expiry
   * date) the daily job has seen, so the reminder before expiry and the finding after it each happen
   * once, whatever process or retry runs the job (conditional UPDATEs on `reminded_at` / `expired_at`).
   */
  const evidenceValidity = k.tenantTable(
    'evidence_validity',
    {
      id: k.id(),
      tenantId: tenantId(),
      assessmentId: k.text('assessment_id').notNull(),
      vendorId: k.text('vendor_id').notNull(),
      questionId: k.text('question_id').notNull(),
      kind: k.enumText('kind', ['certificate', 'audit_report']).notNull(),
      /** YYYY-MM-DD: the last day the certificate or report counts as current. */
      expiresOn: k.text('expires_on').notNull(),
      remindedAt: k.timestamp('reminded_at'),
      expiredAt: k.timestamp('expired_at'),
      createdAt: createdAt(),
    },
    (t) => [
      k.uniqueIndex('evidence_validity_uq').on(t.tenantId, t.assessmentId, t.questionId, t.expiresOn),
      k.foreignKey({
        name: 'evidence_validity_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /**
   * The risk register (src/risk/). One risk per (vendor, finding key): `finding_key` is
   * `<source scope>/<finding id>` for risks raised by assessments (the scope is the questionnaire id,
   * so two questionnaires' F-001 stay two risks) and `manual/<risk id>` for risks added by hand.
   * Ratings follow the register's 5×5 scale (src/risk/scale.ts); `inherent_score` (L×I) and `due_key`
   * (the due date, or 9999-12-31 when there is none) exist so every offered sort is a non-null indexed
   * column the keyset pagination can seek on. `version` is bumped by every change: edits are written
   * only over the version the form was rendered from (no lost updates, exact history "from" values).
   */
  const risks = k.tenantTable(
    'risks',
    {
      id: k.id(),
      tenantId: tenantId(),
      vendorId: k.text('vendor_id').notNull(),
      findingKey: k.text('finding_key').notNull(),
      origin: k.enumText('origin', RISK_ORIGINS).notNull().default('finding'),
      title: k.text('title').notNull(),
      description: k.text('description').notNull().default(''),
      /** Source: the questionnaire id (without version) whose re-assessments may close it; null for manual risks. */
      sourceScope: k.text('source_scope'),
      /** Source: the assessment that last raised it, its question and finding row, the mapped controls. */
      assessmentId: k.text('assessment_id'),
      questionId: k.text('question_id'),
      findingId: k.text('finding_id'),
      controls: k.json<string[]>('controls').notNull().default([]),
      likelihood: k.int('likelihood').notNull(),
      impact: k.int('impact').notNull(),
      inherentScore: k.int('inherent_score').notNull().default(0),
      inherentRating: k.text('inherent_rating').notNull(),
      residualLikelihood: k.int('residual_likelihood'),
      residualImpact: k.int('residual_impact'),
      residualRating: k.text('residual_rating'),
      ownerUserId: k.text('owner_user_id').references(() => users.id),
      treatment: k.enumText('treatment', RISK_TREATMENTS),
      treatmentPlan: k.text('treatment_plan').notNull().default(''),
      status: k.enumText('status', RISK_STATUSES).notNull().default('open'),
      dueDate: k.text('due_date'),
      dueKey: k.text('due_key').notNull().default('9999-12-31'),
      /** While accepted: the last day the acceptance holds (then the risk re-opens). */
      acceptedUntil: k.text('accepted_until'),
      /** Why it was closed ("no longer raised by assessment X", or the member's note). */
      closedNote: k.text('closed_note'),
      version: k.int('version').notNull().default(1),
      createdAt: createdAt(),
      updatedAt: k.timestamp('updated_at').notNull(),
      closedAt: k.timestamp('closed_at'),
    },
    (t) => [
      k.uniqueIndex('risks_vendor_finding_uq').on(t.tenantId, t.vendorId, t.findingKey),
      k.unique('risks_tenant_id_uq').on(t.tenantId, t.id),
      // One index behind every offered sort (alone and after the status filter) and every filter.
      k.index('risks_score_idx').on(t.tenantId, t.inherentScore, t.id),
      k.index('risks_due_idx').on(t.tenantId, t.dueKey, t.id),
      k.index('risks_title_idx').on(t.tenantId, t.title, t.id),
      k.index('risks_status_score_idx').on(t.tenantId, t.status, t.inherentScore, t.id),
      k.index('risks_status_due_idx').on(t.tenantId, t.status, t.dueKey, t.id),
      k.index('risks_status_title_idx').on(t.tenantId, t.status, t.title, t.id),
      k.index('risks_rating_idx').on(t.tenantId, t.inherentRating, t.inherentScore, t.id),
      k.index('risks_owner_idx').on(t.tenantId, t.ownerUserId, t.dueKey, t.id),
      k.index('risks_treatment_idx').on(t.tenantId, t.treatment, t.dueKey, t.id),
      // The other sorts: by status; by owner (the key `coalesce(owner_user_id, '')`, unowned as ''); by
      // the last change; by vendor (the vendors' name index outside, this one inside: a vendor's risks by id).
      k.index('risks_status_sort_idx').on(t.tenantId, t.status, t.id),
      k.index('risks_owner_sort_idx').on(t.tenantId, sql`coalesce(${t.ownerUserId}, '')`, t.id),
      k.index('risks_updated_idx').on(t.tenantId, t.updatedAt, t.id),
      k.index('risks_vendor_sort_idx').on(t.tenantId, t.vendorId, t.id),
      // The dashboard's counts (src/db/repo/dashboard.ts): by status and cell, and the ended acceptances,
      // all from this covering index.
      k.index('risks_cells_idx').on(t.tenantId, t.status, t.likelihood, t.impact, t.acceptedUntil),
      k.index('risks_accepted_idx').on(t.tenantId, t.status, t.acceptedUntil),
      k.foreignKey({
        name: 'risks_vendor_fk',
        columns: [t.tenantId, t.vendorId],
        foreignColumns: [vendors.tenantId, vendors.id],
      }),
      k.foreignKey({
        name: 'risks_assessment_fk',
        columns: [t.tenantId, t.assessmentId],
        foreignColumns: [assessments.tenantId, assessments.id],
      }),
    ],
  );

  /** Every change to a risk, field by field: the content history people read (the audit chain gets a digest). */
  const riskHistory = k.tenantTable(
    'risk_history',
    {
      id: k.id(),
      tenantId: tenantId(),
      riskId: k.text('risk_id').notNull(),
      at: k.timestamp('at').notNull(),
      /** `user:<id>`, `vendor:<contact id>`, `system`: who made the change. */
      actor: k.text('actor').notNull(),
      field: k.text('field').notNull(),
      fromValue: k.text('from_value'),
      toValue: k.text('to_value'),
      note: k.text('note'),
    },
    (t) => [
      k.index('risk_history_risk_idx').on(t.tenantId, t.riskId, t.at),
      k.foreignKey({
        name: 'risk_history_risk_fk',
        columns: [t.tenantId, t.riskId],
        foreignColumns: [risks.tenantId, risks.id],
      }),
    ],
  );

  /**
   * Proposals to accept a risk, and their decisions. Separation of duties is an invariant of the table:
   * the approval is a conditional UPDATE that changes nothing when the approver is the proposer, and the
   * CHECK refuses such a row whatever the application does. At most one pending proposal per risk.
   */
  const riskAcceptances = k.tenantTable(
    'risk_acceptances',
    {
      id: k.id(),
      tenantId: tenantId(),
      riskId: k.text('risk_id').notNull(),
      status: k.enumText('status', ACCEPTANCE_STATUSES).notNull().default('pending'),
      justification: k.text('justification').notNull(),
      /** The last day the acceptance holds once approved (YYYY-MM-DD). */
      expiresOn: k.text('expires_on').notNull(),
      proposedBy: k
        .text('proposed_by')
        .notNull()
        .references(() => users.id),
      proposedAt: k.timestamp('proposed_at').notNull(),
      decidedBy: k.text('decided_by').references(() => users.id),
      decidedAt: k.timestamp('decided_at'),
      decisionNote: k.text('decision_note'),
    },
    (t) => [
      k.index('risk_acceptances_risk_idx').on(t.tenantId, t.riskId, t.proposedAt),
      k
        .uniqueIndex('risk_acceptances_one_pending_uq')
        .on(t.tenantId, t.riskId)
        .where(sql`status = 'pending'`),
      k.check('risk_acceptances_sod_ck', sql`status <> 'approved' OR decided_by <> proposed_by`),
      k.foreignKey({
        name: 'risk_acceptances_risk_fk',
        columns: [t.tenantId, t.riskId],
        foreignColumns: [risks.tenantId, risks.id],
      }),
    ],
  );

  const auditLog = k.tenantTable(
    'audit_log',
    {
      /** Not looked up by anything (entries are named by `(tenant_id, seq)`); the key on PostgreSQL only. */
      id: k.chainId(),
      tenantId: tenantId(),
      seq: k.int('seq').notNull(),
      ts: k.text('ts').notNull(),
      /** `user:<id>`, `vendor:<contact id>`, `system`: ids only, never names or emails. */
      actor: k.text('actor').notNull(),
      action: k.text('action').notNull(),
      target: k.text('target').notNull(),
      data: k.json<Record<string, unknown>>('data').notNull(),
      prevHash: k.text('prev_hash').notNull(),
      thisHash: k.text('this_hash').notNull(),
      /** Keyed hash (HMAC, 16 hex) of the client address of the request that made the entry; null for system work. */
      ip: k.text('ip'),
      /** Keyed hash (HMAC, 16 hex) of the request's User-Agent; null for system work. */
      ua: k.text('ua'),
    },
    (t) => k.chainKeys('audit_log', t),
  );

  /** Signed checkpoints (C2SP tlog-checkpoint notes) of a tenant's audit log: append-only like the log. */
  const auditCheckpoints = k.tenantTable(
    'audit_checkpoints',
    {
      id: k.id(),
      tenantId: tenantId(),
      treeSize: k.int('tree_size').notNull(),
      /** Hex of the RFC 6962 root (the note carries it in base64). */
      rootHash: k.text('root_hash').notNull(),
      /** The whole signed note, exactly as signed. */
      note: k.text('note').notNull(),
      /** Which signing key (RFC 7638 thumbprint in signing_keys) signed it. */
      kid: k.text('kid').notNull(),
      /** Why it was made: `periodic`, `submission`, `on-demand`. */
      reason: k.text('reason').notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.uniqueIndex('audit_checkpoints_tenant_size_uq').on(t.tenantId, t.treeSize)],
  );

  /**
   * A cache of RFC 6962 subtree hashes over complete blocks of 1024 entries (src/audit/merkle.ts), so a
   * checkpoint or a proof over a large log reads a thousand rows instead of every entry. Derived data:
   * `assay audit verify` never trusts it.
   */
  const auditMerkleBlocks = k.tenantTable(
    'audit_merkle_blocks',
    {
      id: k.id(),
      tenantId: tenantId(),
      idx: k.int('idx').notNull(),
      hash: k.text('hash').notNull(),
    },
    (t) => [k.uniqueIndex('audit_merkle_blocks_tenant_idx_uq').on(t.tenantId, t.idx)],
  );

  /** Where a tenant's latest checkpoint is mailed each day (its auditors' addresses, set by an admin). */
  const auditSettings = k.tenantTable(
    'audit_settings',
    {
      id: k.id(),
      tenantId: tenantId(),
      mailTo: k.json<string[]>('mail_to').notNull(),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [k.uniqueIndex('audit_settings_tenant_uq').on(t.tenantId)],
  );

  /**
   * The security event log: failed sign-ins, permission denials, rate-limit hits, failed vendor codes.
   * The client address is kept (it is what an investigator needs); `data` holds ids and kinds only,
   * never an email, a name or a code. Deleted by retention after at least 90 days.
   */
  const securityEvents = k.tenantTable(
    'security_events',
    {
      id: k.id(),
      tenantId: tenantId(),
      at: k.timestamp('at').notNull(),
      kind: k.enumText('kind', SECURITY_EVENT_KINDS).notNull(),
      /** The member concerned (null for an attempt that names nobody). Ids only. */
      userId: k.text('user_id'),
      /** The client's address as the platform saw it (null when unknown). */
      address: k.text('address'),
      data: k.json<Record<string, string | number | boolean | null>>('data').notNull().default({}),
    },
    (t) => [
      // Keyset pagination, newest first, with or without a kind filter.
      k.index('security_events_tenant_at_idx').on(t.tenantId, t.at, t.id),
      k.index('security_events_tenant_kind_at_idx').on(t.tenantId, t.kind, t.at, t.id),
    ],
  );

  const signingKeys = k.table(
    'signing_keys',
    {
      kid: k.text('kid').primaryKey(),
      purpose: k.enumText('purpose', KEY_PURPOSES).notNull(),
      alg: k.text('alg').notNull(),
      publicJwk: k.json<Record<string, unknown>>('public_jwk').notNull(),
      /** PKCS#8 private key, AES-256-GCM encrypted under the master key. */
      privateKeyEnc: k.text('private_key_enc').notNull(),
      status: k.enumText('status', KEY_STATUSES).notNull(),
      createdAt: createdAt(),
      activatedAt: k.timestamp('activated_at'),
      retiredAt: k.timestamp('retired_at'),
    },
    // One active and one next key per purpose, whatever races at start: the second insert fails and keeps
    // the first.
    (t) => [
      k.uniqueIndex('signing_keys_one_active_uq').on(t.purpose).where(sql`status = 'active'`),
      k.uniqueIndex('signing_keys_one_next_uq').on(t.purpose).where(sql`status = 'next'`),
    ],
  );

  /**
   * One row per purpose a rotation changed (`assay keys rotate`), written in the rotation's own unit:
   * which key was retired, which promoted, which published as next, and whether `--force` promoted a
   * next key younger than the minimum age (docs/operations.md "Key rotation"). Global like the keys, no
   * tenant data, append-only at the database.
   */
  const keyRotations = k.table('key_rotations', {
    id: k.id(),
    at: k.timestamp('at').notNull(),
    purpose: k.enumText('purpose', KEY_PURPOSES).notNull(),
    /** `system:cli`, or whoever else rotates. */
    actor: k.text('actor').notNull(),
    retiredKid: k.text('retired_kid'),
    activatedKid: k.text('activated_kid').notNull(),
    nextKid: k.text('next_kid').notNull(),
    /** How long (seconds) the promoted key had been published (null: no next key, a fresh active key). */
    nextAgeSeconds: k.int('next_age_seconds'),
    /** The minimum age (seconds) in force for this rotation. */
    minAgeSeconds: k.int('min_age_seconds').notNull(),
    /** True when `--force` promoted a key younger than the minimum (or a purpose without a next key). */
    forced: k.bool('forced').notNull(),
  });

  const mailOutbox = k.table(
    'mail_outbox',
    {
      id: k.id(),
      tenantId: k.text('tenant_id').references(() => tenants.id),
      /** Makes enqueueing idempotent: the same logical message is never queued twice. */
      dedupeKey: k.text('dedupe_key').notNull(),
      toAddress: k.text('to_address').notNull(),
      subject: k.text('subject').notNull(),
      textBody: k.text('text_body').notNull(),
      htmlBody: k.text('html_body'),
      status: k.enumText('status', ['pending', 'sending', 'sent', 'failed']).notNull().default('pending'),
      attempts: k.int('attempts').notNull().default(0),
      nextAttemptAt: k.timestamp('next_attempt_at').notNull(),
      /** While `sending`: until when the claim holds. A sender that dies leaves it to expire, then it is claimed again. */
      leaseUntil: k.timestamp('lease_until'),
      /** Which claim holds the message; only that claim may mark it sent or failed. */
      claimToken: k.text('claim_token'),
      lastError: k.text('last_error'),
      createdAt: createdAt(),
      sentAt: k.timestamp('sent_at'),
    },
    (t) => [
      k.uniqueIndex('mail_outbox_dedupe_uq').on(t.dedupeKey),
      k.index('mail_outbox_due_idx').on(t.status, t.nextAttemptAt),
    ],
  );

  /**
   * The scheduler's guard: one row per (job, slot). The process whose insert lands runs the job for
   * that slot; every other process's insert conflicts and it skips. No tenant data.
   */
  const jobRuns = k.table(
    'job_runs',
    {
      id: k.id(),
      job: k.text('job').notNull(),
      /** `2030-01-01` (daily) or `2030-01-01T08` (hourly), UTC. */
      slot: k.text('slot').notNull(),
      claimedAt: k.timestamp('claimed_at').notNull(),
    },
    (t) => [k.uniqueIndex('job_runs_job_slot_uq').on(t.job, t.slot)],
  );

  /** Counters that hold across processes (rate limits). Keys are keyed hashes, never raw addresses or emails. */
  const rateCounters = k.table('rate_counters', {
    key: k.text('key').primaryKey(),
    count: k.int('count').notNull(),
    resetAt: k.timestamp('reset_at').notNull(),
  });

  /**
   * Never holds a row. D1 commits a unit as one batch and cannot branch between statements, so a guarded
   * write is followed by `INSERT INTO unit_guards (gN) SELECT NULL WHERE changes() = 0`: when the write
   * changed nothing the NOT NULL column fails, the batch rolls back, and the column name says which guard.
   */
  const unitGuards = k.table('unit_guards', {
    g0: k.text('g0').notNull().default(''),
    g1: k.text('g1').notNull().default(''),
    g2: k.text('g2').notNull().default(''),
    g3: k.text('g3').notNull().default(''),
    g4: k.text('g4').notNull().default(''),
    g5: k.text('g5').notNull().default(''),
    g6: k.text('g6').notNull().default(''),
    g7: k.text('g7').notNull().default(''),
  });

  // ---- retention and legal hold (privacy: src/privacy/) ----
  /** A tenant's retention periods; absent: the defaults in src/privacy/retention.ts. */
  const retentionPolicies = k.tenantTable(
    'retention_policies',
    {
      id: k.id(),
      tenantId: tenantId(),
      /** Assessments, answers, evidence and findings are kept this many years after the vendor relationship ends. */
      assessmentYears: k.int('assessment_years').notNull(),
      /** Security events are kept this many days (90 at least). */
      securityEventDays: k.int('security_event_days').notNull(),
      /** `user:<id>`. */
      updatedBy: k.text('updated_by').notNull(),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [k.uniqueIndex('retention_policies_tenant_uq').on(t.tenantId)],
  );

  /**
   * Legal holds: while a row exists for a vendor or an assessment, retention deletes nothing of it. One
   * row per target (the unique key makes a second hold a no-op); releasing deletes the row; both are audited.
   */
  const legalHolds = k.tenantTable(
    'legal_holds',
    {
      id: k.id(),
      tenantId: tenantId(),
      targetType: k.enumText('target_type', ['vendor', 'assessment']).notNull(),
      targetId: k.text('target_id').notNull(),
      /** The matter's reference (a case number), shown to the tenant; never in the audit trail. */
      reference: k.text('reference'),
      placedBy: k.text('placed_by').notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.uniqueIndex('legal_holds_target_uq').on(t.tenantId, t.targetType, t.targetId)],
  );
  // ---- end retention and legal hold ----

  // ---- tenant exit (privacy: src/privacy/tenant-deletion.ts) ----
  /**
   * What the operator must be able to prove about tenants that no longer exist: a deletion asked,
   * cancelled, and the purge with its counts. Global (it outlives the tenant, so no foreign key) and
   * append-only at the database. Ids, actions, times and counts only: never a name or an email.
   */
  const systemLog = k.table(
    'system_log',
    {
      id: k.id(),
      at: k.timestamp('at').notNull(),
      tenantId: k.text('tenant_id').notNull(),
      action: k.text('action').notNull(),
      /** `user:<id>` or `system:<process>`. */
      actor: k.text('actor').notNull(),
      data: k.json<Record<string, number | string | null>>('data').notNull(),
    },
    (t) => [k.index('system_log_tenant_at_idx').on(t.tenantId, t.at)],
  );
  // ---- end tenant exit ----

  return {
    tenants,
    users,
    memberships,
    sessions,
    mfaRecoveryCodes,
    setupTokens,
    vendors,
    vendorContacts,
    reviewIntervals,
    questionnaireVersions,
    assessments,
    assessmentEvents,
    assessmentSettings,
    answers,
    evidence,
    vendorLinks,
    accessCodes,
    tenantKeys,
    findings,
    reviewNotes,
    evidenceValidity,
    risks,
    riskHistory,
    riskAcceptances,
    auditLog,
    auditCheckpoints,
    auditMerkleBlocks,
    auditSettings,
    securityEvents,
    signingKeys,
    keyRotations,
    mailOutbox,
    jobRuns,
    rateCounters,
    unitGuards,
    retentionPolicies,
    legalHolds,
    systemLog,
  };
}

export type Tables = ReturnType<typeof defineTables>;

/** The names of the tables made with `k.tenantTable` (tenant_id, the repository filter, FORCE RLS on PostgreSQL). */
export function tenantTableNames(tables: Tables): string[] {
  return Object.values(tables)
    .filter(isTenantTable)
    .map((table) => getTableName(table));
}
