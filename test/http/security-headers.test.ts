import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/env.js';
import { HttpError, render, renderFragment, securityHeaders } from '../../src/http/index.js';
import { buildApp, HTMX, JSON_ACCEPT } from './support.js';

const NONCE_IN_CSP = /script-src 'self' 'nonce-([A-Za-z0-9+/]{22}==)'/;

function expectSecurityHeaders(res: Response, { cache = 'no-store' }: { cache?: string } = {}) {
  const csp = res.headers.get('content-security-policy');
  expect(csp).toMatch(NONCE_IN_CSP);
  for (const directive of [
    "default-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ]) {
    expect(csp).toContain(directive);
  }
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('same-origin');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('permissions-policy')).toContain('camera=()');
  expect(res.headers.get('cache-control')).toBe(cache);
  expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
}

describe('securityHeaders', () => {
  const { app } = buildApp((app) => {
    app.get('/page', (c) => render(c, 'errors/error', { title: 'T', status: 400, message: 'm', fields: {} }));
    app.get('/fragment', (c) =>
      renderFragment(c, 'errors/fragment', { status: 400, message: 'm', fields: {} }),
    );
    app.get('/json', (c) => c.json({ ok: true }));
    app.get('/boom', () => {
      throw new Error('database exploded');
    });
    app.get('/refused', () => {
      throw new HttpError(409, 'Already submitted.');
    });
    app.get('/redirect', () => Response.redirect('https://assay.example/elsewhere', 303));
    app.get('/own-csp', (c) => {
      c.header('Content-Security-Policy', "sandbox; default-src 'none'");
      return c.body('file');
    });
    app.get('/own-cache', (c) => {
      c.header('Cache-Control', 'public, max-age=600');
      return c.text('x');
    });
  });

  it('are on a full page, and the page scripts carry the nonce of the CSP', async () => {
    const res = await app.request('/page');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
    const nonce = NONCE_IN_CSP.exec(res.headers.get('content-security-policy')!)![1]!;
    const html = await res.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('are on an htmx fragment', async () => {
    const res = await app.request('/fragment', { headers: HTMX });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
  });

  it('are on a JSON response', async () => {
    const res = await app.request('/json', { headers: JSON_ACCEPT });
    expect(res.status).toBe(200);
    expectSecurityHeaders(res);
  });

  it('are on a 404', async () => {
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
  });

  it('are on a 500 thrown by a handler, and on a 4xx HttpError', async () => {
    const boom = await app.request('/boom');
    expect(boom.status).toBe(500);
    expectSecurityHeaders(boom);
    const refused = await app.request('/refused', { headers: HTMX });
    expect(refused.status).toBe(409);
    expectSecurityHeaders(refused);
  });

  it('are on a static file, which keeps its own caching', async () => {
    const res = await app.request('/static/css/app.css');
    expect(res.status).toBe(200);
    expectSecurityHeaders(res, { cache: 'no-cache' });
  });

  it('are added to a response with immutable headers (Response.redirect)', async () => {
    const res = await app.request('/redirect');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://assay.example/elsewhere');
    expectSecurityHeaders(res);
  });

  it('keep a stricter CSP a route set and add ours, so both apply', async () => {
    const res = await app.request('/own-csp');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("sandbox; default-src 'none'");
    expect(csp).toMatch(NONCE_IN_CSP);
  });

  it('force no-store outside /static/ even when a route asked for caching', async () => {
    const res = await app.request('/own-cache');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('use a fresh 128-bit nonce per request, exposed as c.get("nonce")', async () => {
    const seen = new Set<string>();
    const local = new Hono<AppEnv>();
    local.use(securityHeaders());
    local.get('/', (c) => c.text(c.get('nonce')));
    for (let i = 0; i < 20; i++) {
      const res = await local.request('/');
      const nonce = await res.text();
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
      expect(res.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
      seen.add(nonce);
    }
    expect(seen.size).toBe(20);
  });
});
