/**
 * The sign-in limits across the two steps of a TOTP sign-in (docs/rate-limits.md, docs/mfa.md),
 * through the real app over a real database with the database counters and a manual clock: each wrong
 * code counts once (the password step's advance count is the first code's), the waits grow as
 * documented, a right password and a right code after the shown wait always get in, and failures from
 * other addresses keep a clean address out no more than the account rule says. The password-only path
 * is checked for the same single count.
 */
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { PENDING_COOKIE } from '../../src/auth/mfa-sign-in.js';
import type { Store } from '../../src/db/store.js';
import { DatabaseRateLimitStore } from '../../src/http/db-rate-limits.js';
import { manualClock, SHARED_SECRET } from '../http/rate-limit-shared.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type App, enrol, PASSWORD, tenantWithAdmin, totpAt } from './support-mfa.js';

const WRONG_PASSWORD = 'not the password at all';
const DAY = 24 * 3600_000;

// Real argon2 on every password step, and D1 under miniflare takes ~100 ms a statement.
vi.setConfig({ testTimeout: 120_000 });

forEachDialect('sign-in limits across the TOTP step', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let app: App;
  const clock = manualClock();
  let serial = 0;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    const rateLimits = new DatabaseRateLimitStore({ store, secret: SHARED_SECRET, now: clock.now });
    const platform = await testPlatform(store, { now: clock.date, rateLimits });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  });
  afterAll(() => ts.close());
  // Each test starts a week later: every counter of the one before is forgotten.
  beforeEach(() => {
    clock.advance(7 * DAY);
  });

  /** A tenant admin, optionally with TOTP enrolled (signed in and enrolled from the default address). */
  async function owner(withTotp: boolean): Promise<{ email: string; secret: string }> {
    const email = `owner-${++serial}@lockout.example`;
    const { admin } = await tenantWithAdmin(app, store, `Lockout ${serial}`, email, clock.date());
    const secret = withTotp ? (await enrol(admin, clock.date())).secret : '';
    // Past the enrolment code's time step, so the next right code is a fresh one.
    clock.advance(60_000);
    return { email, secret };
  }

  const right = (secret: string) => totpAt(secret, clock.date());
  const wrong = async (secret: string) =>
    String((Number(await right(secret)) + 500_000) % 1_000_000).padStart(6, '0');

  type Outcome = { step: 'password' | 'code'; status: number; retryAfter: string | null; signedIn: boolean };

  /**
   * One sign-in as a person does it: the password, then (when asked) a code. Answers the step that
   * ended it: a refused password step, or the code step's answer.
   */
  async function attempt(
    email: string,
    from: string,
    opts: { password?: string; code?: string } = {},
  ): Promise<Outcome & { b: ReturnType<typeof browser> }> {
    const b = browser(app);
    const headers = { 'X-Test-Client': from };
    const first = await b.post('/app/login', { email, password: opts.password ?? PASSWORD }, headers);
    const retry = (r: Response) => r.headers.get('Retry-After');
    if (first.status !== 303 || first.headers.get('Location') !== '/app/login/mfa') {
      return {
        b,
        step: 'password',
        status: first.status,
        retryAfter: retry(first),
        signedIn: first.status === 303 && b.jar.has(MEMBER_COOKIE),
      };
    }
    expect(b.jar.has(PENDING_COOKIE)).toBe(true);
    const second = await b.post('/app/login/mfa', { code: opts.code ?? '' }, headers);
    return {
      b,
      step: 'code',
      status: second.status,
      retryAfter: retry(second),
      signedIn:
        second.status === 303 && second.headers.get('Location') === '/app' && b.jar.has(MEMBER_COOKIE),
    };
  }

  const summary = ({ step, status, retryAfter }: Outcome) =>
    `${step} ${status}${retryAfter ? ` ${retryAfter}` : ''}`;

  it('the audit: six tries with a wrong code, then the shown wait, and the right password and code get in', async () => {
    const { email, secret } = await owner(true);
    const from = '198.51.100.7';
    const seen: string[] = [];
    let lastWait = 0;
    for (let i = 0; i < 6; i++) {
      const o = await attempt(email, from, { code: await wrong(secret) });
      seen.push(summary(o));
      if (o.retryAfter) lastWait = Number(o.retryAfter);
      clock.advance(1000);
    }
    // The audit saw every later right attempt refused, however long the wait: try three times.
    const after: string[] = [];
    let ok: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 3 && !ok?.signedIn; i++) {
      clock.advance(lastWait * 1000);
      ok = await attempt(email, from, { code: await right(secret) });
      after.push(summary(ok));
      if (ok.retryAfter) lastWait = Number(ok.retryAfter);
    }
    expect(after).toEqual(['code 303']);
    expect(ok!.signedIn).toBe(true);
    // Five failures are free; the sixth attempt, a second after the fifth, waits the rest of 30 s,
    // at the password step (nothing hashed).
    expect(seen).toEqual([...Array(5).fill('code 401'), 'password 429 29']);
    expect((await ok!.b.get('/app')).status).toBe(200);
  });

  it('counts each wrong code once, within one pending sign-in too', async () => {
    const { email, secret } = await owner(true);
    const from = '198.51.100.8';
    // One password, then five wrong codes on the same pending state: five failures, not six or ten.
    const b = browser(app);
    const headers = { 'X-Test-Client': from };
    expect((await b.post('/app/login', { email, password: PASSWORD }, headers)).status).toBe(303);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await b.post('/app/login/mfa', { code: await wrong(secret) }, headers)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // The sixth failure is the first held back.
    const held = await attempt(email, from, { code: await right(secret) });
    expect(summary(held)).toBe('password 429 30');
    clock.advance(30_000);
    expect((await attempt(email, from, { code: await right(secret) })).signedIn).toBe(true);
  });

  it('still slows repeated failures progressively, and a right code after the wait resets them', async () => {
    const { email, secret } = await owner(true);
    const from = '198.51.100.9';
    for (let i = 0; i < 5; i++)
      expect(summary(await attempt(email, from, { code: await wrong(secret) }))).toBe('code 401');
    for (const wait of [30, 60, 120, 240]) {
      expect(summary(await attempt(email, from, { code: await right(secret) }))).toBe(`password 429 ${wait}`);
      clock.advance(wait * 1000 - 1000);
      expect(summary(await attempt(email, from, { code: await right(secret) }))).toBe('password 429 1');
      clock.advance(1000);
      expect(summary(await attempt(email, from, { code: await wrong(secret) }))).toBe('code 401');
    }
    // A held-back code try within a pending state: the wait is shown, and the same pending state
    // takes the right code once it is over.
    clock.advance(480_000);
    const b = browser(app);
    const headers = { 'X-Test-Client': from };
    expect((await b.post('/app/login', { email, password: PASSWORD }, headers)).status).toBe(303);
    expect((await b.post('/app/login/mfa', { code: await wrong(secret) }, headers)).status).toBe(401);
    const held = await b.post('/app/login/mfa', { code: await right(secret) }, headers);
    expect(held.status).toBe(429);
    expect(held.headers.get('Retry-After')).toBe(String(16 * 60));
    expect(await held.text()).toContain('Wait 16 minutes');
    // Longer than the pending state lives: the person signs in again after the wait.
    clock.advance(16 * 60_000);
    const ok = await attempt(email, from, { code: await right(secret) });
    expect(ok.signedIn).toBe(true);
    // The success forgot the failures: five are free again.
    clock.advance(30_000);
    for (let i = 0; i < 5; i++)
      expect(summary(await attempt(email, from, { code: await wrong(secret) }))).toBe('code 401');
    expect(summary(await attempt(email, from, { code: await right(secret) }))).toBe('password 429 30');
  });

  it('holds a code try back within a pending state only for the shown wait', async () => {
    const { email, secret } = await owner(true);
    const from = '198.51.100.10';
    // Five wrong passwords: the password-only failures count once each too.
    for (let i = 0; i < 5; i++)
      expect(summary(await attempt(email, from, { password: WRONG_PASSWORD }))).toBe('password 401');
    expect(summary(await attempt(email, from))).toBe('password 429 30');
    clock.advance(30_000);
    const b = browser(app);
    const headers = { 'X-Test-Client': from };
    expect((await b.post('/app/login', { email, password: PASSWORD }, headers)).status).toBe(303);
    // The first code was counted in advance by the password step: it is not held back by it.
    expect((await b.post('/app/login/mfa', { code: await wrong(secret) }, headers)).status).toBe(401);
    const held = await b.post('/app/login/mfa', { code: await right(secret) }, headers);
    expect(held.status).toBe(429);
    expect(held.headers.get('Retry-After')).toBe('60');
    clock.advance(60_000);
    const ok = await b.post('/app/login/mfa', { code: await right(secret) }, headers);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/app');
  });

  it("lets only one of two parallel first codes ride on the password step's count", async () => {
    const { email, secret } = await owner(true);
    const from = '198.51.100.11';
    for (let i = 0; i < 4; i++)
      expect(summary(await attempt(email, from, { password: WRONG_PASSWORD }))).toBe('password 401');
    // The fifth failure, counted in advance: the next claim on this address is held back.
    const b = browser(app);
    const headers = { 'X-Test-Client': from };
    expect((await b.post('/app/login', { email, password: PASSWORD }, headers)).status).toBe(303);
    const code = await wrong(secret);
    const both = await Promise.all([0, 1].map(() => b.post('/app/login/mfa', { code }, headers)));
    expect(both.map((r) => r.status).sort()).toEqual([401, 429]);
  });

  it('failures from other addresses keep a clean address out no more than the account rule says', async () => {
    const { email, secret } = await owner(true);
    /** Twelve failures on the account from six addresses (wrong passwords and wrong codes), and one
     * stranger who keeps failing from one address until held back. */
    const strangers = async (net: number) => {
      for (let i = 0; i < 6; i++) {
        const at = `203.0.${net}.${50 + i}`;
        expect(summary(await attempt(email, at, { password: WRONG_PASSWORD }))).toBe('password 401');
        expect(summary(await attempt(email, at, { code: await wrong(secret) }))).toBe('code 401');
      }
      const stranger = `203.0.${net}.99`;
      for (let i = 0; i < 5; i++) await attempt(email, stranger, { password: WRONG_PASSWORD });
      expect(summary(await attempt(email, stranger, { password: WRONG_PASSWORD }))).toMatch(/^password 429/);
    };

    // From a clean address the owner gets in at once...
    await strangers(113);
    expect((await attempt(email, '198.51.100.20', { code: await right(secret) })).signedIn).toBe(true);
    // ... and from another one after a mistyped code (two tries from there: still within the spares).
    clock.advance(30_000);
    await strangers(114);
    const b = browser(app);
    const headers = { 'X-Test-Client': '198.51.100.21' };
    expect((await b.post('/app/login', { email, password: PASSWORD }, headers)).status).toBe(303);
    expect((await b.post('/app/login/mfa', { code: await wrong(secret) }, headers)).status).toBe(401);
    const ok = await b.post('/app/login/mfa', { code: await right(secret) }, headers);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('Location')).toBe('/app');
  });

  it('without TOTP: each wrong password counts once, and the right one after the wait gets in', async () => {
    const { email } = await owner(false);
    const from = '198.51.100.30';
    for (let i = 0; i < 5; i++)
      expect(summary(await attempt(email, from, { password: WRONG_PASSWORD }))).toBe('password 401');
    expect(summary(await attempt(email, from))).toBe('password 429 30');
    clock.advance(30_000);
    expect((await attempt(email, from)).signedIn).toBe(true);
    // The success forgot the failures: five are free again.
    for (let i = 0; i < 5; i++)
      expect(summary(await attempt(email, from, { password: WRONG_PASSWORD }))).toBe('password 401');
    expect(summary(await attempt(email, from))).toBe('password 429 30');
  });
});
