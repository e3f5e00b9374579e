import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientIp, ipBucket } from '../../src/http/index.js';

/** The env @hono/node-server passes: the Node request with its socket. */
function nodeEnv(address: string | undefined, family = 'IPv4') {
  return { incoming: { socket: { remoteAddress: address, remotePort: 50000, remoteFamily: family } } };
}

function ipApp(trustProxy?: number) {
  const app = new Hono();
  app.get('/', (c) => c.json({ ip: clientIp(c, trustProxy === undefined ? {} : { trustProxy }) }));
  return async (env: unknown, headers: Record<string, string> = {}) =>
    ((await (await app.request('/', { headers }, env)).json()) as { ip: string | null }).ip;
}

describe('clientIp', () => {
  it('reads the socket address', async () => {
    const ip = ipApp();
    expect(await ip(nodeEnv('203.0.113.9'))).toBe('203.0.113.9');
    expect(await ip(nodeEnv('2001:DB8::1', 'IPv6'))).toBe('2001:db8::1');
  });

  it('unwraps IPv4-mapped IPv6 addresses', async () => {
    expect(await ipApp()(nodeEnv('::ffff:198.51.100.7', 'IPv6'))).toBe('198.51.100.7');
  });

  it('ignores X-Forwarded-For unless trustProxy is set', async () => {
    const ip = ipApp();
    expect(await ip(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6' })).toBe('10.0.0.1');
  });

  it('with trustProxy, takes the entry the trusted proxy appended, not what the client wrote', async () => {
    const one = ipApp(1);
    // The client forged "6.6.6.6"; our proxy appended the real peer 203.0.113.9.
    expect(await one(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9' })).toBe('203.0.113.9');
    const two = ipApp(2);
    expect(await two(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9, 10.0.0.2' })).toBe(
      '203.0.113.9',
    );
  });

  it('falls back to the socket when the forwarded entry is missing or not an IP', async () => {
    const two = ipApp(2);
    expect(await two(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': '203.0.113.9' })).toBe('10.0.0.1');
    const one = ipApp(1);
    expect(await one(nodeEnv('10.0.0.1'), { 'X-Forwarded-For': 'not-an-ip' })).toBe('10.0.0.1');
  });

  it('is null without a socket (app.request in tests, other runtimes) or with a bogus address', async () => {
    const ip = ipApp();
    expect(await ip(undefined)).toBeNull();
    expect(await ip(nodeEnv(undefined))).toBeNull();
    expect(await ip(nodeEnv('localhost'))).toBeNull();
  });
});

describe('ipBucket', () => {
  it('keeps IPv4 addresses and reduces IPv6 to the /64', () => {
    expect(ipBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(ipBucket('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket('::1')).toBe('0:0:0:0::/64');
  });
});
