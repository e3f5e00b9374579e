/**
 * `npm start` as a user runs it: a real process on a temporary DATA_DIR and a free port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './support/pg.js';

const root = path.resolve(import.meta.dirname, '..');

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

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(url: string, ms = 30_000): Promise<Response> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('npm start', () => {
  it('starts on SQLite in DATA_DIR, prints the URL and a one-time set-up link, answers /healthz, stops on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-start-'));
    const port = await freePort();
    const s = start({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
    children.push(s.child);
    const res = await waitFor(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'sqlite' });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.output()).toContain(`http://127.0.0.1:${port}`);
    const link = new RegExp(`http://127\\.0\\.0\\.1:${port}/setup/([A-Za-z0-9_-]{43})`).exec(s.output());
    expect(link).not.toBeNull();
    expect((await fetch(link![0])).status).toBe(200);
    expect(fs.statSync(path.join(dataDir, 'assay.db')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const jwks = await (await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`)).json();
    // Link and receipt: an active and a next key each (the next published before it signs).
    expect(jwks.keys).toHaveLength(4);
    for (const k of jwks.keys) {
      expect(k).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(k.d).toBeUndefined();
      expect(Buffer.from(k.n, 'base64url').length * 8).toBe(3072);
    }
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);

  it('writes the first-run link to a 0600 file instead of stdout when SETUP_LINK_FILE is set', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-start-'));
    const linkFile = path.join(dataDir, 'setup-link.txt');
    const port = await freePort();
    const s = start({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', SETUP_LINK_FILE: linkFile });
    children.push(s.child);
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.output()).not.toMatch(/\/setup\//);
    expect(s.output()).toContain(`written to ${linkFile}`);
    expect(fs.statSync(linkFile).mode & 0o777).toBe(0o600);
    const link = fs.readFileSync(linkFile, 'utf8').trim();
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/setup/[A-Za-z0-9_-]{43}$`));
    expect((await fetch(link)).status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);

  it('refuses to start in production without SMTP_URL (no mail would ever leave, and it would keep its links)', async () => {
    const s = start({
      NODE_ENV: 'production',
      BASE_URL: 'https://assay.test',
      MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      PORT: String(await freePort()),
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'assay-nosmtp-')),
    });
    children.push(s.child);
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/SMTP_URL is required in production/);
    expect(s.output()).not.toMatch(/listening/);
    expect(s.output()).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('refuses to start with a bad configuration value, naming the variable', async () => {
    const s = start({ PORT: 'not-a-port', DATA_DIR: os.tmpdir() });
    children.push(s.child);
    expect(await s.exited).toBe(1);
    expect(s.output()).toMatch(/PORT must be a number/);
    expect(s.output()).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe.skipIf(!inject('pgAvailable'))('npm start on PostgreSQL', () => {
  it('migrates as the owner, serves as the app role, and stops on SIGTERM', async () => {
    const dbase = await createTestDatabase();
    try {
      const port = await freePort();
      const s = start({
        DATABASE_URL: dbase.appUrl,
        MIGRATION_DATABASE_URL: dbase.ownerUrl,
        PORT: String(port),
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pg-')),
        LOG_LEVEL: 'warn',
      });
      children.push(s.child);
      const res = await waitFor(`http://127.0.0.1:${port}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok', database: 'pg' });
      await new Promise((r) => setTimeout(r, 200));
      expect(s.output()).toMatch(/\/setup\/[A-Za-z0-9_-]{43}/);
      expect(s.output()).not.toMatch(/warn/i);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      await dbase.drop();
    }
  }, 60_000);

  it('refuses to start in production when the app role owns the tables, saying what to fix', async () => {
    const dbase = await createTestDatabase();
    try {
      const s = start({
        NODE_ENV: 'production',
        BASE_URL: 'https://assay.test',
        MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        // Production needs a mail transport to start at all; nothing connects to it before the check.
        SMTP_URL: 'smtp://127.0.0.1:9',
        DATABASE_URL: dbase.ownerUrl,
        PORT: String(await freePort()),
        DATA_DIR: os.tmpdir(),
      });
      children.push(s.child);
      expect(await s.exited).toBe(1);
      expect(s.output()).toMatch(/Refusing to start/);
      expect(s.output()).toMatch(/owns \d+ table\(s\).*MIGRATION_DATABASE_URL/);
      expect(s.output()).not.toMatch(/\n\s+at /);
    } finally {
      await dbase.drop();
    }
  }, 60_000);
});
