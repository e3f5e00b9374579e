import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CROSS_SITE_MESSAGE, crossSiteGuard, isSameSite } from '../../src/http/index.js';
import { buildApp, JSON_ACCEPT, ORIGIN } from './support.js';

const EVIL = 'https://evil.example';

/** Bodies of every content type a cross-site page can send. */
function bodies(): Array<[string, () => RequestInit]> {
  const multipart = () => {
    const form = new FormData();
    form.set('answer', 'yes');
    return { body: form };
  };
  return [
    [
      'urlencoded',
      () => ({ body: 'answer=yes', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    ],
    ['multipart', multipart],
    ['json', () => ({ body: '{"answer":"yes"}', headers: { 'Content-Type': 'application/json' } })],
    ['text/plain', () => ({ body: 'answer=yes', headers: { 'Content-Type': 'text/plain' } })],
    ['no content type', () => ({ body: new Uint8Array([1, 2, 3]) })],
  ];
}

function withHeaders(init: RequestInit, extra: Record<string, string>): RequestInit {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return { ...init, method: 'POST', headers };
}

describe('crossSiteGuard', () => {
  let writes = 0;
  const { app } = buildApp((app) => {
    app.post('/save', (c) => {
      writes += 1;
      return c.text('saved');
    });
    app.on(['PUT', 'PATCH', 'DELETE'], '/save', (c) => {
      writes += 1;
      return c.text('saved');
    });
    app.get('/read', (c) => c.text('read'));
  });

  const provenance: Array<[string, Record<string, string>]> = [
    ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'Sec-Fetch-Site': 'same-site' }],
    ['a foreign Origin', { Origin: EVIL }],
    ['Origin: null (sandboxed frame)', { Origin: 'null' }],
    ['Origin: null and a foreign Referer', { Origin: 'null', Referer: `${EVIL}/frame.html` }],
    ['Origin: null and an unparseable Referer', { Origin: 'null', Referer: 'null' }],
    ['a foreign Origin even with HX-Request', { Origin: EVIL, 'HX-Request': 'true' }],
    ['a foreign Referer', { Referer: `${EVIL}/attack.html` }],
    ['an unparseable Referer', { Referer: 'not a url' }],
    ['our Origin with the wrong scheme', { Origin: ORIGIN.replace('https:', 'http:') }],
    ['Sec-Fetch-Site cross-site even with our Origin', { 'Sec-Fetch-Site': 'cross-site', Origin: ORIGIN }],
  ];

  for (const [what, headers] of provenance) {
    for (const [type, init] of bodies()) {
      it(`refuses a POST with ${what} and a ${type} body`, async () => {
        const before = writes;
        const res = await app.request('/save', withHeaders(init(), headers));
        expect(res.status).toBe(403);
        expect(await res.text()).toContain('came from another website');
        expect(writes).toBe(before);
      });
    }
  }

  it('refuses PUT, PATCH and DELETE from another site too', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await app.request('/save', { method, headers: { Origin: EVIL } });
      expect(res.status).toBe(403);
    }
  });

  it('answers a refused API client with JSON', async () => {
    const res = await app.request('/save', { method: 'POST', headers: { Origin: EVIL, ...JSON_ACCEPT } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { status: number; message: string; requestId: string } };
    expect(body.error.status).toBe(403);
    expect(body.error.message).toBe(CROSS_SITE_MESSAGE);
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  const allowed: Array<[string, Record<string, string>]> = [
    ['Sec-Fetch-Site: same-origin', { 'Sec-Fetch-Site': 'same-origin', Origin: ORIGIN }],
    ['Sec-Fetch-Site: none (typed into the address bar)', { 'Sec-Fetch-Site': 'none' }],
    ['our Origin (older browser, no Sec-Fetch-Site)', { Origin: ORIGIN }],
    ['our Origin with an explicit default port', { Origin: `${ORIGIN}:443` }],
    ['our Referer only', { Referer: `${ORIGIN}/app/form?x=1` }],
    // A browser without Sec-Fetch-Site that hides the origin of our own page (as older ones did
    // under Referrer-Policy: no-referrer, or after a redirect): our Referer still shows it.
    ['Origin: null with our Referer', { Origin: 'null', Referer: `${ORIGIN}/v/portal/section-2` }],
    // htmx's header is not CORS-safelisted: cross-origin, the browser would have preflighted.
    ['Origin: null with HX-Request (our htmx)', { Origin: 'null', 'HX-Request': 'true' }],
    ['no provenance headers at all (curl, the CLI)', {}],
  ];
  for (const [what, headers] of allowed) {
    for (const [type, init] of bodies()) {
      it(`allows a POST with ${what} and a ${type} body`, async () => {
        const before = writes;
        const res = await app.request('/save', withHeaders(init(), headers));
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('saved');
        expect(writes).toBe(before + 1);
      });
    }
  }

  it('lets safe methods through whatever their provenance', async () => {
    const get = await app.request('/read', { headers: { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL } });
    expect(get.status).toBe(200);
    const head = await app.request('/read', { method: 'HEAD', headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(head.status).toBe(200);
  });

  it('accepts a list of origins', async () => {
    const local = new Hono();
    local.use(crossSiteGuard({ origin: [ORIGIN, 'http://localhost:8787'] }));
    local.post('/', (c) => c.text('ok'));
    expect(
      (await local.request('/', { method: 'POST', headers: { Origin: 'http://localhost:8787' } })).status,
    ).toBe(200);
    expect((await local.request('/', { method: 'POST', headers: { Origin: EVIL } })).status).toBe(403);
  });

  it('refuses to start with an origin that is not an absolute http(s) URL', () => {
    expect(() => crossSiteGuard({ origin: 'assay.example' })).toThrow(/absolute http/);
    expect(() => crossSiteGuard({ origin: 'javascript:alert(1)' })).toThrow(/absolute http/);
    expect(() => crossSiteGuard({ origin: [] })).toThrow(/at least one origin/);
  });

  it('decides on Sec-Fetch-Site first, then Origin, then Referer', () => {
    const allowedSet = new Set([ORIGIN]);
    const check = (h: Record<string, string>) => isSameSite(new Headers(h), allowedSet);
    expect(check({ 'Sec-Fetch-Site': 'same-origin', Origin: EVIL })).toBe(true);
    expect(check({ Origin: ORIGIN, Referer: `${EVIL}/x` })).toBe(true);
    expect(check({ Origin: EVIL, Referer: `${ORIGIN}/x` })).toBe(false);
    expect(check({ 'Sec-Fetch-Site': 'unknown-value' })).toBe(false);
    // Origin: null defers to the Referer, in both directions.
    expect(check({ Origin: 'null', Referer: `${ORIGIN}/x` })).toBe(true);
    expect(check({ Origin: 'null', Referer: `${EVIL}/x` })).toBe(false);
    expect(check({ Origin: 'null' })).toBe(false);
    expect(check({ Origin: 'null', 'Sec-Fetch-Site': 'cross-site', Referer: `${ORIGIN}/x` })).toBe(false);
  });
});
