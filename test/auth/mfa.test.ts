/**
 * TOTP MFA end to end through app.request(): enrolment, the second sign-in step, replay and
 * single-use guards, recovery codes, the pending state's limits, disabling. Codes come from otplib.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { completeSignIn, PENDING_COOKIE } from '../../src/auth/mfa-sign-in.js';
import { signIn as signInDomain } from '../../src/auth/sign-in.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import { browser, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type App, auditActions, enrol, PASSWORD, signIn, tenantWithAdmin, totpAt } from './support-mfa.js';

forEachDialect('TOTP MFA', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let app: App;
  let platform: Ports;
  let clock = new Date('2031-03-04T09:00:00Z');
  const tick = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };
  let tenantId: string;
  let secret: string;
  let codes: string[];
  const EMAIL = 'alex@mfa.example';

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    platform = await testPlatform(store, { now: () => clock, rateLimits: new MemoryRateLimitStore() });
    app = createApp(platform, { config: { baseUrl: 'https://assay.test', env: 'test' } });
    ({ tenantId } = await tenantWithAdmin(app, store, 'MFA Co', EMAIL, clock));
  });
  afterAll(() => ts.close());

  const userRow = async () => {
    const user = await store.global.read((g) => repo.findUserByEmail(g, EMAIL));
    return store.as({ userId: user!.id }).read((g) => repo.getMfaState(g, user!.id));
  };

  it('enrols: QR code as inline SVG, the otpauth URI as text; bad codes change nothing', async () => {
    const b = await signIn(app, EMAIL);
    const other = await signIn(app, EMAIL);
    expect((await b.get('/app/account/mfa')).status).toBe(200);
    expect((await b.post('/app/account/mfa/setup', {})).status).toBe(303);
    const page = await (await b.get('/app/account/mfa')).text();
    expect(page).toMatch(/<svg [^>]*role="img"[^>]*>.*<title id="qr-title">/s);
    expect(page).toContain('otpauth://totp/Assay:alex%40mfa.example?secret=');
    expect(page).not.toMatch(/<img|https?:\/\/(?!www\.w3\.org)[^"]*qr/i);
    const seed = /id="totp-secret">([A-Z2-7]+)</.exec(page)![1]!;
    // Sealed at rest, bound to the user.
    const row = await userRow();
    expect(row!.totpPendingSecret).toMatch(/^v1\./);
    expect(row!.totpPendingSecret).not.toContain(seed);

    for (const [code, status, message] of [
      [undefined, 422, /6-digit code/],
      ['', 422, /6-digit code/],
      ['abcdef', 422, /6-digit code/],
      ['12345', 422, /6-digit code/],
      [String((Number(await totpAt(seed, clock)) + 1) % 1_000_000).padStart(6, '0'), 422, /not right/],
    ] as const) {
      const res = await b.post('/app/account/mfa/confirm', code === undefined ? {} : { code });
      expect(res.status, String(code)).toBe(status);
      expect(await res.text()).toMatch(message);
    }
    expect((await userRow())!.totpEnabledAt).toBeNull();

    const res = await b.post('/app/account/mfa/confirm', { code: await totpAt(seed, clock) });
    expect(res.status).toBe(200);
    const html = await res.text();
    codes = [...html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    secret = seed;
    const enabled = await userRow();
    expect(enabled!.totpEnabledAt).not.toBeNull();
    expect(enabled!.totpSecret).toMatch(/^v1\./);
    expect(enabled!.totpPendingSecret).toBeNull();
    // Stored hashed only.
    const stored = await store
      .as({ userId: enabled!.userId })
      .read((g) => g.db.select().from(g.t.mfaRecoveryCodes));
    expect(stored).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]!.replaceAll('-', ''));
    // A changed factor ends the other sessions; this one stays.
    expect((await other.get('/app')).status).toBe(303);
    expect((await b.get('/app')).status).toBe(200);
    // A second enrolment while one is on is refused.
    expect((await b.post('/app/account/mfa/setup', {})).status).toBe(409);
    const actions = await auditActions(store, tenantId);
    expect(actions).toContain('mfa.enrolled');
    expect(JSON.stringify(await store.tenant(tenantId).read((c) => repo.listAudit(c)))).not.toContain(EMAIL);
  });

  it('signs in in two steps; skipping the second step reaches nothing', async () => {
    tick(60_000);
    const b = browser(app);
    const res = await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/app/login/mfa');
    expect(b.jar.has(PENDING_COOKIE)).toBe(true);
    expect(b.jar.has(MEMBER_COOKIE)).toBe(false);
    // OTP-08: the pending cookie opens no workspace page.
    expect((await b.get('/app')).status).toBe(303);
    const forged = await app.request('https://assay.test/app', {
      headers: { Cookie: `${MEMBER_COOKIE}=${b.jar.get(PENDING_COOKIE)}` },
    });
    expect(forged.status).toBe(303);
    expect((await b.get('/app/login/mfa')).status).toBe(200);

    // Unknown account and wrong password: the same answer as without MFA.
    const wrong = await browser(app).post('/app/login', {
      email: EMAIL,
      password: 'not the password at all',
    });
    const unknown = await browser(app).post('/app/login', {
      email: 'nobody@mfa.example',
      password: PASSWORD,
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const body = async (r: Response) =>
      (await r.text()).replace(/nonce="[^"]+"/g, '').replace(/value="[^"]*@mfa\.example"/, '');
    expect(await body(wrong)).toBe(await body(unknown));

    for (const [form, status, message] of [
      [{}, 422, /6-digit code/],
      [{ code: '12ab56' }, 422, /6-digit code/],
      [{ code: '<script>alert(1)</script>' }, 422, /6-digit code/],
    ] as const) {
      const r = await b.post('/app/login/mfa', form);
      expect(r.status, JSON.stringify(form)).toBe(status);
      const text = await r.text();
      expect(text).toMatch(message);
      expect(text).not.toContain('<script>alert(1)');
    }
    const bad = await b.post('/app/login/mfa', {
      code: String((Number(await totpAt(secret, clock)) + 7) % 1_000_000).padStart(6, '0'),
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toMatch(/not right.*4 tries left/s);
    // The wrong code is in the tenant's security event log (ids and the address, no email).
    await vi.waitFor(async () => {
      const events = await store
        .tenant(tenantId)
        .read((c) => repo.listSecurityEvents(c, { kind: 'sign_in_failed', limit: 50 }));
      expect(events.some((e) => e.data.via === 'second_factor')).toBe(true);
    });
    expect(b.jar.has(MEMBER_COOKIE)).toBe(false);

    const ok = await b.post('/app/login/mfa', { code: await totpAt(secret, clock) });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/app');
    expect(b.jar.has(PENDING_COOKIE)).toBe(false);
    expect((await b.get('/app')).status).toBe(200);
    const actions = await auditActions(store, tenantId);
    expect(actions).toContain('user.sign_in_failed');
    expect(actions.at(-1)).toBe('user.signed_in');
  });

  it('refuses a code already used within its window, and accepts the next step', async () => {
    const code = await totpAt(secret, clock);
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    const replay = await b.post('/app/login/mfa', { code });
    expect(replay.status).toBe(401);
    tick(30_000);
    // One step back is still inside the window, but it was used: refused.
    expect((await b.post('/app/login/mfa', { code })).status).toBe(401);
    expect((await b.post('/app/login/mfa', { code: await totpAt(secret, clock) })).status).toBe(303);
    expect((await b.get('/app')).status).toBe(200);
  });

  it('refuses a code two steps old', async () => {
    tick(30_000);
    const old = await totpAt(secret, new Date(clock.getTime() - 60_000));
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect((await b.post('/app/login/mfa', { code: old })).status).toBe(401);
  });

  it('takes each recovery code once, in any case and with or without dashes', async () => {
    tick(30_000);
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    const typed = codes[0]!.replaceAll('-', ' ').toUpperCase();
    expect((await b.post('/app/login/mfa', { code: typed })).status).toBe(303);
    expect((await b.get('/app')).status).toBe(200);
    const again = browser(app);
    await again.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect((await again.post('/app/login/mfa', { code: codes[0]! })).status).toBe(401);
    const page = await (await b.get('/app/account')).text();
    expect(page).toContain('9 of 10 recovery codes left');
  });

  it('ends the pending state after 5 minutes, and after 5 wrong codes', async () => {
    tick(30_000);
    const late = browser(app);
    await late.post('/app/login', { email: EMAIL, password: PASSWORD });
    tick(5 * 60_000 + 1000);
    const expired = await late.post('/app/login/mfa', { code: await totpAt(secret, clock) });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/timed out or had too many wrong codes/);
    expect(late.jar.has(MEMBER_COOKIE)).toBe(false);
    expect((await late.get('/app/login/mfa')).headers.get('Location')).toBe('/app/login');

    tick(30_000);
    // Each try from another address, so the per-address sign-in limit (below) does not answer first.
    const from = (i: number) => ({ 'X-Test-Client': `192.0.2.${100 + i}` });
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD }, from(0));
    const wrong = String((Number(await totpAt(secret, clock)) + 3) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 4; i++)
      expect((await b.post('/app/login/mfa', { code: wrong }, from(i))).status).toBe(401);
    const last = await b.post('/app/login/mfa', { code: wrong }, from(5));
    expect(last.status).toBe(401);
    expect(await last.text()).toMatch(/timed out or had too many wrong codes/);
    // Spent: even the right code no longer helps.
    expect((await b.post('/app/login/mfa', { code: await totpAt(secret, clock) }, from(6))).status).toBe(401);
    expect(b.jar.has(MEMBER_COOKIE)).toBe(false);
  });

  it('counts wrong codes on the sign-in limits, like wrong passwords', async () => {
    tick(60 * 60_000);
    const from = { 'X-Test-Client': '192.0.2.200' };
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD }, from);
    const wrong = String((Number(await totpAt(secret, clock)) + 5) % 1_000_000).padStart(6, '0');
    // The password step counted once; wrong codes count on the same counters (this address's, and the
    // account's, which earlier tests have filled too) until they hold the next attempt back.
    let statuses: number[] = [];
    for (let i = 0; i < 5 && !statuses.includes(429); i++)
      statuses = [...statuses, (await b.post('/app/login/mfa', { code: wrong }, from)).status];
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    const held = await b.post('/app/login/mfa', { code: await totpAt(secret, clock) }, from);
    expect(held.status).toBe(429);
    expect(held.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(b.jar.has(MEMBER_COOKIE)).toBe(false);
    // And the password step from there is held back by the same counter.
    const again = await browser(app).post('/app/login', { email: EMAIL, password: PASSWORD }, from);
    expect(again.status).toBe(429);
  });

  it('lets exactly one of two concurrent uses of the same code through', async () => {
    tick(10 * 60_000);
    // Two pending states (two browsers), then the same code for both at once, straight at the domain.
    const deps = { store, passwords: platform.passwords, limits: new MemoryRateLimitStore() };
    const a = await signInDomain(deps, { email: EMAIL, password: PASSWORD, address: 'a' }, null, clock);
    const b = await signInDomain(deps, { email: EMAIL, password: PASSWORD, address: 'b' }, null, clock);
    expect(a.secondStep && b.secondStep).toBe(true);
    const code = await totpAt(secret, clock);
    const complete = (token: string, address: string) =>
      completeSignIn(
        { store, master: platform.master, limits: deps.limits },
        { token, code, address, replacing: null },
        clock,
      );
    const results = await Promise.allSettled([complete(a.token, 'a'), complete(b.token, 'b')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.status).toBe(401);
  });

  it('disables MFA only after a recent re-authentication', async () => {
    tick(60_000);
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect((await b.post('/app/login/mfa', { code: await totpAt(secret, clock) })).status).toBe(303);
    tick(6 * 60_000);
    const page = await b.get('/app/account/mfa/disable');
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/app/reauth?next=%2Fapp%2Faccount%2Fmfa%2Fdisable');
    const post = await b.post('/app/account/mfa/disable', {});
    expect(post.status).toBe(401);
    expect(await post.text()).toMatch(/confirm it is you/i);
    const htmx = await b.post('/app/account/mfa/disable', {}, { 'HX-Request': 'true' });
    expect(htmx.status).toBe(401);
    expect((await userRow())!.totpEnabledAt).not.toBeNull();
    expect((await b.get('/app/reauth?next=%2Fapp%2Faccount%2Fmfa%2Fdisable')).status).toBe(200);
    for (const [form, status] of [
      [{ next: '/app/account/mfa/disable' }, 422],
      [{ code: 'nonsense', next: '/app' }, 422],
      [{ password: 'wrong password entirely', next: '/app' }, 401],
    ] as const) {
      expect((await b.post('/app/reauth', form)).status, JSON.stringify(form)).toBe(status);
    }
    expect((await b.post('/app/account/mfa/disable', {})).status).toBe(401);
    const ok = await b.post('/app/reauth', { password: PASSWORD, next: '/app/account/mfa/disable' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/app/account/mfa/disable');
    expect((await b.get('/app/account/mfa/disable')).status).toBe(200);
    const done = await b.post('/app/account/mfa/disable', {});
    expect(done.status).toBe(303);
    const row = await userRow();
    expect(row!.totpEnabledAt).toBeNull();
    expect(row!.totpSecret).toBeNull();
    const codesLeft = await store
      .as({ userId: row!.userId })
      .read((g) => repo.countUnusedRecoveryCodes(g, row!.userId));
    expect(codesLeft).toBe(0);
    const actions = await auditActions(store, tenantId);
    expect(actions.slice(-2)).toEqual(['user.reauthenticated', 'mfa.disabled']);
    // Without MFA, a password alone signs in again.
    const plain = await browser(app).post('/app/login', { email: EMAIL, password: PASSWORD });
    expect(plain.headers.get('Location')).toBe('/app');
  });

  it('enrols only after a recent re-authentication: a stolen session alone cannot add its own authenticator', async () => {
    tick(60_000);
    const b = await signIn(app, EMAIL);
    tick(6 * 60_000);
    const page = await b.get('/app/account/mfa');
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/app/reauth?next=%2Fapp%2Faccount%2Fmfa');
    expect((await b.post('/app/account/mfa/setup', {})).status).toBe(401);
    expect((await userRow())!.totpPendingSecret).toBeNull();
    expect((await b.post('/app/account/mfa/confirm', { code: '123456' })).status).toBe(401);
    expect((await userRow())!.totpEnabledAt).toBeNull();
    const ok = await b.post('/app/reauth', { password: PASSWORD, next: '/app/account/mfa' });
    expect(ok.headers.get('Location')).toBe('/app/account/mfa');
    expect((await b.get('/app/account/mfa')).status).toBe(200);
    expect((await b.post('/app/account/mfa/setup', {})).status).toBe(303);
    expect((await userRow())!.totpPendingSecret).toMatch(/^v1\./);
  });

  it('re-authenticates with a TOTP code too, and never redirects off the site', async () => {
    tick(60_000);
    const b = await signIn(app, EMAIL);
    ({ secret, codes } = await enrol(b, clock));
    tick(6 * 60_000);
    const ok = await b.post('/app/reauth', {
      code: await totpAt(secret, clock),
      next: '/app/account/mfa/recovery-codes',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/app/account/mfa/recovery-codes');
    // The same code again: used.
    expect((await b.post('/app/reauth', { code: await totpAt(secret, clock), next: '/app' })).status).toBe(
      401,
    );
    for (const next of [
      'https://evil.example/',
      '//evil.example/app',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      '/app.evil.example',
      '/app/../../evil',
      '/app/reauth?next=https://evil.example',
      ' /app',
      '/app\r\nLocation: https://evil.example',
      'http:/evil.example',
    ]) {
      const res = await b.post('/app/reauth', { password: PASSWORD, next });
      expect(res.status, next).toBe(303);
      expect(res.headers.get('Location'), next).toBe('/app');
      const form = await (await b.get(`/app/reauth?next=${encodeURIComponent(next)}`)).text();
      expect(form, next).toContain('name="next" value="/app"');
    }
    const kept = await b.post('/app/reauth', { password: PASSWORD, next: '/app/account?x=1' });
    expect(kept.headers.get('Location')).toBe('/app/account?x=1');
  });

  it('regenerates recovery codes after re-authentication; the old ones stop working', async () => {
    tick(60_000);
    const b = browser(app);
    await b.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect((await b.post('/app/login/mfa', { code: await totpAt(secret, clock) })).status).toBe(303);
    const res = await b.post('/app/account/mfa/recovery-codes', {});
    expect(res.status).toBe(200);
    const fresh = [...(await res.text()).matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(fresh).toHaveLength(10);
    const old = browser(app);
    await old.post('/app/login', { email: EMAIL, password: PASSWORD });
    expect((await old.post('/app/login/mfa', { code: codes[1]! })).status).toBe(401);
    expect((await old.post('/app/login/mfa', { code: fresh[0]! })).status).toBe(303);
    expect(await auditActions(store, tenantId)).toContain('mfa.recovery_regenerated');
  });
});
