import { afterAll, beforeAll, expect, it } from 'vitest';
import { MEMBER_COOKIE as USER_COOKIE } from '../../src/auth/cookies.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { createTenantWithAdmin, firstRunSetupToken } from '../../src/workspace/tenants.js';
import { browser, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';

forEachDialect('first-run set-up and sign-in', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let app: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    app = await testApp(store);
  });
  afterAll(() => ts.close());

  let token: string;

  it('offers a one-time link on an empty database; GET and HEAD change nothing', async () => {
    const first = await firstRunSetupToken(store);
    token = (await firstRunSetupToken(store))!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A newer link replaces the older one.
    expect((await browser(app).get(`/setup/${first}`)).status).toBe(410);
    const b = browser(app);
    for (let i = 0; i < 3; i++) {
      const res = await b.get(`/setup/${token}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Cache-Control')).toBe('no-store');
      expect(res.headers.get('Set-Cookie')).toBeNull();
      expect(await res.text()).toContain('Set up your Assay workspace');
    }
    expect((await app.request(`https://assay.test/setup/${token}`, { method: 'HEAD' })).status).toBe(200);
    expect(await store.as({ system: 'cli' }).read((g) => repo.countTenants(g))).toBe(0);
  });

  it('rejects bad input with field errors and changes nothing', async () => {
    const b = browser(app);
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { tenantName: '', email: 'a@b.example', password: PASSWORD, passwordConfirm: PASSWORD },
        'tenantName',
        /name/i,
      ],
      [
        { tenantName: 'Acme', email: 'not-an-email', password: PASSWORD, passwordConfirm: PASSWORD },
        'email',
        /valid email/i,
      ],
      [
        { tenantName: 'Acme', email: 'a@b.example', password: 'short', passwordConfirm: 'short' },
        'password',
        /12 characters/,
      ],
      [
        {
          tenantName: 'Acme',
          email: 'a@b.example',
          password: 'password1234',
          passwordConfirm: 'password1234',
        },
        'password',
        /one of the most common passwords|too common|common/i,
      ],
      [
        { tenantName: 'Acme', email: 'a@b.example', password: PASSWORD, passwordConfirm: `${PASSWORD}!` },
        'passwordConfirm',
        /same password/,
      ],
      [
        { tenantName: 'Ac\nme', email: 'a@b.example', password: PASSWORD, passwordConfirm: PASSWORD },
        'tenantName',
        /line breaks/,
      ],
      [{ email: 'a@b.example', password: PASSWORD }, 'tenantName', /.+/],
    ];
    for (const [form, field, message] of cases) {
      const res = await b.post(`/setup/${token}`, form);
      expect(res.status, JSON.stringify(form)).toBe(422);
      const html = await res.text();
      expect(html).toContain(`href="#field-${field}"`);
      expect(html).toMatch(message);
      expect(html).not.toContain(PASSWORD);
    }
    expect(await store.as({ system: 'cli' }).read((g) => repo.countTenants(g))).toBe(0);
    expect((await b.get(`/setup/${token}`)).status).toBe(200);
  });

  it('creates the tenant and admin, signs in with a __Host- cookie, and the link dies', async () => {
    const b = browser(app);
    const res = await b.post(`/setup/${token}`, {
      tenantName: 'Acme <Procurement>',
      email: 'Admin@Acme.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/app');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${USER_COOKIE}=`))!;
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/i);

    const page = await b.get('/app');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('admin@acme.example');
    expect(html).toContain('Acme &lt;Procurement&gt;');
    expect(html).not.toContain('Acme <Procurement>');

    expect((await browser(app).get(`/setup/${token}`)).status).toBe(410);
    const again = await browser(app).post(`/setup/${token}`, {
      tenantName: 'Evil',
      email: 'evil@x.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    });
    expect(again.status).toBe(410);
    const tenants = await store.as({ system: 'cli' }).read((g) => repo.listTenants(g));
    expect(tenants.map((t) => t.name)).toEqual(['Acme <Procurement>']);
    expect(await firstRunSetupToken(store)).toBeNull();
    const log = await store.tenant(tenants[0]!.id).read((c) => repo.listAudit(c));
    expect(log.map((e) => e.action)).toEqual(['tenant.created', 'membership.granted']);
    expect(JSON.stringify(log)).not.toContain('acme.example');
  });

  it('signs in and out; wrong credentials get one generic answer', async () => {
    const b = browser(app);
    expect((await b.get('/app')).status).toBe(303);
    for (const [email, password] of [
      ['admin@acme.example', 'wrong password here'],
      ['nobody@acme.example', PASSWORD],
      ['', ''],
    ]) {
      const res = await b.post('/app/login', { email: email!, password: password! });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('That email and password do not match an account.');
    }
    const ok = await b.post('/app/login', { email: 'ADMIN@acme.example', password: PASSWORD });
    expect(ok.status).toBe(303);
    const before = b.jar.get(USER_COOKIE);
    // Signing in again rotates the session id and ends the old one.
    await b.post('/app/login', { email: 'admin@acme.example', password: PASSWORD });
    const after = b.jar.get(USER_COOKIE);
    expect(after).not.toBe(before);
    const stale = await app.request('https://assay.test/app', {
      headers: { Cookie: `${USER_COOKIE}=${before}` },
    });
    expect(stale.status).toBe(303);
    expect((await b.get('/app')).status).toBe(200);
    // GET never changes state: there is no GET sign-out.
    expect((await b.get('/app/logout')).status).toBe(404);
    expect((await b.get('/app')).status).toBe(200);
    expect((await b.post('/app/logout', {})).status).toBe(303);
    expect((await b.get('/app')).status).toBe(303);
    const replay = await app.request('https://assay.test/app', {
      headers: { Cookie: `${USER_COOKIE}=${after}` },
    });
    expect(replay.status).toBe(303);
  });

  it('expires sessions after the idle timeout', async () => {
    let clock = new Date('2030-01-01T08:00:00Z');
    const timed = await testApp(store, { now: () => clock });
    const b = browser(timed);
    expect((await b.post('/app/login', { email: 'admin@acme.example', password: PASSWORD })).status).toBe(
      303,
    );
    clock = new Date('2030-01-01T08:20:00Z');
    expect((await b.get('/app')).status).toBe(200);
    clock = new Date('2030-01-01T09:00:00Z');
    expect((await b.get('/app')).status).toBe(303);
  });

  it('lets an admin created by the CLI set a password through the one-time link', async () => {
    const { tenantId, token: invite } = await createTenantWithAdmin(store, {
      name: 'Beta GmbH',
      adminEmail: 'Chef@Beta.example',
    });
    const b = browser(app);
    const form = await b.get(`/setup/${invite}`);
    expect(await form.text()).toContain('chef@beta.example');
    expect(
      (await b.post(`/setup/${invite}`, { password: 'chef@beta.example', passwordConfirm: 'x' })).status,
    ).toBe(422);
    const res = await b.post(`/setup/${invite}`, { password: PASSWORD, passwordConfirm: PASSWORD });
    expect(res.status).toBe(303);
    const page = await (await b.get('/app')).text();
    expect(page).toContain('Beta GmbH');
    expect((await b.post(`/setup/${invite}`, { password: PASSWORD, passwordConfirm: PASSWORD })).status).toBe(
      410,
    );
    const log = await store.tenant(tenantId).read((c) => repo.listAudit(c));
    expect(log.map((e) => e.action)).toEqual(['tenant.created', 'membership.granted', 'user.password_set']);
  });

  it('never lets an invitation link change an existing password', async () => {
    const { token: invite } = await createTenantWithAdmin(store, {
      name: 'Gamma',
      adminEmail: 'admin@acme.example',
    });
    const b = browser(app);
    const res = await b.post(`/setup/${invite}`, {
      password: 'attacker chosen pass',
      passwordConfirm: 'attacker chosen pass',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('already have a password');
    expect(
      (await b.post('/app/login', { email: 'admin@acme.example', password: 'attacker chosen pass' })).status,
    ).toBe(401);
    expect((await b.post('/app/login', { email: 'admin@acme.example', password: PASSWORD })).status).toBe(
      303,
    );
  });

  it('answers a malformed or unknown set-up token with 410, not an error', async () => {
    for (const t of ['x', 'a'.repeat(43), '..%2f..%2fetc', '%00']) {
      expect((await browser(app).get(`/setup/${t}`)).status).toBe(410);
    }
  });
});

// Sign-in rate limits (failures slowed per account, address and both; no lockout): sign-in-limits.test.ts.
