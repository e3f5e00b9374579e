/**
 * Data subjects (GDPR Art. 15/17/20) through app.request(), on SQLite, PostgreSQL and D1: the look-up by
 * email, the export zip (opened with yauzl, data.json validated against schema.json with Ajv), the
 * erasure of a contact and of a member (then no table's raw rows hold the email or the name, and the
 * audit chain verifies), and every bad input: unknown subject, wrong confirmation, no re-authentication,
 * another tenant's subject, a role without privacy.manage, the last active admin.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createApp } from '../../src/app.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import { rawRows, type Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import { queueMail } from '../../src/mail/queue.js';
import type { Ports } from '../../src/platform/ports.js';
import { contactExportSchema, memberExportSchema } from '../../src/privacy/subject-schema.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { outbox, seedTenant, send } from '../support/assessments.js';
import { testContacts } from '../support/contacts.js';
import { ADMIN_URL, urlFor } from '../support/pg.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { client, newTenant } from './support.js';

function readZip(bytes: Uint8Array): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes), { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            out[entry.fileName] = Buffer.concat(parts).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

/** A member with this email and role, signed in `ago` ms back (a session older than 5 minutes needs re-authentication). */
async function memberWith(store: Store, tenantId: string, email: string, role: Role, ago = 0) {
  const user = await store.tenant(tenantId).write((tx) => repo.ensureUser(tx, email));
  await store.tenant(tenantId).write((tx) => repo.addMembership(tx, user.id, role));
  const { token } = await store
    .tenant(tenantId, { userId: user.id })
    .write((tx) => startMemberSession(tx, user.id, tenantId, new Date(Date.now() - ago)));
  return { userId: user.id, cookie: `${MEMBER_COOKIE}=${token}` };
}

const CONTACT_EMAIL = 'janet.quimby@widgets.example';
const CONTACT_NAME = 'Janet Quimbyfield';
const MEMBER_EMAIL = 'oswin.talbot@acme.example';

forEachDialect('data subjects: look-up, export, erasure', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  let otherTenant: string;
  let admin: ReturnType<typeof client>;
  let adminId: string;
  let adminCookie: string;
  let contactId: string;
  let otherContactId: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    platform = await testPlatform(store);
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    const now = new Date();
    tenantId = await seedTenant(store, 'Acme', now);
    otherTenant = await seedTenant(store, 'Other', now);
    const a = await memberWith(store, tenantId, `privacy-admin-${newId().slice(0, 6)}@acme.example`, 'admin');
    adminId = a.userId;
    adminCookie = a.cookie;
    admin = client(app, a.cookie);
    await send(platform, tenantId, { contactEmail: CONTACT_EMAIL, contactName: CONTACT_NAME });
    await send(platform, otherTenant, { contactEmail: CONTACT_EMAIL, contactName: CONTACT_NAME });
    const [c] = await store
      .tenant(tenantId)
      .read(async (ctx) =>
        repo.contactsByEmailHash(ctx, await testContacts(store).emailHash(tenantId, CONTACT_EMAIL)),
      );
    contactId = c!.id;
    const [o] = await store
      .tenant(otherTenant)
      .read(async (ctx) =>
        repo.contactsByEmailHash(ctx, await testContacts(store).emailHash(otherTenant, CONTACT_EMAIL)),
      );
    otherContactId = o!.id;
  }, 120_000);
  afterAll(() => ts.close());

  const audit = (t = tenantId) => store.tenant(t).read((ctx) => repo.listAudit(ctx));
  const contactRow = (t: string, id: string) => store.tenant(t).read((ctx) => repo.getContact(ctx, id));

  /** Every row of every table, as the database holds it (PostgreSQL: as the superuser, past FORCE RLS). */
  async function rawDump(): Promise<string> {
    if (ts.pg) {
      const c = new pg.Client({ connectionString: urlFor(new URL(ADMIN_URL).username, ts.pg.name) });
      await c.connect();
      try {
        const tables = await c.query(
          "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
        );
        let out = '';
        for (const { table_name } of tables.rows) {
          const rows = await c.query(`select * from "${table_name}"`);
          for (const row of rows.rows) out += `${table_name}\t${JSON.stringify(row)}\n`;
        }
        return out;
      } finally {
        await c.end();
      }
    }
    return store.global.read(async (ctx) => {
      const tables = await rawRows<{ name: string }>(
        ctx,
        sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'`,
      );
      let out = '';
      for (const { name } of tables) {
        const rows = await rawRows(ctx, sql.raw(`select * from "${name}"`));
        for (const row of rows) out += `${name}\t${JSON.stringify(row)}\n`;
      }
      return out;
    });
  }

  describe('look-up', () => {
    it('finds the contact by its keyed email hash (any case) and says when no member has the address', async () => {
      const res = await admin.post('/app/privacy/subjects', { email: ' JANET.Quimby@widgets.example ' });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Contact at Widgets GmbH');
      expect(html).toContain(contactId);
      expect(html).not.toContain(otherContactId);
      expect(html).toContain('No member of this workspace has this address.');
    });

    it('finds a member by email; an unknown address finds nothing; htmx gets the fragment alone', async () => {
      const m = await memberWith(store, tenantId, `lookup-${newId().slice(0, 6)}@acme.example`, 'viewer');
      const email = (await store.tenant(tenantId).read((ctx) => repo.getMember(ctx, m.userId)))!.email;
      const html = await (await admin.post('/app/privacy/subjects', { email })).text();
      expect(html).toContain(m.userId);
      expect(html).toContain('No vendor contact has this address.');
      const none = await app.request(`${BASE_URL}/app/privacy/subjects`, {
        method: 'POST',
        body: new URLSearchParams({ email: 'nobody@nowhere.example' }).toString(),
        headers: {
          Cookie: adminCookie,
          'HX-Request': 'true',
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: BASE_URL,
          'Sec-Fetch-Site': 'same-origin',
        },
      });
      expect(none.status).toBe(200);
      const frag = await none.text();
      expect(frag).not.toContain('<html');
      expect(frag).toContain('No vendor contact has this address.');
      expect(frag).toContain('No member of this workspace has this address.');
    });

    it('never looks up on a GET: an address in the query string is ignored, the form posts', async () => {
      const res = await admin.get(`/app/privacy/subjects?email=${encodeURIComponent(CONTACT_EMAIL)}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).not.toContain(contactId);
      expect(html).not.toContain(CONTACT_EMAIL);
      expect(html).toMatch(
        /<form method="post" action="\/app\/privacy\/subjects"[^>]* hx-post="\/app\/privacy\/subjects"/,
      );
    });

    it('puts no address in any URL: the page, its results, a refused erasure, an erasure', async () => {
      const email = `url-${newId().slice(0, 6)}@widgets.example`;
      await send(platform, tenantId, { vendorName: 'Url Co', contactEmail: email });
      const pages: Response[] = [
        await admin.get('/app/privacy/subjects'),
        await admin.post('/app/privacy/subjects', { email }),
      ];
      const id = (await pages[1]!.clone().text()).match(/Contact id <code>([^<]+)<\/code>/)![1]!;
      pages.push(
        await admin.post(`/app/privacy/subjects/contacts/${id}/erase`, { confirm: 'wrong@x.example', email }),
        await admin.post(`/app/privacy/subjects/contacts/${id}/erase`, { confirm: email, email }),
      );
      expect(pages.map((r) => r.status)).toEqual([200, 200, 422, 200]);
      const urls: string[] = [];
      for (const r of pages) {
        if (r.headers.get('location')) urls.push(r.headers.get('location')!);
        const html = await r.text();
        for (const m of html.matchAll(
          /\s(?:href|action|src|formaction|hx-(?:get|post|put|delete|push-url))="([^"]*)"/g,
        ))
          urls.push(m[1]!);
      }
      expect(urls.length).toBeGreaterThan(10);
      expect(urls.filter((u) => /@|%40/i.test(u) || u.includes('email='))).toEqual([]);
    });

    it('is labelled and navigable: a nav link for admins only, unique ids, every label and error link resolves', async () => {
      const email = `twice-${newId().slice(0, 6)}@widgets.example`;
      await send(platform, tenantId, { vendorName: 'Twice One', contactEmail: email });
      await send(platform, tenantId, { vendorName: 'Twice Two', contactEmail: email });
      await memberWith(store, tenantId, email, 'viewer');
      const first = await (await admin.post('/app/privacy/subjects', { email })).text();
      const ids = [...first.matchAll(/<code>([0-9a-f-]{36})<\/code>/g)].map((m) => m[1]!);
      expect(ids).toHaveLength(3); // two contacts, one member
      const refused = await admin.post(`/app/privacy/subjects/contacts/${ids[1]}/erase`, {
        confirm: 'wrong@x.example',
        email,
      });
      expect(refused.status).toBe(422);
      for (const html of [first, await refused.text()]) {
        expect(html).toContain('<a href="/app/privacy/subjects">Data subjects</a>');
        expect(html.match(/<h1>/g)).toHaveLength(1);
        expect(html).toMatch(/<label class="field__label" for="field-email">Email address/);
        const allIds = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
        expect(new Set(allIds).size, 'ids are unique').toBe(allIds.length);
        for (const m of html.matchAll(/<label[^>]* for="([^"]+)"/g)) expect(allIds).toContain(m[1]);
        for (const m of html.matchAll(/<a href="#([^"]+)"/g)) expect(allIds).toContain(m[1]);
        expect([...html.matchAll(/for="field-confirm-/g)]).toHaveLength(3);
      }
      // Only roles with privacy.manage see the link.
      for (const role of ['compliance_manager', 'auditor', 'viewer'] as const) {
        const m = await memberWith(store, tenantId, `nav-${role}-${newId().slice(0, 6)}@acme.example`, role);
        const html = await (await client(app, m.cookie).get('/app/account')).text();
        expect(html, role).toContain('aria-label="Workspace"');
        expect(html, role).not.toContain('/app/privacy/subjects');
      }
    });

    it('escapes what it shows (a vendor name is the tenant’s free text)', async () => {
      await send(platform, tenantId, {
        vendorName: '<img src=x onerror=alert(1)>',
        contactEmail: 'esc@escape.example',
      });
      const html = await (await admin.post('/app/privacy/subjects', { email: 'esc@escape.example' })).text();
      expect(html).toContain('Contact at &lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toContain('<img src=x');
    });

    it('refuses a malformed address with 422 and a message', async () => {
      for (const bad of ['', 'not-an-email', 'a@b', 'x@example.com,y@example.com', 'Jane <j@x.example>']) {
        const res = await admin.post('/app/privacy/subjects', { email: bad });
        expect(res.status, bad).toBe(422);
        expect(await res.text()).toMatch(/error-summary|email address/i);
      }
    });

    it('is refused to a role without privacy.manage', async () => {
      for (const role of ['compliance_manager', 'auditor', 'analyst'] as const) {
        const m = await memberWith(store, tenantId, `${role}-${newId().slice(0, 6)}@acme.example`, role);
        const c = client(app, m.cookie);
        expect((await c.get('/app/privacy/subjects')).status).toBe(403);
        expect((await c.post('/app/privacy/subjects', { email: CONTACT_EMAIL })).status).toBe(403);
        expect((await c.post(`/app/privacy/subjects/contacts/${contactId}/export`)).status).toBe(403);
        const before = (await audit()).length;
        expect(
          (await c.post(`/app/privacy/subjects/contacts/${contactId}/erase`, { confirm: CONTACT_EMAIL }))
            .status,
        ).toBe(403);
        expect((await audit()).length).toBe(before);
        expect((await contactRow(tenantId, contactId))?.erasedAt).toBeNull();
      }
    });
  });

  describe('export (Art. 15/20)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });

    it('zips data.json, schema.json and README.md for a contact; data.json validates; privacy.exported is audited', async () => {
      const res = await admin.post(`/app/privacy/subjects/contacts/${contactId}/export`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toContain(`subject-contact-${contactId}`);
      const files = await readZip(new Uint8Array(await res.arrayBuffer()));
      expect(Object.keys(files).sort()).toEqual(['README.md', 'data.json', 'schema.json']);
      const data = JSON.parse(files['data.json']!);
      const schema = JSON.parse(files['schema.json']!);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      const validate = ajv.compile(schema);
      expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
      expect(contactExportSchema.parse(data)).toEqual(data);
      expect(data.subject).toEqual({ type: 'vendor_contact', id: contactId });
      expect(data.contact).toMatchObject({ erased: false, name: CONTACT_NAME, email: CONTACT_EMAIL });
      expect(data.vendors).toEqual([expect.objectContaining({ name: 'Widgets GmbH' })]);
      expect(data.assessments).toHaveLength(1);
      expect(data.accessLinks).toEqual([expect.objectContaining({ purpose: 'invite' })]);
      expect(data.mails.length).toBeGreaterThan(0);
      expect(JSON.stringify(data.mails)).not.toContain('/v/'); // metadata, never a link
      // The schema rejects what it should (a validator that accepts everything proves nothing).
      expect(validate({ ...data, contact: { ...data.contact, email: 5 } })).toBe(false);
      expect(validate({ ...data, extra: 1 })).toBe(false);
      for (const key of Object.keys(data)) expect(files['README.md']).toContain(`\`${key}\``);
      const entry = (await audit()).at(-1)!;
      expect(entry).toMatchObject({
        action: 'privacy.exported',
        actor: `user:${adminId}`,
        target: `contact:${contactId}`,
        data: { subject_type: 'contact' },
      });
      expect(JSON.stringify(entry)).not.toMatch(/janet|quimby/i);
    });

    it('zips a member’s account, membership, sessions and audit entries, never a secret', async () => {
      const res = await admin.post(`/app/privacy/subjects/members/${adminId}/export`);
      expect(res.status).toBe(200);
      const files = await readZip(new Uint8Array(await res.arrayBuffer()));
      const data = JSON.parse(files['data.json']!);
      const validate = ajv.compile(JSON.parse(files['schema.json']!));
      expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
      expect(memberExportSchema.parse(data)).toEqual(data);
      expect(data.account).toMatchObject({
        id: adminId,
        role: 'admin',
        mfaEnrolled: false,
        passwordSet: false,
      });
      expect(data.sessions.length).toBeGreaterThan(0);
      expect(data.auditEntries.map((e: { action: string }) => e.action)).toContain('privacy.exported');
      expect(files['data.json']).not.toMatch(/password_hash|totp_secret|passwordHash"/);
    });

    it('answers 404 for an unknown id, a malformed id and another tenant’s contact; nothing is audited', async () => {
      const before = (await audit()).length;
      for (const path of [
        `/app/privacy/subjects/contacts/${newId()}/export`,
        '/app/privacy/subjects/contacts/not-an-id/export',
        `/app/privacy/subjects/contacts/${otherContactId}/export`,
        `/app/privacy/subjects/members/${newId()}/export`,
      ]) {
        expect((await admin.post(path)).status, path).toBe(404);
      }
      expect((await audit()).length).toBe(before);
    });

    it('needs a recent re-authentication', async () => {
      const stale = await memberWith(
        store,
        tenantId,
        `stale-${newId().slice(0, 6)}@acme.example`,
        'admin',
        6 * 60_000,
      );
      const c = client(app, stale.cookie);
      expect((await c.post('/app/privacy/subjects', { email: CONTACT_EMAIL })).status).toBe(200);
      const before = (await audit()).length;
      expect((await c.post(`/app/privacy/subjects/contacts/${contactId}/export`)).status).toBe(401);
      expect(
        (await c.post(`/app/privacy/subjects/contacts/${contactId}/erase`, { confirm: CONTACT_EMAIL }))
          .status,
      ).toBe(401);
      expect((await audit()).length).toBe(before);
      expect((await contactRow(tenantId, contactId))?.erasedAt).toBeNull();
    });
  });

  describe('erasure (Art. 17)', () => {
    it('refuses a wrong confirmation and another tenant’s contact; nothing changes', async () => {
      const before = (await audit()).length;
      for (const confirm of ['', 'someone@widgets.example', 'ERASE', CONTACT_NAME]) {
        const res = await admin.post(`/app/privacy/subjects/contacts/${contactId}/erase`, {
          confirm,
          email: CONTACT_EMAIL,
        });
        expect(res.status, confirm).toBe(422);
        expect(await res.text()).toContain('Type the person’s email address exactly');
      }
      const other = await admin.post(`/app/privacy/subjects/contacts/${otherContactId}/erase`, {
        confirm: CONTACT_EMAIL,
      });
      expect(other.status).toBe(404);
      expect((await audit()).length).toBe(before);
      expect((await contactRow(tenantId, contactId))?.erasedAt).toBeNull();
      expect((await contactRow(otherTenant, otherContactId))?.erasedAt).toBeNull();
      expect((await outbox(store)).filter((m) => m.toAddress === CONTACT_EMAIL)).toHaveLength(2);
    });

    it('erases a contact: sealed fields, mail, links; no table holds the email or the name; the chain verifies', async () => {
      const erasedMail = async () =>
        (await outbox(store)).filter(
          (m) => m.tenantId === tenantId && m.toAddress === 'erased@erased.invalid',
        ).length;
      const erasedBefore = await erasedMail();
      const res = await admin.post(`/app/privacy/subjects/contacts/${contactId}/erase`, {
        confirm: CONTACT_EMAIL.toUpperCase(),
        email: CONTACT_EMAIL,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('The contact’s personal data was erased.');
      const row = await contactRow(tenantId, contactId);
      expect(row).toMatchObject({ sealed: null, emailHash: null, keyId: null });
      expect(row?.erasedAt).toBeInstanceOf(Date);
      const entry = (await audit()).at(-1)!;
      expect(entry).toMatchObject({ action: 'privacy.erased', target: `contact:${contactId}` });
      // The other tenant's contact of the same person is the other controller's: untouched.
      expect((await contactRow(otherTenant, otherContactId))?.erasedAt).toBeNull();
      const mails = await outbox(store);
      expect(mails.filter((m) => m.toAddress === CONTACT_EMAIL)).toHaveLength(1);
      expect(await erasedMail()).toBe(erasedBefore + 1);
      const links = await store.tenant(tenantId).read((ctx) => repo.readContactRecords(ctx, contactId));
      expect(links!.links.every((l) => l.revokedAt || l.consumedAt)).toBe(true);
      // Raw rows of every table: the only copies left are the other tenant's.
      const dump = await rawDump();
      // The dump is real: the other tenant's copy of the same person is in it (as an outbox row).
      expect(dump).toMatch(/^mail_outbox\t.*janet\.quimby/im);
      expect(dump).toMatch(/^vendor_contacts\t/m);
      const ours = dump.split('\n').filter((line) => !line.includes(otherTenant));
      expect(ours.join('\n')).not.toMatch(/janet\.quimby|quimbyfield/i);
      expect((await verifyTenantTrail(store, tenantId)).ok).toBe(true);
      // A second erasure: 409, nothing more.
      const again = await admin.post(`/app/privacy/subjects/contacts/${contactId}/erase`, {
        confirm: CONTACT_EMAIL,
      });
      expect(again.status).toBe(409);
      // The export of an erased contact says so.
      const exp = await admin.post(`/app/privacy/subjects/contacts/${contactId}/export`);
      const data = JSON.parse((await readZip(new Uint8Array(await exp.arrayBuffer())))['data.json']!);
      expect(data.contact).toMatchObject({ erased: true, name: null, email: null });
    });

    it('erases a member: tombstone, secrets, sessions, membership, invitations and mail; the chain verifies', async () => {
      const m = await memberWith(store, tenantId, MEMBER_EMAIL, 'analyst');
      const subject = client(app, m.cookie);
      expect((await subject.get('/app/account')).status).toBe(200);
      // An invitation and its mail to the address, a security event with the member's client address.
      await store.tenant(tenantId).write((tx) => {
        repo.insertSetupToken(tx, {
          id: newId().replace(/-/g, '').padEnd(64, 'a').slice(0, 64),
          purpose: 'member_invite',
          tenantId,
          email: MEMBER_EMAIL,
          role: 'analyst',
          invitedBy: adminId,
          expiresAt: new Date(Date.now() + 3600_000),
        });
        queueMail(tx, {
          tenantId,
          dedupeKey: `test:${newId()}`,
          to: MEMBER_EMAIL,
          email: {
            subject: 'Oswin Talbot, join Acme',
            text: 'Hello Oswin Talbot',
            html: '<p>Hello Oswin Talbot</p>',
          },
        });
        repo.recordSecurityEvent(tx, {
          at: new Date(),
          kind: 'sign_in_failed',
          userId: m.userId,
          address: '198.51.100.77',
        });
      });
      await store.tenant(tenantId, { userId: m.userId }).write((tx) => {
        repo.setPasswordHash(tx, m.userId, '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo');
        repo.replaceRecoveryCodes(tx, m.userId, ['a'.repeat(64), 'b'.repeat(64)], new Date());
      });
      const before = (await audit()).length;
      const wrong = await admin.post(`/app/privacy/subjects/members/${m.userId}/erase`, {
        confirm: 'oswin@acme.example',
      });
      expect(wrong.status).toBe(422);
      expect((await audit()).length).toBe(before);

      const res = await admin.post(`/app/privacy/subjects/members/${m.userId}/erase`, {
        confirm: MEMBER_EMAIL,
        email: MEMBER_EMAIL,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('account closed');
      expect((await subject.get('/app/account')).status).not.toBe(200); // the session ended
      const user = await store.as({ userId: m.userId }).read((ctx) => repo.getUser(ctx, m.userId));
      expect(user).toMatchObject({ email: `erased-${m.userId}@erased.invalid`, passwordHash: null });
      expect(user?.disabledAt).toBeInstanceOf(Date);
      expect(await store.tenant(tenantId).read((ctx) => repo.getMember(ctx, m.userId))).toBeNull();
      expect((await audit()).at(-1)).toMatchObject({
        action: 'privacy.erased',
        target: `user:${m.userId}`,
        data: { subject_type: 'member', identity: 'tombstoned' },
      });
      const dump = await rawDump();
      expect(dump).not.toMatch(/oswin|talbot|198\.51\.100\.77/i);
      expect(dump).not.toContain('$argon2id$');
      expect(dump).not.toContain('a'.repeat(64));
      expect((await verifyTenantTrail(store, tenantId)).ok).toBe(true);
    });

    it('keeps the identity of a member of another tenant too, and erases only this tenant’s part', async () => {
      const email = `shared-${newId().slice(0, 6)}@acme.example`;
      const m = await memberWith(store, tenantId, email, 'viewer');
      await store.tenant(otherTenant).write((tx) => repo.addMembership(tx, m.userId, 'viewer'));
      const res = await admin.post(`/app/privacy/subjects/members/${m.userId}/erase`, { confirm: email });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('belong to other workspaces');
      expect(await store.tenant(tenantId).read((ctx) => repo.getMember(ctx, m.userId))).toBeNull();
      expect(await store.tenant(otherTenant).read((ctx) => repo.getMember(ctx, m.userId))).toMatchObject({
        email,
      });
    });

    it('refuses to erase the last active admin (409), and changes nothing', async () => {
      const solo = await newTenant(store);
      const email = `solo-${newId().slice(0, 6)}@acme.example`;
      const a = await memberWith(store, solo, email, 'admin');
      const c = client(app, a.cookie);
      const before = (await audit(solo)).length;
      const res = await c.post(`/app/privacy/subjects/members/${a.userId}/erase`, { confirm: email, email });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('at least one active admin');
      expect(await store.tenant(solo).read((ctx) => repo.getMember(ctx, a.userId))).toMatchObject({
        email,
        role: 'admin',
      });
      expect((await audit(solo)).length).toBe(before);
      expect((await c.get('/app/account')).status).toBe(200);
    });

    it('refuses another tenant’s member (404) even with the right address', async () => {
      const email = `elsewhere-${newId().slice(0, 6)}@other.example`;
      const m = await memberWith(store, otherTenant, email, 'viewer');
      const res = await admin.post(`/app/privacy/subjects/members/${m.userId}/erase`, { confirm: email });
      expect(res.status).toBe(404);
      expect(await store.tenant(otherTenant).read((ctx) => repo.getMember(ctx, m.userId))).toMatchObject({
        email,
      });
      expect((await admin.post(`/app/privacy/subjects/members/${m.userId}/export`)).status).toBe(404);
    });
  });
});
