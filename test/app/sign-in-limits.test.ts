/**
 * Sign-in limits through the real app over a real database (docs/rate-limits.md): failures, not
 * attempts, are counted; they slow down per account+address, per address and per account instead of
 * locking anything; strangers cannot keep the owner out; the answers never tell whether an account
 * exists; nothing refused is hashed; the counters live in the database, shared by every instance.
 */
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Store } from '../../src/db/store.js';
import { DatabaseRateLimitStore } from '../../src/http/db-rate-limits.js';
import { UNIDENTIFIED } from '../../src/http/rate-limit.js';
import { nodePasswords } from '../../src/platform/node/passwords.js';
import type { ClientAddress, PasswordHasher } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import {
  counterRows,
  manualClock,
  openSharedStores,
  SHARED_SECRET,
  type SharedStores,
} from '../http/rate-limit-shared.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { forEachDialect } from '../support/stores.js';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';
const DAY = 24 * 3600_000;

// Real argon2 on every attempt that passes, and D1 under miniflare takes ~100 ms a statement.
vi.setConfig({ testTimeout: 60_000 });

type App = ReturnType<typeof createApp>;

forEachDialect('sign-in limits', (dialect) => {
  let shared: SharedStores;
  const clock = manualClock();
  /** Password checks done: every one the limits let through, none they refused. */
  let verified = 0;
  let app: App;
  /** A second instance over the same database, as another process would be. */
  let other: App;
  let serial = 0;
  /**
   * D1 under miniflare takes ~100 ms a statement, and the whole suite shares two cores: on D1 this
   * file runs the scenarios that need the app (strangers, two instances, answers, bursts, fail-closed,
   * raw rows); the delays, memories and windows they rest on run on D1 in the store contract
   * (test/http/rate-limit-stores.test.ts), through the same SQL.
   */
  const lite = dialect === 'd1';

  /** The real platform, the real argon2 — counted, so a test can tell whether a request was hashed. */
  async function appOver(
    store: Store,
    opts: { clientAddress?: ClientAddress; passwords?: PasswordHasher } = {},
  ): Promise<App> {
    const { clientAddress } = opts;
    const rateLimits = new DatabaseRateLimitStore({ store, secret: SHARED_SECRET, now: clock.now });
    const platform = await testPlatform(store, {
      now: clock.date,
      rateLimits,
      ...(clientAddress ? { clientAddress } : {}),
    });
    const real = opts.passwords ?? platform.passwords;
    const passwords: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: (stored, p) => {
        verified += 1;
        return real.verify(stored, p);
      },
    };
    return createApp({ ...platform, passwords }, { config: { baseUrl: BASE_URL, env: 'test' } });
  }

  beforeAll(async () => {
    shared = await openSharedStores(dialect);
    app = await appOver(shared.a);
    other = await appOver(shared.b);
  });
  afterAll(() => shared.close());
  // Each test starts a week later: every window of the one before has ended.
  beforeEach(() => {
    clock.advance(7 * DAY);
    verified = 0;
  });

  /** A tenant admin with a password, set through the one-time link as a person would. */
  async function newOwner(): Promise<string> {
    const email = `owner-${++serial}@acme.example`;
    const { token } = await createTenantWithAdmin(
      shared.a,
      { name: `Acme ${serial}`, adminEmail: email },
      clock.date(),
    );
    const res = await browser(app).post(
      `/setup/${token}`,
      { password: PASSWORD, passwordConfirm: PASSWORD },
      { 'X-Test-Client': '192.0.2.200' },
    );
    expect(res.status).toBe(303);
    return email;
  }

  const login = (email: string, password: string, from: string, via: App = app) =>
    browser(via).post('/app/login', { email, password }, { 'X-Test-Client': from });

  const statuses = async (n: number, email: string, password: string, from: string, via: App = app) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await login(email, password, from, via)).status);
    return out;
  };

  it.skipIf(lite)(
    'slows a brute force from one address down progressively, and lets the owner in after the wait',
    async () => {
      const owner = await newOwner();
      const from = '203.0.113.10';
      expect(await statuses(5, owner, WRONG, from)).toEqual([401, 401, 401, 401, 401]);
      expect(verified).toBe(5);

      const held = await login(owner, WRONG, from);
      expect(held.status).toBe(429);
      expect(held.headers.get('Retry-After')).toBe('30');
      expect(await held.text()).toContain(
        'Too many failed attempts to sign in. Wait 30 seconds, then try again.',
      );
      // Held back means held back, even with the right password, and nothing is hashed meanwhile.
      expect((await login(owner, PASSWORD, from)).status).toBe(429);
      clock.advance(29_000);
      expect((await login(owner, WRONG, from)).headers.get('Retry-After')).toBe('1');
      expect(verified).toBe(5);

      // Each further failure doubles the wait.
      for (const wait of [30, 60, 120]) {
        clock.advance(wait * 1000 - (wait === 30 ? 29_000 : 0));
        expect((await login(owner, WRONG, from)).status).toBe(401);
        expect((await login(owner, WRONG, from)).headers.get('Retry-After')).toBe(String(wait * 2));
      }
      expect(verified).toBe(8);

      clock.advance(240_000);
      expect((await login(owner, PASSWORD, from)).status).toBe(303);
      // A success disregards the failures before it (NIST SP 800-63B §3.2.2).
      expect(await statuses(5, owner, WRONG, from)).toEqual([401, 401, 401, 401, 401]);
      expect((await login(owner, WRONG, from)).headers.get('Retry-After')).toBe('30');
    },
  );

  let octet = 0;
  /** Twelve failures on the account, two from each of six new addresses: more than the account's free ten. */
  async function attack(owner: string): Promise<string[]> {
    const used: string[] = [];
    for (let a = 0; a < 6; a++) {
      const from = `203.0.${113 + Math.floor(++octet / 250)}.${octet % 250}`;
      expect(await statuses(2, owner, WRONG, from)).toEqual([401, 401]);
      used.push(from);
    }
    return used;
  }

  it('never lets strangers lock the owner out: after an attack from elsewhere a clean address signs in', async () => {
    const owner = await newOwner();
    const [attacker] = await attack(owner);
    // Addresses that keep failing are held back now, and a new one after its second failure.
    expect((await login(owner, WRONG, attacker!)).status).toBe(429);
    expect(await statuses(3, owner, WRONG, '203.0.114.200')).toEqual([401, 401, 429]);
    const before = verified;
    // The owner, from an address that has not been failing, with the right password: in.
    expect((await login(owner, PASSWORD, '198.51.100.99')).status).toBe(303);
    expect(verified - before).toBe(1);
  });

  it.skipIf(lite)('lets the owner in during an attack after a typo from a new address', async () => {
    const owner = await newOwner();
    await attack(owner);
    expect((await login(owner, WRONG, '192.0.2.77')).status).toBe(401);
    expect((await login(owner, PASSWORD, '192.0.2.77')).status).toBe(303);
  });

  it.skipIf(lite)(
    'lets the owner in during an attack from an address used before, even after typos',
    async () => {
      const owner = await newOwner();
      expect((await login(owner, PASSWORD, '198.51.100.7')).status).toBe(303);
      await attack(owner);
      expect(await statuses(3, owner, WRONG, '198.51.100.7')).toEqual([401, 401, 401]);
      expect((await login(owner, PASSWORD, '198.51.100.7')).status).toBe(303);
    },
  );

  it.skipIf(lite)(
    'counts failures, not sign-ins: the owner signing in again and again is never held back',
    async () => {
      const owner = await newOwner();
      for (let i = 0; i < 12; i++) expect((await login(owner, PASSWORD, '198.51.100.8')).status).toBe(303);
      for (let i = 0; i < 12; i++)
        expect((await login(owner, PASSWORD, `198.51.100.${20 + i}`)).status).toBe(303);
    },
  );

  it('answers an unknown account exactly as a known one, failing and held back alike', async () => {
    const known = await newOwner();
    const unknown = `nobody-${serial}@acme.example`;
    const transcript = async (email: string, from: string) => {
      const out: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await login(email, WRONG, from);
        const body = (await res.text()).replaceAll(email, 'EMAIL').replace(/nonce="[^"]+"/g, 'nonce=""');
        out.push(`${res.status} ${res.headers.get('Retry-After')} ${body}`);
      }
      return out;
    };
    const a = await transcript(known, '203.0.113.60');
    const b = await transcript(unknown, '203.0.113.61');
    expect(a.map((s) => s.slice(0, 8))).toEqual([
      '401 null',
      '401 null',
      '401 null',
      '401 null',
      '401 null',
      '429 30 <',
      '429 30 <',
    ]);
    expect(b).toEqual(a);
  });

  it('counts in the database: two app instances count one client together', async () => {
    const owner = await newOwner();
    const from = '203.0.113.70';
    const seen: number[] = [];
    for (const via of [app, other, app, other, app]) seen.push((await login(owner, WRONG, from, via)).status);
    expect(seen).toEqual([401, 401, 401, 401, 401]);
    expect((await login(owner, WRONG, from, other)).status).toBe(429);
    expect((await login(owner, WRONG, from, app)).status).toBe(429);
    clock.advance(30_000);
    expect((await login(owner, PASSWORD, from, other)).status).toBe(303);
    // The success on one instance cleared the failures for the other.
    expect(await statuses(5, owner, WRONG, from, app)).toEqual([401, 401, 401, 401, 401]);
  });

  it.skipIf(lite)('forgets failures a day after the last one', async () => {
    const owner = await newOwner();
    const from = '203.0.113.80';
    await statuses(5, owner, WRONG, from);
    expect((await login(owner, WRONG, from)).status).toBe(429);
    // Just under a day later the failures still count: this sixth one takes the wait to a minute.
    clock.advance(DAY - 1);
    expect((await login(owner, WRONG, from)).status).toBe(401);
    expect((await login(owner, WRONG, from)).headers.get('Retry-After')).toBe('60');
    clock.advance(DAY);
    expect(await statuses(5, owner, WRONG, from)).toEqual([401, 401, 401, 401, 401]);
    expect((await login(owner, WRONG, from)).headers.get('Retry-After')).toBe('30');
  });

  it.skipIf(lite)(
    'caps every attempt from one address at 100 per 15-minute window, refused ones too',
    async () => {
      const owner = await newOwner();
      const from = '203.0.113.85';
      // Five failures, then 95 attempts the gate refuses without hashing: all of them count.
      for (let i = 0; i < 100; i++) await login(owner, WRONG, from);
      expect(verified).toBe(5);
      const capped = await login(owner, PASSWORD, from);
      expect(capped.status).toBe(429);
      expect(await capped.text()).toContain('Too many attempts. Wait a little and try again.');
      expect(capped.headers.get('Retry-After')).toBe(String(15 * 60));
      expect((await login(owner, PASSWORD, '203.0.113.86')).status).toBe(303);
      clock.advance(15 * 60_000);
      // The window has ended, and the failures' 30-second wait long before: the owner gets in from there.
      expect((await login(owner, PASSWORD, from)).status).toBe(303);
    },
  );

  it.skipIf(lite)(
    'slows credential stuffing from one address, but not the accounts that sign in there',
    async () => {
      const owner = await newOwner();
      const from = '203.0.113.90';
      expect((await login(owner, PASSWORD, from)).status).toBe(303);
      for (let i = 0; i < 30; i++) {
        expect((await login(`victim-${serial}-${i}@corp.example`, WRONG, from)).status).toBe(401);
      }
      const held = await login(`victim-${serial}-30@corp.example`, WRONG, from);
      expect(held.status).toBe(429);
      expect(held.headers.get('Retry-After')).toBe('30');
      // The owner has signed in from here before: the address's failures do not hold them back.
      expect((await login(owner, PASSWORD, from)).status).toBe(303);
      expect((await login(`victim-${serial}-31@corp.example`, PASSWORD, from)).status).toBe(429);
    },
  );

  it('lets only the free attempts through when a brute force arrives all at once', async () => {
    const owner = await newOwner();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => login(owner, WRONG, '203.0.113.100').then((r) => r.status)),
    );
    expect(results.filter((s) => s === 401)).toHaveLength(5);
    expect(results.filter((s) => s === 429)).toHaveLength(15);
    expect(verified).toBe(5);
  });

  it('takes back the attempts a busy password hasher turned away (503): they were not failures', async () => {
    const owner = await newOwner();
    const busy = await appOver(shared.a, { passwords: nodePasswords({ maxConcurrent: 1, maxQueued: 0 }) });
    const from = '203.0.113.110';
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => login(owner, WRONG, from, busy).then((r) => r.status)),
    );
    const failed = burst.filter((s) => s === 401).length;
    expect(burst.filter((s) => s === 503).length).toBe(5 - failed);
    expect(failed).toBeGreaterThan(0);
    // Only the real failures count: the rest of the five free ones are still there.
    const rest = await statuses(5 - failed, owner, WRONG, from);
    expect(rest.every((s) => s === 401)).toBe(true);
    expect((await login(owner, WRONG, from)).status).toBe(429);
  });

  it('refuses, before any hashing or counting, a request whose client address is unknown', async () => {
    const owner = await newOwner();
    const blind = await appOver(shared.a, { clientAddress: () => null });
    verified = 0;
    const rows = (await counterRows(shared.a)).length;
    for (const password of [PASSWORD, WRONG]) {
      const res = await browser(blind).post('/app/login', { email: owner, password });
      expect(res.status).toBe(429);
      expect(await res.text()).toContain(UNIDENTIFIED.replaceAll("'", '&#39;').slice(0, 60));
    }
    expect(verified).toBe(0);
    expect((await counterRows(shared.a)).length).toBe(rows);
  });

  it('keeps no email and no address in the counter table', async () => {
    const email = await newOwner();
    const addresses = ['203.0.113.199', '2001:db8:abcd:12::1'];
    for (const from of addresses) {
      await login(email, WRONG, from);
      await login(email, PASSWORD, from);
      await login(`ada.lovelace-${serial}@analytical.example`, WRONG, from);
    }
    const rows = await counterRows(shared.a);
    expect(rows.length).toBeGreaterThan(0);
    const names = new Set(rows.map((r) => r.key.split(':')[0]));
    for (const n of ['login-ip', 'login-pair', 'login-account', 'login-addr', 'login-known']) {
      expect(names).toContain(n);
    }
    for (const row of rows) {
      expect(row.key).toMatch(/^[a-z-]+:[A-Za-z0-9_-]{43}$/);
      const text = JSON.stringify(row);
      for (const raw of [
        email,
        'owner-',
        'acme.example',
        'lovelace',
        'analytical',
        '@',
        '203.0.113',
        '2001:db8',
      ]) {
        expect(text).not.toContain(raw);
      }
    }
  });
});
