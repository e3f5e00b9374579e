/** Health, the public JWKS and security.txt: public, cacheable by nobody, no session. */
import { Hono } from 'hono';
import { auditKeysPem } from '../audit/export.js';
import type { AppEnv } from '../http/env.js';
import { publicJwks, receiptKeysPem } from '../keys/signing-keys.js';
import type { Ports } from '../platform/ports.js';

export function systemRoutes(platform: Pick<Ports, 'store' | 'clock'>, opts: { baseUrl: string }) {
  const { store, clock } = platform;
  const app = new Hono<AppEnv>();

  app.get('/healthz', async (c) => {
    try {
      await store.ping();
      return c.json({ status: 'ok', database: store.dialect });
    } catch {
      return c.json({ status: 'unavailable', database: store.dialect }, 503);
    }
  });

  app.get('/.well-known/jwks.json', async (c) => c.json(await publicJwks(store, { now: clock.now() })));

  // The same receipt keys as PEM, so that openssl alone can check a receipt (README "Verifying a receipt").
  app.get('/.well-known/receipt-keys.pem', async (c) =>
    c.text(await receiptKeysPem(store, clock.now()), 200, { 'Content-Type': 'text/plain; charset=utf-8' }),
  );

  // The audit keys (Ed25519, SPKI PEM) that sign every tenant's checkpoints (docs/audit.md).
  app.get('/.well-known/audit-keys.pem', async (c) =>
    c.text(await auditKeysPem(store), 200, { 'Content-Type': 'text/plain; charset=utf-8' }),
  );

  app.get('/.well-known/security.txt', (c) => {
    const expires = new Date(clock.now().getTime() + 180 * 86_400_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    return c.text(
      [
        `Contact: mailto:security@${new URL(opts.baseUrl).hostname}`,
        `Expires: ${expires}`,
        'Preferred-Languages: en, de',
        `Canonical: ${opts.baseUrl}/.well-known/security.txt`,
        'Policy: https://github.com/assay/assay/blob/main/SECURITY.md',
        '',
      ].join('\n'),
    );
  });

  return app;
}
