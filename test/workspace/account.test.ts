/**
 * The member's account and the tenant's sign-in rule through app.request(): password change (policy,
 * current password, other sessions ended), sign out everywhere, requiring MFA for everyone (members
 * led to enrolment, nothing else open until enrolled), and who may set it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import {
  type App,
  addMember,
  auditActions,
  enrol,
  PASSWORD,
  signIn,
  tenantWithAdmin,
  totpAt,
} from '../auth/support-mfa.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

forEachDialect('account and tenant security', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let app: App;
  let platform: Ports;
  let clock = new Date('2031-05-06T08:00:00Z');
  const tick = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  let tenantId: string;
  let otherTenant: string;
  const ADMIN = 'admin@acct.example';
  const VIEWER = 'viewer@acct.example';
  const NEW_PASSWORD = 'violet tugboat orchard lantern';

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    platform = await testPlatform(store, { now: () => clock, rateLimits: new MemoryRateLimitStore() });
    app = createApp(platform, { config: { baseUrl: 'https://assay.test', env: 'test' } });
    ({ tenantId } = await tenantWithAdmin(app, store, 'Acct <b>Works</b>', ADMIN, clock));
    await addMember(platform, tenantId, VIEWER, 'viewer');
    // The viewer also belongs to a second tenant: a password change ends sessions there too.
    ({ tenantId: otherTenant } = await tenantWithAdmin(
      app,
      store,
      'Second Org',
      'boss@second.example',
      clock,
    ));
    await addMember(platform, otherTenant, VIEWER, 'viewer');
  });
  afterAll(() => ts.close());

  const hashOf = async (email: string) =>
    (await store.global.read((g) => repo.findUserByEmail(g, email)))!.passwordHash;

  it('shows the account page with markup inert', async () => {
    const b = await signIn(app, ADMIN);
    const res = await b.get('/app/account');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Your account');
    expect(html).toContain('Acct &lt;b&gt;Works&lt;/b&gt;');
    expect(html).not.toContain('<b>Works</b>');
    expect(html).toContain('Sign out everywhere');
  });

  it('refuses every bad password change with a message, and changes nothing', async () => {
    const b = await signIn(app, VIEWER);
    const before = await hashOf(VIEWER);
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { newPassword: NEW_PASSWORD, newPasswordConfirm: NEW_PASSWORD },
        'currentPassword',
        /current password/,
      ],
      [{ currentPassword: PASSWORD }, 'newPassword', /new password/i],
      [
        { currentPassword: PASSWORD, newPassword: 'short', newPasswordConfirm: 'short' },
        'newPassword',
        /12 characters/,
      ],
      [
        { currentPassword: PASSWORD, newPassword: 'password1234', newPasswordConfirm: 'password1234' },
        'newPassword',
        /common/,
      ],
      [
        {
          currentPassword: PASSWORD,
          newPassword: 'viewer@acct.example!!',
          newPasswordConfirm: 'viewer@acct.example!!',
        },
        'newPassword',
        /email address/,
      ],
      [
        {
          currentPassword: PASSWORD,
          newPassword: 'the works beyond the river',
          newPasswordConfirm: 'the works beyond the river',
        },
        'newPassword',
        /organisation/,
      ],
      [
        { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, newPasswordConfirm: `${NEW_PASSWORD}.` },
        'newPasswordConfirm',
        /same new password/,
      ],
      [
        {
          currentPassword: 'not my password at all',
          newPassword: NEW_PASSWORD,
          newPasswordConfirm: NEW_PASSWORD,
        },
        'currentPassword',
        /not your current password/,
      ],
    ];
    for (const [form, field, message] of cases) {
      const res = await b.post('/app/account/password', form);
      expect(res.status, JSON.stringify(form)).toBe(422);
      const html = await res.text();
      expect(html, JSON.stringify(form)).toContain(`href="#field-${field}"`);
      expect(html).toMatch(message);
      expect(html).not.toContain(NEW_PASSWORD);
    }
    expect(await hashOf(VIEWER)).toBe(before);
    expect((await b.get('/app')).status).toBe(200);
  });

  it('changes the password and ends every other session of the user, in every tenant', async () => {
    const here = await signIn(app, VIEWER);
    const elsewhere = browser(app);
    await elsewhere.post('/app/login', { email: VIEWER, password: PASSWORD });
    const secondTenant = browser(app);
    // The same identity signed in to its other tenant.
    await secondTenant.post('/app/login', { email: VIEWER, password: PASSWORD });
    expect((await elsewhere.get('/app')).status).toBe(200);
    const res = await here.post('/app/account/password', {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      newPasswordConfirm: NEW_PASSWORD,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/app/account?done=password');
    expect(await (await here.get('/app/account?done=password')).text()).toContain('Your password is changed');
    expect((await here.get('/app')).status).toBe(200);
    expect((await elsewhere.get('/app')).status).toBe(303);
    expect((await secondTenant.get('/app')).status).toBe(303);
    expect((await browser(app).post('/app/login', { email: VIEWER, password: PASSWORD })).status).toBe(401);
    expect((await browser(app).post('/app/login', { email: VIEWER, password: NEW_PASSWORD })).status).toBe(
      303,
    );
    expect(await auditActions(store, tenantId)).toContain('user.password_changed');
  });

  it('signs out everywhere, this session included', async () => {
    const a = await signIn(app, VIEWER, NEW_PASSWORD);
    const b = await signIn(app, VIEWER, NEW_PASSWORD);
    const res = await a.post('/app/account/sign-out-everywhere', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/app/login?done=everywhere');
    expect((await a.get('/app')).status).toBe(303);
    expect((await b.get('/app')).status).toBe(303);
    expect(await (await a.get('/app/login?done=everywhere')).text()).toContain('signed out on every device');
    expect(await auditActions(store, tenantId)).toContain('session.signed_out_everywhere');
  });

  it('lets only an admin, recently re-authenticated and enrolled, require MFA', async () => {
    const viewer = await signIn(app, VIEWER, NEW_PASSWORD);
    expect((await viewer.get('/app/settings/security')).status).toBe(403);
    expect((await viewer.post('/app/settings/security', { sent: '1', requireMfa: 'on' })).status).toBe(403);

    const admin = await signIn(app, ADMIN);
    expect((await admin.get('/app/settings/security')).status).toBe(200);
    // Not enrolled yet: refused with the reason.
    const early = await admin.post('/app/settings/security', { sent: '1', requireMfa: 'on' });
    expect(early.status).toBe(409);
    expect(await early.text()).toMatch(/your own account first/);
    for (const form of [
      {},
      { sent: '1', requireMfa: 'yes' },
      { sent: '1', requireMfa: '<b>x</b>' },
    ] as Record<string, string>[]) {
      expect((await admin.post('/app/settings/security', form)).status, JSON.stringify(form)).toBe(422);
    }
    expect(await store.tenant(tenantId).read(repo.tenantRequiresMfa)).toBe(false);

    const { secret } = await enrol(admin, clock);
    tick(6 * 60_000);
    // Stale re-authentication: the page sends the admin to /app/reauth, the post is refused.
    const page = await admin.get('/app/settings/security');
    expect(page.headers.get('Location')).toBe('/app/reauth?next=%2Fapp%2Fsettings%2Fsecurity');
    const refused = await admin.post(
      '/app/settings/security',
      { sent: '1', requireMfa: 'on' },
      { Referer: `${BASE_URL}/app/settings/security?tab=mfa` },
    );
    expect(refused.status).toBe(401);
    // The refusal links to re-authentication and back to the form's page (a post cannot be replayed).
    expect(await refused.text()).toContain(
      'href="/app/reauth?next=%2Fapp%2Fsettings%2Fsecurity%3Ftab%3Dmfa"',
    );
    // From htmx, the page it came from; a foreign Referer falls back to /app.
    const hx = await admin.post(
      '/app/settings/security',
      { sent: '1', requireMfa: 'on' },
      { 'HX-Request': 'true', 'HX-Current-URL': `${BASE_URL}/app/settings/security` },
    );
    expect(hx.status).toBe(401);
    expect(await hx.text()).toContain('href="/app/reauth?next=%2Fapp%2Fsettings%2Fsecurity"');
    const foreign = await admin.post(
      '/app/settings/security',
      { sent: '1', requireMfa: 'on' },
      { Referer: 'https://evil.example/app/settings/security' },
    );
    expect(await foreign.text()).toContain('href="/app/reauth?next=%2Fapp"');
    expect(await store.tenant(tenantId).read(repo.tenantRequiresMfa)).toBe(false);
    const re = await admin.post('/app/reauth', {
      code: await totpAt(secret, clock),
      next: '/app/settings/security',
    });
    expect(re.headers.get('Location')).toBe('/app/settings/security');
    const saved = await admin.post('/app/settings/security', { sent: '1', requireMfa: 'on' });
    expect(saved.status).toBe(303);
    expect(await store.tenant(tenantId).read(repo.tenantRequiresMfa)).toBe(true);
    // The other tenant is untouched, and other settings keys survive.
    expect(await store.tenant(otherTenant).read(repo.tenantRequiresMfa)).toBe(false);
    const actions = await auditActions(store, tenantId);
    expect(actions.slice(-2)).toEqual(['user.reauthenticated', 'tenant.settings_changed']);
    // The admin cannot now turn their own factor off.
    expect((await admin.get('/app/account/mfa/disable')).status).toBe(200);
    const off = await admin.post('/app/account/mfa/disable', {});
    expect(off.status).toBe(409);
    expect(await off.text()).toMatch(/requires two-step sign-in/);
  });

  it('leads a member without MFA to enrolment, and opens nothing else until enrolled', async () => {
    const b = await signIn(app, VIEWER, NEW_PASSWORD);
    const home = await b.get('/app');
    expect(home.status).toBe(303);
    expect(home.headers.get('Location')).toBe('/app/account/mfa');
    const page = await (await b.get('/app/account/mfa')).text();
    expect(page).toMatch(/organisation requires two-step sign-in/);
    expect((await b.get('/app/account')).status).toBe(200);
    expect((await b.get('/app', { 'HX-Request': 'true' })).status).toBe(403);
    expect((await b.post('/app/settings/security', { sent: '1' })).status).toBe(403);
    const { secret } = await enrol(b, clock);
    expect((await b.get('/app')).status).toBe(200);
    // Next sign-in asks for the code.
    tick(60_000);
    const next = browser(app);
    const res = await next.post('/app/login', { email: VIEWER, password: NEW_PASSWORD });
    expect(res.headers.get('Location')).toBe('/app/login/mfa');
    expect((await next.post('/app/login/mfa', { code: await totpAt(secret, clock) })).status).toBe(303);
    expect((await next.get('/app')).status).toBe(200);
  });
});
