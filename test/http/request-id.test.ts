import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { REQUEST_ID_PATTERN, requestId } from '../../src/http/index.js';
import { buildApp, JSON_ACCEPT } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestId', () => {
  const { app, log } = buildApp((app) => {
    app.get('/id', (c) => c.text(c.get('requestId')));
    app.get('/boom', () => {
      throw new Error('x');
    });
  });

  it('generates a UUID, exposes it as c.get("requestId") and echoes it on the response', async () => {
    const res = await app.request('/id');
    const id = await res.text();
    expect(id).toMatch(UUID);
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it('gives every request its own id', async () => {
    const a = (await app.request('/id')).headers.get('x-request-id');
    const b = (await app.request('/id')).headers.get('x-request-id');
    expect(a).not.toBe(b);
  });

  it('keeps a well-formed incoming id and uses it in the body, header and log', async () => {
    const res = await app.request('/id', { headers: { 'X-Request-Id': 'edge-proxy.42_A' } });
    expect(await res.text()).toBe('edge-proxy.42_A');
    expect(res.headers.get('x-request-id')).toBe('edge-proxy.42_A');
    expect(log.records().some((r) => r.requestId === 'edge-proxy.42_A' && r.msg === 'request')).toBe(true);
  });

  for (const [what, bad] of [
    ['too long', 'a'.repeat(65)],
    ['empty', ''],
    ['with spaces', 'hello world'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a slash', '../../etc'],
    ['with a quote', 'a"b'],
    ['with non-ASCII', 'idé'],
  ] as const) {
    it(`replaces an incoming id ${what}`, async () => {
      const res = await app.request('/id', { headers: { 'X-Request-Id': bad } });
      const id = await res.text();
      expect(id).not.toBe(bad);
      expect(id).toMatch(UUID);
      expect(res.headers.get('x-request-id')).toBe(id);
    });
  }

  it('accepts exactly 64 characters', () => {
    expect(REQUEST_ID_PATTERN.test('a'.repeat(64))).toBe(true);
  });

  it('puts the id on error responses too, matching the JSON body', async () => {
    const res = await app.request('/boom', { headers: { ...JSON_ACCEPT, 'X-Request-Id': 'trace-1' } });
    expect(res.headers.get('x-request-id')).toBe('trace-1');
    expect(((await res.json()) as { error: { requestId: string } }).error.requestId).toBe('trace-1');
  });

  it('sets the header even on a response built outside Hono (new Response)', async () => {
    const local = new Hono();
    local.use(requestId());
    local.get('/', () => new Response('raw'));
    const res = await local.request('/');
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });
});
