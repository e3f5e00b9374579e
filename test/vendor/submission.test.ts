/**
 * Review and submission (issue #7; security.md OTP-01…07, BL-01, SES-05): exactly once under concurrent
 * clicks, answers frozen at the revision read, a receipt that verifies, findings and risks stored, the
 * optional code bound to the session and counted across tries.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../../bench/sample-answers.js';
import { createApp } from '../../src/app.js';
import { leafHash, rootFromInclusion } from '../../src/audit/merkle.js';
import { checkReceiptAudit } from '../../src/audit/receipt-proof.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { ed25519FromPem } from '../../src/cli/audit-commands.js';
import { saveAnswer } from '../../src/db/repo/answers.js';
import { ASSESSMENT_OPEN, getAssessment, touchAnswers } from '../../src/db/repo/assessments.js';
import { listAudit } from '../../src/db/repo/audit.js';
import { listEvidence } from '../../src/db/repo/evidence.js';
import { listFindings } from '../../src/db/repo/findings.js';
import { listHistory, listRisks } from '../../src/db/repo/risks.js';
import { listSecurityEvents } from '../../src/db/repo/security-events.js';
import { GuardError, type Store } from '../../src/db/store.js';
import { storeEvidence } from '../../src/evidence/evidence.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { KeyRing } from '../../src/keys/keyring.js';
import { publicJwks } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { evaluate } from '../../src/questionnaire/index.js';
import { withEvidence } from '../../src/vendor/evidence-answers.js';
import { finishPendingReceipts, RECEIPT_RECOVERY_AFTER_MS } from '../../src/vendor/receipt-recovery.js';
import { verifyReceipt } from '../../src/vendor/receipts.js';
import { answersDigest, finishReceipt } from '../../src/vendor/submission.js';
import { pdf, uploadRequest } from '../evidence/support.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastCodeTo, lastLinkTo, outbox, seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';

/**
 * The process dying right after the submission's unit commits: once `armed`, the unit that appends
 * `assessment.submitted` commits, and every write after it fails (the re-signing unit never runs).
 */
const crash = { armed: false, crashed: false };
function crashable(store: Store): Store {
  return {
    dialect: store.dialect,
    t: store.t,
    global: store.global,
    as: (claims) => store.as(claims),
    ping: () => store.ping(),
    close: () => store.close(),
    tenant(tenantId, extra) {
      const scope = store.tenant(tenantId, extra);
      return {
        claims: scope.claims,
        read: (fn) => scope.read(fn),
        async write(fn) {
          if (crash.crashed) throw new Error('simulated crash: the process is gone');
          let submitted = false;
          const out = await scope.write((tx) => {
            const audit = tx.audit;
            (tx as { audit: typeof audit }).audit = (e, at) => {
              if (e.action === 'assessment.submitted') submitted = true;
              audit(e, at);
            };
            return fn(tx);
          });
          if (crash.armed && submitted) crash.crashed = true;
          return out;
        },
      };
    },
  };
}

forEachDialect(
  'vendor submission',
  (dialect: Dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    let now = new Date('2030-03-01T10:00:00Z');

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      tenantId = await seedTenant(ts.store, 'Acme', now);
    }, 120_000);
    afterAll(() => ts.close());
    beforeEach(async () => {
      now = new Date(now.getTime() + 24 * 3_600_000);
      crash.armed = false;
      crash.crashed = false;
      platform = await testPlatform(crashable(ts.store), {
        now: () => now,
        rateLimits: new MemoryRateLimitStore(),
      });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });

    /** Sends, redeems in a fresh browser and answers everything (through the repository, as autosave does). */
    async function opened(input: Parameters<typeof send>[2] = {}) {
      const sent = await send(platform, tenantId, input);
      const b = browser(app);
      expect((await b.post(await lastLinkTo(ts.store, JANE, sent.assessmentId), {})).status).toBe(303);
      const q = shippedLibrary().get(sent.questionnaireRef)!;
      const today = now.toISOString().slice(0, 10);
      // Files are not answers: the evidence table says which a question has (src/vendor/evidence-answers.ts).
      const stored = Object.fromEntries(
        Object.entries(sampleAnswers(q, today)).filter(
          ([k]) => !k.endsWith('#evidence') && q.questions.get(k)?.type !== 'file',
        ),
      );
      await ts.store.tenant(tenantId).write((tx) => {
        for (const [k, v] of Object.entries(stored)) saveAnswer(tx, sent.assessmentId, k, v, now);
        touchAnswers(tx, sent.assessmentId, now);
      });
      // Upload a real file wherever the questionnaire now asks for one.
      const target = { tenantId, assessmentId: sent.assessmentId, uploadedBy: 'vendor:test' };
      for (const issue of evaluate(q, stored, today).issues) {
        if (issue.kind !== 'evidence-required' && q.questions.get(issue.questionId)?.type !== 'file')
          continue;
        await storeEvidence(
          platform,
          { ...target, questionId: issue.questionId },
          uploadRequest('policy.pdf', pdf()),
        );
      }
      const files = await ts.store.tenant(tenantId).read((c) => listEvidence(c, sent.assessmentId));
      const answers = withEvidence(q, stored, files);
      return { ...sent, b, answers, stored, base: `/v/a/${sent.assessmentId}` };
    }
    const row = (aid: string) => ts.store.tenant(tenantId).read((c) => getAssessment(c, aid));

    it('sent in German: review, code and receipt in German (lang="de"), English on request', async () => {
      const { b, base } = await opened({ locale: 'de', otp: true });
      const review = await (await b.get(`${base}/review`)).text();
      expect(review).toContain('<html lang="de">');
      expect(review).toContain('<h1>Prüfen und absenden</h1>');
      expect(review).toContain('Alle Pflichtfragen sind beantwortet');
      expect(review).toContain('hreflang="en"');
      const asked = await (await b.post(`${base}/submit-code`, {})).text();
      expect(asked).toContain('Wir haben Ihnen einen 6-stelligen Code gesendet');
      const wrong = await b.post(`${base}/submit`, {});
      expect(wrong.status).toBe(422);
      const wrongHtml = await wrong.text();
      expect(wrongHtml).toContain('Es gibt ein Problem');
      // The code's refusals are German too (issue: domain errors were English on German pages).
      expect(wrongHtml).toContain('Geben Sie den 6-stelligen Code aus der E-Mail ein.');
      expect(wrongHtml).not.toContain('Enter the 6-digit code');
      const code = await lastCodeTo(ts.store, JANE);
      const bad = code === '000000' ? '111111' : '000000';
      const notRight = await b.post(`${base}/submit`, { code: bad });
      expect(notRight.status).toBe(422);
      const notRightHtml = await notRight.text();
      expect(notRightHtml).toContain('Dieser Code ist nicht richtig.');
      expect(notRightHtml).not.toContain('That code is not right');
      expect((await b.post(`${base}/submit`, { code })).status).toBe(303);
      const receipt = await (await b.get(`${base}/receipt`)).text();
      expect(receipt).toContain('<html lang="de">');
      expect(receipt).toContain('<h1>Abgesendet</h1>');
      expect(receipt).toContain('Quittung herunterladen (.jws)');
      expect(receipt).toContain('hreflang="en"');
      const en = await (await b.get(`${base}/receipt?lang=en`)).text();
      expect(en).toContain('<html lang="en">');
      expect(en).toContain('<h1>Submitted</h1>');
    });

    it('reviews, submits once, and hands out a receipt that verifies', async () => {
      const { assessmentId, b, base, answers } = await opened();
      const review = await b.get(`${base}/review`);
      expect(review.status).toBe(200);
      expect(await review.text()).toContain('Everything required is answered');

      const res = await b.post(`${base}/submit`, {});
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`${base}/receipt`);
      const stored = (await row(assessmentId))!;
      expect(stored).toMatchObject({
        status: 'submitted',
        answersHash: answersDigest(answers),
        submittedBy: expect.stringMatching(/^vendor:/),
      });
      expect(stored.rating).toBeTruthy();

      const page = await b.get(`${base}/receipt`);
      expect(await page.text()).toContain(stored.answersHash!);
      const file = await b.get(`${base}/receipt.jws`);
      expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="receipt-/);
      const jws = (await file.text()).trim();
      expect(jws).toBe(stored.receipt);
      const checked = await verifyReceipt(await publicJwks(ts.store, { purpose: 'receipt', now }), jws);
      expect(checked).toMatchObject({
        ok: true,
        payload: {
          assessment: assessmentId,
          answers: { digest: stored.answersHash },
          tenant: { id: tenantId, name: 'Acme' },
        },
      });
      const files = await ts.store.tenant(tenantId).read((c) => listEvidence(c, assessmentId));
      expect(files.length).toBeGreaterThan(0);
      expect(checked.ok && checked.payload.evidence.map((e) => e.sha256).sort()).toEqual(
        files.map((f) => f.sha256).sort(),
      );
      const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
      expect(header).toMatchObject({ alg: 'RS256', typ: 'vrp-receipt+jws' });

      // Issue 9: the receipt carries a signed checkpoint and the inclusion proof of its submission entry;
      // the proof is checked here from scratch (root recomputed from the proof), then as a vendor would.
      const proofOf = checked.ok ? checked.payload.audit! : null;
      const entry = (await ts.store.tenant(tenantId).read((c) => listAudit(c))).find(
        (e) => e.action === 'assessment.submitted' && e.target === `assessment:${assessmentId}`,
      )!;
      expect(proofOf).toMatchObject({ seq: entry.seq, entryHash: entry.this_hash });
      const cpLines = proofOf!.checkpoint!.split('\n');
      expect(cpLines[0]).toBe(`assay.test/audit/${tenantId}`);
      expect(Number(cpLines[1])).toBe(proofOf!.inclusionProof!.treeSize);
      const recomputed = rootFromInclusion(
        entry.seq - 1,
        proofOf!.inclusionProof!.treeSize,
        leafHash(entry.this_hash),
        proofOf!.inclusionProof!.hashes.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
      )!;
      expect(Buffer.from(recomputed).toString('base64')).toBe(cpLines[2]);
      const pem = await (await b.get('/.well-known/audit-keys.pem')).text();
      const vendorKeys = pem
        .split(/(?=-----BEGIN)/)
        .map(ed25519FromPem)
        .filter((k) => k !== null);
      expect(
        await checkReceiptAudit(
          proofOf!,
          tenantId,
          vendorKeys.map((publicKey) => ({ publicKey })),
        ),
      ).toMatchObject({
        ok: true,
      });
      const forgedProof = { ...proofOf!, entryHash: '0'.repeat(64) };
      expect(
        await checkReceiptAudit(
          forgedProof,
          tenantId,
          vendorKeys.map((publicKey) => ({ publicKey })),
        ),
      ).toMatchObject({
        ok: false,
        reason: 'the inclusion proof does not lead to the checkpoint root',
      });
      expect((await verifyTenantTrail(ts.store, tenantId)).ok).toBe(true);

      const findings = await ts.store.tenant(tenantId).read((c) => listFindings(c, assessmentId));
      const risks = await ts.store.tenant(tenantId).read((c) => listRisks(c, stored.vendorId));
      expect(risks.length).toBe(new Set(findings.map((f) => f.findingKey)).size);
      const receipts = (await outbox(ts.store)).filter((m) =>
        m.dedupeKey.startsWith(`receipt:${assessmentId}:`),
      );
      expect(receipts).toHaveLength(1); // one receipt, one mail
      expect(receipts[0]!.textBody).toContain(jws.slice(0, 60));
    });

    it('submits exactly once under concurrent clicks; every click gets the same receipt — BL-01', async () => {
      const { assessmentId, b, base } = await opened();
      const results = await Promise.all(Array.from({ length: 5 }, () => b.post(`${base}/submit`, {})));
      expect(results.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
      const audit = await ts.store.tenant(tenantId).read((c) => listAudit(c));
      expect(
        audit.filter((e) => e.action === 'assessment.submitted' && e.target === `assessment:${assessmentId}`),
      ).toHaveLength(1);
      expect(
        (await outbox(ts.store)).filter((m) => m.dedupeKey.startsWith(`receipt:${assessmentId}:`)),
      ).toHaveLength(1);
    });

    it('refuses answer writes after submission, whole — 409 path', async () => {
      const { assessmentId, b, base } = await opened();
      await b.post(`${base}/submit`, {});
      const before = (await row(assessmentId))!;
      const write = ts.store.tenant(tenantId).write((tx) => {
        saveAnswer(tx, assessmentId, 'gov.isms', 'no', now);
        touchAnswers(tx, assessmentId, now);
      });
      await expect(write).rejects.toSatisfy((e) => e instanceof GuardError && e.guard === ASSESSMENT_OPEN);
      expect((await row(assessmentId))!.answersHash).toBe(before.answersHash);
    });

    it('freezes the answers it read: an answer saved while the receipt is signed makes it read again', async () => {
      const { assessmentId, b, base, answers } = await opened();
      const key = Object.keys(answers).find((k) => answers[k] === 'yes' && !(`${k}#comment` in answers))!;
      let raced = false;
      // The race, injected at the one await between reading and writing: signing the receipt.
      const keys: KeyRing = {
        ...platform.keys,
        signer: async (purpose) => {
          if (!raced && purpose === 'receipt') {
            raced = true;
            await ts.store.tenant(tenantId).write((tx) => {
              saveAnswer(tx, assessmentId, `${key}#comment`, 'added while submitting', now);
              touchAnswers(tx, assessmentId, now);
            });
          }
          return platform.keys.signer(purpose);
        },
      };
      const racy = createApp({ ...platform, keys }, { config: { baseUrl: BASE_URL, env: 'test' } });
      const res = await racy.request(`${BASE_URL}${base}/submit`, {
        method: 'POST',
        headers: {
          Cookie: [...b.jar].map(([k, v]) => `${k}=${v}`).join('; '),
          Origin: BASE_URL,
          'Sec-Fetch-Site': 'same-origin',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: '',
      });
      expect(res.status).toBe(303);
      expect(raced).toBe(true);
      const stored = (await row(assessmentId))!;
      expect(stored.answersHash).toBe(
        answersDigest({ ...answers, [`${key}#comment`]: 'added while submitting' }),
      );
    });

    it('requires the mailed code when the tenant asked for it, bound to the session — OTP-01, OTP-07', async () => {
      const { assessmentId, b, base } = await opened({ otp: true });
      expect(await (await b.get(`${base}/review`)).text()).toContain('Email me a code');
      expect((await b.post(`${base}/submit`, {})).status).toBe(422); // no code typed
      expect((await b.post(`${base}/submit-code`, {})).status).toBe(200);
      const code = await lastCodeTo(ts.store, JANE);
      // An empty field (or only separators) is no guess: a dozen spend neither the code's 5 tries nor the day's 10.
      for (let i = 0; i < 12; i++)
        expect((await b.post(`${base}/submit`, { code: i % 2 ? '' : '- -' })).status).toBe(422);
      expect((await b.post(`${base}/submit`, { code: 'abc' })).status).toBe(422);
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await b.post(`${base}/submit`, { code: wrong })).status).toBe(422);
      expect((await row(assessmentId))!.status).not.toBe('submitted');
      expect((await b.post(`${base}/submit`, { code })).status).toBe(303);
      expect((await row(assessmentId))!.status).toBe('submitted');
    });

    it('locks the submission code after 5 wrong tries; a new code does not reset the day — OTP-01', async () => {
      const { b, base } = await opened({ otp: true });
      await b.post(`${base}/submit-code`, {});
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) expect((await b.post(`${base}/submit`, { code: wrong })).status).toBe(422);
      const locked = await b.post(`${base}/submit`, { code });
      expect(locked.status).toBe(429);
      expect(await locked.text()).toContain('Too many wrong codes. Ask for a new one.');
      // Typing at the dead code is no guess and spends nothing of the day.
      expect((await b.post(`${base}/submit`, { code: wrong })).status).toBe(429);
      // A new code: its 5 tries fit in the day's 10 (the refused ones did not count); then the day is used
      // up, whatever code comes next.
      await b.post(`${base}/submit-code`, {});
      const next = await lastCodeTo(ts.store, JANE);
      const wrong2 = next === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) expect((await b.post(`${base}/submit`, { code: wrong2 })).status).toBe(422);
      await b.post(`${base}/submit-code`, {});
      const third = await lastCodeTo(ts.store, JANE);
      const day = await b.post(`${base}/submit`, { code: third });
      expect(day.status).toBe(429);
      expect(await day.text()).toContain('Too many codes were tried for this assessment today');
    });

    it('counts malformed codes toward the 5 tries per code: the right one after them is refused — OTP-01', async () => {
      const { assessmentId, b, base } = await opened({ otp: true });
      await b.post(`${base}/submit-code`, {});
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = ['000000', '111111', '222222'].filter((c) => c !== code).slice(0, 2);
      for (const bad of ['abc', '12345', '%00', ...wrong])
        expect((await b.post(`${base}/submit`, { code: bad })).status, bad).toBe(422);
      expect((await b.post(`${base}/submit`, { code })).status).toBe(429);
      expect((await row(assessmentId))!.status).not.toBe('submitted');
    });

    it('records wrong and throttled submission codes in the security log, never the code', async () => {
      const { assessmentId, b, base } = await opened({ otp: true });
      await b.post(`${base}/submit-code`, {});
      const code = await lastCodeTo(ts.store, JANE);
      const wrong = code === '000000' ? '111111' : '000000';
      expect((await b.post(`${base}/submit`, { code: '12' })).status).toBe(422);
      // The malformed one was the first of the code's 5 tries.
      for (let i = 0; i < 4; i++) await b.post(`${base}/submit`, { code: wrong });
      expect((await b.post(`${base}/submit`, { code })).status).toBe(429);
      await vi.waitFor(async () => {
        const events = (
          await ts.store.tenant(tenantId).read((c) => listSecurityEvents(c, { limit: 10_000 }))
        ).filter((e) => e.data.assessment === assessmentId);
        expect(
          events
            .filter((e) => e.kind === 'code_failed')
            .map((e) => e.data.reason)
            .sort(),
        ).toEqual(['malformed', 'wrong', 'wrong', 'wrong', 'wrong']);
        expect(events.filter((e) => e.kind === 'rate_limited').map((e) => e.data.reason)).toEqual([
          'tries_per_code',
        ]);
        const all = JSON.stringify(events);
        for (const secret of [code, wrong, JANE]) expect(all).not.toContain(secret);
        expect(events.every((e) => e.data.via === 'submit_code' && /^hmac:/.test(e.address ?? ''))).toBe(
          true,
        );
      });
    });

    // Two first submissions of one vendor, each unit on its own connection: both read "no risk yet", then
    // both insert the risk of each finding. The second insert meets the first's row on the unique key; the
    // unit runs again, re-reads and updates it instead of failing the vendor's submission with a 500.
    it.skipIf(dialect !== 'pg')(
      'two first submissions of one vendor at the same moment, on two connections: one risk per finding',
      async () => {
        const vendorName = `Race ${Math.random().toString(36).slice(2, 8)}`;
        const one = await opened({ vendorName });
        const two = await opened({ vendorName });
        const [a, b] = [(await row(one.assessmentId))!, (await row(two.assessmentId))!];
        expect(a.vendorId).toBe(b.vendorId);
        const locker = new pg.Client({ connectionString: ts.pg!.ownerUrl });
        await locker.connect();
        try {
          // Hold the vendor row: both units read, then wait at their first insert that references it.
          await locker.query('BEGIN');
          await locker.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
          const held = await locker.query('SELECT id FROM vendors WHERE id = $1 FOR UPDATE', [a.vendorId]);
          expect(held.rowCount).toBe(1);
          const both = Promise.all([
            one.b.post(`${one.base}/submit`, {}),
            two.b.post(`${two.base}/submit`, {}),
          ]);
          await vi.waitFor(
            async () => {
              const { rows } = await locker.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_locks
                 WHERE NOT granted AND locktype = 'transactionid'
                   AND transactionid::text::bigint = pg_current_xact_id()::text::bigint % 4294967296`,
              );
              expect(rows[0]!.n).toBe(2);
            },
            { timeout: 30_000, interval: 20 },
          );
          await locker.query('COMMIT');
          expect((await both).map((r) => r.status)).toEqual([303, 303]);
        } finally {
          await locker.end();
        }
        expect((await row(one.assessmentId))!.status).toBe('submitted');
        expect((await row(two.assessmentId))!.status).toBe('submitted');
        const risks = await ts.store.tenant(tenantId).read((c) => listRisks(c, a.vendorId));
        expect(risks.length).toBeGreaterThan(0);
        expect(new Set(risks.map((r) => r.findingKey)).size).toBe(risks.length);
        // Created by one submission, then raised again by the other: both in the history.
        for (const r of risks) {
          const h = await ts.store.tenant(tenantId).read((c) => listHistory(c, r.id));
          expect(h.some((e) => e.note?.startsWith('raised by assessment'))).toBe(true);
          expect([one.assessmentId, two.assessmentId]).toContain(r.assessmentId);
        }
      },
    );

    it('refuses what blocks submission and other sessions — SES-05', async () => {
      const sent = await send(platform, tenantId);
      const b = browser(app);
      await b.post(await lastLinkTo(ts.store, JANE), {});
      const base = `/v/a/${sent.assessmentId}`;
      const review = await (await b.get(`${base}/review`)).text();
      expect(review).toMatch(/questions need attention/);
      expect((await b.post(`${base}/submit`, {})).status).toBe(422);
      expect((await b.get(`${base}/receipt`)).status).toBe(404);
      const other = await opened();
      expect((await b.get(`${other.base}/review`)).status).toBe(404);
      expect((await b.post(`${other.base}/submit`, {})).status).toBe(404);
      expect((await browser(app).get(`${base}/review`)).status).toBe(401);
      expect((await browser(app).post(`${base}/submit`, {})).status).toBe(401);
      expect((await row(other.assessmentId))!.status).not.toBe('submitted');
    });

    const receiptMails = async (aid: string) =>
      (await outbox(ts.store)).filter((m) => m.dedupeKey.startsWith(`receipt:${aid}:`));
    const attestedEntries = async (aid: string) =>
      (await ts.store.tenant(tenantId).read((c) => listAudit(c))).filter(
        (e) => e.action === 'assessment.receipt_attested' && e.target === `assessment:${aid}`,
      );
    const carriesCheckpoint = (jws: string) =>
      Boolean(JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()).audit?.checkpoint);

    it('a crash between the submission and its receipt unit: the recovery job mails the attested receipt, once', async () => {
      const { assessmentId, b, base } = await opened();
      crash.armed = true;
      expect((await b.post(`${base}/submit`, {})).status).toBe(500);
      expect(crash.crashed).toBe(true);
      // The submission committed, with its plain receipt, and no receipt mail.
      const plain = (await row(assessmentId))!;
      expect(plain.status).toBe('submitted');
      expect(carriesCheckpoint(plain.receipt!)).toBe(false);
      expect(await receiptMails(assessmentId)).toHaveLength(0);

      // The process restarts. The job leaves a fresh submission to finish itself…
      crash.armed = false;
      crash.crashed = false;
      expect(await finishPendingReceipts({ ...platform, baseUrl: BASE_URL }, now)).toBe(0);
      // …and finishes it once it is older than that; a second run (next hour) does nothing.
      const later = new Date(now.getTime() + RECEIPT_RECOVERY_AFTER_MS + 1000);
      expect(await finishPendingReceipts({ ...platform, baseUrl: BASE_URL }, later)).toBe(1);
      expect(await finishPendingReceipts({ ...platform, baseUrl: BASE_URL }, later)).toBe(0);

      const finished = (await row(assessmentId))!;
      expect(carriesCheckpoint(finished.receipt!)).toBe(true);
      const mails = await receiptMails(assessmentId);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.toAddress).toBe(JANE);
      expect(mails[0]!.textBody.replace(/\n/g, '')).toContain(finished.receipt!);
      expect(await attestedEntries(assessmentId)).toHaveLength(1);
      expect((await b.get(`${base}/receipt.jws`)).ok && true).toBe(true);
      expect((await verifyTenantTrail(ts.store, tenantId)).ok).toBe(true);
    });

    it('finishing a receipt twice, or the job racing the submission, re-signs and mails it once', async () => {
      const { assessmentId, b, base } = await opened();
      crash.armed = true;
      await b.post(`${base}/submit`, {});
      crash.armed = false;
      crash.crashed = false;
      const plain = (await row(assessmentId))!.receipt!;
      const scope = ts.store.tenant(tenantId);
      const deps = {
        keys: platform.keys,
        baseUrl: BASE_URL,
        store: ts.store,
        clock: platform.clock,
        templates: platform.templates,
      };
      const pending = { assessmentId, plain, to: JANE, locale: 'en' as const, questionnaireTitle: 'Q' };
      const finish = () => finishReceipt(deps, { tenantId, write: (fn) => scope.write(fn) }, pending, now);
      const [a, c] = await Promise.all([finish(), finish()]);
      await finish();
      const stored = (await row(assessmentId))!.receipt!;
      expect(carriesCheckpoint(stored)).toBe(true);
      expect([a, c]).toContain(stored);
      expect(await attestedEntries(assessmentId)).toHaveLength(1);
      const mails = await receiptMails(assessmentId);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.textBody.replace(/\n/g, '')).toContain(stored);
    });

    it('mails the plain receipt when it cannot be re-signed, once, and the job leaves it be', async () => {
      const { assessmentId, b, base } = await opened();
      crash.armed = true;
      await b.post(`${base}/submit`, {});
      crash.armed = false;
      crash.crashed = false;
      // The audit key cannot sign: the attestation fails, the plain receipt goes out.
      const keys: KeyRing = {
        ...platform.keys,
        signer: (purpose) =>
          purpose === 'audit' ? Promise.reject(new Error('no audit key')) : platform.keys.signer(purpose),
      };
      const later = new Date(now.getTime() + RECEIPT_RECOVERY_AFTER_MS + 1000);
      expect(await finishPendingReceipts({ ...platform, keys, baseUrl: BASE_URL }, later)).toBe(1);
      expect(await finishPendingReceipts({ ...platform, baseUrl: BASE_URL }, later)).toBe(0);
      const stored = (await row(assessmentId))!.receipt!;
      expect(carriesCheckpoint(stored)).toBe(false);
      const mails = await receiptMails(assessmentId);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.textBody.replace(/\n/g, '')).toContain(stored);
      expect(await attestedEntries(assessmentId)).toHaveLength(0);
    });
  },
  ['sqlite', 'pg', 'd1'],
);
