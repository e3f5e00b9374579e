import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, testApp } from '../support/app.js';
import { openTestStore, type TestStore } from '../support/stores.js';

/** The security headers every response must carry (security.md §7 HDR-01). */
function expectSecurityHeaders(res: Response, what: string) {
  const h = res.headers;
  const csp = h.get('Content-Security-Policy') ?? '';
  expect(csp, what).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{22,}'/);
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("base-uri 'none'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(h.get('Strict-Transport-Security'), what).toMatch(/max-age=31536000/);
  expect(h.get('X-Content-Type-Options'), what).toBe('nosniff');
  expect(h.get('Referrer-Policy'), what).toBe('same-origin');
  expect(h.get('X-Request-Id'), what).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
}

describe('the HTTP surface of the whole app', () => {
  let ts: TestStore;
  let app: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
    app = await testApp(ts.store);
    app.get('/__test/boom', () => {
      throw new Error('secret internal detail');
    });
    app.get('/__test/fragment', (c) => c.html('<p>fragment</p>'));
    app.get('/__test/throws-string', () => {
      throw 'not an Error object';
    });
  });
  afterAll(() => ts.close());

  it('sets the security headers on a page, a fragment, JSON, a 404, a 500 and a static file', async () => {
    const b = browser(app);
    const page = await b.get('/app/login');
    expectSecurityHeaders(page, 'page');
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    const nonce = /nonce-([A-Za-z0-9+/=]+)/.exec(page.headers.get('Content-Security-Policy')!)![1];
    const html = await page.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).toMatch(/<script nonce="[^"]+" src="\/static\/js\/htmx\.min\.js\?v=/);

    const fragment = await b.get('/__test/fragment', { 'HX-Request': 'true' });
    expectSecurityHeaders(fragment, 'fragment');
    expectSecurityHeaders(await b.get('/healthz'), 'json');

    const missing = await b.get('/no/such/page');
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing, '404');

    const boom = await b.get('/__test/boom');
    expect(boom.status).toBe(500);
    expectSecurityHeaders(boom, '500');
    const body = await boom.text();
    expect(body).not.toContain('secret internal detail');
    expect(body).not.toMatch(/at .*\.ts:\d+/);
    expect(body).toContain(boom.headers.get('X-Request-Id')!);

    const boomHtmx = await b.get('/__test/boom', { 'HX-Request': 'true' });
    expect(boomHtmx.status).toBe(500);
    expect(await boomHtmx.text()).not.toContain('<html');

    const odd = await b.get('/__test/throws-string');
    expect(odd.status).toBe(500);
    expectSecurityHeaders(odd, 'non-Error thrown');
    expect(await odd.text()).not.toContain('not an Error object');

    const css = await b.get('/static/css/app.css');
    expect(css.status).toBe(200);
    expectSecurityHeaders(css, 'static');
  });

  it('refuses cross-site writes whatever the content type, and changes nothing', async () => {
    const bodies: [string, string][] = [
      ['application/x-www-form-urlencoded', 'email=a%40b.example&password=x'],
      ['application/json', '{"email":"a@b.example"}'],
      ['text/plain', 'email=a@b.example'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n',
      ],
    ];
    for (const [type, body] of bodies) {
      for (const headers of <Record<string, string>[]>[
        { Origin: 'https://evil.example' },
        { 'Sec-Fetch-Site': 'cross-site' },
        { Referer: 'https://evil.example/page' },
      ]) {
        const res = await app.request('https://assay.test/app/login', {
          method: 'POST',
          body,
          headers: { 'Content-Type': type, ...headers },
        });
        expect(res.status, `${type} ${JSON.stringify(headers)}`).toBe(403);
        expectSecurityHeaders(res, 'refusal');
        expect(res.headers.get('Set-Cookie')).toBeNull();
      }
    }
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 64) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024).fill(97));
      },
    });
    const res = await app.request('https://assay.test/app/login', {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://assay.test' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(64);
    const declared = await app.request('https://assay.test/app/login', {
      method: 'POST',
      body: 'x',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': String(10 * 1024 * 1024),
      },
    });
    expect(declared.status).toBe(413);
  });

  it('answers API clients with JSON errors', async () => {
    const res = await app.request('https://assay.test/nope', { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { status: 404 } });
  });

  it('publishes security.txt and a JWKS without private material', async () => {
    const txt = await (await app.request('https://assay.test/.well-known/security.txt')).text();
    expect(txt).toMatch(/^Contact: mailto:security@assay\.test$/m);
    expect(txt).toMatch(/^Expires: \d{4}-\d\d-\d\dT/m);
    const jwks = await (await app.request('https://assay.test/.well-known/jwks.json')).json();
    expect(jwks).toEqual({ keys: [] });
  });
});
