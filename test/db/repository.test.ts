import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import {
  GuardError,
  isForeignKeyViolation,
  isPermissionViolation,
  isUniqueViolation,
  type Store,
} from '../../src/db/store.js';
import { syncRisksFromFindings } from '../../src/risk/sync.js';
import { sealedContact, testContacts } from '../support/contacts.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const h = (s: string) => s.padEnd(64, '0');

forEachDialect('repository layer', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let tenantId: string;
  let otherTenantId: string;
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
      // A tenant is created by its own first unit of work; the operator lists and finds them all.
      const t = await store
        .tenant(newId())
        .write((tx) => repo.insertTenant(tx, 'Acme Procurement', tx.tenantId));
      tenantId = t.id;
      expect(t.name).toBe('Acme Procurement');
      expect(t.createdAt).toBeInstanceOf(Date);
      otherTenantId = (
        await store.tenant(newId()).write((tx) => repo.insertTenant(tx, 'Beta GmbH', tx.tenantId))
      ).id;
      const operator = store.as({ system: 'cli' });
      const all = await operator.read((g) => repo.listTenants(g));
      expect(all.map((x) => x.name)).toEqual(['Acme Procurement', 'Beta GmbH']);
      expect(await operator.read((g) => repo.countTenants(g))).toBe(2);
      expect((await operator.read((g) => repo.findTenants(g, tenantId)))[0]?.name).toBe('Acme Procurement');
      expect(await operator.read((g) => repo.findTenants(g, 'Beta GmbH'))).toHaveLength(1);
      expect(await operator.read((g) => repo.findTenants(g, 'nobody'))).toEqual([]);
      expect(await operator.read((g) => repo.getTenant(g, 'not-an-id'))).toBeNull();
      expect((await store.tenant(tenantId).read((c) => repo.currentTenant(c)))?.id).toBe(tenantId);
    });

    it('creates users once per email, case-insensitively, and manages memberships', async () => {
      // A new identity is created by a unit of the tenant it joins; it is then changed as itself.
      const u = await store.tenant(tenantId).write((tx) => repo.ensureUser(tx, ' Alice@Example.COM '));
      userId = u.id;
      expect(u).toMatchObject({ email: 'alice@example.com', passwordHash: null, created: true });
      const again = await store.tenant(tenantId).write((tx) => repo.ensureUser(tx, 'alice@example.com'));
      expect(again).toMatchObject({ id: u.id, created: false });
      const self = store.as({ userId: u.id });
      await self.write((tx) => repo.setPasswordHash(tx, u.id, '$argon2id$x'));
      expect((await self.read((g) => repo.getUser(g, u.id)))?.passwordHash).toBe('$argon2id$x');
      // Sign-in knows only the email: the lookup needs no claim.
      expect((await store.global.read((g) => repo.findUserByEmail(g, 'ALICE@example.com')))?.id).toBe(u.id);
      expect(await store.global.read((g) => repo.findUserByEmail(g, 'nobody@example.com'))).toBeNull();
      expect(await self.read((g) => repo.getUser(g, 'nope'))).toBeNull();
      await expect(store.global.write((tx) => repo.setPasswordHash(tx, newId(), 'x'))).rejects.toBeInstanceOf(
        GuardError,
      );

      const m = await store.tenant(tenantId).write((tx) => repo.addMembership(tx, u.id, 'analyst'));
      expect(m).toEqual({ tenantId, userId: u.id, role: 'analyst' });
      // Adding again changes the role instead of failing.
      await store.tenant(tenantId).write((tx) => repo.addMembership(tx, u.id, 'admin'));
      expect((await store.tenant(tenantId).read((c) => repo.getMembership(c, u.id)))?.role).toBe('admin');
      expect(await store.tenant(tenantId).read((c) => repo.listMembers(c))).toEqual([
        { userId: u.id, email: 'alice@example.com', role: 'admin' },
      ]);
      const mine = await store.as({ userId: u.id }).read((g) => repo.listMembershipsOfUser(g, u.id));
      expect(mine).toEqual([
        { tenantId, role: 'admin', tenantName: 'Acme Procurement', mfaEnabledAt: null, disabledAt: null },
      ]);
    });
  });

  describe('sessions and setup tokens', () => {
    it('stores, reads with the membership, touches and deletes sessions', async () => {
      const now = new Date('2026-01-01T00:00:00Z');
      const expiresAt = new Date('2026-01-01T12:00:00Z');
      const id = h('a1');
      const own = store.as({ sessionId: id });
      await store
        .tenant(tenantId)
        .write((tx) =>
          repo.insertSession(tx, { id, kind: 'user', userId, tenantId, assessmentId: null, expiresAt, now }),
        );
      expect(await own.read((g) => repo.getSession(g, id))).toMatchObject({
        kind: 'user',
        userId,
        tenantId,
        expiresAt,
        lastSeenAt: now,
      });
      expect(await store.as({ sessionId: id }).read((c) => repo.readMemberSession(c, id))).toMatchObject({
        userId,
        tenantId,
        email: 'alice@example.com',
        tenantName: 'Acme Procurement',
        role: 'admin',
        disabledAt: null,
      });
      const later = new Date('2026-01-01T01:00:00Z');
      await own.write((tx) => repo.touchSession(tx, id, later));
      expect((await own.read((g) => repo.getSession(g, id)))?.lastSeenAt).toEqual(later);
      // Sweeping expired sessions of every tenant is the scheduler's.
      const scheduler = store.as({ system: 'scheduler' });
      const none = await scheduler.write((tx) =>
        repo.deleteExpiredSessions(tx, new Date('2026-01-01T11:00:00Z')),
      );
      expect(none.changes).toBe(0);
      const one = await scheduler.write((tx) =>
        repo.deleteExpiredSessions(tx, new Date('2026-01-02T00:00:00Z')),
      );
      expect(one.changes).toBe(1);
      expect(await own.read((g) => repo.getSession(g, id))).toBeNull();
      for (const sid of [h('b1'), h('b2')]) {
        await store.tenant(tenantId).write((tx) =>
          repo.insertSession(tx, {
            id: sid,
            kind: 'user',
            userId,
            tenantId,
            assessmentId: null,
            expiresAt,
            now,
          }),
        );
      }
      await store.as({ sessionId: h('b1') }).write((tx) => repo.deleteSession(tx, h('b1')));
      const rest = await store.as({ userId }).write((tx) => repo.deleteSessionsOfUser(tx, userId));
      expect(rest.changes).toBe(1);
    });

    it('consumes a setup token exactly once, and never after expiry', async () => {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + 60_000);
      const tok = h('c1');
      // A tenant's link is consumed in a unit of its tenant (the consume checks the tenant is not
      // pending deletion, and fails closed where it cannot see the tenant row).
      const link = store.tenant(tenantId, { tokenId: tok });
      await store.tenant(tenantId).write((tx) =>
        repo.insertSetupToken(tx, {
          id: tok,
          purpose: 'tenant_admin',
          tenantId,
          email: 'a@b.c',
          expiresAt,
        }),
      );
      expect((await link.read((g) => repo.peekSetupToken(g, tok, now)))?.email).toBe('a@b.c');
      const outcomes = await Promise.allSettled(
        [1, 2, 3].map(() => link.write((tx) => repo.consumeSetupToken(tx, tok, now))),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect((won[0] as PromiseFulfilledResult<repo.SetupToken[] | unknown>).value).toBeDefined();
      for (const o of outcomes.filter((x) => x.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(GuardError);
        expect(((o as PromiseRejectedResult).reason as GuardError).guard).toBe(repo.SETUP_TOKEN_UNUSED);
      }
      expect(await link.read((g) => repo.peekSetupToken(g, tok, now))).toBeNull();

      // First-run links belong to no tenant: the operator issues and revokes them.
      const operator = store.as({ system: 'cli' });
      const old = h('c2');
      const oldLink = store.as({ tokenId: old });
      await operator.write((tx) =>
        repo.insertSetupToken(tx, {
          id: old,
          purpose: 'first_admin',
          tenantId: null,
          email: null,
          expiresAt,
        }),
      );
      await expect(
        oldLink.write((tx) => repo.consumeSetupToken(tx, old, new Date(expiresAt.getTime() + 1))),
      ).rejects.toBeInstanceOf(GuardError);
      await operator.write((tx) => repo.revokeFirstAdminTokens(tx, now));
      await expect(oldLink.write((tx) => repo.consumeSetupToken(tx, old, now))).rejects.toBeInstanceOf(
        GuardError,
      );
    });

    it('returns the consumed token to the unit once it committed', async () => {
      const now = new Date();
      const tok = h('c3');
      await store.tenant(tenantId).write((tx) =>
        repo.insertSetupToken(tx, {
          id: tok,
          purpose: 'tenant_admin',
          tenantId,
          email: 'x@y.z',
          expiresAt: new Date(now.getTime() + 60_000),
        }),
      );
      const written = await store
        .tenant(tenantId, { tokenId: tok })
        .write((tx) => repo.consumeSetupToken(tx, tok, now));
      expect(written.rows).toEqual([expect.objectContaining({ id: tok, email: 'x@y.z', tenantId })]);
    });
  });

  describe('vendors, contacts, questionnaires, assessments', () => {
    it('creates, reads, updates and lists vendors; names are unique per tenant', async () => {
      const v = await store
        .tenant(tenantId)
        .write((tx) => repo.insertVendor(tx, { name: 'Cloudy Ltd', tier: 'high' }));
      vendorId = v.id;
      expect(await store.tenant(tenantId).read((c) => repo.getVendor(c, v.id))).toMatchObject({
        tenantId,
        name: 'Cloudy Ltd',
        tier: 'high',
        status: 'active',
        website: null,
        locations: [],
        subProcessors: [],
      });
      await expect(
        store.tenant(tenantId).write((tx) => repo.insertVendor(tx, { name: 'Cloudy Ltd' })),
      ).rejects.toSatisfy((e: unknown) => isUniqueViolation(e));
      const updated = await store
        .tenant(tenantId)
        .write((tx) =>
          repo.updateVendor(tx, v.id, { website: 'https://cloudy.example', status: 'onboarding' }),
        );
      expect(updated.rows[0]).toMatchObject({ website: 'https://cloudy.example', status: 'onboarding' });
      await expect(
        store.tenant(tenantId).write((tx) => repo.updateVendor(tx, newId(), { website: 'x' })),
      ).rejects.toMatchObject({ guard: repo.VENDOR_EXISTS });
      await expect(
        store.tenant(tenantId).write((tx) => repo.updateVendor(tx, 'garbage', { website: 'x' })),
      ).rejects.toMatchObject({ guard: repo.VENDOR_EXISTS });
      expect((await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'Cloudy Ltd')))?.id).toBe(
        v.id,
      );
      const tmp = await store.tenant(tenantId).write((tx) => repo.insertVendor(tx, { name: 'Another' }));
      expect((await store.tenant(tenantId).read((c) => repo.listVendors(c))).map((x) => x.name)).toEqual([
        'Another',
        'Cloudy Ltd',
      ]);
      await store.tenant(tenantId).write((tx) => repo.deleteVendor(tx, tmp.id));
      await expect(
        store.tenant(tenantId).write((tx) => repo.deleteVendor(tx, tmp.id)),
      ).rejects.toBeInstanceOf(GuardError);
      expect(await store.tenant(tenantId).read((c) => repo.getVendor(c, 'garbage'))).toBeNull();
    });

    it('adds contacts once per email (by keyed hash), sealed; erasure keeps the row and frees the email', async () => {
      const s1 = await sealedContact(store, tenantId, 'Sec@Cloudy.example', 'Sam');
      const s2 = await sealedContact(store, tenantId, 'sec@cloudy.example');
      expect(s2.emailHash).toBe(s1.emailHash);
      const c1 = await store.tenant(tenantId).write((tx) => repo.ensureContact(tx, vendorId, s1));
      const c2 = await store.tenant(tenantId).write((tx) => repo.ensureContact(tx, vendorId, s2));
      contactId = c1.id;
      expect(c1.created).toBe(true);
      expect(c2).toMatchObject({ id: c1.id, created: false });
      const rows = await store.tenant(tenantId).read((c) => repo.listContacts(c, vendorId));
      expect(rows.map((r) => r.id)).toEqual([c1.id]);
      // The plain values are nowhere (the name as a whole value: base64 ciphertext can spell "sAM").
      expect(JSON.stringify(rows)).not.toMatch(/cloudy\.example/i);
      expect(JSON.stringify(rows)).not.toContain('"Sam"');
      expect(await testContacts(store).open(tenantId, rows[0]!)).toMatchObject({
        erased: false,
        name: 'Sam',
        email: 'Sec@Cloudy.example',
      });
      // The same address in another tenant hashes differently.
      expect((await sealedContact(store, otherTenantId, 'sec@cloudy.example')).emailHash).not.toBe(
        s1.emailHash,
      );
      const tmp = await sealedContact(store, tenantId, 'gone@cloudy.example', 'Gone');
      await store.tenant(tenantId).write((tx) => repo.ensureContact(tx, vendorId, tmp));
      await store.tenant(tenantId).write((tx) => repo.eraseContact(tx, tmp.id));
      await expect(store.tenant(tenantId).write((tx) => repo.eraseContact(tx, tmp.id))).rejects.toMatchObject(
        {
          guard: repo.CONTACT_LIVE,
        },
      );
      const erased = await store.tenant(tenantId).read((c) => repo.getContact(c, tmp.id));
      expect(erased).toMatchObject({ sealed: null, emailHash: null, keyId: null });
      expect(await testContacts(store).open(tenantId, erased!)).toMatchObject({ erased: true, email: null });
      expect(
        await store.tenant(tenantId).read((c) => repo.findContactByHash(c, vendorId, tmp.emailHash)),
      ).toBeNull();
    });

    it('refuses a contact under another tenant’s vendor (composite foreign key)', async () => {
      await expect(
        sealedContact(store, otherTenantId, 'intruder@evil.example').then((sealed) =>
          store.tenant(otherTenantId).write((tx) => repo.ensureContact(tx, vendorId, sealed)),
        ),
      ).rejects.toSatisfy(isForeignKeyViolation);
    });

    it('pins a questionnaire version once and refuses different content under the same version', async () => {
      const v = {
        questionnaireId: 'nis2-supplier',
        version: '1.0.0',
        source: 'schema: vrq/1',
        sourceHash: 'aa',
        title: 'NIS2',
      };
      const row = await store.tenant(tenantId).write((tx) => repo.pinQuestionnaireVersion(tx, v));
      qvId = row.id;
      expect(row.created).toBe(true);
      const same = await store.tenant(tenantId).write((tx) => repo.pinQuestionnaireVersion(tx, v));
      expect(same).toMatchObject({ id: row.id, created: false });
      await expect(
        store
          .tenant(tenantId)
          .write((tx) => repo.pinQuestionnaireVersion(tx, { ...v, source: 'changed', sourceHash: 'bb' })),
      ).rejects.toBeInstanceOf(repo.VersionConflictError);
      expect(
        (await store.tenant(tenantId).read((c) => repo.getQuestionnaireVersion(c, row.id)))?.source,
      ).toBe('schema: vrq/1');
      expect(
        await store.tenant(tenantId).read((c) => repo.listQuestionnaireVersions(c, 'nis2-supplier')),
      ).toHaveLength(1);
      expect(await store.tenant(tenantId).read((c) => repo.listQuestionnaireVersions(c))).toHaveLength(1);
    });

    it('creates assessments and moves them through statuses exactly once', async () => {
      const a = await store.tenant(tenantId).write((tx) =>
        repo.insertAssessment(tx, {
          vendorId,
          contactId,
          questionnaireVersionId: qvId,
          dueDate: '2026-12-31',
          otpRequired: true,
          createdBy: userId,
        }),
      );
      assessmentId = a.id;
      expect(await store.tenant(tenantId).read((c) => repo.getAssessment(c, a.id))).toMatchObject({
        status: 'draft',
        otpRequired: true,
        dueDate: '2026-12-31',
        scorePermille: null,
      });
      const sent = await store
        .tenant(tenantId)
        .write((tx) => repo.transitionAssessment(tx, a.id, ['draft'], 'sent', { sentAt: new Date() }));
      expect(sent.rows[0]?.status).toBe('sent');
      const results = await Promise.allSettled(
        [1, 2, 3].map(() =>
          store.tenant(tenantId).write((tx) =>
            repo.transitionAssessment(tx, a.id, ['sent', 'in_progress'], 'submitted', {
              scorePermille: 875,
              band: 'low',
            }),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.tenant(tenantId).read((c) => repo.getAssessment(c, a.id))).toMatchObject({
        status: 'submitted',
        scorePermille: 875,
        band: 'low',
      });
      await expect(
        store.tenant(tenantId).write((tx) => repo.transitionAssessment(tx, a.id, ['draft'], 'sent')),
      ).rejects.toMatchObject({ guard: repo.ASSESSMENT_IN_STATUS });
      expect(await store.tenant(tenantId).read((c) => repo.listAssessments(c))).toHaveLength(1);
      expect(await store.tenant(tenantId).read((c) => repo.listAssessments(c, vendorId))).toHaveLength(1);
    });

    it('refuses an assessment that points at another tenant’s vendor, contact or questionnaire', async () => {
      const otherVendor = await store
        .tenant(otherTenantId)
        .write((tx) => repo.insertVendor(tx, { name: 'Theirs' }));
      const theirs = await sealedContact(store, otherTenantId, 'them@theirs.example');
      const otherContact = await store
        .tenant(otherTenantId)
        .write((tx) => repo.ensureContact(tx, otherVendor.id, theirs));
      const otherQv = await store.tenant(otherTenantId).write((tx) =>
        repo.pinQuestionnaireVersion(tx, {
          questionnaireId: 'q',
          version: '1.0.0',
          source: 's',
          sourceHash: 'h',
          title: 'Q',
        }),
      );
      const mixes = [
        { vendorId: otherVendor.id, contactId, questionnaireVersionId: qvId },
        { vendorId, contactId: otherContact.id, questionnaireVersionId: qvId },
        { vendorId, contactId, questionnaireVersionId: otherQv.id },
        // An id that exists nowhere fails the same way: the error tells nothing about other tenants.
        { vendorId: newId(), contactId, questionnaireVersionId: qvId },
      ];
      for (const mix of mixes) {
        await expect(store.tenant(tenantId).write((tx) => repo.insertAssessment(tx, mix))).rejects.toSatisfy(
          isForeignKeyViolation,
        );
      }
      // And an answer cannot be saved against another tenant's assessment.
      await expect(
        store.tenant(otherTenantId).write((tx) => repo.saveAnswer(tx, assessmentId, 'q1', 'yes')),
      ).rejects.toSatisfy(isForeignKeyViolation);
    });
  });

  describe('answers, evidence, findings, risks', () => {
    it('saves answers one key at a time, overwrites and deletes', async () => {
      await store.tenant(tenantId).write((tx) => {
        repo.saveAnswer(tx, assessmentId, 'gov.isms', 'yes');
        repo.saveAnswer(tx, assessmentId, 'scope.data_types', ['personal', 'financial']);
        repo.saveAnswer(tx, assessmentId, 'ops.rto_hours', 4);
        repo.saveAnswer(tx, assessmentId, 'gov.isms', 'no');
        repo.saveAnswer(tx, assessmentId, 'sup.flowdown#comment', 'x');
        repo.saveAnswer(tx, assessmentId, 'sup.flowdown#comment', null);
      });
      const answers = await store.tenant(tenantId).read((c) => repo.loadAnswers(c, assessmentId));
      expect({ ...answers }).toEqual({
        'gov.isms': 'no',
        'ops.rto_hours': 4,
        'scope.data_types': ['personal', 'financial'],
      });
      expect(Object.getPrototypeOf(answers)).toBeNull();
    });

    it('records evidence metadata', async () => {
      const e = await store.tenant(tenantId).write((tx) =>
        repo.insertEvidence(tx, {
          assessmentId,
          questionId: 'gov.isms',
          fileName: 'policy.pdf',
          contentType: 'application/pdf',
          size: 1234,
          sha256: 'ab'.repeat(32),
        }),
      );
      expect(await store.tenant(tenantId).read((c) => repo.listEvidence(c, assessmentId))).toEqual([e]);
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
      await store.tenant(tenantId).write((tx) => repo.recordFindings(tx, assessmentId, vendorId, [f]));
      await store.tenant(tenantId).write((tx) => repo.recordFindings(tx, assessmentId, vendorId, [f]));
      const findings = await store.tenant(tenantId).read((c) => repo.listFindings(c, assessmentId));
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ findingKey: 'GOV-001', controls: ['nis2:21.2.a'], likelihood: 3 });
      const sync = (impact: number) =>
        store.tenant(tenantId).write((tx) =>
          syncRisksFromFindings(
            tx,
            {
              vendorId,
              scope: 'nis2-supplier',
              assessmentId,
              actor: 'system',
              raised: [
                { ...f, impact, findingId: f.findingKey, findingRowId: null, description: f.remediation },
              ],
            },
            new Date(),
          ),
        );
      const r1 = await sync(4);
      const r2 = await sync(5);
      expect(r2.updated).toEqual(r1.created);
      const [risk] = await store.tenant(tenantId).read((c) => repo.listRisks(c));
      expect(risk).toMatchObject({ impact: 5, findingKey: 'nis2-supplier/GOV-001', inherentScore: 15 });
      expect(await store.tenant(tenantId).read((c) => repo.listRisks(c))).toHaveLength(1);
      expect(await store.tenant(tenantId).read((c) => repo.listRisks(c, vendorId))).toHaveLength(1);
    });
  });

  describe('audit chain', () => {
    it('appends linked entries, verifies, and refuses UPDATE and DELETE at the database', async () => {
      // Earlier tests may have audited already (the risk sync does): count from what is there.
      const prior = (await store.tenant(tenantId).read((c) => repo.listAudit(c))).length;
      await store.tenant(tenantId).write((tx) => {
        repo.appendAudit(tx, {
          actor: `user:${userId}`,
          action: 'vendor.created',
          target: `vendor:${vendorId}`,
        });
        repo.appendAudit(tx, {
          actor: 'system',
          action: 'assessment.sent',
          target: `assessment:${assessmentId}`,
        });
      });
      await Promise.all(
        [1, 2, 3, 4].map((i) =>
          store
            .tenant(tenantId)
            .write((tx) => repo.appendAudit(tx, { actor: 'system', action: `x.${i}`, target: 't' })),
        ),
      );
      const log = await store.tenant(tenantId).read((c) => repo.listAudit(c));
      expect(log.map((e) => e.seq)).toEqual(Array.from({ length: prior + 6 }, (_, i) => i + 1));
      expect(verifyChain(log)).toMatchObject({ ok: true, size: prior + 6 });
      expect(
        await store.tenant(tenantId).read((c) => repo.listAudit(c, { afterSeq: prior + 4 })),
      ).toHaveLength(2);

      const t = store.t;
      await expect(
        store.tenant(tenantId).write((tx) => {
          tx.write(tx.db.update(t.auditLog).set({ action: 'forged' }));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      await expect(
        store.tenant(tenantId).write((tx) => {
          tx.write(tx.db.delete(t.auditLog));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      expect(verifyChain(await store.tenant(tenantId).read((c) => repo.listAudit(c)))).toMatchObject({
        ok: true,
      });
    });
  });

  describe('signing keys and mail outbox', () => {
    it('stores keys, keeps one active key per purpose, and lists the published ones', async () => {
      const base = { alg: 'RS256', publicJwk: { kty: 'RSA' }, privateKeyEnc: 'enc' } as const;
      await store.global.write((tx) => {
        repo.insertSigningKey(tx, {
          ...base,
          kid: 'k1',
          purpose: 'link',
          status: 'active',
          activatedAt: new Date(),
          retiredAt: null,
        });
        repo.insertSigningKey(tx, {
          ...base,
          kid: 'k2',
          purpose: 'link',
          status: 'next',
          activatedAt: null,
          retiredAt: null,
        });
        repo.insertSigningKey(tx, {
          ...base,
          kid: 'k3',
          purpose: 'receipt',
          status: 'revoked',
          activatedAt: null,
          retiredAt: null,
        });
      });
      await expect(
        store.global.write((tx) =>
          repo.insertSigningKey(tx, {
            ...base,
            kid: 'k4',
            purpose: 'link',
            status: 'active',
            activatedAt: new Date(),
            retiredAt: null,
          }),
        ),
      ).rejects.toSatisfy((e: unknown) => isUniqueViolation(e));
      expect((await store.global.read((g) => repo.getActiveKey(g, 'link')))?.kid).toBe('k1');
      expect(
        (await store.global.read((g) => repo.listPublishedKeys(g, 'link'))).map((k) => k.kid).sort(),
      ).toEqual(['k1', 'k2']);
      await store.global.write((tx) => {
        repo.setKeyStatus(tx, 'k1', 'retired', new Date());
        repo.setKeyStatus(tx, 'k2', 'active', new Date());
      });
      expect((await store.global.read((g) => repo.getActiveKey(g, 'link')))?.kid).toBe('k2');
      expect(await store.global.read((g) => repo.listPublishedKeys(g))).toHaveLength(2);
    });

    it('queues mail once per dedupe key, claims it once, retries with backoff, and re-claims an expired lease', async () => {
      const now = new Date();
      const m = {
        tenantId,
        dedupeKey: 'invite:1',
        toAddress: 'v@x.example',
        subject: 'Hi',
        textBody: 'Body',
      };
      // A tenant's unit queues its tenant's mail; the sender (system: 'mail') claims and marks it.
      const tenant = store.tenant(tenantId);
      const sender = store.as({ system: 'mail' });
      expect((await tenant.write((tx) => repo.enqueueMail(tx, m, now))).rows).toHaveLength(1);
      expect((await tenant.write((tx) => repo.enqueueMail(tx, m, now))).rows).toHaveLength(0);
      const [a, b] = await Promise.all([
        sender.write((tx) => repo.claimDueMail(tx, now)),
        sender.write((tx) => repo.claimDueMail(tx, now)),
      ]);
      expect(a.rows.length + b.rows.length).toBe(1);
      const claimed = (a.rows[0] ?? b.rows[0])!;
      expect(claimed).toMatchObject({ status: 'sending', toAddress: 'v@x.example' });
      expect(claimed.leaseUntil!.getTime()).toBe(now.getTime() + repo.MAIL_LEASE_MS);
      // A wrong claim token changes nothing.
      await expect(
        sender.write((tx) => repo.markMailSent(tx, claimed.id, newId(), now)),
      ).rejects.toMatchObject({ guard: repo.MAIL_CLAIMED });
      await sender.write((tx) =>
        repo.markMailFailed(
          tx,
          claimed.id,
          claimed.claimToken!,
          1,
          'ECONNREFUSED',
          new Date(now.getTime() + 1000),
        ),
      );
      expect((await sender.write((tx) => repo.claimDueMail(tx, now))).rows).toHaveLength(0);
      const retry = (await sender.write((tx) => repo.claimDueMail(tx, new Date(now.getTime() + 1000)))).rows;
      expect(retry).toHaveLength(1);
      // The sender dies: nobody marks it. Within the lease nobody else takes it; after it, one does.
      const during = new Date(now.getTime() + 1000 + repo.MAIL_LEASE_MS - 1);
      expect((await sender.write((tx) => repo.claimDueMail(tx, during))).rows).toHaveLength(0);
      const after = new Date(now.getTime() + 1000 + repo.MAIL_LEASE_MS);
      const reclaimed = (await sender.write((tx) => repo.claimDueMail(tx, after))).rows;
      expect(reclaimed).toHaveLength(1);
      expect(reclaimed[0]!.claimToken).not.toBe(retry[0]!.claimToken);
      // The dead sender's late success is refused; the new claim's is taken.
      await expect(
        sender.write((tx) => repo.markMailSent(tx, claimed.id, retry[0]!.claimToken!, after)),
      ).rejects.toBeInstanceOf(GuardError);
      await sender.write((tx) => repo.markMailSent(tx, claimed.id, reclaimed[0]!.claimToken!, after));
      const all = await sender.read((g) => repo.listMail(g));
      expect(all[0]).toMatchObject({
        status: 'sent',
        attempts: 1,
        lastError: 'ECONNREFUSED',
        leaseUntil: null,
      });
    });
  });

  it('rolls back every statement of a failed unit of work', async () => {
    await expect(
      store.tenant(tenantId).write((tx) => {
        repo.insertVendor(tx, { name: 'Half-written' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'Half-written'))).toBeNull();
    // A failing statement late in the unit undoes the earlier ones too.
    await expect(
      store.tenant(tenantId).write((tx) => {
        repo.insertVendor(tx, { name: 'First of two' });
        repo.insertVendor(tx, { name: 'Cloudy Ltd' }); // taken
      }),
    ).rejects.toSatisfy((e: unknown) => isUniqueViolation(e));
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'First of two'))).toBeNull();
    // So does a guard that fails, and the audit entries queued with it.
    const before = (await store.tenant(tenantId).read((c) => repo.listAudit(c))).length;
    await expect(
      store.tenant(tenantId).write((tx) => {
        repo.insertVendor(tx, { name: 'Guarded' });
        tx.audit({ actor: 'system', action: 'vendor.created', target: 'vendor:x' });
        repo.updateVendor(tx, newId(), { website: 'x' });
      }),
    ).rejects.toBeInstanceOf(GuardError);
    expect(await store.tenant(tenantId).read((c) => repo.findVendorByName(c, 'Guarded'))).toBeNull();
    expect(await store.tenant(tenantId).read((c) => repo.listAudit(c))).toHaveLength(before);
  });
});
