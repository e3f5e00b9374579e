import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAssets } from '../../scripts/generate.mjs';
import { manifest } from '../../src/generated/assets.js';
import { IMMUTABLE_CACHE, REVALIDATE_CACHE } from '../../src/http/index.js';
import { nodeAssets, STATIC_DIR } from '../../src/platform/node/views.js';
import { buildApp } from './support.js';

const require = createRequire(import.meta.url);

describe('staticFiles', () => {
  const { app, views } = buildApp((app) => {
    app.post('/static/css/app.css', (c) => c.text('should not be reachable by POST'));
  });

  it('serves the stylesheet, script and favicon with their types', async () => {
    for (const [path, type] of [
      ['/static/css/app.css', 'text/css'],
      ['/static/js/htmx.min.js', 'text/javascript'],
      ['/static/js/app.js', 'text/javascript'],
      ['/static/favicon.svg', 'image/svg+xml'],
    ] as const) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('caches a URL with the current content hash for a year, anything else revalidates', async () => {
    const versioned = views.assets.url('/static/css/app.css');
    expect(versioned).toMatch(/^\/static\/css\/app\.css\?v=[0-9a-f]{16}$/);
    expect((await app.request(versioned)).headers.get('cache-control')).toBe(IMMUTABLE_CACHE);
    expect((await app.request('/static/css/app.css')).headers.get('cache-control')).toBe(REVALIDATE_CACHE);
    expect((await app.request('/static/css/app.css?v=0000000000000000')).headers.get('cache-control')).toBe(
      REVALIDATE_CACHE,
    );
  });

  it('revalidates with the content-hash ETag: 304 without a body when unchanged', async () => {
    const first = await app.request('/static/css/app.css');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(views.assets.url('/static/css/app.css')).toBe(`/static/css/app.css?v=${etag!.slice(1, -1)}`);
    const again = await app.request('/static/css/app.css', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('cache-control')).toBe(REVALIDATE_CACHE);
    expect(again.headers.get('content-security-policy')).toBeTruthy();
    const weak = await app.request('/static/css/app.css', { headers: { 'If-None-Match': `"x", W/${etag}` } });
    expect(weak.status).toBe(304);
    const stale = await app.request('/static/css/app.css', {
      headers: { 'If-None-Match': '"0000000000000000"' },
    });
    expect(stale.status).toBe(200);
    expect((await stale.text()).length).toBeGreaterThan(1000);
  });

  it('answers HEAD without a body', async () => {
    const res = await app.request('/static/css/app.css', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it.each([
    '/static/../package.json',
    '/static/..%2fpackage.json',
    '/static/..%2Fpackage.json',
    '/static/%2e%2e/package.json',
    '/static/%2e%2e%2fpackage.json',
    '/static/css/..%2f..%2fpackage.json',
    '/static/..%5cpackage.json',
    '/static/.%2e/src/config.ts',
    '/static//etc/passwd',
    '/static/%00',
  ])('refuses traversal attempt %s with the 404 page', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).not.toContain('"name": "assay"');
    expect(text).toContain('We could not find that page.');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('lists no directories and serves no dotfiles', async () => {
    for (const path of [
      '/static/',
      '/static/css',
      '/static/css/',
      '/static/.gitignore',
      '/static/js/.hidden',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain('<h1 id="error-title">Page not found</h1>');
    }
  });

  it('does not serve files for other methods', async () => {
    const res = await app.request('/static/js/app.js', {
      method: 'DELETE',
      headers: { Origin: 'https://assay.example' },
    });
    expect(res.status).toBe(404);
  });

  it('ships htmx 4.0.1 byte-identical to the installed package', () => {
    const pkgDir = join(require.resolve('htmx.org/package.json'), '..');
    const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(version).toBe('4.0.1');
    const shipped = readFileSync(join(STATIC_DIR, 'js/htmx.min.js'));
    const installed = readFileSync(join(pkgDir, 'dist/htmx.min.js'));
    expect(shipped.equals(installed)).toBe(true);
  });
});

describe('asset manifest', () => {
  it('refuses to build a URL for a file that does not exist, or outside /static/', () => {
    const assets = nodeAssets({ dev: false });
    expect(() => assets.url('/static/css/missing.css')).toThrow(/No static asset/);
    expect(() => assets.url('/static/../package.json')).toThrow(/No static asset/);
    expect(() => assets.url('/package.json')).toThrow(/No static asset/);
    expect(assets.lookup('/static/__proto__')).toBeNull();
  });

  it('is what the build generates from static/ now (not stale)', async () => {
    const fresh = generateAssets();
    const file = readFileSync(join(import.meta.dirname, '../../src/generated/assets.ts'), 'utf8');
    expect(file).toBe(fresh);
    expect(Object.keys(manifest).sort()).toEqual([
      '/static/css/app.css',
      '/static/favicon.svg',
      '/static/js/app.js',
      '/static/js/htmx.min.js',
    ]);
  });

  it('gives the same hashes in development (read from disk on each use) as in production', () => {
    const prod = nodeAssets({ dev: false });
    const dev = nodeAssets({ dev: true });
    for (const path of Object.keys(manifest)) expect(dev.url(path)).toBe(prod.url(path));
  });
});
