/**
 * The vendor's mails after the invitation — reminder, fresh access, submission code, receipt, changes
 * requested — as HTML and plain text in the assessment's language, received by a real SMTP server,
 * through app.request() on every store.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { createApp } from '../../src/app.js';
import { saveAnswer } from '../../src/db/repo/answers.js';
import { getAssessment, touchAnswers } from '../../src/db/repo/assessments.js';
import { storeEvidence } from '../../src/evidence/evidence.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { Ports } from '../../src/platform/ports.js';
import { evaluate } from '../../src/questionnaire/index.js';
import { chaseAssessments } from '../../src/workspace/assessment-reminders.js';
import { pdf, uploadRequest } from '../evidence/support.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastCodeTo, lastLinkTo, seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { type Received, TestSmtp } from '../support/smtp.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

forEachDialect(
  'vendor mails: HTML and text in the assessment language',
  (dialect) => {
    let ts: TestStore;
    let smtp: TestSmtp;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    const now = new Date('2030-03-01T10:00:00Z');

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      smtp = await new TestSmtp().start();
      tenantId = await seedTenant(ts.store, 'Acme', now);
      platform = await testPlatform(ts.store, {
        now: () => now,
        rateLimits: new MemoryRateLimitStore(),
        mail: smtpMail({ url: smtp.url, from: 'Assay <assay@buyer.example>' }),
      });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    }, 120_000);
    afterAll(async () => {
      await platform.mail.close();
      await smtp.stop();
      await ts.close();
    });

    /** Delivers the outbox over SMTP and returns what arrived for `to` since `from`. */
    async function delivered(to: string, from: number): Promise<Received[]> {
      await createMailSender({
        store: ts.store,
        mail: platform.mail,
        clock: platform.clock,
        logger: createLogger({ level: 'silent' }),
      }).runOnce();
      return smtp.received.slice(from).filter((r) => r.envelope.to.includes(to));
    }
    const parts = (r: Received) => ({
      subject: r.mail.subject ?? '',
      text: r.mail.text ?? '',
      html: typeof r.mail.html === 'string' ? r.mail.html : '',
    });

    /** Answers everything through the repository (as autosave does) and uploads the files asked for. */
    async function answerAll(assessmentId: string, ref: string) {
      const q = shippedLibrary().get(ref)!;
      const today = now.toISOString().slice(0, 10);
      const stored = Object.fromEntries(
        Object.entries(sampleAnswers(q, today)).filter(
          ([k]) => !k.endsWith('#evidence') && q.questions.get(k)?.type !== 'file',
        ),
      );
      await ts.store.tenant(tenantId).write((tx) => {
        for (const [k, v] of Object.entries(stored)) saveAnswer(tx, assessmentId, k, v, now);
        touchAnswers(tx, assessmentId, now);
      });
      for (const issue of evaluate(q, stored, today).issues) {
        if (issue.kind !== 'evidence-required' && q.questions.get(issue.questionId)?.type !== 'file')
          continue;
        await storeEvidence(
          platform,
          { tenantId, assessmentId, uploadedBy: 'vendor:test', questionId: issue.questionId },
          uploadRequest('policy.pdf', pdf()),
        );
      }
    }

    it('in German: reminder, fresh access, submission code and receipt, each with an HTML and a text part', async () => {
      const to = `de-${dialect}@widgets.example`;
      const sent = await send(platform, tenantId, {
        contactEmail: to,
        locale: 'de',
        otp: true,
        dueDate: '2030-03-08',
      });
      expect((await ts.store.tenant(tenantId).read((c) => getAssessment(c, sent.assessmentId)))?.locale).toBe(
        'de',
      );
      let mark = smtp.received.length;
      const [invitation] = await delivered(to, mark);
      expect(parts(invitation!).text).toContain('Guten Tag');

      // The reminder seven days before the due date, in German with both parts.
      mark = smtp.received.length;
      await chaseAssessments({ ...platform, baseUrl: BASE_URL }, now);
      // Links and codes are read from the outbox before the sender runs: a sent message keeps no body.
      const path = await lastLinkTo(ts.store, to);
      const [reminder] = await delivered(to, mark);
      const r = parts(reminder!);
      expect(r.subject).toMatch(/^Erinnerung: /);
      expect(r.text).toContain('Dies ist eine Erinnerung');
      expect(r.html).toContain('<html lang="de">');
      expect(r.html).toContain('<strong>Erinnerung:</strong>');

      // A scanner spends the link; the contact asks for fresh access.
      await browser(app).post(path, {});
      const b = browser(app);
      mark = smtp.received.length;
      expect((await b.post(`${path}/fresh`, { email: to })).status).toBe(200);
      const code = await lastCodeTo(ts.store, to);
      const [fresh] = await delivered(to, mark);
      const f = parts(fresh!);
      expect(f.subject).toMatch(/^Acme: Ihr neuer Zugang zu /);
      expect(f.text).toContain(`Ihr Code: ${code}`);
      expect(f.text).toContain('Der Link funktioniert einmal');
      expect(f.text).toContain(`${BASE_URL}/v/`);
      expect(f.text).toContain('Assay fragt nie nach Ihrem Passwort');
      expect(f.html).toContain('<html lang="de">');
      expect(f.html).toContain(`<code>${code}</code>`);
      expect(f.html).toMatch(/<a href="https:\/\/assay\.test\/v\/[A-Za-z0-9_.-]+"/);
      expect(f.html).toContain('So erkennen Sie, dass diese Nachricht echt ist');
      expect((await b.post(`${path}/code`, { code })).status).toBe(303);

      // The submission code and the receipt.
      await answerAll(sent.assessmentId, sent.questionnaireRef);
      const base = `/v/a/${sent.assessmentId}`;
      mark = smtp.received.length;
      expect((await b.post(`${base}/submit-code`, {})).status).toBe(200);
      const submitCode = await lastCodeTo(ts.store, to);
      const [codeMail] = await delivered(to, mark);
      const c = parts(codeMail!);
      expect(c.subject).toBe('Acme: Ihr Code zum Absenden');
      expect(c.text).toContain(`Ihr Code: ${submitCode}`);
      expect(c.text).toContain('Geben Sie ihn innerhalb von 10 Minuten');
      expect(c.html).toContain(`<code>${submitCode}</code>`);
      expect(c.html).toContain('<html lang="de">');

      mark = smtp.received.length;
      expect((await b.post(`${base}/submit`, { code: submitCode })).status).toBe(303);
      const [receiptMail] = await delivered(to, mark);
      const rc = parts(receiptMail!);
      const receipt = (await ts.store.tenant(tenantId).read((x) => getAssessment(x, sent.assessmentId)))!
        .receipt!;
      expect(rc.subject).toMatch(/^Acme: Empfangsbestätigung für /);
      expect(rc.text).toContain('wurden am');
      expect(rc.text).toContain('Bewahren Sie sie auf');
      // The receipt, whole, in both parts (76-character lines between the armour lines).
      const armoured = (s: string) =>
        s
          .slice(s.indexOf('-----BEGIN ASSAY RECEIPT-----') + 29, s.indexOf('-----END ASSAY RECEIPT-----'))
          .replace(/\s+/g, '');
      expect(armoured(rc.text)).toBe(receipt);
      expect(armoured(rc.html)).toBe(receipt);
      expect(rc.html).toContain('<html lang="de">');
      expect(rc.html).toContain('Empfangsbestätigung');
    });

    it('in English by default, also with an HTML part; markup in names stays inert in the HTML', async () => {
      const to = `en-${dialect}@widgets.example`;
      await ts.store
        .tenant(tenantId)
        .write((tx) => tx.write(tx.db.update(tx.t.tenants).set({ name: 'Acme <b>Bank</b>' })));
      try {
        await send(platform, tenantId, { contactEmail: to });
        const path = await lastLinkTo(ts.store, to);
        await browser(app).post(path, {});
        const mark = smtp.received.length;
        await browser(app).post(`${path}/fresh`, { email: to });
        const code = await lastCodeTo(ts.store, to);
        const [fresh] = (await delivered(to, mark)).slice(-1);
        const f = parts(fresh!);
        expect(f.subject).toMatch(/^Acme <b>Bank<\/b>: your new access to /);
        expect(f.text).toContain(`Your code: ${code}`);
        expect(f.text).toContain('Acme <b>Bank</b>');
        expect(f.html).toContain('<html lang="en">');
        expect(f.html).toContain('Acme &lt;b&gt;Bank&lt;/b&gt;');
        expect(f.html).not.toContain('<b>Bank</b>');
      } finally {
        await ts.store
          .tenant(tenantId)
          .write((tx) => tx.write(tx.db.update(tx.t.tenants).set({ name: 'Acme' })));
      }
    });
  },
  ['sqlite', 'pg', 'd1'],
);
