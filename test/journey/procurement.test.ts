/**
 * The whole procurement journey (issue 8, "Tests") on SQLite and PostgreSQL, through app.request() with a
 * real SMTP server and the real mail sender: the admin invites a compliance manager and an analyst by
 * mail; the manager accepts, enrols TOTP and signs in with it; adds a vendor with a contact; sends an
 * assessment with the submission code; the vendor opens the mailed link, answers (autosave, evidence
 * upload), submits with the mailed code and gets a receipt; the manager requests changes; the vendor
 * changes an answer through a fresh link and resubmits; the findings are risks; the analyst proposes an
 * acceptance, cannot approve it alone, the manager approves; the register, the timeline and the audit
 * trail show the end state.
 *
 * And the PII scan (issue 9, "Tests"): every log line the app and the sender wrote, every audit entry and
 * every security event row, read at the end, holds none of the secrets and personal data the journey
 * produced (collected as they appear).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { createApp } from '../../src/app.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { PENDING_COOKIE as MFA_PENDING_COOKIE } from '../../src/auth/mfa-sign-in.js';
import { listAssessmentEvents } from '../../src/db/repo/assessment-events.js';
import * as repo from '../../src/db/repo/index.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { evaluate } from '../../src/questionnaire/index.js';
import type { AnswerValue } from '../../src/questionnaire/types.js';
import { LANG_COOKIE, VENDOR_LANG_COOKIE } from '../../src/vendor/error-language.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { enrol, totpAt } from '../auth/support-mfa.js';
import { pdf } from '../evidence/support.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { shippedLibrary } from '../support/assessments.js';
import { TestSmtp } from '../support/smtp.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

type Browser = ReturnType<typeof browser>;

const ADMIN = 'olivia.admin@acme-bank.example';
const MANAGER = 'carla.compliance@acme-bank.example';
const ANALYST = 'arnold.analyst@acme-bank.example';
const CONTACT = 'jane.doe@widgets.example';
const CONTACT_NAME = 'Janet Doe-Vendorson';
const ADMIN_PASSWORD = 'violet lantern orchard 2031';
const MANAGER_PASSWORD = 'granite meadow kettle 7788';
const ANALYST_PASSWORD = 'copper harbour thistle 4242';
/** What the vendor types into text questions: distinctive so a leak is unmistakable. */
const TYPED = (n: number) => `Vendor typed answer number ${n} about quokka controls`;
const QUESTIONNAIRE = 'nis2-supplier';

forEachDialect(
  'procurement journey',
  (dialect: Dialect) => {
    let ts: TestStore;
    let smtp: TestSmtp;
    let mail: MailPort;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let now = new Date();
    const clock = { now: () => now };
    /** Moves the clock on (TOTP codes are single use per 30 s step; re-authentication holds 5 minutes). */
    const tick = (ms = 31_000) => {
      now = new Date(now.getTime() + ms);
    };
    const lines: string[] = [];
    const secrets = new Map<string, string>();
    const keep = (what: string, value: string | undefined) => {
      expect(value, what).toBeTruthy();
      secrets.set(value!, what);
    };

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      smtp = await new TestSmtp().start();
      mail = smtpMail({ url: smtp.url, from: 'Assay <assay@assay.test>' });
      const destination = new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const logger = createLogger({ level: 'debug', destination });
      platform = await testPlatform(ts.store, {
        mail,
        now: clock.now,
        logger,
        rateLimits: new MemoryRateLimitStore(),
      });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
      sender = createMailSender({ store: ts.store, mail, clock, logger, random: () => 0.5 });
      await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
    }, 120_000);
    afterAll(async () => {
      await mail.close();
      await smtp.stop();
      await ts.close();
    });
    let sender: ReturnType<typeof createMailSender>;

    /** Runs the real sender until the outbox is empty; returns the texts that reached `to` since `from`. */
    async function deliver(to: string, from = 0): Promise<{ subject: string; text: string }[]> {
      while ((await sender.runOnce()).claimed > 0) {}
      return smtp.received
        .slice(from)
        .filter((r) => r.envelope.to.includes(to))
        .map((r) => ({ subject: r.mail.subject ?? '', text: r.mail.text ?? '' }));
    }
    const vendorLink = (text: string) => {
      const m = /https:\/\/assay\.test(\/v\/([A-Za-z0-9_.-]+))/.exec(text);
      expect(m, 'a vendor link in the mail').toBeTruthy();
      keep('vendor link token', m![2]);
      return m![1]!;
    };
    const keepCookies = (b: Browser, who: string) => {
      // The portal's language cookies hold a language code ("en"): no secret, and too short to scan for.
      for (const [k, v] of b.jar)
        if (k !== VENDOR_LANG_COOKIE && k !== LANG_COOKIE) keep(`${who} cookie ${k}`, v);
    };
    const postPairs = (b: Browser, path: string, pairs: Array<[string, string]>) =>
      b.send(path, {
        method: 'POST',
        body: new URLSearchParams(pairs).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });

    /** The admin invites `email` with `role`; the invitee takes the mailed link and sets a password. */
    async function invite(admin: Browser, tenantId: string, email: string, role: string, password: string) {
      const mark = smtp.received.length;
      expect((await admin.post('/app/team/invitations', { email, role })).status).toBe(303);
      const [got] = await deliver(email, mark);
      expect(got?.subject).toMatch(/invited to Acme Bank/);
      const m = /https:\/\/assay\.test(\/setup\/([A-Za-z0-9_-]{43}))/.exec(got!.text)!;
      keep(`${role} invitation token`, m[2]);
      const b = browser(app);
      const page = await b.get(m[1]!);
      expect(page.status).toBe(200);
      expect((await b.post(m[1]!, { password, passwordConfirm: password })).status).toBe(303);
      // Single use: the same link again is gone.
      expect((await browser(app).get(m[1]!)).status).toBe(410);
      keepCookies(b, role);
      const team = await ts.store.tenant(tenantId).read(repo.listTeam);
      expect(team.find((x) => x.email === email)?.role).toBe(role);
      return b;
    }

    it('runs from the invitation to the approved acceptance, and no log, audit entry or security event holds personal data or a secret', async () => {
      // ---- the tenant and its admin ------------------------------------------------------------------
      const created = await createTenantWithAdmin(ts.store, { name: 'Acme Bank', adminEmail: ADMIN }, now);
      const tenantId = created.tenantId;
      keep('admin set-up token', created.token);
      for (const s of [ADMIN, MANAGER, ANALYST, CONTACT, CONTACT_NAME, 'Janet', 'Vendorson'])
        keep('personal data', s);
      for (const p of [ADMIN_PASSWORD, MANAGER_PASSWORD, ANALYST_PASSWORD]) keep('password', p);
      const admin = browser(app);
      expect(
        (
          await admin.post(`/setup/${created.token}`, {
            password: ADMIN_PASSWORD,
            passwordConfirm: ADMIN_PASSWORD,
          })
        ).status,
      ).toBe(303);
      keepCookies(admin, 'admin');

      // ---- the colleagues, invited by mail ----------------------------------------------------------
      const first = await invite(admin, tenantId, MANAGER, 'compliance_manager', MANAGER_PASSWORD);
      const analyst = await invite(admin, tenantId, ANALYST, 'analyst', ANALYST_PASSWORD);

      // The manager enrols TOTP (otplib computes the codes) and signs in again with the second factor.
      const { secret, codes } = await enrol(first, now);
      keep('TOTP secret', secret);
      for (const c of codes) keep('recovery code', c);
      keep('TOTP code at enrolment', await totpAt(secret, now));
      tick();
      const manager = browser(app);
      // A mistyped password and a wrong code first: both are security events.
      const typo = `${MANAGER_PASSWORD}!`;
      keep('mistyped password', typo);
      expect((await browser(app).post('/app/login', { email: MANAGER, password: typo })).status).toBe(401);
      const pw = await manager.post('/app/login', { email: MANAGER, password: MANAGER_PASSWORD });
      expect(pw.status).toBe(303);
      expect(pw.headers.get('Location')).toBe('/app/login/mfa');
      keep('MFA pending cookie', manager.jar.get(MFA_PENDING_COOKIE));
      expect((await manager.get('/app')).status).not.toBe(200); // the password alone opens nothing
      const code = await totpAt(secret, now);
      keep('TOTP code at sign-in', code);
      const wrongCode = code === '000000' ? '111111' : '000000';
      expect((await manager.post('/app/login/mfa', { code: wrongCode })).status).toBe(401);
      expect((await manager.post('/app/login/mfa', { code })).status).toBe(303);
      expect(manager.jar.get(MEMBER_COOKIE)).toBeTruthy();
      keepCookies(manager, 'manager');
      expect((await manager.get('/app')).status).toBe(200);

      // ---- a vendor with a contact ---------------------------------------------------------------
      const v = await manager.post('/app/vendors', {
        name: 'Widgets GmbH',
        country: 'de',
        services: 'Payroll processing',
        dataSensitivity: 'confidential',
        serviceCriticality: 'critical',
        substitutability: 'moderate',
        status: 'active',
      });
      expect(v.status, await v.clone().text()).toBe(303);
      const vendorId = v.headers.get('Location')!.split('/').at(-1)!;
      const c = await manager.post(`/app/vendors/${vendorId}/contacts`, {
        name: CONTACT_NAME,
        email: CONTACT,
        role: 'CISO',
      });
      expect(c.status, await c.clone().text()).toBe(303);
      expect(await (await manager.get(`/app/vendors/${vendorId}`)).text()).toContain(CONTACT);

      // ---- the assessment, sent from the form with the submission code option -----------------------
      const ref = [...shippedLibrary().keys()]
        .filter((k) => k.startsWith(`${QUESTIONNAIRE}@`))
        .sort()
        .at(-1)!;
      const form = await manager.get(`/app/assessments/new?vendor=${vendorId}&questionnaire=${ref}`);
      expect(form.status).toBe(200);
      const ctxFields = [...(await form.text()).matchAll(/name="(ctx\.[^"]+)"/g)].map((m) => m[1]!);
      const due = new Date(now.getTime() + 30 * 86_400_000).toISOString().slice(0, 10);
      let mark = smtp.received.length;
      const sentRes = await manager.post('/app/assessments/new', {
        questionnaire: ref,
        vendorId,
        contactEmail: CONTACT,
        contactName: CONTACT_NAME,
        dueDate: due,
        linkHours: '72',
        otp: '1',
        ...Object.fromEntries(ctxFields.map((k) => [k, ''])),
      });
      expect(sentRes.status, await sentRes.clone().text()).toBe(303);
      const assessmentId = /\/app\/assessments\/([0-9a-f-]{36})/.exec(sentRes.headers.get('Location')!)![1]!;
      const [invitation] = await deliver(CONTACT, mark);
      expect(invitation?.subject).toContain('Acme Bank asks you to complete');
      const link = vendorLink(invitation!.text);

      // ---- the vendor: interstitial, continue, answers (autosave), evidence, code, submit ----------
      const vendor = browser(app);
      const inter = await vendor.get(link);
      expect(inter.status).toBe(200);
      expect(vendor.jar.size).toBe(0); // GET changes nothing
      expect((await vendor.post(link, {})).status).toBe(303);
      expect((await browser(app).post(link, {})).status).toBe(410); // single use
      keepCookies(vendor, 'vendor');
      const base = `/v/a/${assessmentId}`;
      const start = await vendor.get(base);
      expect(start.status).toBe(303);
      expect((await vendor.get(start.headers.get('Location')!)).status).toBe(200);

      const q = shippedLibrary().get(ref)!;
      const today = now.toISOString().slice(0, 10);
      const sample = sampleAnswers(q, today);
      let typed = 0;
      const answers: Record<string, AnswerValue> = {};
      for (const [k, value] of Object.entries(sample)) {
        if (k.includes('#') || q.questions.get(k)?.type === 'file') continue;
        const question = q.questions.get(k)!;
        if (question.context) continue; // the buyer's facts, set on the send form
        answers[k] =
          k === 'gov.policy' || k === 'gov.owner'
            ? 'no'
            : question.type === 'text' && !question.validate.length
              ? TYPED(++typed)
              : value;
      }
      for (const value of Object.values(answers))
        if (typeof value === 'string' && value.startsWith('Vendor typed')) keep('typed answer', value);
      const revisions: Record<string, number> = {};
      const save = async (key: string, value: AnswerValue) => {
        const rev = revisions[key] ?? 0;
        const pairs: Array<[string, string]> = Array.isArray(value)
          ? value.map((x) => [key, String(x)])
          : [[key, String(value)]];
        pairs.push([`_rev.${key}`, String(rev)]);
        const res = await postPairs(vendor, `${base}/answer/${encodeURIComponent(key)}`, pairs);
        expect(res.status, `${key}: ${await res.clone().text()}`).toBe(200);
        revisions[key] = rev + 1;
      };
      const visible = evaluate(q, answers, today);
      for (const [k, value] of Object.entries(answers)) {
        if (visible.questions[k]?.visible === false) continue;
        await save(k, value);
      }
      const upload = async (qid: string) => {
        const fd = new FormData();
        fd.set('file', new File([pdf(`evidence for ${qid}`) as BlobPart], 'policy.pdf'));
        const res = await vendor.send(`${base}/evidence/${encodeURIComponent(qid)}`, {
          method: 'POST',
          body: fd,
          headers: { 'HX-Request': 'true' },
        });
        expect(res.status, `${qid}: ${await res.clone().text()}`).toBeLessThan(400);
      };
      for (const issue of visible.issues) {
        if (issue.kind === 'evidence-required' || q.questions.get(issue.questionId)?.type === 'file')
          await upload(issue.questionId);
        if (issue.kind === 'comment-required') {
          const comment = TYPED(++typed);
          keep('typed comment', comment);
          await save(`${issue.questionId}#comment`, comment);
        }
      }

      // A second device: the used link leads to fresh access by the contact's email and a mailed code.
      const device = browser(app);
      expect((await device.get(link)).status).toBe(410);
      mark = smtp.received.length;
      const asked = await device.post(`${link}/fresh`, { email: CONTACT.toUpperCase() });
      expect(asked.status, await asked.clone().text()).toBe(200);
      keepCookies(device, 'fresh-access'); // a link page answered on a POST now remembers its language too
      const [accessMail] = await deliver(CONTACT, mark);
      const accessCode = /Your code: (\d{6})/.exec(accessMail!.text)![1]!;
      keep('access code', accessCode);
      vendorLink(accessMail!.text);
      expect((await device.post(`${link}/code`, { code: accessCode })).status).toBe(303);
      keepCookies(device, 'vendor (second device)');
      expect((await device.get(`${base}/review`)).status).toBe(200);

      const review = await (await vendor.get(`${base}/review`)).text();
      expect(review).toContain('Email me a code');
      expect((await vendor.post(`${base}/submit`, {})).status).toBe(422); // the code is required
      mark = smtp.received.length;
      expect((await vendor.post(`${base}/submit-code`, {})).status).toBe(200);
      const [codeMail] = await deliver(CONTACT, mark);
      const submitCode = /Your code: (\d{6})/.exec(codeMail!.text)![1]!;
      keep('submission code', submitCode);
      mark = smtp.received.length;
      const submitted = await vendor.post(`${base}/submit`, { code: submitCode });
      expect(submitted.status, await submitted.clone().text()).toBe(303);
      const receipt1 = (await deliver(CONTACT, mark)).find((m) => /receipt/i.test(m.subject + m.text));
      expect(receipt1, 'a receipt mail').toBeTruthy();
      const row = () => ts.store.tenant(tenantId).read((x) => repo.getAssessment(x, assessmentId));
      const firstRow = (await row())!;
      expect(firstRow.status).toBe('submitted');

      // The findings are risks in the register.
      const risks = () => ts.store.tenant(tenantId).read((x) => repo.listRisks(x));
      const raised = await risks();
      const policyRisk = raised.find((r) => r.findingKey.endsWith('/NIS-GOV-01'));
      const ownerRisk = raised.find((r) => r.findingKey.endsWith('/NIS-GOV-04'));
      expect(policyRisk?.status).toBe('open');
      expect(ownerRisk?.status).toBe('open');

      // ---- review: changes requested on the policy question ---------------------------------------
      const reviewPath = `/app/assessments/${assessmentId}/review`;
      expect((await manager.get(reviewPath)).status).toBe(200);
      const textKey = Object.keys(answers).find(
        (k) => String(answers[k]).startsWith('Vendor typed') && visible.questions[k]?.visible !== false,
      )!;
      mark = smtp.received.length;
      const changes = await postPairs(manager, `${reviewPath}/changes`, [
        ['pick', 'gov.policy'],
        ['pick', textKey],
        ['comment.gov.policy', 'Please attach the approved policy.'],
        [`comment.${textKey}`, 'Please be more specific.'],
      ]);
      expect(changes.status, await changes.clone().text()).toBe(303);
      expect((await row())!.status).toBe('changes_requested');
      const fresh = (await deliver(CONTACT, mark)).find((m) => /changes requested/i.test(m.subject));
      expect(fresh).toBeTruthy();
      const freshLink = vendorLink(fresh!.text);
      const vendor2 = browser(app);
      expect((await vendor2.get(freshLink)).status).toBe(200);
      expect((await vendor2.post(freshLink, {})).status).toBe(303);
      keepCookies(vendor2, 'vendor (fresh link)');
      const changedText = 'Vendor typed a changed answer naming the quokka approver';
      keep('typed answer', changedText);
      for (const [key, value] of [
        ['gov.policy', 'yes'],
        [textKey, changedText],
      ] as const) {
        const res = await vendor2.post(`${base}/answer/${encodeURIComponent(key)}`, {
          [key]: value,
          [`_rev.${key}`]: String(revisions[key]),
        });
        expect(res.status, `${key}: ${await res.clone().text()}`).toBe(200);
      }
      // What the change reveals (the policy's follow-up questions and their evidence) is answered too.
      const after = evaluate(q, { ...answers, 'gov.policy': 'yes', [textKey]: changedText }, today);
      for (const [k, value] of Object.entries(answers))
        if (after.questions[k]?.visible && visible.questions[k]?.visible === false) {
          const res = await postPairs(vendor2, `${base}/answer/${encodeURIComponent(k)}`, [
            ...(Array.isArray(value)
              ? value.map((x): [string, string] => [k, String(x)])
              : [[k, String(value)] as [string, string]]),
            [`_rev.${k}`, '0'],
          ]);
          expect(res.status, k).toBe(200);
        }
      const uploaded = new Set(
        visible.issues.filter((i) => i.kind === 'evidence-required').map((i) => i.questionId),
      );
      for (const issue of after.issues)
        if (issue.kind === 'evidence-required' && !uploaded.has(issue.questionId)) {
          const fd = new FormData();
          fd.set('file', new File([pdf('approved policy') as BlobPart], 'approved.pdf'));
          const res = await vendor2.send(`${base}/evidence/${encodeURIComponent(issue.questionId)}`, {
            method: 'POST',
            body: fd,
            headers: { 'HX-Request': 'true' },
          });
          expect(res.status).toBeLessThan(400);
        }
      const ready = await (await vendor2.get(`${base}/review`)).text();
      expect(ready, ready.match(/<ul class="issue-list">[\s\S]*?<\/ul>/)?.[0]).not.toContain('issue-list');
      mark = smtp.received.length;
      expect((await vendor2.post(`${base}/submit-code`, {})).status).toBe(200);
      const [code2Mail] = await deliver(CONTACT, mark);
      const code2 = /Your code: (\d{6})/.exec(code2Mail!.text)![1]!;
      keep('submission code', code2);
      mark = smtp.received.length;
      const resubmitted = await vendor2.post(`${base}/submit`, { code: code2 });
      expect(resubmitted.status, await resubmitted.clone().text()).toBe(303);
      const receipt2 = (await deliver(CONTACT, mark)).find((m) => /receipt/i.test(m.subject + m.text));
      expect(receipt2, 'a new receipt mail').toBeTruthy();
      const second = (await row())!;
      expect(second.status).toBe('submitted');
      expect(second.receipt).not.toBe(firstRow.receipt);

      // The policy finding is gone (its risk closed); the owner finding stays open.
      const now2 = await risks();
      expect(now2.find((r) => r.id === policyRisk!.id)?.status).toBe('closed');
      expect(now2.find((r) => r.id === ownerRisk!.id)?.status).toBe('open');

      // ---- acceptance: the analyst proposes, cannot approve alone; the manager approves -------------
      // The analyst signed in through the invitation a while ago: a fresh sign-in is the re-authentication.
      const analystNow = browser(app);
      expect(
        (await analystNow.post('/app/login', { email: ANALYST, password: ANALYST_PASSWORD })).status,
      ).toBe(303);
      keepCookies(analystNow, 'analyst');
      void analyst;
      const until = new Date(now.getTime() + 60 * 86_400_000).toISOString().slice(0, 10);
      const proposed = await analystNow.post(`/app/risks/${ownerRisk!.id}/acceptance`, {
        justification: 'Compensating control: the contract names a security officer.',
        until,
      });
      expect(proposed.status, await proposed.clone().text()).toBe(303);
      const [proposal] = await ts.store.tenant(tenantId).read((x) => repo.listAcceptances(x, ownerRisk!.id));
      expect(proposal?.status).toBe('pending');
      const own = await analystNow.post(`/app/risks/${ownerRisk!.id}/acceptance/${proposal!.id}/approve`, {});
      expect(own.status).toBe(403);
      expect((await risks()).find((r) => r.id === ownerRisk!.id)?.status).toBe('open');
      const approved = await manager.post(
        `/app/risks/${ownerRisk!.id}/acceptance/${proposal!.id}/approve`,
        {},
      );
      expect(approved.status, await approved.clone().text()).toBe(303);

      // ---- the end state: register, timeline, audit trail -------------------------------------------
      const final = await risks();
      expect(final.find((r) => r.id === ownerRisk!.id)).toMatchObject({
        status: 'accepted',
        acceptedUntil: until,
      });
      const register = await (await manager.get('/app/risks?status=accepted')).text();
      expect(register).toContain(`/app/risks/${ownerRisk!.id}`);
      expect(register).not.toContain(`/app/risks/${policyRisk!.id}"`);
      const closedList = await (await manager.get('/app/risks?status=closed')).text();
      expect(closedList).toContain(`/app/risks/${policyRisk!.id}`);
      const riskPage = await (await manager.get(`/app/risks/${ownerRisk!.id}`)).text();
      expect(riskPage).toContain('ccepted');

      const events = await ts.store.tenant(tenantId).read((x) => listAssessmentEvents(x, assessmentId));
      const kinds = events.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['sent', 'opened', 'in_progress', 'submitted']));
      const timeline = await manager.get(`/app/assessments/${assessmentId}`);
      expect(timeline.status).toBe(200);
      expect(await timeline.text()).toMatch(/[Ss]ubmitted/);

      const audit = await ts.store.tenant(tenantId).read((x) => repo.listAudit(x));
      const actions = audit.map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'member.invited',
          'member.joined',
          'mfa.enrolled',
          'vendor.created',
          'assessment.sent',
          'assessment.submitted',
          'assessment.changes_requested',
          'assessment.resubmitted',
          'risk.acceptance_proposed',
          'risk.acceptance_approved',
        ]),
      );
      const trail = await verifyTenantTrail(ts.store, tenantId);
      expect(trail).toMatchObject({ ok: true, entries: audit.length });

      // ---- the PII scan ------------------------------------------------------------------------------
      const security = await ts.store
        .tenant(tenantId)
        .read((x) => repo.listSecurityEvents(x, { limit: 100_000 }));
      expect(security.length).toBeGreaterThan(0);
      expect(lines.length).toBeGreaterThan(20);
      const corpora: [string, string[]][] = [
        ['log', lines],
        ['audit', audit.map((e) => JSON.stringify(e))],
        ['security event', security.map((e) => JSON.stringify(e))],
      ];
      const scan = (where: string, texts: string[]): string[] => {
        const found: string[] = [];
        for (const text of texts) {
          const lower = text.toLowerCase();
          for (const [secret, what] of secrets) {
            // Digits-only codes count only standing alone (a timestamp or a digest may hold six digits).
            const hit = /^\d+$/.test(secret)
              ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(text)
              : lower.includes(secret.toLowerCase()) ||
                lower.includes(encodeURIComponent(secret).toLowerCase());
            if (hit) found.push(`${where}: ${what} in ${text.slice(0, 300)}`);
          }
          if (/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/.test(text.replaceAll('assay@assay.test', '')))
            found.push(`${where}: an email address in ${text.slice(0, 300)}`);
        }
        return found;
      };
      // The scan itself catches what it looks for.
      expect(scan('self-check', [`{"msg":"code ${submitCode}"}`])).toHaveLength(1);
      expect(scan('self-check', [`{"to":"${CONTACT.toUpperCase()}"}`]).length).toBeGreaterThan(0);
      expect(scan('self-check', [`{"answer":"${changedText}"}`])).toHaveLength(1);
      const leaks = corpora.flatMap(([where, texts]) => scan(where, texts));
      expect(leaks).toEqual([]);
    }, 180_000);
  },
  ['sqlite', 'pg'],
);
