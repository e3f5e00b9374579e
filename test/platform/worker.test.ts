/**
 * The Workers target as a developer runs it: `wrangler d1 migrations apply --local`, then
 * `wrangler dev --local` (workerd, a local D1, the ASSETS binding), and the app over HTTP: health, the
 * JWKS, static files, the sign-in page, the first-run set-up from the logged link, and sign-in itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const wrangler = path.join(root, 'node_modules/.bin/wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('the Worker under wrangler dev --local', () => {
  let child: ChildProcess;
  let base: string;
  let output = '';
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-wrangler-'));
  const PASSWORD = 'a long and unusual passphrase 42';

  beforeAll(async () => {
    const migrated = spawnSync(
      wrangler,
      ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
      {
        cwd: root,
        env,
        encoding: 'utf8',
      },
    );
    expect(migrated.status, migrated.stderr + migrated.stdout).toBe(0);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      wrangler,
      [
        'dev',
        '--local',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--persist-to',
        state,
        '--var',
        `BASE_URL:${base}`,
        '--var',
        `MASTER_KEY:${randomBytes(32).toString('base64')}`,
      ],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > until) throw new Error(`wrangler dev did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 90_000);

  afterAll(() => {
    child?.kill('SIGTERM');
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('answers /healthz from D1, with the security headers', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', database: 'd1' });
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
  });

  it('publishes the link and receipt keys it created on first start (active and next each) as a JWKS', async () => {
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, string>[];
    };
    // An active and a next key per purpose: the next one is published before it ever signs.
    expect(jwks.keys).toHaveLength(4);
    for (const k of jwks.keys) expect(k).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    // The receipt key as PEM (SPKI), exported by Web Crypto inside workerd.
    const pem = await (await fetch(`${base}/.well-known/receipt-keys.pem`)).text();
    const kids = [...pem.matchAll(/^# kid (\S+)\n-----BEGIN PUBLIC KEY-----\n/gm)].map((m) => m[1]);
    expect(kids).toHaveLength(2);
    for (const kid of kids) expect(jwks.keys.map((k) => k.kid)).toContain(kid);
  });

  it('serves static files through the Worker with content-hashed caching', async () => {
    const page = await (await fetch(`${base}/app/login`)).text();
    const css = /href="(\/static\/css\/app\.css\?v=[0-9a-f]{16})"/.exec(page)?.[1];
    expect(css).toBeDefined();
    const res = await fetch(`${base}${css}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/css/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${base}/static/../wrangler.toml`)).status).toBe(404);
  });

  it('sets up the first tenant from the logged link, then signs in and out', async () => {
    const token = /\/setup\/([A-Za-z0-9_-]{43})/.exec(output)?.[1];
    expect(token, output).toBeDefined();
    const same = {
      Origin: base,
      'Sec-Fetch-Site': 'same-origin',
      'Content-Type': 'application/x-www-form-urlencoded',
    };
    const setup = await fetch(`${base}/setup/${token}`, {
      method: 'POST',
      headers: same,
      redirect: 'manual',
      body: new URLSearchParams({
        tenantName: 'Workers Co',
        email: 'admin@workers.example',
        password: PASSWORD,
        passwordConfirm: PASSWORD,
      }),
    });
    expect(setup.status).toBe(303);
    expect(setup.headers.get('set-cookie')).toMatch(
      /^__Host-assay=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax/,
    );

    const wrong = await fetch(`${base}/app/login`, {
      method: 'POST',
      headers: same,
      redirect: 'manual',
      body: new URLSearchParams({ email: 'admin@workers.example', password: 'not the password at all' }),
    });
    expect(wrong.status).toBe(401);

    const signIn = await fetch(`${base}/app/login`, {
      method: 'POST',
      headers: same,
      redirect: 'manual',
      body: new URLSearchParams({ email: 'admin@workers.example', password: PASSWORD }),
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const overview = await fetch(`${base}/app`, { headers: { Cookie: cookie } });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain('Workers Co');
    const out = await fetch(`${base}/app/logout`, {
      method: 'POST',
      headers: { ...same, Cookie: cookie },
      redirect: 'manual',
    });
    expect(out.status).toBe(303);
    expect((await fetch(`${base}/app`, { headers: { Cookie: cookie }, redirect: 'manual' })).status).toBe(
      303,
    );
  }, 30_000);
});
