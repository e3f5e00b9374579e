/**
 * The development outbox: without SMTP_URL each message becomes an `.eml` file (and its JSON) under
 * DATA_DIR/outbox/, and `/dev/outbox` lists them newest first and shows one with clickable links, only
 * outside production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/store.js';
import { templates } from '../../src/generated/templates.js';
import { precompiledEngine } from '../../src/http/templates.js';
import { linkify } from '../../src/mail/outbox-routes.js';
import { queueMail } from '../../src/mail/queue.js';
import { createMailSender } from '../../src/mail/sender.js';
import { renderEmail } from '../../src/mail/templates.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { devOutboxMail, nodeMail, smtpMail } from '../../src/platform/node/mail.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import type { MailPort } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { BASE_URL, testApp } from '../support/app.js';

const engine = precompiledEngine(templates);

describe('development outbox', () => {
  let dir: string;
  let store: Store;
  let mail: MailPort;
  let t = new Date('2027-03-01T10:00:00Z').getTime();
  const clock = { now: () => new Date(t) };
  const ids: string[] = [];

  async function sendInvitation(tenantId: string, n: number, vendorName: string) {
    const email = renderEmail(engine, 'invitation', n % 2 ? 'de' : 'en', {
      tenantName: 'Acme <b>Bold</b> & Co',
      vendorName,
      questionnaireTitle: 'NIS2',
      link: `${BASE_URL}/v/token-${n}`,
      origin: BASE_URL,
      linkExpiresAt: new Date(t + 72 * 3_600_000),
      linkHours: 72,
    });
    await store
      .tenant(tenantId)
      .write((tx) =>
        queueMail(
          tx,
          { tenantId, dedupeKey: `dev:${n}`, to: `contact${n}@vendor.example`, email },
          clock.now(),
        ),
      );
    const r = await createMailSender({
      store,
      mail,
      clock,
      logger: createLogger({ level: 'silent' }),
    }).runOnce();
    expect(r).toMatchObject({ claimed: 1, sent: 1 });
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-outbox-'));
    store = openSqliteStore({ file: ':memory:' });
    mail = devOutboxMail({ dir: path.join(dir, 'outbox'), from: 'Assay <assay@assay.test>', now: clock.now });
    const { tenantId } = await createTenantWithAdmin(store, { name: 'Acme', adminEmail: 'a@acme.example' });
    await sendInvitation(tenantId, 0, 'First <img src=x onerror=alert(1)> Vendor');
    t += 60_000;
    await sendInvitation(tenantId, 1, 'Second Vendor');
    ids.push(...(await mail.outbox!.list()).map((e) => e.id));
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes each message as an .eml file (RFC 5322, CRLF) and a JSON file, readable by the owner only', async () => {
    const outbox = path.join(dir, 'outbox');
    const files = fs.readdirSync(outbox).sort();
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(2);
    expect(files.some((f) => f.includes('.tmp'))).toBe(false);
    expect(fs.statSync(outbox).mode & 0o777).toBe(0o700);
    for (const f of files) expect(fs.statSync(path.join(outbox, f)).mode & 0o777).toBe(0o600);

    const eml = fs.readFileSync(path.join(outbox, `${ids[1]}.eml`), 'utf8');
    expect(eml).toMatch(/\r\n/);
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const parsed = await simpleParser(eml);
    expect(parsed.subject).toBe('Acme <b>Bold</b> & Co asks you to complete: NIS2');
    expect((parsed.to as { text: string }).text).toBe('contact0@vendor.example');
    expect(parsed.text).toContain(`${BASE_URL}/v/token-0`);
    expect(parsed.html).toContain('First &lt;img src=x onerror=alert(1)&gt; Vendor');
    expect(parsed.html).not.toContain('<img');
    expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@assay\.test>$/);
  });

  it('lists the messages newest first on /dev/outbox, escaped', async () => {
    const app = await testApp(store, { mail });
    const res = await app.request(`${BASE_URL}/dev/outbox`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const second = html.indexOf(`/dev/outbox/${ids[0]}`);
    const first = html.indexOf(`/dev/outbox/${ids[1]}`);
    expect(second).toBeGreaterThan(0);
    expect(first).toBeGreaterThan(second);
    expect(html).toContain('contact1@vendor.example');
    expect(html).toContain('Acme &lt;b&gt;Bold&lt;/b&gt; &amp; Co bittet um Ihre Antworten: NIS2');
    expect(html).not.toContain('<b>Bold</b>');
  });

  it('shows one message with its links clickable and its text escaped', async () => {
    const app = await testApp(store, { mail });
    const res = await app.request(`${BASE_URL}/dev/outbox/${ids[1]}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<a href="${BASE_URL}/v/token-0">${BASE_URL}/v/token-0</a>`);
    expect(html).toContain('First &lt;img src=x onerror=alert(1)&gt; Vendor');
    expect(html).not.toContain('<img src=x');
  });

  it('serves the .eml as a download', async () => {
    const app = await testApp(store, { mail });
    const res = await app.request(`${BASE_URL}/dev/outbox/${ids[0]}/raw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('message/rfc822');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${ids[0]}.eml"`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(
      fs.readFileSync(path.join(dir, 'outbox', `${ids[0]}.eml`)),
    );
  });

  it('answers unknown and malformed ids with 404', async () => {
    const app = await testApp(store, { mail });
    for (const p of ['nope', '..%2F..%2Fetc%2Fpasswd', `${ids[0]}.json`, 'nope/raw', '..%2Foutbox/raw']) {
      const res = await app.request(`${BASE_URL}/dev/outbox/${p}`);
      expect(res.status, p).toBe(404);
    }
  });

  it('does not exist in production: every /dev/outbox path is a 404', async () => {
    const app = await testApp(store, { mail, env: 'production' });
    for (const p of ['/dev/outbox', '/dev/outbox/', `/dev/outbox/${ids[0]}`, `/dev/outbox/${ids[0]}/raw`]) {
      const res = await app.request(`${BASE_URL}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('vendor.example');
    }
  });

  it('says where mail goes when SMTP_URL is set (no outbox to show)', async () => {
    const smtp = smtpMail({ url: 'smtp://127.0.0.1:9', from: 'assay@assay.test' });
    const app = await testApp(store, { mail: smtp });
    const res = await app.request(`${BASE_URL}/dev/outbox`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('there is no development outbox');
    await smtp.close();
  });
});

describe('nodeMail', () => {
  it('picks SMTP with SMTP_URL, the outbox without, and in production without SMTP_URL neither', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-nodemail-'));
    const msg = { id: '00000000-0000-4000-8000-000000000000', to: 'a@b.example', subject: 's', text: 't' };
    try {
      const dev = nodeMail({ smtpUrl: null, mailFrom: 'assay@assay.test', dataDir, production: false });
      expect(dev.outbox).toBeDefined();
      await dev.send(msg);
      expect(fs.readdirSync(path.join(dataDir, 'outbox'))).toHaveLength(2);

      const prod = nodeMail({
        smtpUrl: null,
        mailFrom: 'assay@assay.test',
        dataDir: `${dataDir}/p`,
        production: true,
      });
      expect(prod.outbox).toBeUndefined();
      await expect(prod.send(msg)).rejects.toMatchObject({ kind: 'transient', code: 'ENOTCONFIGURED' });
      expect(fs.existsSync(`${dataDir}/p`)).toBe(false);

      const smtp = nodeMail({
        smtpUrl: 'smtp://127.0.0.1:9',
        mailFrom: 'assay@assay.test',
        dataDir,
        production: true,
      });
      expect(smtp.outbox).toBeUndefined();
      await expect(smtp.send(msg)).rejects.toMatchObject({ kind: 'transient', scope: 'server' });
      await smtp.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('linkify', () => {
  it('links http(s) URLs only, leaving trailing punctuation and other schemes as text', () => {
    expect(linkify('Open https://a.test/v/x. Or javascript:alert(1) or (http://b.test/y)')).toEqual([
      { text: 'Open ' },
      { href: 'https://a.test/v/x' },
      { text: '. Or javascript:alert(1) or (' },
      { href: 'http://b.test/y' },
      { text: ')' },
    ]);
  });
});
