import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  errorHandlers,
  hashRateKey,
  MemoryRateLimitStore,
  type RateLimitStore,
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

  it('never gives the store raw personal data', async () => {
    const seen: string[] = [];
    const store: RateLimitStore = {
      async hit(key, windowMs) {
        seen.push(key);
        return { count: 1, resetAt: Date.now() + windowMs };
      },
    };
    const clock = fakeClock();
    const { hit } = limitedApp(store, clock);
    await hit('ada.lovelace@example.com');
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toContain('ada');
    expect(seen[0]).not.toContain('example');
    expect(seen[0]).toBe(`login:${hashRateKey('ada.lovelace@example.com')}`);
  });

  it('hashes with a keyed hash: stable within the process, not a plain SHA-256', async () => {
    const { createHash } = await import('node:crypto');
    expect(hashRateKey('x')).toBe(hashRateKey('x'));
    expect(hashRateKey('x')).not.toBe(hashRateKey('y'));
    expect(hashRateKey('x')).not.toBe(createHash('sha256').update('x').digest('base64url'));
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

describe('MemoryRateLimitStore', () => {
  it('counts within a window and starts a new one after it', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now });
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: 1000 });
    expect(await store.hit('k', 1000)).toEqual({ count: 2, resetAt: 1000 });
    clock.advance(1000);
    expect(await store.hit('k', 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it('drops expired keys as new ones arrive', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now });
    for (let i = 0; i < 100; i++) await store.hit(`k${i}`, 1000);
    expect(store.size).toBe(100);
    clock.advance(1000);
    await store.hit('fresh', 1000);
    expect(store.size).toBe(1);
  });

  it('never holds more than maxKeys, evicting the oldest window first', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now, maxKeys: 10 });
    for (let i = 0; i < 50; i++) {
      await store.hit(`k${i}`, 60_000);
      expect(store.size).toBeLessThanOrEqual(10);
    }
    // k49 (newest) survived with its count; k0 (oldest) was evicted and starts over.
    expect((await store.hit('k49', 60_000)).count).toBe(2);
    expect((await store.hit('k0', 60_000)).count).toBe(1);
  });

  it('finds expired keys hidden behind live ones with longer windows when full', async () => {
    const clock = fakeClock(0);
    const store = new MemoryRateLimitStore({ now: clock.now, maxKeys: 3 });
    await store.hit('long', 3_600_000);
    await store.hit('short1', 1000);
    await store.hit('short2', 1000);
    clock.advance(2000);
    await store.hit('new', 1000);
    // The expired short windows made room; the live long window was kept.
    expect((await store.hit('long', 3_600_000)).count).toBe(2);
  });

  it('rejects a bad window', async () => {
    const store = new MemoryRateLimitStore();
    await expect(store.hit('k', 0)).rejects.toThrow(RangeError);
    await expect(store.hit('k', Number.NaN)).rejects.toThrow(RangeError);
  });
});
