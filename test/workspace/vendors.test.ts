import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { browser, testApp } from '../support/app.js';
import { testContacts } from '../support/contacts.js';
import { signedInMember, testTenant } from '../support/members.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

type App = Awaited<ReturnType<typeof testApp>>;

const GOOD = {
  name: 'Cloudy Ltd',
  legalEntity: 'Cloudy Holdings Ltd',
  country: 'ie',
  website: 'https://cloudy.example/',
  services: 'Hosting',
  locations: 'IE, DE',
  contractStart: '2025-01-01',
  contractEnd: '2027-12-31',
  renewalDate: '2027-06-30',
  systemAccess: 'Prod cluster',
  subProcessors: 'Racks Co | NL | data centre',
  dataSensitivity: 'confidential',
  serviceCriticality: 'critical',
  substitutability: 'moderate',
  status: 'active',
};

forEachDialect(
  'vendor workspace',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let app: App;
    let tenantId: string;
    let otherTenant: string;
    let manager: ReturnType<typeof browser>;
    let viewer: ReturnType<typeof browser>;
    let admin: ReturnType<typeof browser>;
    let intruder: ReturnType<typeof browser>;

    const as = async (tenant: string, role: Parameters<typeof signedInMember>[2]) => {
      const { cookie } = await signedInMember(store, tenant, role);
      const b = browser(app);
      const [k, v] = cookie.split('=');
      b.jar.set(k!, v!);
      return b;
    };
    const vendors = () => store.tenant(tenantId).read((c) => repo.listVendors(c));
    const audit = async (action: string) =>
      (await store.tenant(tenantId).read((c) => repo.listAudit(c))).filter((e) => e.action === action);
    const create = async (fields: Record<string, string>) => {
      const res = await manager.post('/app/vendors', fields);
      expect(res.status, await res.clone().text()).toBe(303);
      return res.headers.get('Location')!.split('/').at(-1)!;
    };

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      app = await testApp(store);
      tenantId = await testTenant(store, 'Acme');
      otherTenant = await testTenant(store, 'Other');
      manager = await as(tenantId, 'compliance_manager');
      viewer = await as(tenantId, 'viewer');
      admin = await as(tenantId, 'admin');
      intruder = await as(otherTenant, 'admin');
    });
    afterAll(() => ts.close());

    it('refuses every bad input with a field message and saves nothing', async () => {
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ name: '' }, 'name', /Enter the vendor/],
        [{ name: 'x'.repeat(201) }, 'name', /at most 200/],
        [{ name: 'Two\nlines' }, 'name', /line breaks/],
        [{ country: 'XX' }, 'country', /ISO 3166/],
        [{ country: 'Germany' }, 'country', /two-letter/],
        [{ website: 'javascript:alert(1)' }, 'website', /https:\/\/ or http:\/\//],
        [{ website: 'not a url' }, 'website', /full address/],
        [{ website: 'https://user:pw@cloudy.example' }, 'website', /user name and password/],
        [
          { contractStart: '2026-05-01', contractEnd: '2026-04-30' },
          'contractEnd',
          /not be before its start/,
        ],
        [{ contractStart: '2026-02-30' }, 'contractStart', /not a calendar date/],
        [{ renewalDate: '31.12.2026' }, 'renewalDate', /YYYY-MM-DD/],
        [{ renewalDate: '2028-01-01' }, 'renewalDate', /not be after the contract end/],
        [{ locations: 'DE, Mars' }, 'locations', /Mars/],
        [{ subProcessors: 'Only a name' }, 'subProcessors', /name \| country code \| service/],
        [{ subProcessors: 'A | ZZ | hosting' }, 'subProcessors', /ZZ/],
        [{ services: 'x'.repeat(2001) }, 'services', /at most 2000/],
        [{ dataSensitivity: 'secret' }, 'dataSensitivity', /offered answers/],
        [{ substitutability: '' }, 'substitutability', /all three/],
        [{ tierOverride: 'high', tierOverrideReason: '' }, 'tierOverrideReason', /Say why/],
        [
          { tierOverride: 'extreme', tierOverrideReason: 'x' },
          'tierOverride',
          /low, medium, high or critical/,
        ],
        [{ status: 'deleted' }, 'status', /active, onboarding or offboarded/],
      ];
      for (const [patch, field, message] of cases) {
        const res = await manager.post('/app/vendors', { ...GOOD, ...patch });
        const html = await res.text();
        expect(res.status, `${field}: ${JSON.stringify(patch).slice(0, 60)}`).toBe(422);
        expect(html).toMatch(new RegExp(`id="field-${field}-error"`));
        expect(html).toMatch(message);
      }
      expect(await vendors()).toEqual([]);
    });

    it('creates a vendor with the tier from the intake, shows the reasoning, renders markup inert', async () => {
      const id = await create({
        ...GOOD,
        name: '<script>alert(1)</script> Cloudy',
        services: '<img src=x onerror=alert(1)>',
      });
      const v = (await store.tenant(tenantId).read((c) => repo.getVendor(c, id)))!;
      expect(v).toMatchObject({
        country: 'IE',
        locations: ['IE', 'DE'],
        tier: 'critical',
        tierOverridden: false,
        subProcessors: [{ name: 'Racks Co', country: 'NL', service: 'data centre' }],
      });
      const html = await (await viewer.get(`/app/vendors/${id}`)).text();
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Cloudy');
      expect(html).not.toContain('<script>alert(1)');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('Critical: the service is critical to us and it reaches confidential data.');
      expect(await audit('vendor.created')).toHaveLength(1);
      expect(JSON.stringify(await audit('vendor.created'))).not.toContain('Cloudy');
      // A name taken in the tenant is a field error, not a 500.
      const dup = await manager.post('/app/vendors', { ...GOOD, name: '<script>alert(1)</script> Cloudy' });
      expect(dup.status).toBe(422);
      expect(await dup.text()).toContain('exists already');
    });

    it('a vendor without an intake (one a send created) says it is not assessed yet, not just "medium"', async () => {
      const v = await store
        .tenant(tenantId)
        .write(async (tx) => repo.insertVendor(tx, { name: 'Untiered Ltd' }, new Date()));
      const page = await (await manager.get(`/app/vendors/${v.id}`)).text();
      expect(page).toContain('Not assessed yet.');
      expect(page).toContain(`href="/app/vendors/${v.id}/edit"`);
      expect(page).not.toContain('No reasoning recorded.');
      const list = await (await manager.get('/app/vendors?search=Untiered')).text();
      expect(list).toContain('medium (default: no intake yet)');
      // A viewer is told the same, without the link to a form it cannot use.
      const seen = await (await viewer.get(`/app/vendors/${v.id}`)).text();
      expect(seen).toContain('Not assessed yet.');
      expect(seen).not.toContain(`href="/app/vendors/${v.id}/edit"`);
    });

    it('edits a vendor, overrides the tier with a reason (shown as such), offboards it once', async () => {
      const id = await create({ ...GOOD, name: 'Editable' });
      const bad = await manager.post(`/app/vendors/${id}`, {
        ...GOOD,
        name: 'Editable',
        contractEnd: '2024-01-01',
      });
      expect(bad.status).toBe(422);
      const ok = await manager.post(`/app/vendors/${id}`, {
        ...GOOD,
        name: 'Editable',
        tierOverride: 'low',
        tierOverrideReason: 'Contract ends next month',
      });
      expect(ok.status).toBe(303);
      const html = await (await manager.get(`/app/vendors/${id}`)).text();
      expect(html).toContain('overriding the intake');
      expect(html).toContain('Contract ends next month');
      const updated = (await audit('vendor.updated')).at(-1)!;
      expect(updated.data).toMatchObject({
        fields: expect.arrayContaining(['tier', 'tierReason', 'tierOverridden']),
      });
      expect(JSON.stringify(updated.data)).not.toContain('Contract ends');
      expect((await manager.post(`/app/vendors/${id}/archive`, {})).status).toBe(303);
      expect((await manager.post(`/app/vendors/${id}/archive`, {})).status).toBe(409);
      expect((await store.tenant(tenantId).read((c) => repo.getVendor(c, id)))?.status).toBe('offboarded');
      expect(await audit('vendor.archived')).toHaveLength(1);
    });

    it('stores contacts encrypted, finds them by keyed hash, edits and removes (erases) them', async () => {
      const id = await create({ ...GOOD, name: 'Contacts Inc' });
      for (const [fields, field] of [
        [{ email: 'not-an-email' }, 'email'],
        [{ email: '"Eve" <eve@evil.example>' }, 'email'],
        [{ email: 'a@b.example', phone: 'call me' }, 'phone'],
        [{ email: 'a@b.example', name: 'x'.repeat(201) }, 'name'],
      ] as const) {
        const res = await manager.post(`/app/vendors/${id}/contacts`, fields);
        expect(res.status).toBe(422);
        expect(await res.text()).toContain(`field-${field}-error`);
      }
      const add = await manager.post(`/app/vendors/${id}/contacts`, {
        name: 'Zoë <b>Quinn</b>',
        email: 'Zoe.Quinn@Contacts.example',
        phone: '+49 30 1234567',
        role: 'CISO',
      });
      expect(add.status).toBe(303);
      // At rest: no plaintext name, email or phone in the raw row.
      const raw = await store
        .tenant(tenantId)
        .read((c) => c.db.select().from(c.t.vendorContacts).where(eq(c.t.vendorContacts.vendorId, id)));
      expect(raw).toHaveLength(1);
      const text = JSON.stringify(raw);
      for (const plain of ['Zoë', 'Quinn', 'zoe.quinn', 'contacts.example', '1234567', 'CISO'])
        expect(text).not.toContain(plain);
      expect(raw[0]!.sealed).toMatch(/^f1\./);
      // Looked up by the keyed hash of the normalised address.
      const hash = await testContacts(store).emailHash(tenantId, ' zoe.quinn@contacts.EXAMPLE ');
      const found = await store.tenant(tenantId).read((c) => repo.findContactByHash(c, id, hash));
      expect(found?.id).toBe(raw[0]!.id);
      const page = await (await manager.get(`/app/vendors/${id}`)).text();
      expect(page).toContain('Zoë &lt;b&gt;Quinn&lt;/b&gt;');
      expect(page).toContain('zoe.quinn@contacts.example');
      const dup = await manager.post(`/app/vendors/${id}/contacts`, { email: 'zoe.quinn@contacts.example' });
      expect(dup.status).toBe(422);
      const cid = raw[0]!.id;
      expect(
        (
          await manager.post(`/app/vendors/${id}/contacts/${cid}`, {
            email: 'zq@contacts.example',
            role: 'DPO',
          })
        ).status,
      ).toBe(303);
      const opened = await testContacts(store).open(
        tenantId,
        (await store.tenant(tenantId).read((c) => repo.getContact(c, cid)))!,
      );
      expect(opened).toMatchObject({ email: 'zq@contacts.example', role: 'DPO', name: null });
      expect((await manager.post(`/app/vendors/${id}/contacts/${cid}/remove`, {})).status).toBe(303);
      expect((await manager.post(`/app/vendors/${id}/contacts/${cid}/remove`, {})).status).toBe(404);
      const erased = (await store.tenant(tenantId).read((c) => repo.getContact(c, cid)))!;
      expect(erased).toMatchObject({ sealed: null, emailHash: null });
      expect(erased.erasedAt).toBeInstanceOf(Date);
      const actions = (await store.tenant(tenantId).read((c) => repo.listAudit(c))).map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(['vendor.contact_added', 'vendor.contact_updated', 'vendor.contact_removed']),
      );
      expect(JSON.stringify(await store.tenant(tenantId).read((c) => repo.listAudit(c)))).not.toMatch(
        /zoe|zq@/i,
      );
    });

    it('answers 404 for another tenant’s vendor, on every route, and changes nothing', async () => {
      const id = await create({ ...GOOD, name: 'Mine' });
      for (const path of [`/app/vendors/${id}`, `/app/vendors/${id}/edit`, `/app/vendors/${id}/contacts/new`])
        expect((await intruder.get(path)).status, path).toBe(404);
      for (const [path, form] of [
        [`/app/vendors/${id}`, { ...GOOD, name: 'pwned' }],
        [`/app/vendors/${id}/archive`, {}],
        [`/app/vendors/${id}/contacts`, { email: 'x@evil.example' }],
        [`/app/vendors/${id}/review-date`, { date: '2030-01-01' }],
      ] as const)
        expect((await intruder.post(path, form)).status, path).toBe(404);
      const v = await store.tenant(tenantId).read((c) => repo.getVendor(c, id));
      expect(v).toMatchObject({ name: 'Mine', status: 'active', nextReviewDate: null });
      expect(await store.tenant(tenantId).read((c) => repo.listContacts(c, id))).toEqual([]);
      // Garbage ids are 404 too, never 500.
      expect((await manager.get('/app/vendors/not-an-id')).status).toBe(404);
    });

    it('lets a viewer read but not write', async () => {
      expect((await viewer.get('/app/vendors')).status).toBe(200);
      expect((await viewer.get('/app/vendors/new')).status).toBe(403);
      expect((await viewer.post('/app/vendors', GOOD)).status).toBe(403);
      expect((await manager.get('/app/settings/reviews')).status).toBe(403);
    });

    it('lists with search, filters, sorts and keyset pages; refuses values off the allow-list', async () => {
      await store.tenant(tenantId).write((tx) => {
        for (let i = 0; i < 60; i++)
          repo.insertVendor(tx, { name: `Bulk ${String(i).padStart(2, '0')}`, tier: i % 2 ? 'high' : 'low' });
      });
      const first = await (await viewer.get('/app/vendors?q=bulk&sort=name')).text();
      expect(first.match(/Bulk \d\d/g)).toHaveLength(50);
      const next = /href="([^"]+)" rel="next"/.exec(first)![1]!.replaceAll('&amp;', '&');
      const second = await (await viewer.get(next)).text();
      expect(second.match(/Bulk \d\d/g)).toEqual(Array.from({ length: 10 }, (_, i) => `Bulk ${50 + i}`));
      expect(second).not.toContain('rel="next"');
      const high = await (await viewer.get('/app/vendors?q=bulk&tier=high')).text();
      expect(high.match(/Bulk \d\d/g)).toHaveLength(30);
      const pct = await (await viewer.get('/app/vendors?q=%25')).text();
      expect(pct).toContain('No vendors match');
      for (const q of ['sort=name;drop', 'tier=extreme', 'status=x', 'after=!!!', `q=${'a'.repeat(201)}`])
        expect((await viewer.get(`/app/vendors?${q}`)).status, q).toBe(400);
      // Cursors PostgreSQL would refuse to bind (a 500 there, an empty page on SQLite): NUL in a text,
      // a change time past what a Date and timestamptz round-trip, an id that is not one, a date that is not.
      const cur = (a: unknown[]) => Buffer.from(JSON.stringify(a)).toString('base64url');
      const id = '00000000-0000-4000-8000-000000000000';
      for (const q of [
        `sort=name&after=${cur(['a\u0000b', id])}`,
        `sort=name&after=${cur(['a', 'x\u0000'])}`,
        `sort=updated&after=${cur(['999999999999999', id])}`,
        `sort=next_review&after=${cur(['\u0000', id])}`,
        `q=a%00b`,
      ])
        expect((await viewer.get(`/app/vendors?${q}`)).status, q).toBe(400);
      // Review-date sort pages too.
      const byReview = await viewer.get('/app/vendors?sort=next_review&q=bulk');
      expect(byReview.status).toBe(200);
    });

    it('proposes the next review date from the tier and the renewal, and accepting sets it', async () => {
      const id = await create({
        ...GOOD,
        name: 'Reviewed',
        contractStart: '',
        contractEnd: '',
        renewalDate: '',
      });
      const today = new Date().toISOString().slice(0, 10);
      const html = await (await manager.get(`/app/vendors/${id}`)).text();
      const proposed = /name="date" value="(\d{4}-\d{2}-\d{2})"/.exec(html)![1]!;
      expect(proposed.slice(0, 4)).toBe(String(Number(today.slice(0, 4)) + 1)); // critical: 12 months
      expect((await manager.post(`/app/vendors/${id}/review-date`, { date: '2000-01-01' })).status).toBe(409);
      expect((await manager.post(`/app/vendors/${id}/review-date`, { date: proposed })).status).toBe(303);
      expect((await store.tenant(tenantId).read((c) => repo.getVendor(c, id)))?.nextReviewDate).toBe(
        proposed,
      );
      // A renewal before the tier's interval wins.
      const soon = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      await manager.post(`/app/vendors/${id}`, {
        ...GOOD,
        name: 'Reviewed',
        contractStart: '',
        contractEnd: '',
        renewalDate: soon,
      });
      expect(await (await manager.get(`/app/vendors/${id}`)).text()).toContain(
        `The contract renewal on ${soon}`,
      );
      // Tenant-configurable intervals (admin only), with bad input refused.
      expect(
        (await admin.post('/app/settings/reviews', { critical: '0', high: '12', medium: '24', low: '36' }))
          .status,
      ).toBe(422);
      expect(
        (await admin.post('/app/settings/reviews', { critical: '6', high: '12', medium: '24', low: 'x' }))
          .status,
      ).toBe(422);
      expect(
        (await admin.post('/app/settings/reviews', { critical: '3', high: '12', medium: '24', low: '36' }))
          .status,
      ).toBe(303);
      expect(await store.tenant(tenantId).read((c) => repo.getReviewIntervals(c))).toEqual({
        critical: 3,
        high: 12,
        medium: 24,
        low: 36,
      });
      await manager.post(`/app/vendors/${id}`, {
        ...GOOD,
        name: 'Reviewed',
        contractStart: '',
        contractEnd: '',
        renewalDate: '',
      });
      expect(await (await manager.get(`/app/vendors/${id}`)).text()).toContain('3 months after today');
    });

    describe('import', () => {
      const csv = (rows: string[]) =>
        new File(
          [
            `name,country,website,contract_start,contract_end,data_sensitivity,service_criticality,substitutability\n${rows.join('\n')}\n`,
          ],
          'vendors.csv',
          { type: 'text/csv' },
        );
      const upload = (file: File) => {
        const body = new FormData();
        body.set('file', file);
        return manager.send('/app/vendors/import', { method: 'POST', body });
      };
      const tokenOf = (html: string) => ({
        token: /name="token" value="([^"]+)"/.exec(html)![1]!,
        fileSha256: /name="fileSha256" value="([^"]+)"/.exec(html)![1]!,
      });

      it('reports every bad row before saving anything; confirm saves the valid rows in one unit', async () => {
        const before = (await vendors()).length;
        const res = await upload(
          csv([
            'Import A,DE,https://a.example,2025-01-01,2026-01-01,internal,supporting,easy',
            'Import B,XX,https://b.example,,,,,',
            'Import C,FR,ftp://c.example,,,,,',
            'Import D,FR,,2026-01-01,2025-01-01,,,',
            'import a,DE,,,,,,',
            'Mine,DE,,,,,,',
            '"<b>Import E</b>",US,,,,restricted,critical,none',
          ]),
        );
        const html = await res.text();
        expect(res.status).toBe(200);
        expect(html).toContain('7 rows read');
        expect(html).toMatch(/<td>3<\/td><td>country<\/td><td>[^<]*ISO 3166/);
        expect(html).toMatch(/<td>4<\/td><td>website<\/td>/);
        expect(html).toMatch(/<td>5<\/td><td>contract_end<\/td>/);
        expect(html).toMatch(/<td>6<\/td><td>name<\/td><td>The same name as row 2/);
        expect(html).toMatch(/<td>7<\/td><td>name<\/td><td>A vendor named &quot;Mine&quot; exists already/);
        expect(html).toContain('&lt;b&gt;Import E&lt;/b&gt;');
        expect((await vendors()).length).toBe(before);
        const { token, fileSha256 } = tokenOf(html);

        // A different file's confirmation: another token, a token edited, a digest swapped.
        const other = tokenOf(await (await upload(csv(['Import Z,DE,,,,,,']))).text());
        const [payload, mac] = token.split('.');
        const tampered = `${Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('Import A', 'Import Q')).toString('base64url')}.${mac}`;
        for (const form of [
          { token: other.token, fileSha256 },
          { token, fileSha256: other.fileSha256 },
          { token: tampered, fileSha256 },
          { token: `${payload}.${other.token.split('.')[1]}`, fileSha256 },
          { token: '', fileSha256: '' },
        ])
          expect((await manager.post('/app/vendors/import/confirm', form)).status).toBe(400);
        expect((await vendors()).length).toBe(before);
        // Another member cannot confirm this member's preview.
        expect((await admin.post('/app/vendors/import/confirm', { token, fileSha256 })).status).toBe(400);

        const done = await manager.post('/app/vendors/import/confirm', { token, fileSha256 });
        expect(done.status).toBe(200);
        expect(await done.text()).toContain('2 vendors were added');
        const names = (await vendors()).map((v) => v.name);
        expect(names).toEqual(expect.arrayContaining(['Import A', '<b>Import E</b>']));
        expect(names).not.toContain('Import B');
        expect((await vendors()).find((v) => v.name === '<b>Import E</b>')?.tier).toBe('critical');
        const entry = (await audit('vendor.imported')).at(-1)!;
        expect(entry.data).toMatchObject({ created: 2, file_sha256: fileSha256 });
        // Confirming twice fails on the unique names and saves nothing more.
        expect((await manager.post('/app/vendors/import/confirm', { token, fileSha256 })).status).toBe(409);
        expect((await vendors()).length).toBe(before + 2);
      });

      it('refuses bad files with a clear message', async () => {
        for (const [file, message] of [
          [new File(['name\n'], 'v.csv'), /no vendor rows/],
          [new File(['nom,pays\nA,DE\n'], 'v.csv'), /Unknown columns: nom, pays/],
          [new File(['name,country\n"A,DE\n'], 'v.csv'), /quoted value is never closed/],
          [new File([new Uint8Array([0xff, 0xfe, 0x41])], 'v.csv'), /not UTF-8/],
          [new File(['name\nA\n'], 'v.txt'), /\.csv or \.xlsx/],
          [new File(['PK\u0003\u0004garbage'], 'v.xlsx'), /xlsx|Excel/i],
          [new File([`name\n${'A\n'.repeat(1200)}`], 'v.csv'), /more than 1001 rows/],
        ] as const) {
          const res = await upload(file);
          expect(res.status, String(message)).toBe(422);
          expect(await res.text()).toMatch(message);
        }
        expect((await viewer.get('/app/vendors/import')).status).toBe(403);
      });

      it('imports XLSX, refuses formula cells, and offers templates', async () => {
        const wb = new ExcelJS.Workbook();
        const ws = wb.addWorksheet('Vendors');
        ws.addRow(['name', 'country', 'locations']);
        ws.addRow(['Sheet Vendor', 'NL', 'NL; BE']);
        ws.addRow([{ formula: 'HYPERLINK("https://evil.example","x")' }, 'DE', '']);
        const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
        const html = await (await upload(new File([bytes], 'v.xlsx'))).text();
        expect(html).toContain('2 rows read');
        expect(html).toMatch(/<td>3<\/td><td>name<\/td><td>is a formula/);
        const done = await manager.post('/app/vendors/import/confirm', tokenOf(html));
        expect(done.status).toBe(200);
        expect((await vendors()).find((v) => v.name === 'Sheet Vendor')?.locations).toEqual(['NL', 'BE']);
        const t = await manager.get('/app/vendors/import/template.csv');
        expect(t.headers.get('Content-Disposition')).toContain('attachment');
        expect((await t.text()).split('\r\n')[0]).toContain('"name","legal_entity","country"');
        expect((await manager.get('/app/vendors/import/template.xlsx')).status).toBe(200);
      });
    });

    describe('supplier register export', () => {
      it('exports every vendor as CSV and XLSX, formula cells neutralised, no contact data', async () => {
        const id = await create({
          ...GOOD,
          name: '=HYPERLINK("https://evil.example","click")',
          services: '+cmd|calc',
        });
        await manager.post(`/app/vendors/${id}/contacts`, {
          email: 'secret.person@cloudy.example',
          name: 'Secret Person',
        });
        expect((await viewer.post('/app/vendors/register', { format: 'csv' })).status).toBe(403);
        const res = await manager.post('/app/vendors/register', { format: 'csv' });
        expect(res.status).toBe(200);
        expect(res.headers.get('Content-Disposition')).toMatch(
          /attachment; filename="supplier-register-\d{4}-\d{2}-\d{2}\.csv"/,
        );
        const text = await res.text();
        expect(text.split('\r\n')[0]).toContain('"tier","tier_basis","tier_reason","services","data_access"');
        expect(text).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
        expect(text).toContain(`"'+cmd|calc"`);
        expect(text).not.toMatch(/secret\.person|Secret Person/);
        expect(text).toContain('"Racks Co | NL | data centre"');
        expect(text.trim().split('\r\n')).toHaveLength((await vendors()).length + 1);

        const x = await manager.post('/app/vendors/register', { format: 'xlsx' });
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as never);
        const ws = wb.worksheets[0]!;
        const cells: unknown[] = [];
        ws.eachRow((row) => row.eachCell((cell) => cells.push(cell.value)));
        expect(cells.some((c) => typeof c === 'object' && c !== null && 'formula' in c)).toBe(false);
        expect(cells).toContain(`'=HYPERLINK("https://evil.example","click")`);
        expect(JSON.stringify(cells)).not.toMatch(/secret\.person/);
        const entries = await audit('register.exported');
        expect(entries.map((e) => e.data.format)).toEqual(['csv', 'xlsx']);
        expect(entries[0]!.data.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect((await manager.post('/app/vendors/register', { format: 'pdf' })).status).toBe(400);
      });
    });
  },
  ['sqlite', 'pg'],
);
