/**
 * Offline answering through app.request(): XLSX and CSV downloads, an upload previewed row by row
 * (accepted, unchanged, rejected) with nothing saved, then Apply with revision checks.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { HttpError } from '../../src/errors.js';
import { COLUMNS } from '../../src/questionnaire/spreadsheet/labels.js';
import { type AnswerScope, saveChecked } from '../../src/vendor/answers.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { browser, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { assessmentStatus, storedAnswers, vendorFixture, vendorSession } from '../support/vendor.js';

const HX = { 'HX-Request': 'true' };

forEachDialect(
  'vendor portal offline answering',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    const now = new Date('2030-03-01T10:00:00Z');
    let app: Awaited<ReturnType<typeof testApp>>;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      app = await testApp(store, { now: () => now });
    }, 60_000);
    afterAll(() => ts.close());

    async function vendor() {
      const f = await vendorFixture(store, { now, context: { 'scope.function': 'critical' } });
      const b = browser(app);
      b.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
      return { f, b, base: `/v/a/${f.assessmentId}` };
    }
    const autosave = (b: ReturnType<typeof browser>, base: string, key: string, value: string, rev: number) =>
      b.post(`${base}/answer/${encodeURIComponent(key)}`, { [key]: value, [`_rev.${key}`]: String(rev) }, HX);
    const upload = (
      b: ReturnType<typeof browser>,
      base: string,
      bytes: Uint8Array | string,
      name: string,
    ) => {
      const form = new FormData();
      form.append('file', new File([bytes as BlobPart], name));
      return b.send(`${base}/offline`, { method: 'POST', body: form });
    };
    /** The Apply form of a report page, as the browser would post it. */
    const applyForm = (html: string) => {
      const out: Record<string, string> = {};
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
        out[m[1]!] = m[2]!
          .replaceAll('&quot;', '"')
          .replaceAll('&#39;', "'")
          .replaceAll('&lt;', '<')
          .replaceAll('&gt;', '>')
          .replaceAll('&amp;', '&');
      return out;
    };

    it('round-trips a CSV: report before saving (accepted, unchanged, rejected), then Apply saves the accepted rows', async () => {
      const { f, b, base } = await vendor();
      expect((await autosave(b, base, 'scope.service', 'Core banking SaaS', 0)).status).toBe(200);
      const page = await b.get(`${base}/offline`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`${base}/export.xlsx`);

      const res = await b.get(`${base}/export.csv`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toContain('text/csv');
      expect(res.headers.get('Content-Disposition')).toMatch(/^attachment; filename="dora-ict-provider-/);
      const records: string[][] = parse(await res.text(), { bom: true, relax_column_count: true });
      const header = records.findIndex((r) => r.includes('question_id') && r.includes('answer'));
      const qid = records[header]!.indexOf('question_id');
      const answer = records[header]!.indexOf('answer');
      const set = (id: string, value: string) => {
        const row = records.find((r) => r[qid] === id);
        expect(row, id).toBeDefined();
        row![answer] = value;
      };
      set('scope.establishment', '=HYPERLINK("https://evil.example") Germany');
      set('scope.model', 'Teleportation service');
      set('scope.ctpp', 'No');
      set('ctr.provider_notice_days', '120');
      // Hidden while no ISO 27001 certificate is named: refused, as the autosave refuses it.
      set('gov.cert_expiry', '2031-01-01');
      const filled = stringify(records);

      const preview = await upload(b, base, filled, 'answers.csv');
      expect(preview.status).toBe(200);
      const html = await preview.text();
      expect(html).toContain('Nothing has been saved yet.');
      expect(html).toMatch(/id="import-rejected"[\s\S]*scope\.model[\s\S]*Teleportation service/);
      expect(html).toMatch(
        /id="import-rejected"[\s\S]*2031-01-01[\s\S]*does not apply with your current answers/,
      );
      expect(html).toMatch(/id="import-accepted"[\s\S]*In which country are you established/);
      expect(html).toMatch(/id="import-unchanged"[\s\S]*Describe the ICT services/);
      // The formula text is data: shown escaped, never evaluated.
      expect(html).toContain('=HYPERLINK(&quot;https://evil.example&quot;) Germany');
      const before = await storedAnswers(store, f);
      expect(Object.keys(before)).toEqual(['scope.service']);

      const applied = await b.post(`${base}/offline/apply`, applyForm(html));
      expect(applied.status).toBe(200);
      expect(await applied.text()).toMatch(/id="import-saved">3 answers saved/);
      const rows = await storedAnswers(store, f);
      expect(rows['scope.establishment']!.value).toBe('=HYPERLINK("https://evil.example") Germany');
      expect(rows['scope.ctpp']!.value).toBe('not_designated');
      expect(rows['ctr.provider_notice_days']!.value).toBe(120);
      expect(rows['scope.model']).toBeUndefined();
      expect(rows['gov.cert_expiry']).toBeUndefined();
      expect(rows['scope.service']!.revision).toBe(1);

      // The export neutralises formulas: the cell starts with a quote, not "=".
      const again = await (await b.get(`${base}/export.csv`)).text();
      expect(again).not.toMatch(/"=HYPERLINK/);
    });

    it('names the vendor and the requester each in its own overview row, formulas neutralised, and imports past them', async () => {
      // No context fact: an untouched fact row is reported as rejected, not unchanged (a separate matter).
      const f = await vendorFixture(store, {
        now,
        tenantName: '=Acme Bank',
        vendorName: '@Widgets Ltd',
      });
      const b = browser(app);
      b.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
      const base = `/v/a/${f.assessmentId}`;
      expect((await autosave(b, base, 'scope.service', 'Core banking SaaS', 0)).status).toBe(200);
      const csv = await (await b.get(`${base}/export.csv`)).text();
      const records: string[][] = parse(csv, { bom: true, relax_column_count: true });
      const info = (key: string) => records.filter((r) => r[0] === key).map((r) => r[1]);
      // Neutralised: a leading quote, so no spreadsheet program runs the name as a formula.
      expect(info('vendor')).toEqual(["'@Widgets Ltd"]);
      expect(info('requester')).toEqual(["'=Acme Bank"]);

      const xlsx = new Uint8Array(await (await b.get(`${base}/export.xlsx`)).arrayBuffer());
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx as unknown as ArrayBuffer);
      const overview = new Map<string, unknown>();
      book.worksheets[0]!.eachRow((row) => {
        overview.set(String(row.getCell(1).value), row.getCell(3).value);
      });
      expect(overview.get('vendor')).toBe("'@Widgets Ltd");
      expect(overview.get('requester')).toBe("'=Acme Bank");

      // Untouched, both files import with every row unchanged and nothing rejected.
      for (const [bytes, name] of [
        [csv, 'answers.csv'],
        [xlsx, 'answers.xlsx'],
      ] as const) {
        const html = await (await upload(b, base, bytes, name)).text();
        expect(/Nothing has been saved yet\. [^<]*/.exec(html)?.[0], name).toBe(
          'Nothing has been saved yet. 0 accepted, 1 unchanged, 0 rejected.',
        );
      }
    });

    it("an untouched export lists the requester's facts as unchanged; a changed fact is still refused", async () => {
      const { b, base } = await vendor();
      expect((await autosave(b, base, 'scope.service', 'Core banking SaaS', 0)).status).toBe(200);
      const csv = await (await b.get(`${base}/export.csv`)).text();
      const untouched = await (await upload(b, base, csv, 'answers.csv')).text();
      expect(/Nothing has been saved yet\. [^<]*/.exec(untouched)?.[0]).toBe(
        'Nothing has been saved yet. 0 accepted, 2 unchanged, 0 rejected.',
      );
      // The fact's row edited to another valid value: refused, named, nothing else affected.
      const records: string[][] = parse(csv, { bom: true, relax_column_count: true });
      const header = records.find((r) => r.includes('question_id') && r.includes('answer'))!;
      const idAt = header.indexOf('question_id');
      const answerAt = header.indexOf('answer');
      const edited = records.map((r) =>
        r[idAt] === 'scope.function' ? r.map((c, i) => (i === answerAt ? 'other' : c)) : r,
      );
      expect(edited.some((r) => r[idAt] === 'scope.function')).toBe(true);
      const back = stringify(edited);
      const changed = await (await upload(b, base, back, 'answers.csv')).text();
      expect(/Nothing has been saved yet\. [^<]*/.exec(changed)?.[0]).toBe(
        'Nothing has been saved yet. 0 accepted, 1 unchanged, 1 rejected.',
      );
      expect(changed).toContain('scope.function is set by the requester and cannot be changed here');
    });

    it('round-trips an XLSX, and Apply reports a row changed since the preview instead of overwriting it', async () => {
      const { f, b, base } = await vendor();
      const res = await b.get(`${base}/export.xlsx`);
      expect(res.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
      const sheet = wb.worksheets.find((s) => s.getRow(1).getCell(1).value === 'key')!;
      const answerCol = COLUMNS.indexOf('answer') + 2;
      const set = (id: string, value: string | number) => {
        let found = false;
        sheet.eachRow((row) => {
          if (row.getCell(1).value === id) {
            row.getCell(answerCol).value = value;
            found = true;
          }
        });
        expect(found, id).toBe(true);
      };
      set('scope.establishment', 'Ireland; Parent plc');
      set('scope.lei', 'TOO-SHORT');
      set('ctr.provider_notice_days', 'ninety');
      const bytes = new Uint8Array(await wb.xlsx.writeBuffer());

      const preview = await upload(b, base, bytes, 'answers.xlsx');
      expect(preview.status).toBe(200);
      const html = await preview.text();
      expect(html).toMatch(/id="import-rejected"[\s\S]*exactly 20/);
      expect(html).toMatch(/id="import-rejected"[\s\S]*ctr\.provider_notice_days/);
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);

      // A colleague answers the same question between preview and Apply.
      expect((await autosave(b, base, 'scope.establishment', 'Set in the portal', 0)).status).toBe(200);
      const applied = await b.post(`${base}/offline/apply`, applyForm(html));
      expect(applied.status).toBe(409);
      const text = await applied.text();
      expect(text).toContain('were not overwritten');
      expect(text).toContain('Set in the portal');
      expect((await storedAnswers(store, f))['scope.establishment']).toMatchObject({
        value: 'Set in the portal',
        revision: 1,
      });
    });

    it('refuses bad uploads and tampered Apply forms with 4xx, saving nothing', async () => {
      const { f, b, base } = await vendor();
      const notExport = await upload(b, base, 'just,some\ncsv,text\n', 'x.csv');
      expect(notExport.status).toBe(422);
      expect(await notExport.text()).toContain('not an Assay answers export');
      const badZip = await upload(b, base, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'x.xlsx');
      expect(badZip.status).toBe(422);
      expect((await upload(b, base, '', 'empty.csv')).status).toBe(422);
      const noFile = new FormData();
      noFile.append('other', 'x');
      expect((await b.send(`${base}/offline`, { method: 'POST', body: noFile })).status).toBe(400);
      expect(
        (
          await b.send(`${base}/offline`, {
            method: 'POST',
            body: '{}',
            headers: { 'Content-Type': 'application/json' },
          })
        ).status,
      ).toBe(415);
      const big = new Uint8Array(1024 * 1024 + 10).fill(65);
      expect(
        (
          await b.send(`${base}/offline`, {
            method: 'POST',
            body: big,
            headers: { 'Content-Type': 'text/csv' },
          })
        ).status,
      ).toBe(413);
      // Tampered Apply forms.
      const tampered: Record<string, string>[] = [
        { 'v.scope.model': '"teleportation"', '_rev.scope.model': '0' },
        { 'v.scope.model': '{not json', '_rev.scope.model': '0' },
        { 'v.scope.function': '"other"', '_rev.scope.function': '0' },
        { 'v.scope.model': '"cloud"' },
        // A question the answers hide (no ISO 27001 certificate given): the autosave refuses it too.
        { 'v.gov.cert_expiry': '"2031-01-01"', '_rev.gov.cert_expiry': '0' },
        {},
      ];
      for (const form of tampered) {
        expect((await b.post(`${base}/offline/apply`, form)).status).toBe(400);
      }
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);
      // Cross-site upload.
      const cross = new FormData();
      cross.append('file', new File(['x'], 'x.csv'));
      expect(
        (
          await b.send(`${base}/offline`, {
            method: 'POST',
            body: cross,
            headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
          })
        ).status,
      ).toBe(403);
    });

    it('a write that races a submission fails whole with 409 (the assessment-open guard)', async () => {
      const { f } = await vendor();
      await store
        .tenant(f.tenantId)
        .write((tx) =>
          repo.transitionAssessment(tx, f.assessmentId, ['sent'], 'submitted', { submittedAt: now }, now),
        );
      const t = store.tenant(f.tenantId);
      const scope: AnswerScope = {
        assessmentId: f.assessmentId,
        contactId: f.contactId,
        read: (fn) => t.read(fn),
        write: (fn) => t.write(fn),
        digestSecret: async () => ({ keyId: 'test-key', secret: new Uint8Array(32) }),
      };
      // The route refuses earlier; this is the guard that holds when the submission commits in between.
      await expect(
        saveChecked(scope, [{ key: 'scope.service', value: 'late', seen: 0 }], now),
      ).rejects.toSatisfy((e) => e instanceof HttpError && e.status === 409);
      expect(Object.keys(await storedAnswers(store, f))).toEqual([]);
      expect(await assessmentStatus(store, f)).toBe('submitted');
    });
  },
  ['sqlite', 'pg'],
);
