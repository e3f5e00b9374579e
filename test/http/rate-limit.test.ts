import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  errorHandlers,
  MemoryRateLimitStore,
  type RateLimitStore,
  rateKeyHasher,
  rateLimit,
} from '../../src/http/index.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { JSON_ACCEPT, testViews } from './support.js';

/** A clock tests move by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function limitedApp(store: RateLimitStore, clock: { now: () => number }, limit = 3, windowMs = 60_000) {
  const app = new Hono();
  const { onError } = errorHandlers({ logger: createLogger({ level: 'silent' }), views: testViews() });
  app.onError(onError);
  let handled = 0;
  app.post(
    '/login',
    rateLimit({
      store,
      limit,
      windowMs,
      name: 'login',
      now: clock.now,
      key: (c) => c.req.header('X-Test-Email') ?? null,
    }),
    (c) => {
      handled += 1;
      return c.text('ok');
    },
  );
  const hit = (email?: string) =>
    app.request('/login', {
      method: 'POST',
      headers: { ...JSON_ACCEPT, ...(email ? { 'X-Test-Email': email } : {}) },
    });
  return { app, hit, handled: () => handled };
}

describe('rateLimit', () => {
  it('lets `limit` requests through, then answers 429 with Retry-After and a clear message', async () => {
    const clock = fakeClock();
    const { hit, handled } = limitedApp(new MemoryRateLimitStore({ now: clock.now }), clock);
    for (let i = 0; i < 3; i++) expect((await hit('ada@example.com')).status).toBe(200);
    clock.advance(15_000);
    const refused = await hit('ada@example.com');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toBe('Too many attempts. Wait a little and try again.');
    expect(handled()).toBe(3);
  });

  it('opens again when the window resets', async () => {
    const clock = fakeClock();
    const { hit } = limitedApp(new MemoryRateLimitStore({ now: clock.now }), clock);
    for (let i = 0; i < 4; i++) await hit('ada@example.com');
    expect((await hit('ada@example.com')).status).toBe(429);
    clock.advance(59_999);
    expect((await hit('ada@example.com')).status).toBe(429);
    clock.advance(1);
    expect((await hit('ada@example.com')).status).toBe(200);
  });

  it('counts keys separately and refuses requests it cannot attribute (fails closed)', async () => {
    const clock = fakeClock();
    const { hit, handled } = limitedApp(new MemoryRateLimitStore({ now: clock.now }), clock, 1);
    expect((await hit('a@example.com')).status).toBe(200);
    expect((await hit('a@example.com')).status).toBe(429);
    expect((await hit('b@example.com')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await hit()).status).toBe(429);
    expect(handled()).toBe(2);
  });

  it('hashes keys with a keyed hash: the limiter name in clear, the subject never', () => {
    const secret = new Uint8Array(32).fill(7);
    const id = rateKeyHasher(secret);
    const key = { name: 'login', subject: 'ada.lovelace@example.com' };
    expect(id(key)).toBe(rateKeyHasher(new Uint8Array(32).fill(7))(key));
    expect(id(key)).toMatch(/^login:[A-Za-z0-9_-]{43}$/);
    expect(id(key)).not.toContain('ada');
    expect(id(key)).not.toBe(rateKeyHasher(new Uint8Array(32).fill(8))(key));
    // The name is inside the MAC too: one subject under two limiters does not link.
    const mac = (s: string) => s.split(':')[1];
    expect(mac(id(key))).not.toBe(mac(id({ name: 'other', subject: key.subject })));
    const plain = createHash('sha256').update(key.subject).digest('base64url');
    expect(id(key)).not.toContain(plain);
    expect(() => rateKeyHasher(new Uint8Array(16))).toThrow(RangeError);
    expect(() => id({ name: 'has space', subject: 'x' })).toThrow(RangeError);
  });

  it('keeps different limiters on one store apart', async () => {
    const clock = fakeClock();
    const store = new MemoryRateLimitStore({ now: clock.now });
    const app = new Hono();
    const opts = { store, limit: 1, windowMs: 1000, now: clock.now, key: () => 'same' };
    app.post('/a', rateLimit({ ...opts, name: 'a' }), (c) => c.text('a'));
    app.post('/b', rateLimit({ ...opts, name: 'b' }), (c) => c.text('b'));
    expect((await app.request('/a', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/b', { method: 'POST' })).status).toBe(200);
  });

  it('rejects nonsensical options at construction', () => {
    const store = new MemoryRateLimitStore();
    const base = { store, limit: 1, windowMs: 1000, name: 'x', key: () => 'k' };
    expect(() => rateLimit({ ...base, limit: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ ...base, windowMs: 0 })).toThrow(RangeError);
    expect(() => rateLimit({ ...base, name: 'has space' })).toThrow(RangeError);
    expect(() => new MemoryRateLimitStore({ maxKeys: 0 })).toThrow(RangeError);
  });
});

/** A counter key for the store tests. */
const k = (subject: string) => ({ name: 'k', subject });

describe('MemoryRateLimitStore', () => {
  it('counts within a window and starts a new one after it', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now });
    expect(await store.hit(k('k'), 1000)).toEqual({ count: 1, resetAt: 1000 });
    expect(await store.hit(k('k'), 1000)).toEqual({ count: 2, resetAt: 1000 });
    clock.advance(1000);
    expect(await store.hit(k('k'), 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it('drops expired keys as new ones arrive', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now });
    for (let i = 0; i < 100; i++) await store.hit(k(`k${i}`), 1000);
    expect(store.size).toBe(100);
    clock.advance(1000);
    await store.hit(k('fresh'), 1000);
    expect(store.size).toBe(1);
  });

  it('never holds more than maxKeys, evicting the oldest window first', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now, maxKeys: 10 });
    for (let i = 0; i < 50; i++) {
      await store.hit(k(`k${i}`), 60_000);
      expect(store.size).toBeLessThanOrEqual(10);
    }
    // k49 (newest) survived with its count; k0 (oldest) was evicted and starts over.
    expect((await store.hit(k('k49'), 60_000)).count).toBe(2);
    expect((await store.hit(k('k0'), 60_000)).count).toBe(1);
  });

  it('finds expired keys hidden behind live ones with longer windows when full', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now, maxKeys: 3 });
    await store.hit(k('long'), 3_600_000);
    await store.hit(k('short1'), 1000);
    await store.hit(k('short2'), 1000);
    clock.advance(2000);
    await store.hit(k('new'), 1000);
    // The expired short windows made room; the live long window was kept.
    expect((await store.hit(k('long'), 3_600_000)).count).toBe(2);
  });

  it('rejects a bad window', async () => {
    const store = new MemoryRateLimitStore();
    await expect(store.hit(k('k'), 0)).rejects.toThrow(RangeError);
    await expect(store.hit(k('k'), Number.NaN)).rejects.toThrow(RangeError);
  });
});
