/**
 * Reviewing a submission (issue 8, "Assessments"): the whole loop through app.request() on SQLite and
 * PostgreSQL with a real SMTP server — submit, review (visibility applied, rating, evidence, findings
 * with their rules), request changes on two questions, the mail with a fresh link, the vendor sees the
 * comments (never the internal notes), changes an answer, resubmits (a new receipt that verifies, once
 * under concurrent clicks), mark reviewed; re-assessment with carried answers and the diff; every bad
 * input refused with 4xx and nothing written; markup inert.
 */
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { createApp } from '../../src/app.js';
import { matchesKeyedValue } from '../../src/audit/keyed-digest.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import { sha256Hex } from '../../src/crypto/hash.js';
import { saveAnswer } from '../../src/db/repo/answers.js';
import { getAssessment, touchAnswers } from '../../src/db/repo/assessments.js';
import { listAudit } from '../../src/db/repo/audit.js';
import { listEvidence } from '../../src/db/repo/evidence.js';
import { listFindings } from '../../src/db/repo/findings.js';
import { listReviewNotes } from '../../src/db/repo/review-notes.js';
import { listHistory, listRisks } from '../../src/db/repo/risks.js';
import { addMembership, ensureUser } from '../../src/db/repo/users.js';
import { listVendorLinks } from '../../src/db/repo/vendor-links.js';
import type { Role } from '../../src/db/tables.js';
import { storeEvidence } from '../../src/evidence/evidence.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { publicJwks } from '../../src/keys/signing-keys.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { evaluate } from '../../src/questionnaire/index.js';
import { verifyReceipt } from '../../src/vendor/receipts.js';
import { runEvidenceValidity } from '../../src/workspace/evidence-validity.js';
import { pdf, uploadRequest } from '../evidence/support.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastLinkTo, outbox, seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { TestSmtp } from '../support/smtp.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const MARKUP = '<img src=x onerror=alert(1)>';

forEachDialect(
  'assessment review',
  (dialect: Dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    let smtp: TestSmtp;
    let mail: MailPort;
    let now = new Date('2030-03-01T10:00:00Z');

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      tenantId = await seedTenant(ts.store, 'Acme', now);
      smtp = await new TestSmtp().start();
      mail = smtpMail({ url: smtp.url, from: 'assay@assay.test' });
    }, 120_000);
    afterAll(async () => {
      await mail.close();
      await smtp.stop();
      await ts.close();
    });
    beforeEach(async () => {
      now = new Date(now.getTime() + 24 * 3_600_000);
      platform = await testPlatform(ts.store, {
        now: () => now,
        rateLimits: new MemoryRateLimitStore(),
        mail,
      });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });

    const row = (aid: string) => ts.store.tenant(tenantId).read((c) => getAssessment(c, aid));
    const audit = async (action: string, aid: string) =>
      (await ts.store.tenant(tenantId).read((c) => listAudit(c))).filter(
        (e) => e.action === action && e.target === `assessment:${aid}`,
      );

    /** A signed-in member of `tenant` with `role`: a browser holding the session cookie. */
    async function member(role: Role, tenant = tenantId) {
      const token = await ts.store.tenant(tenant, { system: 'cli' }).write(async (tx) => {
        const user = await ensureUser(tx, `${role}-${Math.random().toString(36).slice(2, 8)}@acme.example`);
        addMembership(tx, user.id, role);
        return startMemberSession(tx, user.id, tenant, now).token;
      });
      const b = browser(app);
      b.jar.set(MEMBER_COOKIE, token);
      return b;
    }

    /** Posts a form whose keys may repeat (ticked checkboxes). */
    const postPairs = (b: ReturnType<typeof browser>, path: string, pairs: Array<[string, string]>) =>
      b.send(path, {
        method: 'POST',
        body: new URLSearchParams(pairs).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });

    /** Delivers what the outbox holds through the real SMTP server; returns what reached `to`. */
    async function deliver(to: string) {
      const sender = createMailSender({
        store: ts.store,
        mail,
        clock: { now: () => now },
        logger: createLogger({ level: 'silent' }),
        random: () => 0.5,
      });
      while ((await sender.runOnce()).claimed > 0) {}
      return smtp.received.filter((r) => r.envelope.to.includes(to));
    }

    /** Sends, redeems in a fresh browser, answers everything, uploads what is asked for, and submits. */
    async function submitted(overrides: (today: string) => Record<string, string> = () => ({})) {
      const sent = await send(platform, tenantId);
      const vendor = browser(app);
      expect((await vendor.post(await lastLinkTo(ts.store, JANE), {})).status).toBe(303);
      const q = shippedLibrary().get(sent.questionnaireRef)!;
      const today = now.toISOString().slice(0, 10);
      const stored = {
        ...Object.fromEntries(
          Object.entries(sampleAnswers(q, today)).filter(
            ([k]) => !k.endsWith('#evidence') && q.questions.get(k)?.type !== 'file',
          ),
        ),
        ...overrides(today),
      };
      await ts.store.tenant(tenantId).write((tx) => {
        for (const [k, v] of Object.entries(stored)) saveAnswer(tx, sent.assessmentId, k, v, now);
        touchAnswers(tx, sent.assessmentId, now);
      });
      await uploadAsked(sent.assessmentId, q, stored);
      const base = `/v/a/${sent.assessmentId}`;
      expect((await vendor.post(`${base}/submit`, {})).status).toBe(303);
      const evaluation = evaluate(q, stored, today);
      // Two plain text questions the answers show: where changes will be requested.
      const texts = q.sections
        .flatMap((s) => s.questions)
        .filter(
          (x) =>
            x.type === 'text' && !x.context && x.validate.length === 0 && evaluation.questions[x.id]?.visible,
        );
      const hidden = [...q.questions.values()].find((x) => evaluation.questions[x.id]?.visible === false);
      return { ...sent, q, vendor, base, stored, texts, hidden };
    }

    async function uploadAsked(
      assessmentId: string,
      q: ReturnType<ReturnType<typeof shippedLibrary>['get']> & object,
      stored: Record<string, unknown>,
    ) {
      const target = { tenantId, assessmentId, uploadedBy: 'vendor:test' };
      for (const issue of evaluate(q, stored as never, now.toISOString().slice(0, 10)).issues) {
        if (issue.kind !== 'evidence-required' && q.questions.get(issue.questionId)?.type !== 'file')
          continue;
        await storeEvidence(
          platform,
          { ...target, questionId: issue.questionId },
          uploadRequest('policy.pdf', pdf()),
        );
      }
    }

    it('runs the whole loop: review, request changes on two questions, mail, portal, resubmit, reviewed', async () => {
      const s = await submitted();
      const reviewer = await member('analyst');
      const path = `/app/assessments/${s.assessmentId}/review`;
      const first = (await row(s.assessmentId))!;

      // The review page: rating first, score, band, sections, findings with rules, evidence with SHA-256.
      const page = await reviewer.get(path);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`>${first.rating}<`);
      expect(html).toContain(first.answersHash!);
      const files = await ts.store.tenant(tenantId).read((c) => listEvidence(c, s.assessmentId));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(html).toContain(f.sha256);
      expect(html).toMatch(/href="\/files\/[^"]+" download>policy\.pdf</);
      // Visibility applied: a question the answers hide is not on the page.
      expect(s.hidden).toBeTruthy();
      expect(html).not.toContain(`id="q-${s.hidden!.id}"`);
      expect(s.texts.length).toBeGreaterThanOrEqual(2);
      const [a, b] = s.texts as [(typeof s.texts)[0], (typeof s.texts)[0]];
      expect(html).toContain(`id="q-${a.id}"`);

      // An internal note, with markup: stored, shown inert, never in the portal.
      const noted = await reviewer.post(`${path}/notes`, { note: `Internal only ${MARKUP}` });
      expect(noted.status).toBe(303);
      const withNote = await (await reviewer.get(path)).text();
      expect(withNote).toContain('Internal only &lt;img src=x onerror=alert(1)&gt;');
      expect(withNote).not.toContain(MARKUP);
      const noteEntry = (await audit('assessment.review_note_added', s.assessmentId))[0]!;
      const nd = noteEntry.data as { body_hmac: string; hmac_key: string };
      expect(Object.keys(nd)).not.toContain('body_sha256');
      expect(
        await matchesKeyedValue(
          platform,
          tenantId,
          ['assessment.review_note_added', noteEntry.target, (noteEntry.data as { note: string }).note],
          { value_hmac: nd.body_hmac, hmac_key: nd.hmac_key },
          `Internal only ${MARKUP}`,
        ),
      ).toBe(true);

      // Answers are refused while submitted.
      const rows0 = await ts.store.tenant(tenantId).read((c) => c.db.select().from(c.t.answers));
      const revA = rows0.find((r) => r.assessmentId === s.assessmentId && r.key === a.id)!.revision;
      const refused = await s.vendor.post(`${s.base}/answer/${encodeURIComponent(a.id)}`, {
        [a.id]: 'too late',
        [`_rev.${a.id}`]: String(revA),
      });
      expect(refused.status).toBe(409);

      // Request changes on two questions.
      const asked = await postPairs(reviewer, `${path}/changes`, [
        ['pick', a.id],
        ['pick', b.id],
        [`comment.${a.id}`, `Please name the policy ${MARKUP}`],
        [`comment.${b.id}`, 'Say who approves it.'],
      ]);
      expect(asked.status).toBe(303);
      const sentBack = (await row(s.assessmentId))!;
      expect(sentBack).toMatchObject({ status: 'changes_requested', receipt: null });
      expect(await audit('assessment.changes_requested', s.assessmentId)).toHaveLength(1);
      const entry = (await audit('assessment.changes_requested', s.assessmentId))[0]!;
      expect(JSON.stringify(entry.data)).not.toContain('policy');
      // The comments as keyed digests (docs/audit.md "Keyed digests"), not a plain SHA-256 to guess at.
      const data = entry.data as { comments_hmac: string[]; hmac_key: string };
      expect(Object.keys(data)).not.toContain('comments_sha256');
      expect(data.comments_hmac).toHaveLength(2);
      expect(data.comments_hmac[1]).not.toBe(sha256Hex(canonicalize('Say who approves it.')!));
      expect(
        await matchesKeyedValue(
          platform,
          tenantId,
          ['assessment.changes_requested', entry.target, b.id],
          { value_hmac: data.comments_hmac[1], hmac_key: data.hmac_key },
          'Say who approves it.',
        ),
      ).toBe(true);

      // The mail, over real SMTP, with a fresh single-use link; the old session's link is revoked.
      const got = await deliver(JANE);
      const changed = got.find((m) => /changes requested/.test(m.mail.subject ?? ''));
      expect(changed).toBeTruthy();
      const link = changed!.mail.text!.match(/https:\/\/assay\.test(\/v\/[A-Za-z0-9_.-]+)/)![1]!;
      const links = await ts.store.tenant(tenantId).read((c) => listVendorLinks(c, s.assessmentId));
      expect(links.filter((l) => !l.revokedAt && !l.consumedAt)).toHaveLength(1);
      const vendor = browser(app);
      expect((await vendor.post(link, {})).status).toBe(303);
      // Single use: the same link again is refused.
      expect((await browser(app).post(link, {})).status).toBe(410);

      // The vendor sees the comments next to those questions, markup inert, and never the note.
      const section = await (await vendor.get(`${s.base}/s/${encodeURIComponent(a.sectionId)}`)).text();
      expect(section).toContain('Please name the policy &lt;img src=x onerror=alert(1)&gt;');
      expect(section).not.toContain(MARKUP);
      expect(section).not.toContain('Internal only');
      const sectionB = await (await vendor.get(`${s.base}/s/${encodeURIComponent(b.sectionId)}`)).text();
      expect(sectionB).toContain('Say who approves it.');
      expect(await (await vendor.get(`${s.base}/review`)).text()).not.toContain('Internal only');

      // Answers are accepted again; the status stays "changes requested" until resubmission.
      const ok = await vendor.post(`${s.base}/answer/${encodeURIComponent(a.id)}`, {
        [a.id]: 'Information security policy v3',
        [`_rev.${a.id}`]: String(revA),
      });
      expect(ok.status).toBe(200);
      expect((await row(s.assessmentId))!.status).toBe('changes_requested');

      // Two concurrent resubmissions: one new receipt, one audit entry, one receipt mail.
      const results = await Promise.all([
        vendor.post(`${s.base}/submit`, {}),
        vendor.post(`${s.base}/submit`, {}),
      ]);
      expect(results.map((r) => r.status)).toEqual([303, 303]);
      const again = (await row(s.assessmentId))!;
      expect(again.status).toBe('submitted');
      expect(again.receipt).toBeTruthy();
      expect(again.receipt).not.toBe(first.receipt);
      expect(again.answersHash).not.toBe(first.answersHash);
      expect(await audit('assessment.resubmitted', s.assessmentId)).toHaveLength(1);
      const receiptMails = (await outbox(ts.store)).filter((m) =>
        m.dedupeKey.startsWith(`receipt:${s.assessmentId}:`),
      );
      expect(receiptMails).toHaveLength(2);
      const checked = await verifyReceipt(
        await publicJwks(ts.store, { purpose: 'receipt', now }),
        again.receipt!,
      );
      expect(checked).toMatchObject({ ok: true, payload: { answers: { digest: again.answersHash } } });
      // The change requests are answered; the portal no longer shows them.
      const notes = await ts.store.tenant(tenantId).read((c) => listReviewNotes(c, s.assessmentId));
      expect(notes.filter((n) => n.kind === 'change_request' && n.resolvedAt)).toHaveLength(2);

      // Mark reviewed; a second time is refused (no longer submitted).
      expect((await reviewer.post(`${path}/reviewed`, {})).status).toBe(303);
      expect((await row(s.assessmentId))!.status).toBe('reviewed');
      expect((await reviewer.post(`${path}/reviewed`, {})).status).toBe(409);
      expect(await audit('assessment.reviewed', s.assessmentId)).toHaveLength(1);
    });

    it('the review is reachable from the assessment page, the list, the vendor page and a finding’s risk', async () => {
      const s = await submitted();
      const viewer = await member('viewer');
      const review = `/app/assessments/${s.assessmentId}/review`;
      const page = await (await viewer.get(`/app/assessments/${s.assessmentId}`)).text();
      expect(page).toContain(`href="${review}"`);
      expect(page).toContain('Review the submission');
      expect(await (await viewer.get('/app/assessments')).text()).toContain(`href="${review}"`);
      const vendorPage = await (await viewer.get(`/app/vendors/${s.vendorId}`)).text();
      expect(vendorPage).toContain(`href="${review}"`);
      expect(vendorPage).toContain(`href="/app/assessments/${s.assessmentId}"`);
      const risk = (await ts.store.tenant(tenantId).read((c) => listRisks(c, s.vendorId))).find(
        (r) => r.assessmentId === s.assessmentId && r.questionId,
      )!;
      const riskPage = await (await viewer.get(`/app/risks/${risk.id}`)).text();
      expect(riskPage).toContain(`href="${review}#q-${risk.questionId}"`);
      expect((await viewer.get(review)).status).toBe(200);
      // An assessment still being answered links to the answers so far.
      const open = await send(platform, tenantId);
      expect(await (await viewer.get(`/app/assessments/${open.assessmentId}`)).text()).toContain(
        'See the answers so far',
      );
    });

    it('refuses every bad input with 4xx and changes nothing', async () => {
      const s = await submitted();
      const reviewer = await member('compliance_manager');
      const path = `/app/assessments/${s.assessmentId}/review`;
      const [a] = s.texts;
      const count = async () => ({
        notes: (await ts.store.tenant(tenantId).read((c) => listReviewNotes(c, s.assessmentId))).length,
        links: (await ts.store.tenant(tenantId).read((c) => listVendorLinks(c, s.assessmentId))).length,
        status: (await row(s.assessmentId))!.status,
      });
      const start = await count();
      const bad: Array<[string, Array<[string, string]>, RegExp]> = [
        [
          'unknown question',
          [
            ['pick', 'no.such.question'],
            ['comment.no.such.question', 'x'],
          ],
          /only on a question/,
        ],
        ['no question', [], /at least one question/],
        [
          'empty comment',
          [
            ['pick', a!.id],
            [`comment.${a!.id}`, '   '],
          ],
          /Write the comment/,
        ],
        [
          'over-long comment',
          [
            ['pick', a!.id],
            [`comment.${a!.id}`, 'x'.repeat(2001)],
          ],
          /too long/,
        ],
        [
          'twice the same',
          [
            ['pick', a!.id],
            ['pick', a!.id],
            [`comment.${a!.id}`, 'x'],
          ],
          /only once/,
        ],
      ];
      for (const [, pairs, message] of bad) {
        const res = await postPairs(reviewer, `${path}/changes`, pairs);
        expect(res.status).toBe(422);
        expect(await res.text()).toMatch(message);
      }
      for (const note of ['', '  ', 'y'.repeat(4001)]) {
        const res = await reviewer.post(`${path}/notes`, { note });
        expect(res.status).toBe(422);
      }
      expect(await count()).toEqual(start);

      // Another tenant's member cannot see or act on this assessment: 404, nothing written.
      const other = await seedTenant(ts.store, 'Other', now);
      const stranger = await member('admin', other);
      expect((await stranger.get(path)).status).toBe(404);
      expect((await stranger.post(`${path}/notes`, { note: 'hello' })).status).toBe(404);
      expect(
        (
          await postPairs(stranger, `${path}/changes`, [
            ['pick', a!.id],
            [`comment.${a!.id}`, 'x'],
          ])
        ).status,
      ).toBe(404);
      expect((await stranger.post(`${path}/reviewed`, {})).status).toBe(404);
      expect((await stranger.post(`${path}/send-again`, { version: 'same' })).status).toBe(404);
      expect((await reviewer.get('/app/assessments/not-an-id/review')).status).toBe(404);
      expect(await count()).toEqual(start);

      // Roles: a viewer reads (without evidence links) but cannot act; an auditor gets the links.
      const viewer = await member('viewer');
      const seen = await viewer.get(path);
      expect(seen.status).toBe(200);
      expect(await seen.text()).not.toContain('/files/');
      expect((await viewer.post(`${path}/notes`, { note: 'hi' })).status).toBe(403);
      expect((await viewer.post(`${path}/reviewed`, {})).status).toBe(403);
      expect(await (await (await member('auditor')).get(path)).text()).toContain('/files/');
      expect(await count()).toEqual(start);

      // A bad re-assessment version or due date.
      expect((await reviewer.post(`${path}/send-again`, { version: 'newest' })).status).toBe(422);
      expect((await reviewer.post(`${path}/send-again`, { version: 'same', due: '2001-01-01' })).status).toBe(
        422,
      );
      expect((await reviewer.post(`${path}/send-again`, { version: 'same', due: '2031-02-30' })).status).toBe(
        422,
      );

      // Acting on an assessment that is not submitted: 409, nothing written.
      const open = await send(platform, tenantId, { vendorName: 'Open Ltd', contactEmail: 'o@open.example' });
      const openPath = `/app/assessments/${open.assessmentId}/review`;
      expect(
        (
          await postPairs(reviewer, `${openPath}/changes`, [
            ['pick', a!.id],
            [`comment.${a!.id}`, 'x'],
          ])
        ).status,
      ).toBe(409);
      expect((await reviewer.post(`${openPath}/reviewed`, {})).status).toBe(409);
      expect((await reviewer.post(`${openPath}/send-again`, { version: 'same' })).status).toBe(409);
      expect((await row(open.assessmentId))!.status).toBe('sent');
      expect(await count()).toEqual(start);
      // Its page shows the draft's live score as provisional.
      const openPage = await (await reviewer.get(openPath)).text();
      expect(openPage).toContain('provisional: not submitted yet');
    });

    it('sends a request for changes once under concurrent clicks', async () => {
      const s = await submitted();
      const reviewer = await member('admin');
      const path = `/app/assessments/${s.assessmentId}/review`;
      const [a] = s.texts;
      const pairs: Array<[string, string]> = [
        ['pick', a!.id],
        [`comment.${a!.id}`, 'Once please'],
      ];
      const results = await Promise.all([
        postPairs(reviewer, `${path}/changes`, pairs),
        postPairs(reviewer, `${path}/changes`, pairs),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
      const notes = await ts.store.tenant(tenantId).read((c) => listReviewNotes(c, s.assessmentId));
      expect(notes.filter((n) => n.kind === 'change_request')).toHaveLength(1);
      expect(await audit('assessment.changes_requested', s.assessmentId)).toHaveLength(1);
    });

    it('sends again with the answers carried over, and shows what changed', async () => {
      const s = await submitted();
      const reviewer = await member('compliance_manager');
      const path = `/app/assessments/${s.assessmentId}/review`;
      const res = await reviewer.post(`${path}/send-again`, { version: 'same' });
      expect(res.status).toBe(303);
      const next = /\/app\/assessments\/([^/]+)\/review/.exec(res.headers.get('location') ?? '')![1]!;
      expect(next).not.toBe(s.assessmentId);
      const created = (await row(next))!;
      expect(created).toMatchObject({
        status: 'sent',
        previousAssessmentId: s.assessmentId,
        vendorId: s.vendorId,
      });
      expect(await audit('assessment.reassessment_sent', next)).toHaveLength(1);

      // The vendor opens the new link: the previous answers are there.
      const vendor = browser(app);
      expect((await vendor.post(await lastLinkTo(ts.store, JANE), {})).status).toBe(303);
      const [a] = s.texts;
      const rows = await ts.store.tenant(tenantId).read((c) => c.db.select().from(c.t.answers));
      const carriedA = rows.find((r) => r.assessmentId === next && r.key === a!.id)!;
      expect(carriedA.value).toEqual(s.stored[a!.id]);
      expect(carriedA.updatedBy).toBe('carried-over');
      const shown = await (await vendor.get(`/v/a/${next}/s/${encodeURIComponent(a!.sectionId)}`)).text();
      expect(shown).toMatch(/\d+ answers were filled in from your previous submission/);
      expect(shown).toContain('From your previous submission');
      // One answer changed, the rest confirmed as they are; files are asked for again.
      expect(
        (
          await vendor.post(`/v/a/${next}/answer/${encodeURIComponent(a!.id)}`, {
            [a!.id]: `Changed ${MARKUP}`,
            [`_rev.${a!.id}`]: String(carriedA.revision),
          })
        ).status,
      ).toBe(200);
      await uploadAsked(next, s.q, s.stored);
      expect((await vendor.post(`/v/a/${next}/submit`, {})).status).toBe(303);

      const html = await (await reviewer.get(`/app/assessments/${next}/review`)).text();
      expect(html).toContain('1 answer changed since');
      expect(html).toContain(`Changed &lt;img src=x onerror=alert(1)&gt;</ins>`);
      expect(html).not.toContain(MARKUP);
      expect(html).toContain(`href="/app/assessments/${s.assessmentId}/review"`);
    });

    it('reminds once before a certificate expires, then raises one finding and one risk once it has', async () => {
      // A tenant of its own: the job walks every tenant, and this test counts only what it caused.
      tenantId = await seedTenant(ts.store, 'Validity', now);
      const plus = (today: string, days: number) =>
        new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
      const s = await submitted((today) => ({ 'gov.cert_expiry': plus(today, 20) }));
      expect((await row(s.assessmentId))!.status).toBe('submitted');
      const mails = async () =>
        (await outbox(ts.store)).filter((m) => m.dedupeKey.startsWith(`evidence-expiry:${s.assessmentId}:`));

      // Twenty days before: a reminder to the admin, once, however often (or concurrently) the job runs.
      await Promise.all([runEvidenceValidity(platform, now), runEvidenceValidity(platform, now)]);
      await runEvidenceValidity(platform, now);
      const reminders = await mails();
      expect(reminders).toHaveLength(1);
      expect(reminders[0]!.toAddress).toBe('admin@validity.example');
      expect(reminders[0]!.textBody).toContain(`/app/assessments/${s.assessmentId}/review`);
      expect(await audit('evidence.expiry_reminded', s.assessmentId)).toHaveLength(1);
      expect(await deliver('admin@validity.example')).toHaveLength(1);

      const submissionRisks = (await ts.store.tenant(tenantId).read((c) => listRisks(c, s.vendorId))).filter(
        (r) => r.sourceScope === 'nis2-supplier',
      );
      // After expiry: one finding on the vendor, one risk, however often the job runs.
      now = new Date(now.getTime() + 25 * 86_400_000);
      await Promise.all([runEvidenceValidity(platform, now), runEvidenceValidity(platform, now)]);
      await runEvidenceValidity(platform, now);
      const findings = await ts.store.tenant(tenantId).read((c) => listFindings(c, s.assessmentId));
      const expired = findings.filter((f) => f.findingKey === 'evidence-expired:gov.cert_expiry');
      expect(expired).toHaveLength(1);
      const risks = await ts.store.tenant(tenantId).read((c) => listRisks(c, s.vendorId));
      const raised = risks.filter((r) => r.findingKey === 'evidence:gov.cert_expiry/expired');
      expect(raised).toHaveLength(1);
      expect(raised[0]).toMatchObject({ status: 'open', sourceScope: 'evidence:gov.cert_expiry' });
      expect(await audit('finding.evidence_expired', s.assessmentId)).toHaveLength(1);
      // Through the register's one path: a history entry and an audit entry for the new risk.
      const history = await ts.store.tenant(tenantId).read((c) => listHistory(c, raised[0]!.id));
      expect(history.map((h) => [h.field, h.toValue])).toEqual([['status', 'open']]);
      expect(history[0]!.note).toBe(`raised by assessment ${s.assessmentId}`);
      const riskAudit = (await ts.store.tenant(tenantId).read((c) => listAudit(c))).filter(
        (e) => e.target === `risk:${raised[0]!.id}`,
      );
      expect(riskAudit.map((e) => [e.action, e.actor])).toEqual([['risk.created', 'system:scheduler']]);
      // Its own scope: the submission's risks are neither closed nor touched by it.
      const fromSubmission = risks.filter((r) => r.sourceScope === 'nis2-supplier');
      expect(fromSubmission.length).toBeGreaterThan(0);
      expect(fromSubmission.map((r) => r.status)).toEqual(submissionRisks.map((r) => r.status));
      expect(fromSubmission.every((r) => r.status !== 'closed')).toBe(true);
      expect(await mails()).toHaveLength(1);

      // The review page names the rule that raised it.
      const html = await (
        await (await member('analyst')).get(`/app/assessments/${s.assessmentId}/review`)
      ).text();
      expect(html).toContain('evidence-expired:gov.cert_expiry');
      expect(html).toContain('has passed (evidence validity, checked daily)');
    });
  },
  ['sqlite', 'pg'],
);
