import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { forwardedAddress, ipBucket, ipVersion, normaliseIp } from '../../src/http/index.js';
import { limitByAddress } from '../../src/http/limits.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';

/** The env @hono/node-server passes: the Node request with its socket. */
function nodeEnv(address: string | undefined) {
  return { incoming: { socket: { remoteAddress: address, remotePort: 50000 } } };
}

function ipApp(trustProxy = 0) {
  const address = nodeClientAddress({ trustProxy });
  const app = new Hono();
  app.get('/', (c) => c.json({ ip: address(c) }));
  return async (env: unknown, headers: Record<string, string> = {}) =>
    ((await (await app.request('/', { headers }, env)).json()) as { ip: string | null }).ip;
}

describe('ipVersion and normaliseIp', () => {
  it.each([
    ['203.0.113.9', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['2001:db8::1', 6],
    ['::1', 6],
    ['::ffff:198.51.100.7', 6],
    ['fe80::1%eth0', 0],
    ['256.1.1.1', 0],
    ['1.2.3', 0],
    ['01.2.3.4', 0],
    ['2001:db8:::1', 0],
    ['example.com', 0],
    ['', 0],
    ['1.2.3.4 ', 0],
  ])('%s is IPv%s (0: not an address)', (s, v) => {
    expect(ipVersion(s)).toBe(v);
  });

  it('gives one client one spelling', () => {
    expect(normaliseIp('::FFFF:198.51.100.7')).toBe('198.51.100.7');
    expect(normaliseIp('2001:DB8::1')).toBe('2001:db8::1');
  });
});

describe('the Node client address', () => {
  it('reads the socket address, unwrapping IPv4-mapped IPv6', async () => {
    const ip = ipApp();
    expect(await ip(nodeEnv('203.0.113.9'))).toBe('203.0.113.9');
    expect(await ip(nodeEnv('2001:DB8::1'))).toBe('2001:db8::1');
    expect(await ip(nodeEnv('::ffff:198.51.100.7'))).toBe('198.51.100.7');
  });

  it('ignores X-Forwarded-For unless proxies are trusted', async () => {
    expect(await ipApp()(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6' })).toBe('10.0.0.1');
  });

  it('takes the entry the trusted proxies vouch for, never one the client wrote', async () => {
    const one = ipApp(1);
    expect(await one(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9' })).toBe('203.0.113.9');
    const two = ipApp(2);
    expect(await two(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9, 10.0.0.2' })).toBe(
      '203.0.113.9',
    );
    // Too few entries or garbage: the socket (the proxy) is counted, never the client's claim.
    expect(await two(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '203.0.113.9' })).toBe('10.0.0.1');
    expect(await one(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': 'not-an-ip' })).toBe('10.0.0.1');
  });

  it('is unknown without a socket (app.request() in tests, another runtime)', async () => {
    expect(await ipApp()(undefined)).toBeNull();
    expect(await ipApp()(nodeEnv(undefined))).toBeNull();
    expect(await ipApp()(nodeEnv('garbage'))).toBeNull();
  });
});

describe('forwardedAddress and ipBucket', () => {
  it('reads the nth entry from the end', () => {
    expect(forwardedAddress('a, 1.1.1.1, 2.2.2.2', 1)).toBe('2.2.2.2');
    expect(forwardedAddress('a, 1.1.1.1, 2.2.2.2', 2)).toBe('1.1.1.1');
    expect(forwardedAddress('1.1.1.1', 0)).toBeNull();
    expect(forwardedAddress(undefined, 1)).toBeNull();
  });

  it('counts IPv4 per address and IPv6 per /64', () => {
    expect(ipBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(ipBucket('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket('::1')).toBe('0:0:0:0::/64');
  });
});

describe('rate limits by address fail closed', () => {
  it('refuses a request whose address is unknown instead of letting it through uncounted', async () => {
    const app = new Hono();
    app.onError((err, c) => c.text(err.message, (err as { status?: number }).status as 429));
    app.post(
      '/',
      limitByAddress({ rateLimits: new MemoryRateLimitStore(), clientAddress: () => null }, 'x', 5, 60_000),
      (c) => c.text('ran'),
    );
    const res = await app.request('/', { method: 'POST' });
    expect(res.status).toBe(429);
    expect(await res.text()).toMatch(/could not be attributed to a client address/);
  });

  it('counts a known address', async () => {
    const app = new Hono();
    app.onError((err, c) => c.text(err.message, (err as { status?: number }).status as 429));
    app.post(
      '/',
      limitByAddress(
        { rateLimits: new MemoryRateLimitStore(), clientAddress: () => '203.0.113.9' },
        'x',
        2,
        60_000,
      ),
      (c) => c.text('ran'),
    );
    expect((await app.request('/', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/', { method: 'POST' })).status).toBe(200);
    expect((await app.request('/', { method: 'POST' })).status).toBe(429);
  });
});
