/**
 * A reviewer changes the buyer-set context facts (issue 10, "Scope set by the buyer"), through
 * app.request() on every dialect: on a submission the answers are rated again under the new facts (stored
 * score, band, rating, findings and the risk register follow; the signed receipt stays), the reason is an
 * internal note, one audit entry holds ids and digests only; on an open assessment the vendor sees the new
 * fact. Every bad input is refused with a 4xx and changes nothing.
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
import { listAssessmentEvents } from '../../src/db/repo/assessment-events.js';
import {
  CONTEXT_SEEN,
  changeAssessmentContext,
  getAssessment,
  touchAnswers,
} from '../../src/db/repo/assessments.js';
import { listAudit } from '../../src/db/repo/audit.js';
import { listEvidence } from '../../src/db/repo/evidence.js';
import { listFindings } from '../../src/db/repo/findings.js';
import { listReviewNotes } from '../../src/db/repo/review-notes.js';
import { listRisks } from '../../src/db/repo/risks.js';
import { addMembership, ensureUser } from '../../src/db/repo/users.js';
import { GuardError } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import { storeEvidence } from '../../src/evidence/evidence.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import { type Answers, evaluate, type Questionnaire } from '../../src/questionnaire/index.js';
import { withEvidence } from '../../src/vendor/evidence-answers.js';
import { pdf, uploadRequest } from '../evidence/support.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastLinkTo, seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const MARKUP = '<img src=x onerror=alert(1)>';

forEachDialect('review: changing the context facts', (dialect: Dialect) => {
  let ts: TestStore;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  let otherTenant: string;
  let now = new Date('2030-05-01T10:00:00Z');

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    tenantId = await seedTenant(ts.store, 'Acme', now);
    otherTenant = await seedTenant(ts.store, 'Other', now);
  }, 120_000);
  afterAll(async () => {
    await ts.close();
  });
  beforeEach(async () => {
    now = new Date(now.getTime() + 24 * 3_600_000);
    platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  });

  const row = (aid: string) => ts.store.tenant(tenantId).read((c) => getAssessment(c, aid));
  const audit = async (aid: string) =>
    (await ts.store.tenant(tenantId).read((c) => listAudit(c))).filter(
      (e) => e.action === 'assessment.context_changed' && e.target === `assessment:${aid}`,
    );
  const notes = (aid: string) => ts.store.tenant(tenantId).read((c) => listReviewNotes(c, aid));

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

  /** nis2-supplier sent as a supporting service with data access only, answered and submitted. */
  async function submitted(
    context = ['scope.criticality=supporting', 'scope.access=data'],
    omit: string[] = [],
  ) {
    const sent = await send(platform, tenantId, { context });
    const vendor = browser(app);
    expect((await vendor.post(await lastLinkTo(ts.store, JANE), {})).status).toBe(303);
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    const today = now.toISOString().slice(0, 10);
    const stored = Object.fromEntries(
      Object.entries(sampleAnswers(q, today)).filter(
        ([k]) =>
          !k.endsWith('#evidence') &&
          q.questions.get(k)?.type !== 'file' &&
          !q.questions.get(k)?.context &&
          !omit.includes(k.split('#')[0]!),
      ),
    );
    await ts.store.tenant(tenantId).write((tx) => {
      for (const [k, v] of Object.entries(stored)) saveAnswer(tx, sent.assessmentId, k, v, now);
      touchAnswers(tx, sent.assessmentId, now);
    });
    // Evidence for whatever the strictest facts ask for, so the submission goes through.
    const strict = { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote', 'onsite'] };
    for (const issue of evaluate(q, stored as Answers, today, { context: strict as never }).issues) {
      if (issue.kind !== 'evidence-required') continue;
      await storeEvidence(
        platform,
        {
          tenantId,
          assessmentId: sent.assessmentId,
          uploadedBy: 'vendor:test',
          questionId: issue.questionId,
        },
        uploadRequest('policy.pdf', pdf()),
      );
    }
    const submit = await vendor.post(`/v/a/${sent.assessmentId}/submit`, {});
    expect(submit.status).toBe(303);
    return { ...sent, q, stored, today, vendor };
  }

  /** What the engine says for the stored answers and files under `context` on the submission day. */
  async function expected(aid: string, q: Questionnaire, context: Record<string, unknown>) {
    const { answers, files } = await ts.store.tenant(tenantId).read(async (c) => {
      const rows = await c.db.select().from(c.t.answers);
      const answers: Record<string, unknown> = {};
      for (const r of rows) if (r.assessmentId === aid && r.value !== null) answers[r.key] = r.value;
      const files = (await listEvidence(c, aid)).map((e) => ({
        id: e.id,
        questionId: e.questionId,
        name: e.fileName,
        size: e.size,
        sha256: e.sha256,
      }));
      return { answers, files };
    });
    const day = (await row(aid))!.submittedAt!.toISOString().slice(0, 10);
    return evaluate(q, withEvidence(q, answers as Answers, files), day, { context: context as never });
  }

  it('re-rates a submission under the new facts; the receipt stays, the note and one audit entry record it', async () => {
    const s = await submitted();
    const before = (await row(s.assessmentId))!;
    expect(before.context).toEqual({ 'scope.criticality': 'supporting', 'scope.access': ['data'] });
    const reviewer = await member('compliance_manager');
    const path = `/app/assessments/${s.assessmentId}/review`;

    // The page shows the facts in a form for a reviewer, read-only for a viewer.
    const page = await (await reviewer.get(path)).text();
    expect(page).toContain(`action="${path}/context"`);
    expect(page).toMatch(/<option value="supporting" selected/);
    const viewer = await member('viewer');
    const readOnly = await (await viewer.get(path)).text();
    expect(readOnly).not.toContain(`action="${path}/context"`);
    expect(readOnly).toContain('Context facts');

    const strict = { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] };
    const want = await expected(s.assessmentId, s.q, strict);
    const was = await expected(s.assessmentId, s.q, before.context);
    // The change matters: the critical service is rated differently from the supporting one.
    expect([want.score, want.rating, want.findings.length]).not.toEqual([
      was.score,
      was.rating,
      was.findings.length,
    ]);

    const res = await reviewer.post(`${path}/context`, {
      'ctx.scope.criticality': 'critical',
      'ctx.scope.access': 'data,remote',
      reason: `Procurement confirmed it runs payroll ${MARKUP}`,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${path}?done=rerated#context`);
    const after = (await row(s.assessmentId))!;
    expect(after.context).toEqual(strict);
    expect(after.scorePermille).toBe(want.score === null ? null : Math.round(want.score * 10));
    expect(after.band).toBe(want.band);
    expect(after.rating).toBe(want.rating);
    expect(after.status).toBe('submitted');
    // The receipt attests what was submitted, under the facts of that day.
    expect(after.receipt).toBe(before.receipt);
    expect(after.answersHash).toBe(before.answersHash);

    const findings = await ts.store.tenant(tenantId).read((c) => listFindings(c, s.assessmentId));
    expect(findings.map((f) => f.findingKey).sort()).toEqual(want.findings.map((f) => f.id).sort());
    const risks = await ts.store.tenant(tenantId).read((c) => listRisks(c, s.vendorId));
    const open = risks.filter((r) => r.status !== 'closed' && r.origin === 'finding');
    expect(open.map((r) => r.findingKey.split('/').at(-1)).sort()).toEqual(
      [...new Set(want.findings.map((f) => f.id))].sort(),
    );

    // The reason is an internal note (inert on the page), the change an event on the timeline.
    const [note] = (await notes(s.assessmentId)).filter((n) => n.body.startsWith('Context changed.'));
    expect(note!.body).toContain('supporting → critical');
    expect(note!.body).toContain(`Reason: Procurement confirmed it runs payroll ${MARKUP}`);
    const shown = await (await reviewer.get(`${path}?done=rerated`)).text();
    expect(shown).toContain('rated again under them');
    expect(shown).toContain('payroll &lt;img src=x onerror=alert(1)&gt;');
    expect(shown).not.toContain(MARKUP);
    const events = await ts.store.tenant(tenantId).read((c) => listAssessmentEvents(c, s.assessmentId));
    expect(events.filter((e) => e.kind === 'context_changed')).toHaveLength(1);

    const [entry, ...more] = await audit(s.assessmentId);
    expect(more).toEqual([]);
    expect(entry!.data).toMatchObject({
      facts: ['scope.criticality', 'scope.access'],
      note: note!.id,
      rating_before: before.rating,
      rating: want.rating,
      findings: want.findings.length,
    });
    // Ids and digests only: neither the reason nor the facts' values.
    const data = JSON.stringify(entry!.data);
    expect(data).not.toContain('payroll');
    expect(data).not.toContain('critical"');
    // Keyed (docs/audit.md "Keyed digests"): a fact is a choice, its plain SHA-256 is guessed at once.
    expect(data).toMatch(/"context_before_hmac":"[0-9a-f]{64}"/);
    expect(data).toMatch(/"context_after_hmac":"[0-9a-f]{64}"/);
    expect(data).toMatch(/"note_hmac":"[0-9a-f]{64}"/);
    expect(data).not.toMatch(/_sha256/);
    const d = entry!.data as Record<string, string>;
    const ports = { store: ts.store, master: platform.master };
    expect(
      await matchesKeyedValue(
        ports,
        tenantId,
        ['assessment.context_changed', entry!.target, d.note!, 'note'],
        { value_hmac: d.note_hmac, hmac_key: d.hmac_key },
        note!.body,
      ),
    ).toBe(true);
    expect(d.note_hmac).not.toBe(sha256Hex(canonicalize(note!.body)!));

    // The review page and the assessment list show the stored headline rating.
    expect(shown).toContain(`>${want.rating}<`);
    const list = await (await reviewer.get(`/app/assessments?vendor=${s.vendorId}`)).text();
    const line = list.split('<tr').find((l) => l.includes(`/app/assessments/${s.assessmentId}"`))!;
    expect(line).toContain(`data-rating="${want.rating}">${want.rating}</strong>`);
    // So does the vendor list, for the vendor's latest submission.
    const vendors = await (await reviewer.get('/app/vendors')).text();
    const vendorLine = vendors.split('<tr').find((l) => l.includes(`/app/vendors/${s.vendorId}"`))!;
    expect(vendorLine).toContain(`data-rating="${want.rating}">${want.rating}</strong>`);
  });

  it('a submission that no longer meets the new facts says so: the unanswered questions listed, the rating provisional, no sign-off', async () => {
    // Submitted as a supporting service: two questions only a critical one must answer are left open;
    // the subcontractor list (a file question) is one too, since the submission uploaded no file for it.
    const s = await submitted(
      ['scope.criticality=supporting', 'scope.access=data'],
      ['bcm.rto_hours', 'auth.emergency'],
    );
    const open = ['bcm.rto_hours', 'sup.list', 'auth.emergency'];
    const reviewer = await member('compliance_manager');
    const path = `/app/assessments/${s.assessmentId}/review`;
    const clean = await (await reviewer.get(path)).text();
    expect(clean).not.toContain('unanswered under the current context facts');
    expect(clean).not.toContain('data-provisional');
    expect(clean).toContain(`action="${path}/reviewed"`);

    const res = await reviewer.post(`${path}/context`, {
      'ctx.scope.criticality': 'critical',
      'ctx.scope.access': 'data',
      reason: 'It runs payroll after all.',
    });
    expect(res.status).toBe(303);
    const page = await (await reviewer.get(`${path}?done=rerated`)).text();
    // Named, counted, each linked to its question on the page, which says what is missing.
    expect(page).toContain('3 required questions are unanswered under the current context facts.');
    for (const id of open) {
      expect(page).toContain(`<li><a href="#q-${id}">${id}</a>`);
      expect(page).toContain(`id="q-${id}"`);
      const block = page.slice(page.indexOf(`id="q-${id}"`)).split('<div class="question"')[0]!;
      const file = id === 'sup.list';
      expect(block).toContain(
        `Required under the current context facts: ${file ? 'the file it requires is missing' : 'no answer'}.`,
      );
      // Ticked for a change request, with a comment to send as it is or edit.
      expect(block).toMatch(
        new RegExp(`name="pick" value="${id.replace('.', '\\.')}" id="pick-[^"]+" checked`),
      );
      expect(block).toContain(
        file
          ? 'please answer it and attach the file it asks for.'
          : 'now require this question: please answer it.',
      );
    }
    // The rating is not shown clean: provisional, and no "Mark reviewed" button.
    expect(page).toContain('provisional: 3 required unanswered');
    expect(page).not.toContain(`action="${path}/reviewed"`);
    // Posting it anyway is refused with the reason, and nothing changes.
    const signOff = await reviewer.post(`${path}/reviewed`, {});
    expect(signOff.status).toBe(409);
    const refusal = await signOff.text();
    expect(refusal).toContain('3 required questions are unanswered under the current context facts');
    expect(refusal).toContain('(bcm.rto_hours, sup.list, auth.emergency)');
    expect((await row(s.assessmentId))!.status).toBe('submitted');
    // Sending the ticked questions back is one click: the form as the page fills it.
    const back = await reviewer.send(`${path}/changes`, {
      method: 'POST',
      body: new URLSearchParams(
        open.flatMap((id) => [
          ['pick', id],
          [`comment.${id}`, 'Please answer: the service is critical.'],
        ]),
      ).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(back.status).toBe(303);
    expect((await row(s.assessmentId))!.status).toBe('changes_requested');
  });

  it('a reviewed assessment the new facts leave incomplete goes back to submitted, as an event and in the audit entry', async () => {
    const s = await submitted(
      ['scope.criticality=supporting', 'scope.access=data'],
      ['bcm.rto_hours', 'auth.emergency'],
    );
    const reviewer = await member('compliance_manager');
    const path = `/app/assessments/${s.assessmentId}/review`;
    expect((await reviewer.post(`${path}/reviewed`, {})).status).toBe(303);
    expect((await row(s.assessmentId))!.status).toBe('reviewed');
    const res = await reviewer.post(`${path}/context`, {
      'ctx.scope.criticality': 'critical',
      'ctx.scope.access': 'data',
      reason: 'It runs payroll after all.',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('done=reopened');
    expect((await row(s.assessmentId))!.status).toBe('submitted');
    const kinds = (await ts.store.tenant(tenantId).read((c) => listAssessmentEvents(c, s.assessmentId))).map(
      (e) => e.kind,
    );
    expect(kinds.filter((k) => k === 'review_reopened')).toHaveLength(1);
    expect(kinds).toContain('context_changed');
    const [entry, ...more] = await audit(s.assessmentId);
    expect(more).toEqual([]);
    expect(entry!.data).toMatchObject({
      reopened: true,
      status: 'submitted',
      open_questions: ['bcm.rto_hours', 'sup.list', 'auth.emergency'],
    });
    // The list no longer shows a clean "Reviewed"; the page says why and refuses a sign-off until it is met.
    const list = await (await reviewer.get('/app/assessments')).text();
    const line = list.split('<tr').find((l) => l.includes(`/app/assessments/${s.assessmentId}"`))!;
    expect(line).not.toContain('Reviewed');
    expect((await reviewer.get(`${path}?done=reopened`)).status).toBe(200);
    expect((await reviewer.post(`${path}/reviewed`, {})).status).toBe(409);
    // Facts changed back: complete again; it stays submitted until a reviewer signs it off again.
    await reviewer.post(`${path}/context`, {
      'ctx.scope.criticality': 'supporting',
      'ctx.scope.access': 'data',
      reason: 'Payroll moved elsewhere.',
    });
    expect((await row(s.assessmentId))!.status).toBe('submitted');
    expect((await reviewer.post(`${path}/reviewed`, {})).status).toBe(303);
    expect((await row(s.assessmentId))!.status).toBe('reviewed');
    // A context change that still meets the facts leaves the sign-off be.
    const still = await reviewer.post(`${path}/context`, {
      'ctx.scope.criticality': 'supporting',
      'ctx.scope.access': '',
      reason: 'No data access after all.',
    });
    expect(still.status).toBe(303);
    expect((await row(s.assessmentId))!.status).toBe('reviewed');
  });

  it('marks reviewed only on the row it checked: a context change in between refuses the sign-off', async () => {
    const s = await submitted(
      ['scope.criticality=supporting', 'scope.access=data'],
      ['bcm.rto_hours', 'auth.emergency'],
    );
    const { markReviewed } = await import('../../src/workspace/review.js');
    const base = ts.store.tenant(tenantId);
    const seen = (await row(s.assessmentId))!;
    // A context change landing between the completeness read and the sign-off's write.
    let raced = false;
    const scope = {
      userId: '00000000-0000-4000-8000-000000000009',
      tenantId,
      read: base.read.bind(base),
      write: (async (fn: Parameters<typeof base.write>[0]) => {
        if (!raced) {
          raced = true;
          await base.write((tx) =>
            changeAssessmentContext(
              tx,
              seen,
              { 'scope.criticality': 'critical', 'scope.access': ['data'] },
              null,
              new Date(seen.updatedAt.getTime() + 1000),
            ),
          );
        }
        return base.write(fn);
      }) as typeof base.write,
    };
    await expect(markReviewed({ clock: platform.clock }, scope, s.assessmentId)).rejects.toThrow(
      /changed while you were reviewing/,
    );
    expect(raced).toBe(true);
    expect((await row(s.assessmentId))!.status).toBe('submitted');
  });

  it('refuses every bad change with a 4xx and writes nothing', async () => {
    const s = await submitted();
    const reviewer = await member('analyst');
    const path = `/app/assessments/${s.assessmentId}/review/context`;
    const before = (await row(s.assessmentId))!;
    const notesBefore = (await notes(s.assessmentId)).length;
    const good = { 'ctx.scope.criticality': 'critical', 'ctx.scope.access': 'data', reason: 'Confirmed.' };
    const cases: Array<[string, Record<string, string> | URLSearchParams, number, string]> = [
      ['no reason', { ...good, reason: '  ' }, 422, 'Write the reason for the change.'],
      ['a control character', { ...good, reason: 'a\u0007b' }, 422, 'control characters'],
      ['too long', { ...good, reason: 'x'.repeat(2001) }, 422, 'too long'],
      ['an unknown value', { ...good, 'ctx.scope.criticality': 'extreme' }, 422, 'not a valid value'],
      ['an unknown fact', { ...good, 'ctx.scope.nope': 'x' }, 422, 'is not a context fact'],
      ['an unknown access kind', { ...good, 'ctx.scope.access': 'data,teleport' }, 422, 'not a valid value'],
      [
        'nothing changed',
        { 'ctx.scope.criticality': 'supporting', 'ctx.scope.access': 'data', reason: 'Same.' },
        422,
        'Nothing changed',
      ],
      [
        'a fact twice',
        new URLSearchParams([
          ['ctx.scope.criticality', 'critical'],
          ['ctx.scope.criticality', 'supporting'],
          ['reason', 'x'],
        ]),
        422,
        'once',
      ],
    ];
    for (const [what, body, status, message] of cases) {
      const res =
        body instanceof URLSearchParams
          ? await reviewer.send(path, {
              method: 'POST',
              body: body.toString(),
              headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            })
          : await reviewer.post(path, body);
      expect(res.status, what).toBe(status);
      expect(await res.text(), what).toContain(message);
    }
    // Roles without assessment.review, another tenant's member, an id that is not one.
    for (const role of ['viewer', 'auditor', 'executive'] as const)
      expect((await (await member(role)).post(path, good)).status, role).toBe(403);
    expect((await (await member('admin', otherTenant)).post(path, good)).status).toBe(404);
    expect((await reviewer.post('/app/assessments/not-an-id/review/context', good)).status).toBe(404);

    const after = (await row(s.assessmentId))!;
    expect(after).toEqual(before);
    expect((await notes(s.assessmentId)).length).toBe(notesBefore);
    expect(await audit(s.assessmentId)).toEqual([]);
  });

  it('does not re-rate a submission the vendor has since replaced (the register follows the latest)', async () => {
    const older = await submitted();
    now = new Date(now.getTime() + 3_600_000);
    await submitted();
    const before = (await row(older.assessmentId))!;
    const reviewer = await member('analyst');
    const res = await reviewer.post(`/app/assessments/${older.assessmentId}/review/context`, {
      'ctx.scope.criticality': 'critical',
      'ctx.scope.access': 'data',
      reason: 'Confirmed.',
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('submitted this questionnaire again since');
    expect(await row(older.assessmentId)).toEqual(before);
    expect(await audit(older.assessmentId)).toEqual([]);
  });

  it('on an open assessment, changes what the vendor sees and makes a submission under the old facts re-read', async () => {
    const sent = await send(platform, tenantId, { context: ['scope.criticality=supporting'] });
    const vendor = browser(app);
    expect((await vendor.post(await lastLinkTo(ts.store, JANE), {})).status).toBe(303);
    const before = (await row(sent.assessmentId))!;
    const reviewer = await member('admin');
    const res = await reviewer.post(`/app/assessments/${sent.assessmentId}/review/context`, {
      'ctx.scope.criticality': 'critical',
      reason: 'The service runs payroll.',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('done=context');
    const after = (await row(sent.assessmentId))!;
    expect(after.context).toEqual({ 'scope.criticality': 'critical' });
    expect(after.scorePermille).toBeNull();
    expect(after.status).toBe(before.status);
    // A submission that read the old facts (and the old revision) fails its guard and reads again.
    expect(after.answersRevision).toBe(before.answersRevision + 1);
    const portal = await (await vendor.get(`/v/a/${sent.assessmentId}/s/scope`)).text();
    expect(portal).toContain(
      'A failure would disrupt or interrupt one of our essential or important services',
    );
    expect(await audit(sent.assessmentId)).toHaveLength(1);

    // Revoked: no change any more.
    expect((await reviewer.post(`/app/assessments/${sent.assessmentId}/revoke`, {})).status).toBe(303);
    const revoked = await reviewer.post(`/app/assessments/${sent.assessmentId}/review/context`, {
      'ctx.scope.criticality': 'supporting',
      reason: 'Back.',
    });
    expect(revoked.status).toBe(409);
    expect((await row(sent.assessmentId))!.context).toEqual({ 'scope.criticality': 'critical' });
  });

  /** Posts a form with repeated fields, as a browser posts ticked checkboxes. */
  const postPairs = (b: ReturnType<typeof browser>, path: string, pairs: Array<[string, string]>) =>
    b.send(path, {
      method: 'POST',
      body: new URLSearchParams(pairs).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  /** The review form's fields as the page renders them, with their current values. */
  const formFields = (html: string): Array<[string, string]> => {
    const form = html.slice(html.indexOf('/review/context"'), html.indexOf('name="reason"'));
    const out: Array<[string, string]> = [];
    for (const m of form.matchAll(/<input type="hidden" name="(ctx\.[^"]+)" value="">/g))
      out.push([m[1]!, '']);
    for (const m of form.matchAll(
      /<input type="checkbox" [^>]*name="(ctx\.[^"]+)" value="([^"]+)" checked>/g,
    ))
      out.push([m[1]!, m[2]!]);
    for (const m of form.matchAll(/<select [^>]*name="(ctx\.[^"]+)"[^>]*>([\s\S]*?)<\/select>/g))
      out.push([m[1]!, /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? '']);
    return out;
  };

  it('a multi fact set by the CLI is ticked on the review page; changing another fact keeps it', async () => {
    const sent = await send(platform, tenantId, {
      context: ['scope.criticality=supporting', 'scope.access=data,remote'],
    });
    const reviewer = await member('analyst');
    const path = `/app/assessments/${sent.assessmentId}/review`;
    const page = await (await reviewer.get(path)).text();
    // A group of checkboxes with a legend, each labelled with the option's text; the set values ticked.
    expect(page).toMatch(
      /<fieldset class="field" id="field-ctx\.scope\.access">\s*<legend class="field__label">Which kinds of access/,
    );
    expect(page).toContain('<input type="hidden" name="ctx.scope.access" value="">');
    expect(page).toMatch(
      /<input type="checkbox" id="field-ctx\.scope\.access-0" name="ctx\.scope\.access" value="data" checked><label for="field-ctx\.scope\.access-0">You store or process our data<\/label>/,
    );
    expect(page).toMatch(/name="ctx\.scope\.access" value="remote" checked>/);
    expect(page).toMatch(/name="ctx\.scope\.access" value="onsite">/);
    expect(page).not.toMatch(/<select [^>]*name="ctx\.scope\.access"/);
    expect(page).toMatch(/<option value="supporting" selected/);

    // The form as the page shows it, with only the criticality changed: access stays as it was.
    const fields = formFields(page).map(([k, v]): [string, string] =>
      k === 'ctx.scope.criticality' ? [k, 'critical'] : [k, v],
    );
    expect(fields).toContainEqual(['ctx.scope.access', 'remote']);
    const res = await postPairs(reviewer, `${path}/context`, [...fields, ['reason', 'It runs payroll.']]);
    expect(res.status, await res.clone().text()).toBe(303);
    expect((await row(sent.assessmentId))!.context).toEqual({
      'scope.criticality': 'critical',
      'scope.access': ['data', 'remote'],
    });
    const [entry] = await audit(sent.assessmentId);
    expect(entry!.data).toMatchObject({ facts: ['scope.criticality'] });

    // A form that posts only the criticality cannot wipe the access either.
    const partial = await postPairs(reviewer, `${path}/context`, [
      ['ctx.scope.criticality', 'supporting'],
      ['reason', 'Back to supporting.'],
    ]);
    expect(partial.status).toBe(303);
    expect((await row(sent.assessmentId))!.context).toEqual({
      'scope.criticality': 'supporting',
      'scope.access': ['data', 'remote'],
    });

    // Ticking another box adds it; the ticked boxes are the value, as `--context scope.access=a,b`.
    const more = await postPairs(reviewer, `${path}/context`, [
      ['ctx.scope.access', ''],
      ['ctx.scope.access', 'data'],
      ['ctx.scope.access', 'onsite'],
      ['reason', 'They also work on site.'],
    ]);
    expect(more.status).toBe(303);
    expect((await row(sent.assessmentId))!.context).toEqual({
      'scope.criticality': 'supporting',
      'scope.access': ['data', 'onsite'],
    });

    // Nothing ticked (only the hidden marker posted): access is cleared, the criticality kept.
    const none = await postPairs(reviewer, `${path}/context`, [
      ['ctx.scope.access', ''],
      ['reason', 'Not known yet.'],
    ]);
    expect(none.status).toBe(303);
    expect((await row(sent.assessmentId))!.context).toEqual({ 'scope.criticality': 'supporting' });
    const cleared = await (await reviewer.get(path)).text();
    expect(cleared).not.toMatch(/name="ctx\.scope\.access" value="[^"]+" checked>/);
    expect(await audit(sent.assessmentId)).toHaveLength(4);
  });

  it('a bad multi value is a 422 that changes nothing and shows the ticked boxes again', async () => {
    const sent = await send(platform, tenantId, {
      context: ['scope.criticality=supporting', 'scope.access=data'],
    });
    const reviewer = await member('analyst');
    const path = `/app/assessments/${sent.assessmentId}/review/context`;
    const before = (await row(sent.assessmentId))!;
    const cases: Array<[string, Array<[string, string]>, string]> = [
      [
        'an unknown option',
        [
          ['ctx.scope.access', 'data'],
          ['ctx.scope.access', 'teleport'],
        ],
        'not a valid value for scope.access',
      ],
      [
        'an exclusive option with another',
        [
          ['ctx.scope.access', 'none'],
          ['ctx.scope.access', 'data'],
        ],
        'not a valid value for scope.access',
      ],
      [
        'a single fact twice',
        [
          ['ctx.scope.criticality', 'critical'],
          ['ctx.scope.criticality', 'supporting'],
        ],
        'scope.criticality is given more than once',
      ],
      [
        'an unknown fact, empty',
        [
          ['ctx.scope.nope', ''],
          ['ctx.scope.access', 'remote'],
        ],
        'scope.nope is not a context fact',
      ],
      [
        'a fact name with a blank, next to the fact cleared',
        [
          ['ctx.scope.criticality', ''],
          ['ctx.scope.criticality ', 'critical'],
        ],
        '"scope.criticality " is not a context fact',
      ],
    ];
    for (const [what, pairs, message] of cases) {
      const res = await postPairs(reviewer, path, [
        ['ctx.scope.access', ''],
        ...pairs,
        ['reason', 'Confirmed.'],
      ]);
      expect(res.status, what).toBe(422);
      const body = (await res.text()).replaceAll('&quot;', '"');
      expect(body, what).toContain(message);
      if (what === 'an unknown option') {
        // The page shows what was posted, not a wiped group.
        expect(body).toMatch(/name="ctx\.scope\.access" value="data" checked>/);
        expect(body).toMatch(/<option value="supporting" selected/);
      }
    }
    expect(await row(sent.assessmentId)).toEqual(before);
    expect(await audit(sent.assessmentId)).toEqual([]);
  });

  it('the write is guarded on what the change read: a stale read changes nothing', async () => {
    const sent = await send(platform, tenantId, { context: ['scope.criticality=supporting'] });
    const seen = (await row(sent.assessmentId))!;
    await ts.store
      .tenant(tenantId)
      .write((tx) =>
        changeAssessmentContext(
          tx,
          seen,
          { 'scope.criticality': 'critical' },
          null,
          new Date(now.getTime() + 1),
        ),
      );
    let error: unknown;
    try {
      await ts.store
        .tenant(tenantId)
        .write((tx) =>
          changeAssessmentContext(
            tx,
            seen,
            { 'scope.criticality': 'supporting' },
            null,
            new Date(now.getTime() + 2),
          ),
        );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GuardError);
    expect((error as GuardError).guard).toBe(CONTEXT_SEEN);
    expect((await row(sent.assessmentId))!.context).toEqual({ 'scope.criticality': 'critical' });
  });
});
