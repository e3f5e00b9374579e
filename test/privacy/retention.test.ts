/**
 * Retention and legal hold, on SQLite and PostgreSQL: the settings page and the holds page through
 * app.request() (permissions, bad input, escaping, audit entries), and the retention run: expired
 * assessments go with their answers, evidence rows and blobs, leaving one audit entry with the files'
 * SHA-256 and a verifying chain; a legal hold on the vendor or the assessment stops it, even one placed
 * after the run read its list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/audit/chain.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import { GuardError, type Store } from '../../src/db/store.js';
import { evidenceBlobAddress, storeEvidence } from '../../src/evidence/evidence.js';
import { JOBS } from '../../src/jobs/registry.js';
import { queueMail } from '../../src/mail/queue.js';
import { applyRetention } from '../../src/privacy/retention.js';
import { type Fixture, fixture, newAssessment, pdf, uploadRequest } from '../evidence/support.js';
import { ensureTestContact } from '../support/contacts.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { client, member } from './support.js';

forEachDialect(
  'retention and legal hold',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let f: Fixture;
    let admin: ReturnType<typeof client>;
    let adminId: string;
    const now = () => new Date();

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      f = await fixture(store);
      const m = await member(store, f.tenantId, 'admin');
      adminId = m.userId;
      admin = client(f.app, m.cookie);
    }, 60_000);
    afterAll(() => ts.close());

    const audit = (tenantId = f.tenantId) => store.tenant(tenantId).read((tx) => repo.listAudit(tx));

    describe('settings page', () => {
      it('shows the defaults, saves a valid policy with an audit entry', async () => {
        const page = await admin.get('/app/settings/retention');
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('<h1>Retention</h1>');
        expect(html).toMatch(/name="assessmentYears"[^>]*value="6"/);
        expect(html).toMatch(/name="securityEventDays"[^>]*value="365"/);
        const saved = await admin.post('/app/settings/retention', {
          assessmentYears: '5',
          securityEventDays: '120',
        });
        expect(saved.status).toBe(200);
        expect(await saved.text()).toContain('Retention periods saved.');
        expect(await store.tenant(f.tenantId).read((tx) => repo.getRetentionPolicy(tx))).toMatchObject({
          assessmentYears: 5,
          securityEventDays: 120,
          updatedBy: `user:${adminId}`,
        });
        expect((await audit()).at(-1)).toMatchObject({
          action: 'retention.policy_set',
          actor: `user:${adminId}`,
          data: { assessment_years: 5, security_event_days: 120 },
        });
      });

      it.each([
        [{ assessmentYears: '0', securityEventDays: '120' }, /at least 1 year/],
        [{ assessmentYears: '31', securityEventDays: '120' }, /At most 30 years/],
        [{ assessmentYears: 'six', securityEventDays: '120' }, /whole number of years/],
        [{ assessmentYears: '2.5', securityEventDays: '120' }, /whole number of years/],
        [{ assessmentYears: '5', securityEventDays: '89' }, /at least 90 days/],
        [{ assessmentYears: '5' }, /whole number of days|at least 90 days/],
      ])('refuses %j with 422 and a message; nothing changes', async (form, message) => {
        const before = (await audit()).length;
        const res = await admin.post('/app/settings/retention', form as Record<string, string>);
        expect(res.status).toBe(422);
        expect(await res.text()).toMatch(message);
        expect((await audit()).length).toBe(before);
        expect(await store.tenant(f.tenantId).read((tx) => repo.getRetentionPolicy(tx))).toMatchObject({
          assessmentYears: 5,
          securityEventDays: 120,
        });
      });

      it('is for admins only: a compliance manager gets 403 on both the page and the form', async () => {
        const cm = client(f.app, (await member(store, f.tenantId, 'compliance_manager')).cookie);
        expect((await cm.get('/app/settings/retention')).status).toBe(403);
        expect(
          (await cm.post('/app/settings/retention', { assessmentYears: '1', securityEventDays: '90' }))
            .status,
        ).toBe(403);
      });
    });

    describe('legal holds page', () => {
      it('places a hold on a vendor (audited by id only; the reference renders inert), refuses a second, releases it', async () => {
        const aid = await newAssessment(store, f.tenantId);
        const a = await store.tenant(f.tenantId).read((tx) => repo.getAssessment(tx, aid));
        const reference = '<script>alert(1)</script> Case 42';
        const res = await admin.post('/app/privacy/holds', {
          targetType: 'vendor',
          targetId: a!.vendorId,
          reference,
        });
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).toContain('Legal hold placed on the vendor.');
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Case 42');
        expect(html).not.toContain('<script>alert(1)');
        const holds = await store.tenant(f.tenantId).read((tx) => repo.listLegalHolds(tx));
        const hold = holds.find((h) => h.targetId === a!.vendorId)!;
        const placed = (await audit()).at(-1)!;
        expect(placed).toMatchObject({
          action: 'legal_hold.placed',
          target: `vendor:${a!.vendorId}`,
          data: { hold: hold.id },
        });
        expect(JSON.stringify(placed)).not.toContain('Case 42');

        const again = await admin.post('/app/privacy/holds', {
          targetType: 'vendor',
          targetId: a!.vendorId,
          reference: '',
        });
        expect(again.status).toBe(409);
        expect(await again.text()).toContain('already under a legal hold');

        const n = (await audit()).length;
        const released = await admin.post(`/app/privacy/holds/${hold.id}/release`);
        expect(released.status).toBe(200);
        expect(await released.text()).toContain('Legal hold released.');
        expect((await audit()).at(-1)).toMatchObject({
          action: 'legal_hold.released',
          target: `vendor:${a!.vendorId}`,
        });
        expect((await audit()).length).toBe(n + 1);
        const twice = await admin.post(`/app/privacy/holds/${hold.id}/release`);
        expect(twice.status).toBe(404);
        expect((await audit()).length).toBe(n + 1);
      });

      it("refuses an unknown id, another tenant's assessment, a bad target type, an over-long reference", async () => {
        const before = (await audit()).length;
        const holds = async () =>
          (await store.tenant(f.tenantId).read((tx) => repo.listLegalHolds(tx))).length;
        const count = await holds();
        const cases: [Record<string, string>, number, RegExp][] = [
          [
            { targetType: 'vendor', targetId: '00000000-0000-4000-8000-000000000000', reference: '' },
            404,
            /No vendor with that id/,
          ],
          [
            { targetType: 'assessment', targetId: f.other.assessmentId, reference: '' },
            404,
            /No assessment with that id/,
          ],
          [
            { targetType: 'assessment', targetId: 'not an id', reference: '' },
            404,
            /No assessment with that id/,
          ],
          [
            { targetType: 'tenant', targetId: f.assessmentId, reference: '' },
            422,
            /Choose a vendor or an assessment/,
          ],
          [{ targetType: 'assessment', targetId: '', reference: '' }, 422, /Enter the id/],
          [
            { targetType: 'assessment', targetId: f.assessmentId, reference: 'x'.repeat(201) },
            422,
            /under 200 characters/,
          ],
        ];
        for (const [form, status, message] of cases) {
          const res = await admin.post('/app/privacy/holds', form);
          expect(res.status, JSON.stringify(form)).toBe(status);
          expect(await res.text()).toMatch(message);
        }
        expect((await admin.post('/app/privacy/holds/not-a-hold/release')).status).toBe(404);
        expect(await holds()).toBe(count);
        expect((await audit()).length).toBe(before);
      });

      it('needs privacy.manage: an auditor and a compliance manager get 403', async () => {
        for (const role of ['auditor', 'compliance_manager'] as const) {
          const c = client(f.app, (await member(store, f.tenantId, role)).cookie);
          expect((await c.get('/app/privacy/holds')).status).toBe(403);
          expect(
            (await c.post('/app/privacy/holds', { targetType: 'assessment', targetId: f.assessmentId }))
              .status,
          ).toBe(403);
        }
      });
    });

    describe('the retention run', () => {
      /** An assessment with one answer and one evidence file, its vendor offboarded `yearsAgo` years ago. */
      async function offboarded(yearsAgo: number) {
        const aid = await newAssessment(store, f.tenantId);
        const e = await storeEvidence(
          f.platform,
          { tenantId: f.tenantId, assessmentId: aid, questionId: 'gov.isms', uploadedBy: 'vendor:x' },
          uploadRequest('report.pdf', pdf(`report ${aid}`)),
        );
        const row = await store.tenant(f.tenantId).read((tx) => repo.getEvidenceAnyState(tx, e.id));
        const blob = await evidenceBlobAddress(f.platform, f.tenantId, row!);
        const [tenant, name] = blob.split('/') as [string, string];
        const blobFile = path.join(f.blobDir, tenant, name.slice(0, 2), name);
        const a = (await store.tenant(f.tenantId).read((tx) => repo.getAssessment(tx, aid)))!;
        const ended = new Date();
        ended.setUTCFullYear(ended.getUTCFullYear() - yearsAgo);
        await store.tenant(f.tenantId).write((tx) => {
          tx.write(
            tx.db
              .update(tx.t.vendors)
              .set({ status: 'offboarded', updatedAt: ended })
              .where(and(eq(tx.t.vendors.tenantId, tx.tenantId), eq(tx.t.vendors.id, a.vendorId))),
          );
          tx.write(
            tx.db.insert(tx.t.answers).values({
              tenantId: tx.tenantId,
              assessmentId: aid,
              key: 'gov.isms',
              value: 'yes',
              updatedAt: new Date(),
            }),
          );
        });
        return { aid, vendorId: a.vendorId, evidence: e, blobFile };
      }
      const rowsOf = (aid: string) =>
        store.tenant(f.tenantId).read(async (tx) => ({
          assessment: await repo.getAssessment(tx, aid),
          answers: (await tx.db.select().from(tx.t.answers).where(eq(tx.t.answers.assessmentId, aid))).length,
          evidence: (await tx.db.select().from(tx.t.evidence).where(eq(tx.t.evidence.assessmentId, aid)))
            .length,
        }));

      it('deletes what has expired (rows and files), leaves the held, the recent and the active alone', async () => {
        // Policy: 5 years (set above).
        const expired = await offboarded(6);
        const heldVendor = await offboarded(6);
        const heldAssessment = await offboarded(6);
        const recent = await offboarded(2);
        const active = await newAssessment(store, f.tenantId);
        for (const [type, id] of [
          ['vendor', heldVendor.vendorId],
          ['assessment', heldAssessment.aid],
        ] as const) {
          expect(
            (await admin.post('/app/privacy/holds', { targetType: type, targetId: id, reference: '' }))
              .status,
          ).toBe(200);
        }
        expect(fs.existsSync(expired.blobFile)).toBe(true);

        const run = await applyRetention(f.platform, f.tenantId, now());
        expect(run.deleted).toEqual([expired.aid]);
        expect(await rowsOf(expired.aid)).toEqual({ assessment: null, answers: 0, evidence: 0 });
        expect(fs.existsSync(expired.blobFile)).toBe(false);
        for (const kept of [heldVendor, heldAssessment, recent]) {
          expect(await rowsOf(kept.aid)).toMatchObject({ answers: 1, evidence: 1 });
          expect(fs.existsSync(kept.blobFile)).toBe(true);
        }
        expect((await rowsOf(active)).assessment).not.toBeNull();

        const chain = await audit();
        const entry = chain.find(
          (e) => e.action === 'retention.deleted' && e.target === `assessment:${expired.aid}`,
        );
        expect(entry).toMatchObject({
          actor: 'system:retention',
          data: {
            vendor: expired.vendorId,
            assessment_years: 5,
            evidence: [{ id: expired.evidence.id, data_sha256: expired.evidence.sha256 }],
          },
        });
        // The upload's own audit entry is still there, with its hash; the chain verifies.
        expect(chain.find((e) => e.target === `evidence:${expired.evidence.id}`)?.data).toMatchObject({
          data_sha256: expired.evidence.sha256,
        });
        expect(verifyChain(chain)).toMatchObject({ ok: true });

        // Released, the hold no longer protects: the next run deletes.
        const hold = (await store.tenant(f.tenantId).read((tx) => repo.listLegalHolds(tx))).find(
          (h) => h.targetId === heldVendor.vendorId,
        )!;
        expect((await admin.post(`/app/privacy/holds/${hold.id}/release`)).status).toBe(200);
        const second = await applyRetention(f.platform, f.tenantId, now());
        expect(second.deleted).toEqual([heldVendor.aid]);
        expect((await rowsOf(heldAssessment.aid)).assessment).not.toBeNull();
        // Nothing else expired: a third run deletes nothing.
        expect((await applyRetention(f.platform, f.tenantId, now())).deleted).toEqual([]);
      });

      it('then deletes the offboarded vendor itself: risks with history and acceptances, contacts, queued mail; a held vendor stays', async () => {
        const gone = await offboarded(6);
        const held = await offboarded(6);
        const address = `ola.nordmann-${newId().slice(0, 6)}@vendor.example`;
        for (const v of [gone, held]) {
          const contactId = await ensureTestContact(store, f.tenantId, v.vendorId, address, 'Ola Nordmann');
          await store.tenant(f.tenantId).write((tx) => {
            const riskId = newId();
            tx.write(
              tx.db.insert(tx.t.risks).values({
                id: riskId,
                tenantId: tx.tenantId,
                vendorId: v.vendorId,
                findingKey: `manual/${riskId}`,
                origin: 'manual',
                title: 'Weak backups',
                assessmentId: v.aid,
                likelihood: 3,
                impact: 3,
                inherentRating: 'medium',
                updatedAt: new Date(),
              }),
            );
            repo.insertHistory(
              tx,
              riskId,
              `user:${adminId}`,
              [{ field: 'status', fromValue: null, toValue: 'open' }],
              new Date(),
            );
            repo.insertAcceptance(
              tx,
              {
                id: newId(),
                riskId,
                justification: 'Compensating control',
                expiresOn: '2099-01-01',
                proposedBy: adminId,
              },
              new Date(),
            );
            queueMail(tx, {
              tenantId: tx.tenantId,
              dedupeKey: `test:${contactId}`,
              to: address,
              email: { subject: 'Hello Ola', text: 'Dear Ola Nordmann', html: '' },
            });
          });
        }
        expect(
          (
            await admin.post('/app/privacy/holds', {
              targetType: 'vendor',
              targetId: held.vendorId,
              reference: '',
            })
          ).status,
        ).toBe(200);
        const run = await applyRetention(f.platform, f.tenantId, now());
        expect(run.deleted).toContain(gone.aid);
        expect(run.vendors).toContain(gone.vendorId);
        expect(run.vendors).not.toContain(held.vendorId);
        const left = (vendorId: string) =>
          store.tenant(f.tenantId).read(async (tx) => ({
            vendor: await repo.getVendor(tx, vendorId),
            risks: (await repo.listRisks(tx, vendorId)).length,
            contacts: (await repo.listContacts(tx, vendorId, { withErased: true })).length,
          }));
        expect(await left(gone.vendorId)).toEqual({ vendor: null, risks: 0, contacts: 0 });
        expect(await left(held.vendorId)).toMatchObject({ risks: 1, contacts: 2 });
        // The person is still a contact of the held vendor: the mail to them (one per vendor) stays.
        const mails = await store.tenant(f.tenantId).read((tx) => repo.mailTo(tx, address));
        expect(mails).toHaveLength(2);
        const entry = (await audit()).find(
          (e) => e.action === 'retention.deleted' && e.target === `vendor:${gone.vendorId}`,
        );
        expect(entry?.data).toMatchObject({ risks: [expect.any(String)], contacts: expect.any(Array) });
        expect(JSON.stringify(entry)).not.toMatch(/ola|nordmann/i);
        expect(verifyChain(await audit())).toMatchObject({ ok: true });
        // Released, the held vendor goes on the next run, and with it the last mail to the person.
        const hold = (await store.tenant(f.tenantId).read((tx) => repo.listLegalHolds(tx))).find(
          (h) => h.targetId === held.vendorId,
        )!;
        expect((await admin.post(`/app/privacy/holds/${hold.id}/release`)).status).toBe(200);
        expect((await applyRetention(f.platform, f.tenantId, now())).vendors).toContain(held.vendorId);
        expect(await left(held.vendorId)).toEqual({ vendor: null, risks: 0, contacts: 0 });
        expect(await store.tenant(f.tenantId).read((tx) => repo.mailTo(tx, address))).toEqual([]);
      });

      it('a vendor that never had an assessment: deleted when expired, kept under a hold', async () => {
        const ended = new Date();
        ended.setUTCFullYear(ended.getUTCFullYear() - 6);
        const [bare, heldBare] = await store.tenant(f.tenantId).write((tx) => {
          const ids = [1, 2].map(() => repo.insertVendor(tx, { name: `Bare ${newId().slice(0, 8)}` }).id);
          tx.write(
            tx.db
              .update(tx.t.vendors)
              .set({ status: 'offboarded', updatedAt: ended })
              .where(and(eq(tx.t.vendors.tenantId, tx.tenantId), inArray(tx.t.vendors.id, ids))),
          );
          return ids as [string, string];
        });
        expect(
          (
            await admin.post('/app/privacy/holds', {
              targetType: 'vendor',
              targetId: heldBare,
              reference: '',
            })
          ).status,
        ).toBe(200);
        const run = await applyRetention(f.platform, f.tenantId, now());
        expect(run.vendors).toContain(bare);
        expect(run.vendors).not.toContain(heldBare);
        expect(await store.tenant(f.tenantId).read((tx) => repo.getVendor(tx, bare))).toBeNull();
        expect(await store.tenant(f.tenantId).read((tx) => repo.getVendor(tx, heldBare))).not.toBeNull();
      });

      it('a hold placed after the run read its list still stops the deletion (the guard in the DELETE)', async () => {
        const late = await offboarded(6);
        const listed = await store
          .tenant(f.tenantId)
          .read((tx) => repo.expiredAssessments(tx, new Date(Date.now() - 5 * 366 * 86_400_000)));
        expect(listed.map((a) => a.id)).toContain(late.aid);
        expect(
          (
            await admin.post('/app/privacy/holds', {
              targetType: 'assessment',
              targetId: late.aid,
              reference: '',
            })
          ).status,
        ).toBe(200);
        const err = await store
          .tenant(f.tenantId)
          .write((tx) => {
            repo.deleteAssessmentTree(tx, late.aid);
          })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GuardError);
        expect((err as GuardError).guard).toBe(repo.NOT_HELD);
        // All or nothing: the children are still there.
        expect(await rowsOf(late.aid)).toMatchObject({ answers: 1, evidence: 1 });
      });

      it('is a daily job in the registry, and runs over every tenant', async () => {
        const job = JOBS.find((j) => j.name === 'privacy.retention');
        expect(job?.every).toBe('daily');
        const gone = await offboarded(7);
        await job!.run({ ...f.platform, baseUrl: 'http://localhost:8787' }, now());
        expect((await rowsOf(gone.aid)).assessment).toBeNull();
        // Another tenant's data is untouched (its policy, its vendors).
        expect(
          await store.tenant(f.other.tenantId).read((tx) => repo.getAssessment(tx, f.other.assessmentId)),
        ).not.toBeNull();
      });

      it('purges security events older than the period, never younger than 90 days', async () => {
        const day = 24 * 60 * 60_000;
        const at = (daysAgo: number) => new Date(now().getTime() - daysAgo * day);
        await store.tenant(f.tenantId).write((tx) => {
          repo.recordSecurityEvent(tx, {
            kind: 'sign_in_failed',
            userId: null,
            address: '192.0.2.7',
            at: at(400),
          });
          repo.recordSecurityEvent(tx, {
            kind: 'sign_in_failed',
            userId: null,
            address: '192.0.2.8',
            at: at(100),
          });
        });
        const addresses = async () =>
          (
            await store
              .tenant(f.tenantId)
              .read((tx) =>
                tx.db.select().from(tx.t.securityEvents).where(eq(tx.t.securityEvents.tenantId, tx.tenantId)),
              )
          )
            .map((e) => e.address)
            .filter((a) => a === '192.0.2.7' || a === '192.0.2.8');
        await applyRetention(f.platform, f.tenantId, now());
        // The default period (365 days) removes the 400-day-old event and keeps the 100-day-old one.
        expect(await addresses()).toEqual(['192.0.2.8']);
      });
    });
  },
  ['sqlite', 'pg'],
);
