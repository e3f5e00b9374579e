/** Health, the public JWKS and security.txt: public, cacheable by nobody, no session. */
import { Hono } from 'hono';
import type { Store } from '../db/store.js';
import { publicJwks } from '../keys/signing-keys.js';

export function systemRoutes(deps: { store: Store; baseUrl: string; now: () => Date }) {
  const { store, baseUrl, now } = deps;
  const app = new Hono();

  app.get('/healthz', async (c) => {
    try {
      await store.ping();
      return c.json({ status: 'ok', database: store.dialect });
    } catch {
      return c.json({ status: 'unavailable', database: store.dialect }, 503);
    }
  });

  app.get('/.well-known/jwks.json', async (c) => c.json(await publicJwks(store)));

  app.get('/.well-known/security.txt', (c) => {
    const expires = new Date(now().getTime() + 180 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return c.text(
      [
        `Contact: mailto:security@${new URL(baseUrl).hostname}`,
        `Expires: ${expires}`,
        'Preferred-Languages: en, de',
        `Canonical: ${baseUrl}/.well-known/security.txt`,
        '',
      ].join('\n'),
    );
  });

  return app;
}
