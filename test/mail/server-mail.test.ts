/**
 * The sender loop in a real server process (`npm start`): mail queued in the database by another
 * process (as the CLI does) reaches a real SMTP server, or without SMTP_URL the development outbox,
 * and the server still stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listMail } from '../../src/db/repo/outbox.js';
import type { Store } from '../../src/db/store.js';
import { queueMail } from '../../src/mail/queue.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { TestSmtp } from '../support/smtp.js';

const root = path.resolve(import.meta.dirname, '../..');

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

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      if (Date.now() > until) throw new Error(`server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { port, child, exited, output: () => out };
}

async function queueOne(store: Store, to: string): Promise<void> {
  const { tenantId } = await createTenantWithAdmin(store, {
    name: 'Buyer',
    adminEmail: 'admin@buyer.example',
  });
  await store.tenant(tenantId).write((tx) =>
    queueMail(tx, {
      tenantId,
      dedupeKey: 'server:1',
      to,
      email: { subject: 'Hello from the server', text: 'Open http://127.0.0.1/v/x\n', html: '<p>x</p>' },
    }),
  );
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the server runs the sender loop', () => {
  it('delivers mail queued by another process over SMTP_URL, once, and stops cleanly', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-mail-srv-'));
    const smtp = await new TestSmtp().start();
    try {
      const s = await startServer({
        DATA_DIR: dataDir,
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Assay <assay@buyer.example>',
      });
      const store = openSqliteStore({ file: path.join(dataDir, 'assay.db') });
      try {
        await queueOne(store, 'vendor@vendor.example');
        const got = await until(() => smtp.received[0]);
        expect(got.envelope).toEqual({ from: 'assay@buyer.example', to: ['vendor@vendor.example'] });
        expect(got.mail.subject).toBe('Hello from the server');
        const row = await until(async () =>
          (await store.as({ system: 'mail' }).read((c) => listMail(c))).find((r) => r.status === 'sent'),
        );
        expect(got.mail.messageId).toBe(`<${row.id}@buyer.example>`);
      } finally {
        await store.close();
      }
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(smtp.received).toHaveLength(1);
      expect(s.output()).not.toContain('vendor@vendor.example');
    } finally {
      await smtp.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('without SMTP_URL writes the mail to DATA_DIR/outbox/ and lists it on /dev/outbox', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-mail-srv-'));
    try {
      const s = await startServer({ DATA_DIR: dataDir });
      expect(s.output()).toContain(`mail is written to ${dataDir}/outbox/`);
      const store = openSqliteStore({ file: path.join(dataDir, 'assay.db') });
      try {
        await queueOne(store, 'dev@vendor.example');
      } finally {
        await store.close();
      }
      const outbox = path.join(dataDir, 'outbox');
      const eml = await until(() =>
        fs.existsSync(outbox) ? fs.readdirSync(outbox).find((f) => f.endsWith('.json')) : undefined,
      );
      const page = await (await fetch(`http://127.0.0.1:${s.port}/dev/outbox`)).text();
      expect(page).toContain('Hello from the server');
      const one = await fetch(`http://127.0.0.1:${s.port}/dev/outbox/${eml.slice(0, -5)}`);
      expect(await one.text()).toContain('<a href="http://127.0.0.1/v/x">');
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
