import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newSecret } from '../../src/auth/tokens.js';
import { newId } from '../../src/db/ids.js';
import { insertAssessmentEvent, saveReminderDays } from '../../src/db/repo/assessment-events.js';
import { insertCheckpoint, insertMerkleBlock, setCheckpointRecipients } from '../../src/db/repo/audit.js';
import * as repo from '../../src/db/repo/index.js';
import { TENANT_TABLES } from '../../src/db/schema.sqlite.js';
import {
  isPermissionViolation,
  type ReadCtx,
  rawRows,
  type Scope,
  type Store,
  TenantScopeError,
  type WriteCtx,
} from '../../src/db/store.js';
import {
  GLOBAL_TABLES,
  migratePg,
  PG_ACCESS,
  PG_MIGRATIONS,
  pgRoleProblems,
} from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { syncRisksFromFindings } from '../../src/risk/sync.js';
import { sealedContact } from '../support/contacts.js';
import { ADMIN_URL, createTestDatabase } from '../support/pg.js';
import { forEachDialect, openTestStore, pgAvailable, type TestStore } from '../support/stores.js';

/**
 * Seeds one tenant with a row in every tenant table, and its rows in the global tables (the tenant, its
 * admin, a session, a set-up link, a queued message); returns the ids. The tenant's own first unit of
 * work creates it all, as the app does.
 */
async function seedTenant(store: Store, name: string) {
  const tenantId = newId();
  const session = hashToken(newSecret());
  const token = hashToken(newSecret());
  const now = new Date();
  // The tenant first: its data key (sealing the contact) references it.
  await store.tenant(tenantId).write((tx) => {
    repo.insertTenant(tx, name, tenantId, now);
  });
  const sealed = await sealedContact(store, tenantId, `sec@${name.toLowerCase()}.example`);
  const ids = await store.tenant(tenantId).write(async (tx) => {
    const user = await repo.ensureUser(tx, `${name.toLowerCase()}@example.com`);
    repo.addMembership(tx, user.id, 'admin');
    const vendor = repo.insertVendor(tx, { name: `${name} vendor` });
    const contact = await repo.ensureContact(tx, vendor.id, sealed);
    repo.setReviewIntervals(tx, { ...repo.DEFAULT_REVIEW_MONTHS, critical: 6 });
    const qv = await repo.pinQuestionnaireVersion(tx, {
      questionnaireId: 'q',
      version: '1.0.0',
      source: 's',
      sourceHash: 'h',
      title: 'Q',
    });
    const a = repo.insertAssessment(tx, {
      vendorId: vendor.id,
      contactId: contact.id,
      questionnaireVersionId: qv.id,
    });
    repo.saveAnswer(tx, a.id, 'gov.isms', 'yes');
    repo.insertEvidence(tx, {
      assessmentId: a.id,
      questionId: 'gov.isms',
      fileName: 'p.pdf',
      contentType: 'application/pdf',
      size: 1,
      sha256: '00'.repeat(32),
    });
    const f = {
      findingKey: 'F-1',
      questionId: 'gov.isms',
      title: 'T',
      remediation: 'R',
      likelihood: 2,
      impact: 2,
      rating: 'low',
      dueDate: null,
      controls: [],
    };
    const findingIds = repo.recordFindings(tx, a.id, vendor.id, [f]);
    const { created } = await syncRisksFromFindings(
      tx,
      {
        vendorId: vendor.id,
        scope: 'q',
        assessmentId: a.id,
        actor: 'system',
        raised: [{ ...f, findingId: f.findingKey, findingRowId: findingIds[0]!, description: f.remediation }],
      },
      now,
    );
    const risk = created[0]!;
    // The register's other tenant tables, so the row-level security checks below reach them too.
    repo.insertAcceptance(
      tx,
      { id: newId(), riskId: risk, justification: 'j', expiresOn: '2031-01-01', proposedBy: user.id },
      now,
    );
    repo.appendAudit(tx, { actor: 'system', action: 'seed', target: `tenant:${tenantId}` });
    const expiresAt = new Date(now.getTime() + 3_600_000);
    // The vendor portal's tables, so the row-level security checks below reach every tenant table.
    tx.write(
      tx.db.insert(tx.t.vendorLinks).values({
        jti: `seed-${tenantId}`,
        tenantId,
        assessmentId: a.id,
        contactId: contact.id,
        purpose: 'invite',
        issuedAt: now,
        expiresAt,
      }),
    );
    tx.write(
      tx.db.insert(tx.t.accessCodes).values({
        tenantId,
        assessmentId: a.id,
        contactId: contact.id,
        purpose: 'access',
        codeHash: 'h',
        binding: 'b',
        expiresAt,
        createdAt: now,
      }),
    );
    tx.write(
      tx.db.insert(tx.t.tenantKeys).values({ tenantId, purpose: 'data', wrapped: 'w', createdAt: now }),
    );
    // The assessment tables (issue 8).
    insertAssessmentEvent(tx, { assessmentId: a.id, kind: 'sent', actor: 'system', at: now });
    saveReminderDays(tx, [7, 0], null, now);
    // The review's tables (src/workspace/review.ts, evidence-validity.ts).
    repo.insertReviewNote(
      tx,
      { assessmentId: a.id, questionId: null, kind: 'note', body: 'n', authorUserId: user.id },
      now,
    );
    tx.write(
      tx.db.insert(tx.t.evidenceValidity).values({
        tenantId,
        assessmentId: a.id,
        vendorId: vendor.id,
        questionId: 'gov.cert_expiry',
        kind: 'certificate',
        expiresOn: '2030-01-01',
        createdAt: now,
      }),
    );
    repo.recordSecurityEvent(tx, { kind: 'sign_in_failed', userId: user.id, address: '192.0.2.1', at: now });
    // Retention and legal hold (src/privacy).
    tx.write(
      tx.db.insert(tx.t.retentionPolicies).values({
        tenantId,
        assessmentYears: 6,
        securityEventDays: 365,
        updatedBy: `user:${user.id}`,
        updatedAt: now,
      }),
    );
    tx.write(
      tx.db.insert(tx.t.legalHolds).values({
        tenantId,
        targetType: 'vendor',
        targetId: vendor.id,
        placedBy: `user:${user.id}`,
        createdAt: now,
      }),
    );
    // The audit trail's own tables (checkpoints, the Merkle block cache, checkpoint recipients).
    insertCheckpoint(tx, { treeSize: 1, rootHash: '00', note: 'n', kid: 'k', reason: 'periodic' }, now);
    insertMerkleBlock(tx, 0, '00');
    setCheckpointRecipients(tx, [`auditor@${name.toLowerCase()}.example`], now);
    repo.insertSession(tx, {
      id: session,
      kind: 'user',
      userId: user.id,
      tenantId,
      assessmentId: null,
      expiresAt,
      now,
    });
    repo.insertSetupToken(
      tx,
      { id: token, purpose: 'tenant_admin', tenantId, email: user.email, expiresAt },
      now,
    );
    const mail = repo.enqueueMail(
      tx,
      {
        tenantId,
        dedupeKey: `seed:${tenantId}`,
        toAddress: `sec@${name.toLowerCase()}.example`,
        subject: 'S',
        textBody: 'B',
      },
      now,
    );
    return { user: user.id, vendor: vendor.id, contact: contact.id, qv: qv.id, assessment: a.id, risk, mail };
  });
  const { risk, mail, ...rest } = ids;
  return { tenant: tenantId, session, token, ...rest, risk, mail: mail.rows[0]!.id };
}

forEachDialect('tenant isolation', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let A: Awaited<ReturnType<typeof seedTenant>>;
  let B: Awaited<ReturnType<typeof seedTenant>>;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    A = await seedTenant(store, 'Alpha');
    B = await seedTenant(store, 'Bravo');
  });
  afterAll(() => ts.close());

  it('tenant A reads nothing of tenant B through any repository function', async () => {
    await store.tenant(A.tenant).read(async (c) => {
      expect(await repo.getVendor(c, B.vendor)).toBeNull();
      expect(await repo.findVendorByName(c, 'Bravo vendor')).toBeNull();
      expect((await repo.listVendors(c)).map((v) => v.id)).toEqual([A.vendor]);
      expect(await repo.listContacts(c, B.vendor)).toEqual([]);
      expect(await repo.getQuestionnaireVersion(c, B.qv)).toBeNull();
      expect((await repo.listQuestionnaireVersions(c)).map((q) => q.id)).toEqual([A.qv]);
      expect(await repo.getAssessment(c, B.assessment)).toBeNull();
      expect((await repo.listAssessments(c)).map((a) => a.id)).toEqual([A.assessment]);
      expect(await repo.listAssessments(c, B.vendor)).toEqual([]);
      expect({ ...(await repo.loadAnswers(c, B.assessment)) }).toEqual({});
      expect(await repo.listEvidence(c, B.assessment)).toEqual([]);
      expect(await repo.listFindings(c, B.assessment)).toEqual([]);
      expect((await repo.listRisks(c)).map((r) => r.id)).toEqual([A.risk]);
      expect(await repo.getMembership(c, B.user)).toBeNull();
      expect((await repo.listMembers(c)).map((m) => m.userId)).toEqual([A.user]);
      expect((await repo.listAudit(c)).every((e) => e.tenant_id === A.tenant)).toBe(true);
    });
  });

  it('tenant A updates and deletes nothing of tenant B', async () => {
    const A_ = store.tenant(A.tenant);
    await expect(A_.write((tx) => repo.updateVendor(tx, B.vendor, { name: 'pwned' }))).rejects.toMatchObject({
      guard: repo.VENDOR_EXISTS,
    });
    await expect(A_.write((tx) => repo.deleteVendor(tx, B.vendor))).rejects.toMatchObject({
      guard: repo.VENDOR_EXISTS,
    });
    await expect(
      A_.write((tx) => repo.transitionAssessment(tx, B.assessment, ['draft'], 'cancelled')),
    ).rejects.toMatchObject({ guard: repo.ASSESSMENT_IN_STATUS });
    await A_.write((tx) => repo.saveAnswer(tx, B.assessment, 'gov.isms', null));
    await store.tenant(B.tenant).read(async (c) => {
      expect((await repo.getVendor(c, B.vendor))?.name).toBe('Bravo vendor');
      expect((await repo.getAssessment(c, B.assessment))?.status).toBe('draft');
      expect({ ...(await repo.loadAnswers(c, B.assessment)) }).toEqual({ 'gov.isms': 'yes' });
      expect(await repo.listContacts(c, B.vendor)).toHaveLength(1);
    });
  });

  it('refuses a unit of work without a well-formed tenant id (fails closed)', async () => {
    expect(() => store.tenant('')).toThrow(TenantScopeError);
    expect(() => store.tenant("' or 1=1 --")).toThrow(TenantScopeError);
    expect(() => store.as({ userId: 'x' })).toThrow(TenantScopeError);
  });

  // SQLite and D1 have no row-level security: isolation there is the repository layer, tested above.
  if (dialect !== 'pg') return;
  describe('row-level security (PostgreSQL)', () => {
    const countAll = (c: ReadCtx, table: string) =>
      rawRows<{ n: number }>(c, sql.raw(`select count(*)::int as n from "${table}"`)).then((r) => r[0]!.n);

    it('a raw query with no tenant filter sees only the current tenant, in every tenant table', async () => {
      for (const table of TENANT_TABLES) {
        const a = await store
          .tenant(A.tenant)
          .read((c) =>
            rawRows<{ tenant_id: string }>(c, sql.raw(`select distinct tenant_id from "${table}"`)),
          );
        expect(a, table).toEqual([{ tenant_id: A.tenant }]);
      }
    });

    it('no tenant set → no rows in any tenant table', async () => {
      for (const table of TENANT_TABLES) {
        expect(await store.global.read((c) => countAll(c, table)), table).toBe(0);
      }
    });

    it('a pooled connection does not carry the previous request tenant', async () => {
      const single = openPgStore({ url: ts.pg!.appUrl, max: 1 });
      try {
        expect(await single.tenant(A.tenant).read((c) => countAll(c, 'vendors'))).toBe(1);
        // Same (only) connection, next unit of work without a tenant:
        expect(await single.global.read((c) => countAll(c, 'vendors'))).toBe(0);
        const setting = await single.global.read((c) =>
          rawRows<{ v: string | null }>(c, sql`select current_setting('app.tenant_id', true) as v`),
        );
        expect(setting[0]?.v ?? '').toBe('');
        // A failed unit of work does not leave its tenant behind either.
        await expect(
          single.tenant(A.tenant).write(async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await single.global.read((c) => countAll(c, 'vendors'))).toBe(0);
      } finally {
        await single.close();
      }
    });

    it('refuses a cross-tenant insert and an update that moves a row to another tenant', async () => {
      await expect(
        store.tenant(A.tenant).write((tx) => {
          tx.write(
            tx.db
              .insert(tx.t.vendors)
              .values({ tenantId: B.tenant, name: 'smuggled', updatedAt: new Date() }),
          );
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      await expect(
        store.tenant(A.tenant).write((tx) => {
          tx.write(tx.db.update(tx.t.vendors).set({ tenantId: B.tenant }).where(sql`id = ${A.vendor}`));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      // A raw UPDATE of B's rows under A touches nothing.
      const touched = await store
        .tenant(A.tenant)
        .write((tx) => tx.write(sql`update vendors set name = 'x' where id = ${B.vendor}`));
      expect(touched.changes).toBe(0);
      expect((await store.tenant(B.tenant).read((c) => repo.getVendor(c, B.vendor)))?.name).toBe(
        'Bravo vendor',
      );
    });

    it('memberships are readable by their own user without a tenant, and by nobody else', async () => {
      const mine = await store.as({ userId: A.user }).read((g) => repo.listMembershipsOfUser(g, A.user));
      expect(mine.map((m) => m.tenantId)).toEqual([A.tenant]);
      const theirs = await store.as({ userId: A.user }).read((g) => repo.listMembershipsOfUser(g, B.user));
      expect(theirs).toEqual([]);
    });

    // The global tables: reachable only through the claim that names a row (a session or link hash, the
    // user or tenant the unit acts for, a system process), and changeable only in the designed columns.
    describe('global tables (PostgreSQL)', () => {
      const idsIn = (c: ReadCtx, table: string, column = 'id') =>
        rawRows<{ id: string }>(c, sql.raw(`select "${column}" as id from "${table}" order by 1`)).then((r) =>
          r.map((x) => x.id),
        );
      /** Runs one raw statement through the unit's write queue; resolves to the rows it changed. */
      const change = (scope: Scope<ReadCtx, WriteCtx>, query: SQL) =>
        scope.write((tx) => tx.write(query)).then((w) => w.changes);
      const refused = (scope: Scope<ReadCtx, WriteCtx>, query: SQL) =>
        expect(change(scope, query)).rejects.toSatisfy(isPermissionViolation);
      /** Claims that name nothing of A or B: no claim, and a claim of every kind for something else. */
      const strangers = () => [
        store.global,
        store.tenant(newId()),
        store.as({ userId: newId() }),
        store.as({ sessionId: hashToken(newSecret()) }),
        store.as({ tokenId: hashToken(newSecret()) }),
      ];
      const RLS_GLOBAL = Object.entries(GLOBAL_TABLES)
        .filter(([, a]) => a.policies)
        .map(([name]) => name);

      it('without a claim naming a row, every global table with tenant data reads as empty', async () => {
        expect(RLS_GLOBAL.sort()).toEqual([
          'mail_outbox',
          'mfa_recovery_codes',
          'sessions',
          'setup_tokens',
          'system_log',
          'tenants',
          'users',
        ]);
        for (const scope of strangers())
          for (const table of RLS_GLOBAL)
            expect(
              await scope.read((c) => countAll(c, table)),
              `${table} ${JSON.stringify(scope.claims)}`,
            ).toBe(0);
      });

      it('a system process sees only what it serves', async () => {
        const seen = async (system: 'mail' | 'cli' | 'scheduler') => {
          const out: Record<string, number> = {};
          for (const table of RLS_GLOBAL)
            out[table] = await store.as({ system }).read((c) => countAll(c, table));
          return out;
        };
        const zero = {
          mail_outbox: 0,
          mfa_recovery_codes: 0,
          sessions: 0,
          setup_tokens: 0,
          system_log: 0,
          tenants: 0,
          users: 0,
        };
        // Seeded sessions are live: the scheduler may only reach expired ones. It lists the tenants
        // (ids and names) to run each daily job inside each tenant's own scope.
        expect(await seen('scheduler')).toEqual({ ...zero, tenants: 2 });
        expect(await seen('mail')).toEqual({ ...zero, mail_outbox: 2 });
        // The operator lists the tenants and the tenantless first-run links, nothing else.
        const first = hashToken(newSecret());
        await store.as({ system: 'cli' }).write((tx) =>
          repo.insertSetupToken(tx, {
            id: first,
            purpose: 'first_admin',
            tenantId: null,
            email: null,
            expiresAt: new Date(Date.now() + 60_000),
          }),
        );
        expect(await seen('cli')).toEqual({ ...zero, tenants: 2, setup_tokens: 1 });
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'setup_tokens'))).toEqual([A.token]);
        // A tenant unit cannot issue a tenantless link, nor one for another tenant.
        for (const tenantId of [null, B.tenant])
          await expect(
            store.tenant(A.tenant).write((tx) =>
              repo.insertSetupToken(tx, {
                id: hashToken(newSecret()),
                purpose: 'first_admin',
                tenantId,
                email: null,
                expiresAt: new Date(),
              }),
            ),
          ).rejects.toSatisfy(isPermissionViolation);
      });

      it('recovery codes: only as their own user, never through a tenant or another user', async () => {
        const now = new Date();
        await store
          .as({ userId: A.user })
          .write((tx) => repo.replaceRecoveryCodes(tx, A.user, ['a'.repeat(64)], now));
        expect(await store.as({ userId: A.user }).read((c) => countAll(c, 'mfa_recovery_codes'))).toBe(1);
        for (const scope of [...strangers(), store.tenant(A.tenant), store.as({ userId: B.user })])
          expect(
            await scope.read((c) => countAll(c, 'mfa_recovery_codes')),
            JSON.stringify(scope.claims),
          ).toBe(0);
        // Nor spent or planted by anyone else.
        await expect(
          store.as({ userId: B.user }).write((tx) => repo.useRecoveryCode(tx, A.user, 'a'.repeat(64), now)),
        ).rejects.toThrow(/recovery-code-unused/);
        await expect(
          store
            .as({ userId: B.user })
            .write((tx) => repo.replaceRecoveryCodes(tx, A.user, ['b'.repeat(64)], now)),
        ).rejects.toSatisfy(isPermissionViolation);
        await store.as({ userId: A.user }).write((tx) => repo.deleteRecoveryCodes(tx, A.user));
      });

      it('sessions: by hash, by user or by tenant; nobody else reads, touches or ends one', async () => {
        expect(await store.as({ sessionId: A.session }).read((c) => idsIn(c, 'sessions'))).toEqual([
          A.session,
        ]);
        expect(await store.as({ userId: A.user }).read((c) => idsIn(c, 'sessions'))).toEqual([A.session]);
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'sessions'))).toEqual([A.session]);
        expect(await store.tenant(B.tenant).read((c) => idsIn(c, 'sessions'))).toEqual([B.session]);
        const touch = sql`update sessions set last_seen_at = now() where id = ${A.session}`;
        const end = sql`delete from sessions where id = ${A.session}`;
        // Statements that read no column (no WHERE, no RETURNING, constants in SET) are held by the
        // UPDATE and DELETE policies alone, without the SELECT policy, so they test those on their own.
        for (const scope of strangers()) {
          expect(await change(scope, touch), JSON.stringify(scope.claims)).toBe(0);
          expect(await change(scope, sql`update sessions set last_seen_at = now()`)).toBe(0);
          expect(await change(scope, sql`delete from sessions`), JSON.stringify(scope.claims)).toBe(0);
        }
        for (const scope of [
          store.tenant(B.tenant),
          store.as({ sessionId: B.session }),
          store.as({ userId: B.user }),
        ]) {
          expect(await change(scope, touch), JSON.stringify(scope.claims)).toBe(0);
          expect(await change(scope, end), JSON.stringify(scope.claims)).toBe(0);
        }
        expect(await change(store.as({ sessionId: A.session }), touch)).toBe(1);
        // Only last_seen_at may change, even with the right claim: no extending, no moving a session.
        for (const column of [
          "expires_at = now() + interval '1 year'",
          `tenant_id = '${B.tenant}'`,
          `user_id = '${B.user}'`,
        ])
          await refused(
            store.as({ sessionId: A.session }),
            sql.raw(`update sessions set ${column} where id = '${A.session}'`),
          );
        // A session is started only for the unit's own tenant.
        await expect(
          store.tenant(B.tenant).write((tx) =>
            repo.insertSession(tx, {
              id: hashToken(newSecret()),
              kind: 'user',
              userId: A.user,
              tenantId: A.tenant,
              assessmentId: null,
              expiresAt: new Date(),
              now: new Date(),
            }),
          ),
        ).rejects.toSatisfy(isPermissionViolation);
        expect(await store.as({ sessionId: A.session }).read((c) => countAll(c, 'sessions'))).toBe(1);
      });

      it('sessions: the scheduler sweeps expired sessions only', async () => {
        const expired = hashToken(newSecret());
        const past = new Date(Date.now() - 3_600_000);
        await store.tenant(A.tenant).write((tx) =>
          repo.insertSession(tx, {
            id: expired,
            kind: 'user',
            userId: A.user,
            tenantId: A.tenant,
            assessmentId: null,
            expiresAt: past,
            now: new Date(past.getTime() - 60_000),
          }),
        );
        const scheduler = store.as({ system: 'scheduler' });
        expect(await scheduler.read((c) => idsIn(c, 'sessions'))).toEqual([expired]);
        // Even a sweep that names every session ends only the expired one.
        expect(await change(scheduler, sql`delete from sessions`)).toBe(1);
        expect(await change(scheduler, sql`update sessions set last_seen_at = now()`)).toBe(0);
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'sessions'))).toEqual([A.session]);
      });

      it('setup tokens: by hash or by tenant; consumed only through them, and only consumed', async () => {
        expect(await store.as({ tokenId: A.token }).read((c) => idsIn(c, 'setup_tokens'))).toEqual([A.token]);
        const consume = sql`update setup_tokens set consumed_at = now() where id = ${A.token}`;
        for (const scope of [
          ...strangers(),
          store.tenant(B.tenant),
          store.as({ tokenId: B.token }),
          store.as({ system: 'cli' }),
        ])
          expect(await change(scope, consume), JSON.stringify(scope.claims)).toBe(0);
        for (const scope of strangers())
          expect(await change(scope, sql`update setup_tokens set consumed_at = null`)).toBe(0);
        await refused(
          store.as({ tokenId: A.token }),
          sql`update setup_tokens set expires_at = now() + interval '1 year' where id = ${A.token}`,
        );
        await refused(
          store.as({ tokenId: A.token }),
          sql`update setup_tokens set email = 'evil@x.example' where id = ${A.token}`,
        );
        await refused(
          store.tenant(A.tenant),
          sql`update setup_tokens set email = 'evil@x.example' where id = ${A.token}`,
        );
        // Deleted only by the purge of its own tenant (docs/tenant-exit.md): never by another, nor by a stranger.
        for (const scope of [...strangers(), store.tenant(B.tenant), store.as({ tokenId: B.token })])
          expect(await change(scope, sql`delete from setup_tokens where id = ${A.token}`)).toBe(0);
        expect(
          await store.as({ tokenId: A.token }).read((c) => repo.peekSetupToken(c, A.token, new Date())),
        ).not.toBeNull();
        expect(await change(store.as({ tokenId: A.token }), consume)).toBe(1);
        expect(
          await store.as({ tokenId: A.token }).read((c) => repo.peekSetupToken(c, A.token, new Date())),
        ).toBeNull();
      });

      it('mail: a tenant sees and queues its own; only the sender claims and marks, and never rewrites', async () => {
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'mail_outbox'))).toEqual([A.mail]);
        expect(await store.tenant(B.tenant).read((c) => idsIn(c, 'mail_outbox'))).toEqual([B.mail]);
        const mine = { tenantId: A.tenant, toAddress: 'x@a.example', subject: 's', textBody: 't' };
        await expect(
          store
            .tenant(B.tenant)
            .write((tx) => repo.enqueueMail(tx, { ...mine, dedupeKey: `smuggled:${newId()}` })),
        ).rejects.toSatisfy(isPermissionViolation);
        await expect(
          store.global.write((tx) =>
            repo.enqueueMail(tx, { ...mine, tenantId: null, dedupeKey: `nobody:${newId()}` }),
          ),
        ).rejects.toSatisfy(isPermissionViolation);
        // Without RETURNING only the INSERT policy stands between a unit and another tenant's queue.
        const raw = (tenantId: string | null) =>
          sql`insert into mail_outbox (id, tenant_id, dedupe_key, to_address, subject, text_body, next_attempt_at, created_at)
              values (${newId()}, ${tenantId}, ${`raw:${newId()}`}, 'x@a.example', 's', 't', now(), now())`;
        await refused(store.tenant(B.tenant), raw(A.tenant));
        await refused(store.tenant(B.tenant), raw(null));
        await refused(store.as({ system: 'mail' }), raw(A.tenant));
        expect(await change(store.tenant(A.tenant), raw(A.tenant))).toBe(1);
        // Once queued, a tenant's unit cannot redirect or mark its message; the sender marks it.
        const mark = sql`update mail_outbox set status = 'sent' where id = ${A.mail}`;
        for (const scope of [...strangers(), store.tenant(B.tenant), store.as({ system: 'cli' })])
          expect(await change(scope, mark), JSON.stringify(scope.claims)).toBe(0);
        for (const scope of [...strangers(), store.as({ system: 'cli' })])
          expect(await change(scope, sql`update mail_outbox set attempts = 0`)).toBe(0);
        await refused(store.tenant(B.tenant), sql`update mail_outbox set attempts = 0`);
        // Its own tenant's unit may only blank a message (erasure, mail_outbox_erase): anything else is refused.
        await refused(store.tenant(A.tenant), mark);
        await refused(
          store.tenant(A.tenant),
          sql`update mail_outbox set to_address = 'evil@x.example' where id = ${A.mail}`,
        );
        await refused(
          store.tenant(A.tenant),
          sql`update mail_outbox set to_address = 'erased@erased.invalid', subject = '(erased)', text_body = 'phish', html_body = null, status = 'failed' where id = ${A.mail}`,
        );
        const sender = store.as({ system: 'mail' });
        expect(await sender.read((c) => idsIn(c, 'mail_outbox'))).toEqual(
          expect.arrayContaining([A.mail, B.mail]),
        );
        for (const column of [
          "to_address = 'evil@x.example'",
          "text_body = 'phish'",
          "subject = 'x'",
          `tenant_id = '${B.tenant}'`,
        ])
          await refused(sender, sql.raw(`update mail_outbox set ${column} where id = '${A.mail}'`));
        // Only the purge of its own tenant deletes a message; the sender never does.
        expect(await change(sender, sql`delete from mail_outbox where id = ${A.mail}`)).toBe(0);
        expect(await change(store.tenant(B.tenant), sql`delete from mail_outbox where id = ${A.mail}`)).toBe(
          0,
        );
        expect(
          await change(sender, sql`update mail_outbox set attempts = attempts where id = ${A.mail}`),
        ).toBe(1);
      });

      it('users: read as oneself, as a fellow member or through the session; changed only in the password hash', async () => {
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'users'))).toEqual([A.user]);
        expect(await store.as({ userId: A.user }).read((c) => idsIn(c, 'users'))).toEqual([A.user]);
        expect(await store.as({ sessionId: A.session }).read((c) => idsIn(c, 'users'))).toEqual([A.user]);
        expect(await store.tenant(A.tenant).read((c) => repo.listMembers(c))).toHaveLength(1);
        // Sign-in knows only the email: one exact address finds one row, and nothing lists them.
        const found = await store.global.read((c) => repo.findUserByEmail(c, 'alpha@example.com'));
        expect(found).toMatchObject({ id: A.user, email: 'alpha@example.com' });
        for (const pattern of ['%', '', "' or true --", 'ALPHA@example.com '])
          expect(
            await store.global.read((c) => rawRows(c, sql`select * from assay_user_by_email(${pattern})`)),
            pattern,
          ).toEqual([]);
        const rehash = sql`update users set password_hash = 'pwned' where id = ${A.user}`;
        for (const scope of [
          ...strangers(),
          store.tenant(B.tenant),
          store.as({ userId: B.user }),
          store.as({ sessionId: A.session }),
        ])
          expect(await change(scope, rehash), JSON.stringify(scope.claims)).toBe(0);
        for (const scope of strangers())
          expect(await change(scope, sql`update users set password_hash = 'pwned'`)).toBe(0);
        for (const scope of [store.tenant(A.tenant), store.as({ userId: A.user })])
          expect(
            await change(scope, sql`update users set password_hash = password_hash where id = ${A.user}`),
          ).toBe(1);
        for (const column of ["email = 'evil@x.example'", `id = '${newId()}'`, 'disabled_at = now()'])
          await refused(
            store.as({ userId: A.user }),
            sql.raw(`update users set ${column} where id = '${A.user}'`),
          );
        // Erasure may write the tombstone, and only it, even as a unit of the user's tenant.
        for (const scope of [store.tenant(A.tenant), store.as({ userId: A.user })])
          await refused(
            scope,
            sql`update users set email = 'evil@x.example', password_hash = null, totp_secret = null, totp_pending_secret = null, disabled_at = now() where id = ${A.user}`,
          );
        await refused(store.as({ userId: A.user }), sql`delete from users where id = ${A.user}`);
        // A new identity is created only by a unit acting for a tenant.
        await expect(
          store.global.write((tx) => repo.ensureUser(tx, `loner-${newId()}@example.com`)),
        ).rejects.toSatisfy(isPermissionViolation);
        expect(
          (await store.as({ userId: A.user }).read((c) => repo.getUser(c, A.user)))?.passwordHash,
        ).not.toBe('pwned');
      });

      it('tenants: read as the tenant, a member, the session or the operator; created only as itself, renamed only by itself, deleted only by its own purge', async () => {
        expect(await store.tenant(A.tenant).read((c) => idsIn(c, 'tenants'))).toEqual([A.tenant]);
        expect(await store.as({ userId: A.user }).read((c) => idsIn(c, 'tenants'))).toEqual([A.tenant]);
        expect(await store.as({ sessionId: A.session }).read((c) => idsIn(c, 'tenants'))).toEqual([A.tenant]);
        expect((await store.as({ system: 'cli' }).read((c) => idsIn(c, 'tenants'))).sort()).toEqual(
          [A.tenant, B.tenant].sort(),
        );
        await expect(
          store.tenant(A.tenant).write((tx) => repo.insertTenant(tx, 'Squatter', newId())),
        ).rejects.toSatisfy(isPermissionViolation);
        // An admin renames their own tenant (name and settings only); never another, never its id.
        expect(
          await change(store.tenant(A.tenant), sql`update tenants set name = name where id = ${A.tenant}`),
        ).toBe(1);
        expect(
          await change(store.tenant(A.tenant), sql`update tenants set name = 'pwned' where id = ${B.tenant}`),
        ).toBe(0);
        expect(await change(store.as({ system: 'cli' }), sql`update tenants set name = 'pwned'`)).toBe(0);
        await refused(store.tenant(A.tenant), sql`update tenants set id = id where id = ${A.tenant}`);
        // Only a tenant's own unit (its purge, docs/tenant-exit.md) can delete its row; never another's.
        expect(await change(store.tenant(A.tenant), sql`delete from tenants where id = ${B.tenant}`)).toBe(0);
        expect(await change(store.as({ system: 'cli' }), sql`delete from tenants`)).toBe(0);
        expect((await store.tenant(B.tenant).read((c) => repo.currentTenant(c)))?.name).toBe('Bravo');
      });

      it('the row policies for UPDATE and DELETE of users and tenants hold even for the owner (FORCE)', async () => {
        // The app role has no UPDATE on tenants and no DELETE on either table; the policies hold the rows
        // the day a grant is added. The owner has every privilege, and FORCE binds it to the policies.
        const owner = openPgStore({ url: ts.pg!.ownerUrl, max: 1 });
        try {
          const asA = owner.tenant(A.tenant);
          // The operator's claim shows every tenant, so only the UPDATE and DELETE policies keep B's row.
          const operatorOfA = owner.tenant(A.tenant, { system: 'cli' });
          expect(await operatorOfA.read((c) => countAll(c, 'tenants'))).toBe(2);
          expect(await change(operatorOfA, sql`update tenants set name = name where id = ${B.tenant}`)).toBe(
            0,
          );
          expect(await change(operatorOfA, sql`delete from tenants where id = ${B.tenant}`)).toBe(0);
          expect(await change(owner.global, sql`update tenants set name = name`)).toBe(0);
          expect(await change(asA, sql`update tenants set name = name where id = ${A.tenant}`)).toBe(1);
          expect(await change(asA, sql`update users set email = email where id = ${B.user}`)).toBe(0);
          expect(await change(asA, sql`delete from users where id = ${B.user}`)).toBe(0);
          expect(await change(owner.global, sql`update users set email = email`)).toBe(0);
          expect(await change(asA, sql`update users set email = email where id = ${A.user}`)).toBe(1);
          const loner = newId();
          await owner.tenant(A.tenant).write((tx) => {
            tx.write(tx.db.insert(tx.t.users).values({ id: loner, email: `${loner}@example.com` }));
          });
          expect(await change(asA, sql`delete from users where id = ${loner}`)).toBe(0);
          expect(await change(owner.as({ userId: loner }), sql`delete from users where id = ${loner}`)).toBe(
            1,
          );
        } finally {
          await owner.close();
        }
      });

      it('signing keys, rate counters, unit guards and the audit log keep to their grants', async () => {
        const kid = `k-${newId()}`;
        await store.global.write((tx) =>
          repo.insertSigningKey(tx, {
            kid,
            purpose: 'receipt',
            alg: 'RS256',
            publicJwk: { kty: 'RSA' },
            privateKeyEnc: 'enc',
            status: 'next',
            activatedAt: null,
            retiredAt: null,
          }),
        );
        // Key material is never rewritten (a substituted key would sign receipts) and keys are never deleted.
        for (const column of [
          `public_jwk = '{"kty":"RSA","n":"evil"}'`,
          "private_key_enc = 'x'",
          "kid = 'other'",
          "purpose = 'link'",
        ])
          await refused(store.global, sql.raw(`update signing_keys set ${column} where kid = '${kid}'`));
        await refused(store.global, sql`delete from signing_keys where kid = ${kid}`);
        expect(
          await change(store.global, sql`update signing_keys set status = 'revoked' where kid = ${kid}`),
        ).toBe(1);
        // Rate counters hold no tenant data: anonymous requests count before anything is known.
        const key = `test:${newId()}`;
        expect(
          await change(
            store.global,
            sql`insert into rate_counters (key, count, reset_at) values (${key}, 1, now())`,
          ),
        ).toBe(1);
        expect(
          await change(store.global, sql`update rate_counters set count = count + 1 where key = ${key}`),
        ).toBe(1);
        expect(await change(store.global, sql`delete from rate_counters where key = ${key}`)).toBe(1);
        // unit_guards is D1's alone; TRUNCATE ignores row-level security, so no table grants it.
        await expect(store.global.read((c) => countAll(c, 'unit_guards'))).rejects.toSatisfy(
          isPermissionViolation,
        );
        for (const table of Object.keys(PG_ACCESS))
          await refused(store.tenant(A.tenant), sql.raw(`truncate "${table}"`));
        await refused(store.tenant(A.tenant), sql`update audit_log set action = 'forged'`);
        await refused(store.tenant(A.tenant), sql`delete from audit_log`);
        // The triggers refuse both whoever connects; the app role does not even hold the privileges.
        const [audit] = await store.global.read((c) =>
          rawRows<Record<string, boolean>>(
            c,
            sql`select has_table_privilege('audit_log', 'UPDATE') as u, has_any_column_privilege('audit_log', 'UPDATE') as uc,
                       has_table_privilege('audit_log', 'DELETE') as d, has_table_privilege('audit_log', 'TRUNCATE') as t,
                       has_table_privilege('audit_log', 'INSERT') as i, has_table_privilege('audit_log', 'SELECT') as s`,
          ),
        );
        expect(audit).toEqual({ u: false, uc: false, d: false, t: false, i: true, s: true });
      });
    });

    it('the app role passes the boot self-check; owner and superuser connections fail it', async () => {
      expect(await pgRoleProblems(store)).toEqual([]);
      const owner = openPgStore({ url: ts.pg!.ownerUrl, max: 1 });
      try {
        const problems = await pgRoleProblems(owner);
        expect(problems.join('\n')).toMatch(/owns \d+ table/);
      } finally {
        await owner.close();
      }
      const superUrl = new URL(ADMIN_URL);
      superUrl.pathname = `/${ts.pg!.name}`;
      const su = openPgStore({ url: superUrl.toString(), max: 1 });
      try {
        expect((await pgRoleProblems(su)).join('\n')).toContain(
          'a SUPERUSER, which bypasses row-level security',
        );
      } finally {
        await su.close();
      }
    });
  });
});

describe.skipIf(!pgAvailable())('PostgreSQL migrations', () => {
  it('run once under an advisory lock when several instances start together', async () => {
    const dbase = await createTestDatabase();
    try {
      await Promise.all([1, 2, 3].map(() => migratePg(dbase.ownerUrl, dbase.appUrl)));
      const store = openPgStore({ url: dbase.appUrl, max: 1 });
      try {
        expect(await pgRoleProblems(store)).toEqual([]);
        // The app role may read the migration history (so the CLI with DATABASE_URL alone can tell a
        // current schema from one that is behind), never change it; the owner writes it.
        const applied = await store.global.read((c) =>
          rawRows<{ n: number }>(c, sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
        );
        expect(applied[0]?.n).toBeGreaterThan(0);
        const app = new pg.Client({ connectionString: dbase.appUrl });
        await app.connect();
        try {
          for (const write of [
            'delete from drizzle.__drizzle_migrations',
            "insert into drizzle.__drizzle_migrations (hash, created_at) values ('x', 1)",
            'create table drizzle.t (x int)',
          ])
            await expect(app.query(write), write).rejects.toThrow(/permission denied/);
        } finally {
          await app.end();
        }
      } finally {
        await store.close();
      }
      const owner = openPgStore({ url: dbase.ownerUrl, max: 1 });
      try {
        const rows = await owner.global.read((c) =>
          rawRows<{ n: number }>(c, sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
        );
        const journal = JSON.parse(readFileSync(path.join(PG_MIGRATIONS, 'meta/_journal.json'), 'utf8'));
        expect(rows[0]?.n).toBe(journal.entries.length);
      } finally {
        await owner.close();
      }
    } finally {
      await dbase.drop();
    }
  });
});
