/**
 * Sending and chasing assessments through the workspace (app.request(), real SQLite and PostgreSQL, a
 * real SMTP server): the send form and every bad input, bulk from a selection and from CSV (a report
 * before anything is sent), revoke (links and open vendor sessions refused), re-send (old links dead),
 * reminders exactly once, overdue, expired, and the status derived from the recorded events.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { listAssessmentEvents } from '../../src/db/repo/assessment-events.js';
import { getAssessment } from '../../src/db/repo/assessments.js';
import { listAudit } from '../../src/db/repo/audit.js';
import type { Store } from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { Ports } from '../../src/platform/ports.js';
import { deriveStatus } from '../../src/workspace/assessment-events.js';
import { chaseAssessments } from '../../src/workspace/assessment-reminders.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { captureLog } from '../http/support.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { lastLinkTo, outbox } from '../support/assessments.js';
import { TestSmtp } from '../support/smtp.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorFixture } from '../support/vendor.js';

const PASSWORD = 'correct horse battery staple';
const DAY = 24 * 60 * 60_000;

forEachDialect(
  'assessments: send and chase',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let smtp: TestSmtp;
    let platform: Ports;
    let now = new Date('2030-03-01T09:00:00Z');
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    let b: ReturnType<typeof browser>;
    const errors = captureLog();

    const ids = (html: string) =>
      [...html.matchAll(/\/app\/assessments\/([0-9a-f-]{36})/g)].map((m) => m[1]!);
    const text = async (res: Response) => res.text();
    /** Makes the database refuse to insert a vendor of this name (null: stop refusing). */
    const refuseVendorNamed = async (name: string | null) => {
      if (dialect === 'sqlite') {
        const ddl =
          name === null
            ? 'DROP TRIGGER test_refuse_vendor'
            : `CREATE TRIGGER test_refuse_vendor BEFORE INSERT ON vendors WHEN NEW.name = '${name}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END`;
        await store.global.write(async (tx) => {
          tx.write(sql.raw(ddl));
        });
        return;
      }
      const owner = new pg.Client({ connectionString: ts.pg!.ownerUrl });
      await owner.connect();
      try {
        await owner.query(
          name === null
            ? 'DROP TRIGGER test_refuse_vendor ON vendors'
            : `CREATE OR REPLACE FUNCTION test_refuse_vendor() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN IF NEW.name = '${name}' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$;
               CREATE TRIGGER test_refuse_vendor BEFORE INSERT ON vendors FOR EACH ROW EXECUTE FUNCTION test_refuse_vendor()`,
        );
      } finally {
        await owner.end();
      }
    };
    const deliver = () =>
      createMailSender({
        store,
        mail: platform.mail,
        clock: platform.clock,
        logger: createLogger({ level: 'silent' }),
      }).runOnce();

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      smtp = await new TestSmtp().start();
      platform = await testPlatform(store, {
        now: () => now,
        mail: smtpMail({ url: smtp.url, from: 'Assay <assay@buyer.example>' }),
        // Errors are kept, so a test that meets one can say what it was (CI shows no log).
        logger: createLogger({ level: 'error', destination: errors.stream }),
      });
      await ensureSigningKeys(store, TEST_MASTER_KEY, now);
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
      const created = await createTenantWithAdmin(
        store,
        { name: 'Buyer', adminEmail: 'admin@buyer.example' },
        now,
      );
      tenantId = created.tenantId;
      b = browser(app);
      const setup = await b.post(`/setup/${created.token}`, {
        password: PASSWORD,
        passwordConfirm: PASSWORD,
      });
      expect(setup.status).toBe(303);
    });
    afterAll(async () => {
      await platform.mail.close();
      await smtp.stop();
      await ts.close();
    });

    const good = {
      questionnaire: 'dora-ict-provider@3.0.0',
      vendorName: 'Widgets <b>GmbH</b>',
      contactEmail: 'jane@widgets.example',
      contactName: 'Jane',
      dueDate: '2030-03-20',
      linkHours: '48',
      otp: '1',
      'ctx.scope.function': 'critical',
    };

    it('sends from the form: one assessment, its sent event, link and invitation over SMTP; markup inert', async () => {
      const form = await b.get('/app/assessments/new?questionnaire=dora-ict-provider@3.0.0');
      expect(form.status).toBe(200);
      const page = await text(form);
      expect(page).toContain('name="ctx.scope.function"');
      const res = await b.post('/app/assessments/new', good);
      expect(res.status).toBe(303);
      const id = /\/app\/assessments\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
      const shown = await text(await b.get(`/app/assessments/${id}?done=sent`));
      expect(shown).toContain('Widgets &lt;b&gt;GmbH&lt;/b&gt;');
      expect(shown).not.toContain('<b>GmbH</b>');
      expect(shown).toContain('Sent');
      const a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a).toMatchObject({ status: 'sent', otpRequired: true, linkTtlHours: 48, dueDate: '2030-03-20' });
      expect(a!.context).toEqual({ 'scope.function': 'critical' });
      const events = await store.tenant(tenantId).read((c) => listAssessmentEvents(c, id));
      expect(events.map((e) => e.kind)).toEqual(['sent']);
      expect((await deliver()).sent).toBeGreaterThanOrEqual(1);
      expect(smtp.received.at(-1)!.envelope.to).toEqual(['jane@widgets.example']);
      const log = await store.tenant(tenantId).read((c) => listAudit(c));
      const entry = log.find((e) => e.action === 'assessment.sent' && e.target === `assessment:${id}`)!;
      expect(JSON.stringify(entry)).not.toContain('jane@');
      // The send created the vendor and its contact: each has its own entry, as from the vendor pages.
      const vendorTarget = `vendor:${a!.vendorId}`;
      expect(log.filter((e) => e.target === vendorTarget).map((e) => e.action)).toEqual([
        'vendor.created',
        'vendor.contact_added',
      ]);
      expect(JSON.stringify(log.filter((e) => e.target === vendorTarget))).not.toContain('jane@');
      const list = await text(await b.get('/app/assessments'));
      expect(ids(list)).toContain(id);
    });

    it('refuses every bad input with a 422 form that names the field, and writes nothing', async () => {
      const before = (await outbox(store)).length;
      const cases: [Record<string, string>, RegExp][] = [
        [{ questionnaire: 'nope@9.9.9' }, /neither published for this tenant nor shipped/],
        [{ questionnaire: 'dora-ict-provider@7.0.0' }, /neither published/],
        [{ questionnaire: 'Bad Ref!' }, /not a questionnaire id/],
        [{ dueDate: '2030-02-01' }, /in the past/],
        [{ dueDate: '2030-02-30' }, /not a calendar date/],
        [{ contactEmail: 'not-an-email' }, /contact email/],
        [{ contactEmail: 'Jane <jane@x.example>' }, /contact email/],
        [{ linkHours: '1000' }, /link hours must be a whole number from 1 to 336/],
        [{ linkHours: '2.5' }, /link hours/],
        [{ 'ctx.bogus.key': 'x' }, /bogus\.key is not a context fact/],
        [{ 'ctx.scope.function': 'whatever' }, /not a valid value for scope\.function/],
        [{ vendorName: '' }, /vendor name/],
        [{ vendorId: '00000000-0000-4000-8000-000000000000', vendorName: '' }, /no such vendor/],
      ];
      for (const [patch, message] of cases) {
        const res = await b.post('/app/assessments/new', { ...good, vendorName: 'Bad input Ltd', ...patch });
        const body = await text(res);
        expect(res.status, JSON.stringify(patch)).toBe(422);
        expect(body.replaceAll('&quot;', '"'), JSON.stringify(patch)).toMatch(message);
      }
      expect((await outbox(store)).length).toBe(before);
      const list = await text(await b.get('/app/assessments'));
      expect(list).not.toContain('Bad input Ltd');
    });

    it('bulk from CSV and a selection: a per-row report first, nothing sent before confirming', async () => {
      const before = (await outbox(store)).length;
      const csv = [
        'vendor name,contact email,contact name',
        'Alpha Ltd,ops@alpha.example,Ann',
        'Beta <script>x</script>,not-an-email,',
        'Gamma AG,sec@gamma.example,',
        'Alpha Ltd,ops@alpha.example,Ann again',
      ].join('\n');
      const vendors = await text(await b.get('/app/assessments/bulk'));
      const widgets = /name="vendorId" value="([0-9a-f-]{36})"/.exec(vendors)![1]!;
      const common = { questionnaire: 'nis2-supplier@3.0.0', dueDate: '2030-04-01', linkHours: '', otp: '' };
      const preview = await b.send('/app/assessments/bulk', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([
          ...Object.entries(common),
          ['csv', csv],
          ['vendorId', widgets],
        ]).toString(),
      });
      expect(preview.status).toBe(200);
      const report = await text(preview);
      expect(report).toContain('nothing has been sent yet');
      expect(report).toContain('3 of 5 rows are ready to send');
      expect(report).toMatch(/Contact email:/);
      expect(report).toContain('The same vendor and contact as line 2');
      expect(report).toContain('Beta &lt;script&gt;');
      expect(report).not.toContain('<script>x</script>');
      expect((await outbox(store)).length).toBe(before);

      // Confirm: the hidden fields of the report, posted back.
      const hidden = [...report.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
        (m) =>
          [
            m[1]!,
            m[2]!
              .replaceAll('&lt;', '<')
              .replaceAll('&gt;', '>')
              .replaceAll('&quot;', '"')
              .replaceAll('&#39;', "'")
              .replaceAll('&amp;', '&'),
          ] as [string, string],
      );
      const sent = await b.send('/app/assessments/bulk', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(hidden).toString(),
      });
      expect(sent.status).toBe(200);
      const result = await text(sent);
      expect(result, errors.lines.join('\n')).toContain('3 sent, 2 not sent.');
      const mails = (await outbox(store))
        .slice(before)
        .map((m) => m.toAddress)
        .sort();
      expect(mails).toEqual(['jane@widgets.example', 'ops@alpha.example', 'sec@gamma.example']);
    });

    it('bulk checks the questionnaire it shows: a changed one shows its facts first; the report names it', async () => {
      const before = (await outbox(store)).length;
      const page = await text(await b.get('/app/assessments/bulk?questionnaire=dora-ict-provider@3.0.0'));
      expect(page).not.toContain('<form method="get" action="/app/assessments/bulk">');
      expect(page).toContain('<input type="hidden" name="contextFor" value="dora-ict-provider@3.0.0">');
      const common = {
        dueDate: '2030-04-01',
        linkHours: '',
        otp: '',
        csv: 'Delta Ltd,ops@delta.example,Dee',
      };
      const changed = await b.post('/app/assessments/bulk', {
        ...common,
        contextFor: 'dora-ict-provider@3.0.0',
        questionnaire: 'nis2-supplier@3.0.0',
      });
      expect(changed.status).toBe(200);
      const shown = await text(changed);
      expect(shown).toContain('You changed the questionnaire');
      expect(shown).not.toContain('nothing has been sent yet');
      expect(shown).toContain('<input type="hidden" name="contextFor" value="nis2-supplier@3.0.0">');
      expect(shown).toMatch(/<select [^>]*name="ctx\.scope\.criticality"/);
      const checked = await b.post('/app/assessments/bulk', {
        ...common,
        contextFor: 'nis2-supplier@3.0.0',
        questionnaire: 'nis2-supplier@3.0.0',
      });
      expect(checked.status).toBe(200);
      const report = await text(checked);
      expect(report).toContain('nothing has been sent yet');
      expect(report).toContain('Questionnaire: <strong>nis2-supplier@3.0.0</strong>');
      expect((await outbox(store)).length).toBe(before);
    });

    it('bulk refuses a bad questionnaire, a past due date and an empty selection, sending nothing', async () => {
      const before = (await outbox(store)).length;
      for (const [patch, message] of [
        [{ questionnaire: 'nope@1.0.0' }, /Choose a questionnaire/],
        [{ dueDate: '2020-01-01' }, /in the past/],
        [{ csv: '' }, /Select vendors from the list/],
        [{ csv: 'A,"unclosed' }, /quoted value is never closed/],
      ] as [Record<string, string>, RegExp][]) {
        const res = await b.post('/app/assessments/bulk', {
          questionnaire: 'nis2-supplier@3.0.0',
          csv: 'Delta,d@delta.example,',
          confirm: '1',
          ...patch,
        });
        expect(res.status, JSON.stringify(patch)).toBe(422);
        expect(await text(res)).toMatch(message);
      }
      expect((await outbox(store)).length).toBe(before);
    });

    it('bulk: a row that fails on our side is reported on the page; the others are sent, nothing after the answer', async () => {
      // The database refuses one vendor (a trigger, standing in for any failure of ours in that row's unit).
      await refuseVendorNamed('Boom Ltd');
      try {
        const before = (await outbox(store)).length;
        const csv = ['Kilo Ltd,k@kilo.example,', 'Boom Ltd,b@boom.example,', 'Lima Ltd,l@lima.example,'].join(
          '\n',
        );
        const res = await b.post('/app/assessments/bulk', {
          questionnaire: 'nis2-supplier@3.0.0',
          dueDate: '2030-04-01',
          csv,
          confirm: '1',
        });
        expect(res.status).toBe(200);
        const page = await text(res);
        expect(page).toContain('2 sent, 1 not sent.');
        expect(page).toContain('something went wrong on our side and nothing was saved for this row');
        expect(page).not.toMatch(/refused by test|\.ts:\d+/);
        // Every send had ended when the page was answered: nothing arrives later.
        await new Promise((r) => setTimeout(r, 200));
        const mails = (await outbox(store))
          .slice(before)
          .map((m) => m.toAddress)
          .sort();
        expect(mails).toEqual(['k@kilo.example', 'l@lima.example']);
        const list = await text(await b.get('/app/assessments'));
        expect(list).not.toContain('Boom Ltd');
      } finally {
        await refuseVendorNamed(null);
      }
    });

    /** Posts a form with repeated fields, as a browser posts ticked checkboxes. */
    const postPairs = (path: string, pairs: Array<[string, string]>) =>
      b.send(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(pairs).toString(),
      });
    const NIS2 = 'nis2-supplier@3.0.0';
    const listed = async () => text(await b.get('/app/assessments'));

    it('the send form: a multi fact is a checkbox group; two ticked values are stored as both', async () => {
      const page = await text(await b.get(`/app/assessments/new?questionnaire=${NIS2}`));
      expect(page).toMatch(
        /<fieldset class="field" id="field-ctx\.scope\.access">\s*<legend class="field__label">Which kinds of access/,
      );
      expect(page).toContain('<input type="hidden" name="ctx.scope.access" value="">');
      expect(page).toMatch(
        /<input type="checkbox" id="field-ctx\.scope\.access-1" name="ctx\.scope\.access" value="remote"><label for="field-ctx\.scope\.access-1">You have remote or interface access/,
      );
      expect(page).not.toMatch(/<select [^>]*name="ctx\.scope\.access"/);
      // A single choice stays a select.
      expect(page).toMatch(/<select [^>]*name="ctx\.scope\.criticality"/);
      const form: Array<[string, string]> = [
        ['questionnaire', NIS2],
        ['vendorName', 'Multi Access Ltd'],
        ['contactEmail', 'ops@multi-access.example'],
        ['ctx.scope.criticality', 'critical'],
        ['ctx.scope.access', ''],
        ['ctx.scope.access', 'data'],
        ['ctx.scope.access', 'remote'],
      ];
      const res = await postPairs('/app/assessments/new', form);
      expect(res.status, await res.clone().text()).toBe(303);
      const id = /\/app\/assessments\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
      const a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a!.context).toEqual({ 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] });

      // Nothing ticked: not set.
      const none = await postPairs('/app/assessments/new', [
        ['questionnaire', NIS2],
        ['vendorName', 'No Access Ltd'],
        ['contactEmail', 'ops@no-access.example'],
        ['ctx.scope.criticality', 'critical'],
        ['ctx.scope.access', ''],
      ]);
      expect(none.status).toBe(303);
      const noneId = /\/app\/assessments\/([0-9a-f-]{36})/.exec(none.headers.get('location') ?? '')![1]!;
      expect((await store.tenant(tenantId).read((c) => getAssessment(c, noneId)))!.context).toEqual({
        'scope.criticality': 'critical',
      });
    });

    it('the send form sends the questionnaire it shows: a changed one shows its facts first, sending nothing', async () => {
      const page = await text(await b.get('/app/assessments/new?questionnaire=dora-ict-provider@3.0.0'));
      // One form: the select is inside the form that sends, next to the facts it was shown for.
      expect(page).not.toContain('<form method="get" action="/app/assessments/new">');
      expect(page).toContain('<input type="hidden" name="contextFor" value="dora-ict-provider@3.0.0">');
      expect(page).toContain('name="ctx.scope.function"');
      const before = (await outbox(store)).length;
      const listedBefore = ids(await listed());
      const changed = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Changed Mind Ltd',
        contextFor: 'dora-ict-provider@3.0.0',
        questionnaire: NIS2,
      });
      expect(changed.status).toBe(200);
      const shown = await text(changed);
      expect(shown).toContain('You changed the questionnaire');
      expect(shown).toContain(`<input type="hidden" name="contextFor" value="${NIS2}">`);
      expect(shown).toMatch(/<select [^>]*name="ctx\.scope\.criticality"/);
      expect(shown).not.toContain('name="ctx.scope.function"');
      expect(shown).toContain('value="Changed Mind Ltd"');
      // "Choose" shows the facts without a notice, and sends nothing either.
      const choose = await b.post('/app/assessments/new', { ...good, contextFor: NIS2, choose: '1' });
      expect(choose.status).toBe(200);
      const chosen = await text(choose);
      expect(chosen).not.toContain('You changed the questionnaire');
      expect(chosen).toContain('name="ctx.scope.function"');
      expect((await outbox(store)).length).toBe(before);
      expect(ids(await listed())).toEqual(listedBefore);
      // Sent for the questionnaire it showed: 303.
      const sent = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Changed Mind Ltd',
        contextFor: 'dora-ict-provider@3.0.0',
      });
      expect(sent.status).toBe(303);
    });

    it('the send form refuses a bad multi value with a 422 naming the fact, keeps the ticks, writes nothing', async () => {
      const before = (await outbox(store)).length;
      const base: Array<[string, string]> = [
        ['questionnaire', NIS2],
        ['vendorName', 'Bad Access Ltd'],
        ['contactEmail', 'ops@bad-access.example'],
        ['ctx.scope.access', ''],
      ];
      for (const [pairs, message] of [
        [
          [
            ['ctx.scope.access', 'data'],
            ['ctx.scope.access', 'teleport'],
          ],
          /not a valid value for scope\.access/,
        ],
        [
          [
            ['ctx.scope.access', 'none'],
            ['ctx.scope.access', 'remote'],
          ],
          /not a valid value for scope\.access/,
        ],
        [
          [
            ['ctx.scope.criticality', 'critical'],
            ['ctx.scope.criticality', 'supporting'],
          ],
          /scope\.criticality is given more than once/,
        ],
      ] as Array<[Array<[string, string]>, RegExp]>) {
        const res = await postPairs('/app/assessments/new', [...base, ...pairs]);
        expect(res.status, JSON.stringify(pairs)).toBe(422);
        const body = (await text(res)).replaceAll('&quot;', '"');
        expect(body, JSON.stringify(pairs)).toMatch(message);
        if (pairs[1]![1] === 'teleport')
          expect(body).toMatch(/name="ctx\.scope\.access" value="data" checked>/);
      }
      expect((await outbox(store)).length).toBe(before);
      expect(await listed()).not.toContain('Bad Access Ltd');
    });

    it('bulk takes the context facts: checked once before the report, stored on every row', async () => {
      const page = await text(await b.get(`/app/assessments/bulk?questionnaire=${NIS2}`));
      expect(page).toContain('<input type="hidden" name="contextFor" value="nis2-supplier@3.0.0">');
      expect(page).toMatch(/<option value="nis2-supplier@3\.0\.0" selected>/);
      expect(page).toMatch(/<fieldset class="field" id="field-ctx\.scope\.access">/);
      expect(page).toMatch(/<select [^>]*name="ctx\.scope\.criticality"/);
      const before = (await outbox(store)).length;
      const csv = ['Bulk Ctx One,one@bulk-ctx.example,', 'Bulk Ctx Two,two@bulk-ctx.example,'].join('\n');
      const form: Array<[string, string]> = [
        ['questionnaire', NIS2],
        ['dueDate', '2030-04-01'],
        ['csv', csv],
        ['ctx.scope.criticality', 'critical'],
        ['ctx.scope.access', ''],
        ['ctx.scope.access', 'data'],
        ['ctx.scope.access', 'onsite'],
      ];

      // A bad value: 422 naming the fact, even when confirmed; nothing is sent.
      const bad = await postPairs('/app/assessments/bulk', [
        ...form.map(([k, v]): [string, string] => (v === 'onsite' ? [k, 'teleport'] : [k, v])),
        ['confirm', '1'],
      ]);
      expect(bad.status).toBe(422);
      const badPage = (await text(bad)).replaceAll('&quot;', '"');
      expect(badPage).toMatch(/not a valid value for scope\.access/);
      expect(badPage).toMatch(/name="ctx\.scope\.access" value="data" checked>/);
      expect((await outbox(store)).length).toBe(before);
      expect(await listed()).not.toContain('Bulk Ctx One');

      const preview = await postPairs('/app/assessments/bulk', form);
      expect(preview.status).toBe(200);
      const report = await text(preview);
      expect(report).toContain('2 of 2 rows are ready to send');
      expect(report).toContain('Context facts for every row');
      expect(report).toContain('You store or process our data, Your staff work on our premises');
      expect((await outbox(store)).length).toBe(before);
      const hidden = [...report.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
        (m) => [m[1]!, m[2]!.replaceAll('&#39;', "'").replaceAll('&amp;', '&')] as [string, string],
      );
      expect(hidden).toContainEqual(['ctx.scope.access', 'onsite']);
      const sent = await postPairs('/app/assessments/bulk', hidden);
      expect(sent.status).toBe(200);
      const result = await text(sent);
      expect(result, errors.lines.join('\n')).toContain('2 sent, 0 not sent.');
      const sentIds = [...new Set(ids(result))];
      expect(sentIds).toHaveLength(2);
      for (const id of sentIds)
        expect((await store.tenant(tenantId).read((c) => getAssessment(c, id)))!.context).toEqual({
          'scope.criticality': 'critical',
          'scope.access': ['data', 'onsite'],
        });
    });

    it('the vendor flows record opened, in_progress and submitted-ready events; the status follows them', async () => {
      const res = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Flow Ltd',
        contactEmail: 'f@flow.example',
        otp: '',
      });
      const id = /([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      const vendor = browser(app);
      const link = await lastLinkTo(store, 'f@flow.example');
      expect((await vendor.get(link)).status).toBe(200); // the interstitial changes nothing
      let a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a!.status).toBe('sent');
      now = new Date(now.getTime() + 60_000);
      expect((await vendor.post(link, {})).status).toBe(303);
      a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a!.status).toBe('opened');
      const page = await vendor.get(`/v/a/${id}/s/scope`);
      expect(page.status).toBe(200);
      now = new Date(now.getTime() + 60_000);
      const save = await vendor.post(`/v/a/${id}/answer/scope.service`, {
        'scope.service': 'Hosting',
        '_rev.scope.service': '0',
      });
      expect(save.status).toBeLessThan(400);
      await vendor.post(`/v/a/${id}/answer/scope.service`, {
        'scope.service': 'Hosting+',
        '_rev.scope.service': '1',
      });
      const events = await store.tenant(tenantId).read((c) => listAssessmentEvents(c, id));
      expect(events.map((e) => e.kind)).toEqual(['sent', 'opened', 'in_progress']);
      // The first save's instant and actor (the event's statement is prepared with placeholders on SQLite).
      expect(events[2]).toMatchObject({ at: now, actor: expect.stringMatching(/^vendor:/) });
      a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a!.status).toBe('in_progress');
      expect(deriveStatus(events)).toBe(a!.status);
      const shown = await text(await b.get(`/app/assessments/${id}`));
      expect(shown).toContain('First answer saved');
      expect(shown).toContain('Opened by the vendor');
    });

    it('revoke: the links and an open vendor session are refused afterwards; a second revoke is a 409', async () => {
      const res = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Revoke Ltd',
        contactEmail: 'r@revoke.example',
        otp: '',
      });
      const id = /([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      const vendor = browser(app);
      const first = await lastLinkTo(store, 'r@revoke.example');
      expect((await vendor.post(first, {})).status).toBe(303);
      expect((await vendor.get(`/v/a/${id}/s/scope`)).status).toBe(200);
      // a second, unused link (re-send) to see that it dies too
      expect((await b.post(`/app/assessments/${id}/resend`, {})).status).toBe(303);
      const second = await lastLinkTo(store, 'r@revoke.example');
      expect(second).not.toBe(first);
      expect((await b.post(`/app/assessments/${id}/revoke`, {})).status).toBe(303);
      expect((await vendor.get(`/v/a/${id}/s/scope`)).status).toBeGreaterThanOrEqual(400);
      const other = browser(app);
      const redeem = await other.post(second, {});
      expect(redeem.status).toBeGreaterThanOrEqual(400);
      expect((await b.post(`/app/assessments/${id}/revoke`, {})).status).toBe(409);
      expect((await b.post(`/app/assessments/${id}/resend`, {})).status).toBe(409);
      const log = await store.tenant(tenantId).read((c) => listAudit(c));
      expect(log.filter((e) => e.target === `assessment:${id}`).map((e) => e.action)).toEqual(
        expect.arrayContaining([
          'assessment.sent',
          'assessment.opened',
          'assessment.link_resent',
          'assessment.revoked',
        ]),
      );
      const a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(a!.status).toBe('revoked');
    });

    it('re-send: a new single-use link, the old one refused', async () => {
      const res = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Resend Ltd',
        contactEmail: 'x@resend.example',
        otp: '',
      });
      const id = /([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      const old = await lastLinkTo(store, 'x@resend.example');
      expect((await b.post(`/app/assessments/${id}/resend`, {})).status).toBe(303);
      const fresh = await lastLinkTo(store, 'x@resend.example');
      expect((await browser(app).post(old, {})).status).toBe(410);
      expect((await browser(app).post(fresh, {})).status).toBe(303);
      expect((await browser(app).post(fresh, {})).status).toBe(410);
      const mail = (await outbox(store)).filter((m) => m.toAddress === 'x@resend.example').at(-1)!;
      expect(mail.subject).toMatch(/^New link: /);
    });

    it('reminders 7, 1 and 0 days before, each exactly once; overdue after the due date, once', async () => {
      const res = await b.post('/app/assessments/new', {
        ...good,
        vendorName: 'Remind Ltd',
        contactEmail: 'm@remind.example',
        dueDate: '2030-03-12',
        otp: '',
      });
      const id = /([0-9a-f-]{36})/.exec(res.headers.get('location')!)![1]!;
      const deps = { ...platform, baseUrl: BASE_URL };
      const count = async () =>
        (await outbox(store)).filter((m) => m.toAddress === 'm@remind.example').length;
      expect(await count()).toBe(1);
      now = new Date('2030-03-05T08:00:00Z'); // 7 days before
      await chaseAssessments(deps, now);
      await Promise.all([chaseAssessments(deps, now), chaseAssessments(deps, now)]);
      expect(await count()).toBe(2);
      const reminder = (await outbox(store)).filter((m) => m.toAddress === 'm@remind.example').at(-1)!;
      expect(reminder.subject).toMatch(/^Reminder: /);
      now = new Date('2030-03-11T08:00:00Z');
      await chaseAssessments(deps, now);
      await chaseAssessments(deps, new Date(now.getTime() + 3_600_000));
      now = new Date('2030-03-12T23:00:00Z');
      await chaseAssessments(deps, now);
      expect(await count()).toBe(4);
      const sends = smtp.received.length;
      // Read before sending: a sent message keeps no body (docs/privacy.md, "Mail").
      const newest = await lastLinkTo(store, 'm@remind.example');
      await deliver();
      expect(smtp.received.length).toBeGreaterThan(sends);
      // The reminder's own link works (and only the newest one).
      expect((await browser(app).post(newest, {})).status).toBe(303);

      now = new Date('2030-03-13T01:00:00Z');
      expect((await chaseAssessments(deps, now)).overdue).toBeGreaterThanOrEqual(1);
      await chaseAssessments(deps, new Date(now.getTime() + DAY));
      // Twelve days on, the member's session has ended: sign in again.
      expect((await b.post('/app/login', { email: 'admin@buyer.example', password: PASSWORD })).status).toBe(
        303,
      );
      const events = await store.tenant(tenantId).read((c) => listAssessmentEvents(c, id));
      expect(events.filter((e) => e.kind === 'reminded')).toHaveLength(3);
      expect(events.filter((e) => e.kind === 'overdue')).toHaveLength(1);
      const overdueList = await text(await b.get('/app/assessments?overdue=1'));
      expect(ids(overdueList)).toContain(id);
      const a = await store.tenant(tenantId).read((c) => getAssessment(c, id));
      expect(deriveStatus(events)).toBe(a!.status);
      const log = await store.tenant(tenantId).read((c) => listAudit(c));
      expect(
        log.filter((e) => e.target === `assessment:${id}` && e.action === 'assessment.reminded'),
      ).toHaveLength(3);
      expect(
        log.filter((e) => e.target === `assessment:${id}` && e.action === 'assessment.overdue'),
      ).toHaveLength(1);
    });

    it("another tenant's assessment is a 404 on its page, revoke and re-send, and changes nothing", async () => {
      const other = await vendorFixture(store, { now, tenantName: 'Other Co' });
      expect((await b.get(`/app/assessments/${other.assessmentId}`)).status).toBe(404);
      expect((await b.post(`/app/assessments/${other.assessmentId}/revoke`, {})).status).toBe(404);
      expect((await b.post(`/app/assessments/${other.assessmentId}/resend`, {})).status).toBe(404);
      expect((await b.get('/app/assessments/not-an-id')).status).toBe(404);
      const theirs = await store.tenant(other.tenantId).read((c) => getAssessment(c, other.assessmentId));
      expect(theirs!.status).toBe('sent');
      const list = await text(await b.get(`/app/assessments?vendor=${other.vendorId}`));
      expect(ids(list)).toEqual([]);
    });

    it('reminder days are tenant settings (admin), checked; the list filters and pages by keyset', async () => {
      expect((await b.post('/app/settings/reminders', { days: '3, x' })).status).toBe(422);
      expect((await b.post('/app/settings/reminders', { days: '500' })).status).toBe(422);
      expect((await b.post('/app/settings/reminders', { days: '3,0' })).status).toBe(303);
      expect(await text(await b.get('/app/settings/reminders'))).toContain('value="3, 0"');
      expect((await b.get('/app/assessments?status=bogus')).status).toBe(400);
      expect((await b.get('/app/assessments?after=1.2')).status).toBe(400);
      // A time past year 9999 does not round-trip through timestamptz (a 500 on PostgreSQL).
      expect(
        (await b.get('/app/assessments?after=999999999999999.00000000-0000-4000-8000-000000000000')).status,
      ).toBe(400);
      expect((await b.get('/app/assessments?vendor=%27%20or%201=1')).status).toBe(400);
      const revoked = await text(await b.get('/app/assessments?status=revoked'));
      expect(ids(revoked).length).toBe(1);
    });
  },
  ['sqlite', 'pg'],
);

describe('assessments list keyset pagination [sqlite]', () => {
  it('pages through more than one page without repeats', async () => {
    const ts = await openTestStore('sqlite');
    const now = new Date('2030-03-01T09:00:00Z');
    const platform = await testPlatform(ts.store, { now: () => now });
    await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
    const app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    const created = await createTenantWithAdmin(
      ts.store,
      { name: 'Pages', adminEmail: 'p@pages.example' },
      now,
    );
    const b = browser(app);
    await b.post(`/setup/${created.token}`, { password: PASSWORD, passwordConfirm: PASSWORD });
    const csv = Array.from({ length: 60 }, (_, i) => `Vendor ${i},c${i}@v.example,`).join('\n');
    const form = { questionnaire: 'nis2-supplier@3.0.0', csv, confirm: '1' };
    expect((await b.post('/app/assessments/bulk', form)).status).toBe(200);
    const first = await (await b.get('/app/assessments')).text();
    const next = /href="\/app\/assessments(\?[^"]+)" rel="next"/.exec(first)![1]!.replaceAll('&amp;', '&');
    const second = await (await b.get(`/app/assessments${next}`)).text();
    const all = [
      ...first.matchAll(/\/app\/assessments\/([0-9a-f-]{36})/g),
      ...second.matchAll(/\/app\/assessments\/([0-9a-f-]{36})/g),
    ].map((m) => m[1]);
    expect(new Set(all).size).toBe(60);
    expect(all.length).toBe(60);
    await ts.close();
  });
});
