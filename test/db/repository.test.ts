import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import * as repo from '../../src/db/repo/index.js';
import { isPermissionViolation, isUniqueViolation, type Store } from '../../src/db/store.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

forEachDialect('repository layer', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let tenantId: string;
  let vendorId: string;
  let contactId: string;
  let qvId: string;
  let assessmentId: string;
  let userId: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
  });
  afterAll(() => ts.close());

  describe('tenants and users', () => {
    it('creates, finds and lists tenants', async () => {
      const t = await store.global((g) => repo.insertTenant(g, 'Acme Procurement'));
      tenantId = t.id;
      expect(t.name).toBe('Acme Procurement');
      expect(t.createdAt).toBeInstanceOf(Date);
      await store.global((g) => repo.insertTenant(g, 'Beta GmbH'));
      const all = await store.global((g) => repo.listTenants(g));
      expect(all.map((x) => x.name)).toEqual(['Acme Procurement', 'Beta GmbH']);
      expect(await store.global((g) => repo.countTenants(g))).toBe(2);
      expect((await store.global((g) => repo.findTenants(g, tenantId)))[0]?.name).toBe('Acme Procurement');
      expect((await store.global((g) => repo.findTenants(g, 'Beta GmbH'))).length).toBe(1);
      expect(await store.global((g) => repo.findTenants(g, 'nobody'))).toEqual([]);
      expect(await store.global((g) => repo.getTenant(g, 'not-an-id'))).toBeNull();
      expect((await store.withTenant(tenantId, (c) => repo.currentTenant(c)))?.id).toBe(tenantId);
    });

    it('creates users once per email, case-insensitively, and manages memberships', async () => {
      const u = await store.global((g) => repo.ensureUser(g, ' Alice@Example.COM '));
      userId = u.id;
      expect(u.email).toBe('alice@example.com');
      expect(u.passwordHash).toBeNull();
      const again = await store.global((g) => repo.ensureUser(g, 'alice@example.com'));
      expect(again.id).toBe(u.id);
      await store.global((g) => repo.setPasswordHash(g, u.id, '$argon2id$x'));
      expect((await store.global((g) => repo.getUser(g, u.id)))?.passwordHash).toBe('$argon2id$x');
      expect((await store.global((g) => repo.findUserByEmail(g, 'ALICE@example.com')))?.id).toBe(u.id);
      expect(await store.global((g) => repo.getUser(g, 'nope'))).toBeNull();

      const m = await store.withTenant(tenantId, (c) => repo.addMembership(c, u.id, 'analyst'));
      expect(m).toEqual({ tenantId, userId: u.id, role: 'analyst' });
      // Adding again changes the role instead of failing.
      await store.withTenant(tenantId, (c) => repo.addMembership(c, u.id, 'admin'));
      expect((await store.withTenant(tenantId, (c) => repo.getMembership(c, u.id)))?.role).toBe('admin');
      expect(await store.withTenant(tenantId, (c) => repo.listMembers(c))).toEqual([
        { userId: u.id, email: 'alice@example.com', role: 'admin' },
      ]);
      const mine = await store.withUser(u.id, (g) => repo.listMembershipsOfUser(g, u.id));
      expect(mine).toEqual([{ tenantId, role: 'admin', tenantName: 'Acme Procurement' }]);
    });
  });

  describe('sessions and setup tokens', () => {
    it('stores, touches and deletes sessions', async () => {
      const now = new Date('2026-01-01T00:00:00Z');
      const expiresAt = new Date('2026-01-01T12:00:00Z');
      await store.global((g) =>
        repo.insertSession(g, {
          id: 'h1',
          kind: 'user',
          userId,
          tenantId,
          assessmentId: null,
          expiresAt,
          now,
        }),
      );
      const s = await store.global((g) => repo.getSession(g, 'h1'));
      expect(s).toMatchObject({ kind: 'user', userId, tenantId, expiresAt, lastSeenAt: now });
      const later = new Date('2026-01-01T01:00:00Z');
      await store.global((g) => repo.touchSession(g, 'h1', later));
      expect((await store.global((g) => repo.getSession(g, 'h1')))?.lastSeenAt).toEqual(later);
      expect(await store.global((g) => repo.deleteExpiredSessions(g, new Date('2026-01-01T11:00:00Z')))).toBe(
        0,
      );
      expect(await store.global((g) => repo.deleteExpiredSessions(g, new Date('2026-01-02T00:00:00Z')))).toBe(
        1,
      );
      expect(await store.global((g) => repo.getSession(g, 'h1'))).toBeNull();
      for (const id of ['a', 'b']) {
        await store.global((g) =>
          repo.insertSession(g, { id, kind: 'user', userId, tenantId, assessmentId: null, expiresAt, now }),
        );
      }
      await store.global((g) => repo.deleteSession(g, 'a'));
      expect(await store.global((g) => repo.deleteSessionsOfUser(g, userId))).toBe(1);
    });

    it('consumes a setup token exactly once, and never after expiry', async () => {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + 60_000);
      await store.global((g) =>
        repo.insertSetupToken(g, { id: 'tok', purpose: 'tenant_admin', tenantId, email: 'a@b.c', expiresAt }),
      );
      expect((await store.global((g) => repo.peekSetupToken(g, 'tok', now)))?.email).toBe('a@b.c');
      const [first, second] = await Promise.all([
        store.global((g) => repo.consumeSetupToken(g, 'tok', now)),
        store.global((g) => repo.consumeSetupToken(g, 'tok', now)),
      ]);
      expect([first, second].filter(Boolean)).toHaveLength(1);
      expect(await store.global((g) => repo.peekSetupToken(g, 'tok', now))).toBeNull();

      await store.global((g) =>
        repo.insertSetupToken(g, {
          id: 'old',
          purpose: 'first_admin',
          tenantId: null,
          email: null,
          expiresAt,
        }),
      );
      expect(
        await store.global((g) => repo.consumeSetupToken(g, 'old', new Date(expiresAt.getTime() + 1))),
      ).toBeNull();
      await store.global((g) => repo.revokeFirstAdminTokens(g, now));
      expect(await store.global((g) => repo.consumeSetupToken(g, 'old', now))).toBeNull();
    });
  });

  describe('vendors, contacts, questionnaires, assessments', () => {
    it('creates, reads, updates and lists vendors; names are unique per tenant', async () => {
      const v = await store.withTenant(tenantId, (c) =>
        repo.insertVendor(c, { name: 'Cloudy Ltd', tier: 'high' }),
      );
      vendorId = v.id;
      expect(v).toMatchObject({ tenantId, name: 'Cloudy Ltd', tier: 'high', active: true, website: null });
      await expect(
        store.withTenant(tenantId, (c) => repo.insertVendor(c, { name: 'Cloudy Ltd' })),
      ).rejects.toSatisfy(isUniqueViolation);
      const updated = await store.withTenant(tenantId, (c) =>
        repo.updateVendor(c, v.id, { website: 'https://cloudy.example', active: false }),
      );
      expect(updated).toMatchObject({ website: 'https://cloudy.example', active: false });
      expect((await store.withTenant(tenantId, (c) => repo.getVendor(c, v.id)))?.website).toBe(
        'https://cloudy.example',
      );
      expect((await store.withTenant(tenantId, (c) => repo.findVendorByName(c, 'Cloudy Ltd')))?.id).toBe(
        v.id,
      );
      const tmp = await store.withTenant(tenantId, (c) => repo.insertVendor(c, { name: 'Another' }));
      expect((await store.withTenant(tenantId, (c) => repo.listVendors(c))).map((x) => x.name)).toEqual([
        'Another',
        'Cloudy Ltd',
      ]);
      expect(await store.withTenant(tenantId, (c) => repo.deleteVendor(c, tmp.id))).toBe(true);
      expect(await store.withTenant(tenantId, (c) => repo.deleteVendor(c, tmp.id))).toBe(false);
      expect(await store.withTenant(tenantId, (c) => repo.getVendor(c, 'garbage'))).toBeNull();
    });

    it('adds contacts once per email', async () => {
      const c1 = await store.withTenant(tenantId, (c) =>
        repo.ensureContact(c, vendorId, 'Sec@Cloudy.example', 'Sam'),
      );
      const c2 = await store.withTenant(tenantId, (c) =>
        repo.ensureContact(c, vendorId, 'sec@cloudy.example'),
      );
      contactId = c1.id;
      expect(c2.id).toBe(c1.id);
      expect(await store.withTenant(tenantId, (c) => repo.listContacts(c, vendorId))).toEqual([
        { id: c1.id, vendorId, name: 'Sam', email: 'sec@cloudy.example' },
      ]);
    });

    it('pins a questionnaire version once and refuses different content under the same version', async () => {
      const row = await store.withTenant(tenantId, (c) =>
        repo.pinQuestionnaireVersion(c, {
          questionnaireId: 'nis2-supplier',
          version: '1.0.0',
          source: 'schema: vrq/1',
          sourceHash: 'aa',
          title: 'NIS2',
        }),
      );
      qvId = row.id;
      const same = await store.withTenant(tenantId, (c) =>
        repo.pinQuestionnaireVersion(c, {
          questionnaireId: 'nis2-supplier',
          version: '1.0.0',
          source: 'schema: vrq/1',
          sourceHash: 'aa',
          title: 'NIS2',
        }),
      );
      expect(same.id).toBe(row.id);
      await expect(
        store.withTenant(tenantId, (c) =>
          repo.pinQuestionnaireVersion(c, {
            questionnaireId: 'nis2-supplier',
            version: '1.0.0',
            source: 'changed',
            sourceHash: 'bb',
            title: 'NIS2',
          }),
        ),
      ).rejects.toBeInstanceOf(repo.VersionConflictError);
      expect((await store.withTenant(tenantId, (c) => repo.getQuestionnaireVersion(c, row.id)))?.source).toBe(
        'schema: vrq/1',
      );
      expect(
        await store.withTenant(tenantId, (c) => repo.listQuestionnaireVersions(c, 'nis2-supplier')),
      ).toHaveLength(1);
      expect(await store.withTenant(tenantId, (c) => repo.listQuestionnaireVersions(c))).toHaveLength(1);
    });

    it('creates assessments and moves them through statuses exactly once', async () => {
      const a = await store.withTenant(tenantId, (c) =>
        repo.insertAssessment(c, {
          vendorId,
          contactId,
          questionnaireVersionId: qvId,
          dueDate: '2026-12-31',
          otpRequired: true,
          createdBy: userId,
        }),
      );
      assessmentId = a.id;
      expect(a).toMatchObject({
        status: 'draft',
        otpRequired: true,
        dueDate: '2026-12-31',
        scorePermille: null,
      });
      const sent = await store.withTenant(tenantId, (c) =>
        repo.transitionAssessment(c, a.id, ['draft'], 'sent', { sentAt: new Date() }),
      );
      expect(sent?.status).toBe('sent');
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          store.withTenant(tenantId, (c) =>
            repo.transitionAssessment(c, a.id, ['sent', 'in_progress'], 'submitted', {
              scorePermille: 875,
              band: 'low',
            }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.withTenant(tenantId, (c) => repo.getAssessment(c, a.id))).toMatchObject({
        status: 'submitted',
        scorePermille: 875,
        band: 'low',
      });
      expect(
        await store.withTenant(tenantId, (c) => repo.transitionAssessment(c, a.id, ['draft'], 'sent')),
      ).toBeNull();
      expect(await store.withTenant(tenantId, (c) => repo.listAssessments(c))).toHaveLength(1);
      expect(await store.withTenant(tenantId, (c) => repo.listAssessments(c, vendorId))).toHaveLength(1);
    });
  });

  describe('answers, evidence, findings, risks', () => {
    it('saves answers one key at a time, overwrites and deletes', async () => {
      await store.withTenant(tenantId, async (c) => {
        await repo.saveAnswer(c, assessmentId, 'gov.isms', 'yes');
        await repo.saveAnswer(c, assessmentId, 'scope.data_types', ['personal', 'financial']);
        await repo.saveAnswer(c, assessmentId, 'ops.rto_hours', 4);
        await repo.saveAnswer(c, assessmentId, 'gov.isms', 'no');
        await repo.saveAnswer(c, assessmentId, 'sup.flowdown#comment', 'x');
        await repo.saveAnswer(c, assessmentId, 'sup.flowdown#comment', null);
      });
      const answers = await store.withTenant(tenantId, (c) => repo.loadAnswers(c, assessmentId));
      expect({ ...answers }).toEqual({
        'gov.isms': 'no',
        'ops.rto_hours': 4,
        'scope.data_types': ['personal', 'financial'],
      });
      expect(Object.getPrototypeOf(answers)).toBeNull();
    });

    it('records evidence metadata', async () => {
      const e = await store.withTenant(tenantId, (c) =>
        repo.insertEvidence(c, {
          assessmentId,
          questionId: 'gov.isms',
          fileName: 'policy.pdf',
          contentType: 'application/pdf',
          size: 1234,
          sha256: 'ab'.repeat(32),
        }),
      );
      expect(await store.withTenant(tenantId, (c) => repo.listEvidence(c, assessmentId))).toEqual([e]);
    });

    it('records findings idempotently and keeps one risk per vendor and finding', async () => {
      const f: repo.FindingInput = {
        findingKey: 'GOV-001',
        questionId: 'gov.isms',
        title: 'No approved ISMS',
        remediation: 'Establish one.',
        likelihood: 3,
        impact: 4,
        rating: 'high',
        dueDate: '2027-03-01',
        controls: ['nis2:21.2.a'],
      };
      await store.withTenant(tenantId, (c) => repo.recordFindings(c, assessmentId, vendorId, [f]));
      await store.withTenant(tenantId, (c) => repo.recordFindings(c, assessmentId, vendorId, [f]));
      const findings = await store.withTenant(tenantId, (c) => repo.listFindings(c, assessmentId));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ findingKey: 'GOV-001', controls: ['nis2:21.2.a'], likelihood: 3 });
      const r1 = await store.withTenant(tenantId, (c) => repo.upsertRiskFromFinding(c, vendorId, f));
      const r2 = await store.withTenant(tenantId, (c) =>
        repo.upsertRiskFromFinding(c, vendorId, { ...f, impact: 5 }),
      );
      expect(r2.id).toBe(r1.id);
      expect(r2.impact).toBe(5);
      expect(await store.withTenant(tenantId, (c) => repo.listRisks(c))).toHaveLength(1);
      expect(await store.withTenant(tenantId, (c) => repo.listRisks(c, vendorId))).toHaveLength(1);
    });
  });

  describe('audit chain', () => {
    it('appends linked entries, verifies, and refuses UPDATE and DELETE at the database', async () => {
      await store.withTenant(tenantId, async (c) => {
        await repo.appendAudit(c, {
          actor: `user:${userId}`,
          action: 'vendor.created',
          target: `vendor:${vendorId}`,
        });
        await repo.appendAudit(c, {
          actor: 'system',
          action: 'assessment.sent',
          target: `assessment:${assessmentId}`,
        });
      });
      // Concurrent appends never fork the chain.
      await Promise.all(
        [1, 2, 3, 4].map((i) =>
          store.withTenant(tenantId, (c) =>
            repo.appendAudit(c, { actor: 'system', action: `x.${i}`, target: 't' }),
          ),
        ),
      );
      const log = await store.withTenant(tenantId, (c) => repo.listAudit(c));
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(verifyChain(log)).toMatchObject({ ok: true, size: 6 });
      expect(await store.withTenant(tenantId, (c) => repo.listAudit(c, { afterSeq: 4 }))).toHaveLength(2);

      const t = store.t;
      await expect(
        store.withTenant(tenantId, (c) => c.db.update(t.auditLog).set({ action: 'forged' })),
      ).rejects.toSatisfy(isPermissionViolation);
      await expect(store.withTenant(tenantId, (c) => c.db.delete(t.auditLog))).rejects.toSatisfy(
        isPermissionViolation,
      );
      expect(verifyChain(await store.withTenant(tenantId, (c) => repo.listAudit(c)))).toMatchObject({
        ok: true,
      });
    });
  });

  describe('signing keys and mail outbox', () => {
    it('stores keys and lists the published ones', async () => {
      const base = { alg: 'RS256', publicJwk: { kty: 'RSA' }, privateKeyEnc: 'enc' } as const;
      await store.global(async (g) => {
        await repo.insertSigningKey(g, {
          ...base,
          kid: 'k1',
          purpose: 'link',
          status: 'active',
          activatedAt: new Date(),
          retiredAt: null,
        });
        await repo.insertSigningKey(g, {
          ...base,
          kid: 'k2',
          purpose: 'link',
          status: 'next',
          activatedAt: null,
          retiredAt: null,
        });
        await repo.insertSigningKey(g, {
          ...base,
          kid: 'k3',
          purpose: 'receipt',
          status: 'revoked',
          activatedAt: null,
          retiredAt: null,
        });
      });
      expect((await store.global((g) => repo.getActiveKey(g, 'link')))?.kid).toBe('k1');
      expect((await store.global((g) => repo.listPublishedKeys(g, 'link'))).map((k) => k.kid).sort()).toEqual(
        ['k1', 'k2'],
      );
      await store.global(async (g) => {
        await repo.setKeyStatus(g, 'k1', 'retired', new Date());
        await repo.setKeyStatus(g, 'k2', 'active', new Date());
      });
      expect((await store.global((g) => repo.getActiveKey(g, 'link')))?.kid).toBe('k2');
      expect(await store.global((g) => repo.listPublishedKeys(g))).toHaveLength(2);
    });

    it('queues mail once per dedupe key, claims it once, retries with backoff', async () => {
      const now = new Date();
      const m = {
        tenantId,
        dedupeKey: 'invite:1',
        toAddress: 'v@x.example',
        subject: 'Hi',
        textBody: 'Body',
      };
      expect(await store.global((g) => repo.enqueueMail(g, m, now))).toBe(true);
      expect(await store.global((g) => repo.enqueueMail(g, m, now))).toBe(false);
      const [a, b] = await Promise.all([
        store.global((g) => repo.claimDueMail(g, now)),
        store.global((g) => repo.claimDueMail(g, now)),
      ]);
      expect(a.length + b.length).toBe(1);
      const id = (a[0] ?? b[0])!.id;
      await store.global((g) =>
        repo.markMailFailed(g, id, 1, 'ECONNREFUSED', new Date(now.getTime() + 1000)),
      );
      expect(await store.global((g) => repo.claimDueMail(g, now))).toHaveLength(0);
      const retry = await store.global((g) => repo.claimDueMail(g, new Date(now.getTime() + 1000)));
      expect(retry).toHaveLength(1);
      await store.global((g) => repo.markMailSent(g, id, now));
      const all = await store.global((g) => repo.listMail(g));
      expect(all[0]).toMatchObject({ status: 'sent', attempts: 1, lastError: 'ECONNREFUSED' });
    });
  });

  it('rolls back every statement of a failed unit of work', async () => {
    await expect(
      store.withTenant(tenantId, async (c) => {
        await repo.insertVendor(c, { name: 'Half-written' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.withTenant(tenantId, (c) => repo.findVendorByName(c, 'Half-written'))).toBeNull();
  });
});
