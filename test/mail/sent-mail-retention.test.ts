/**
 * Sent mail keeps no body (docs/privacy.md, "Mail"): a vendor's fresh-access mail arrives intact at a
 * real SMTP server, and once it is sent its row holds no body, so its live link and code are nowhere in
 * the database (on SQLite, not even in the file's free space). Sent and failed rows go after
 * MAIL_RETENTION_DAYS through the daily retention job; pending ones stay. On PostgreSQL the database
 * holds the same floor: the sender cannot delete younger done mail, nor a tenant's unit any.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { deleteDoneMail, listMail, MAIL_RETENTION_DAYS, type MailRow } from '../../src/db/repo/outbox.js';
import type { Store } from '../../src/db/store.js';
import { queueMail } from '../../src/mail/queue.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { retentionJob } from '../../src/privacy/retention.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastCodeTo, lastLinkTo, seedTenant, send } from '../support/assessments.js';
import { TestSmtp } from '../support/smtp.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const DAY = 24 * 3_600_000;
const silent = createLogger({ level: 'silent' });

const rows = (store: Store): Promise<MailRow[]> =>
  store.as({ system: 'mail' }).read((c) => listMail(c, 1000));

forEachDialect('sent mail keeps no body', (dialect: Dialect) => {
  let ts: TestStore;
  let dir: string;
  let file: string;
  let smtp: TestSmtp;
  let mail: MailPort;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      // A file, not :memory:, so the test can read what the file holds.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-sent-mail-'));
      file = path.join(dir, 'assay.db');
      const store = openSqliteStore({ file });
      ts = { store, close: () => store.close() };
    } else ts = await openTestStore(dialect);
    smtp = await new TestSmtp({
      rejectRcpt: (a) => a.startsWith('reject'),
      deferRcpt: (a) => a.startsWith('defer'),
    }).start();
    mail = smtpMail({ url: smtp.url, from: 'Assay <assay@assay.test>' });
    tenantId = await seedTenant(ts.store, 'Acme', new Date());
    platform = await testPlatform(ts.store, { mail });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  }, 120_000);
  afterAll(async () => {
    await mail.close();
    await smtp.stop();
    await ts.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const sender = () => createMailSender({ store: ts.store, mail, clock: platform.clock, logger: silent });

  it('fresh access: the mail arrives intact; once sent, no body, no link or code left in the database', async () => {
    await send(platform, tenantId);
    const spent = await lastLinkTo(ts.store, JANE);
    await browser(app).post(spent, {}); // a scanner spends it
    expect((await browser(app).post(`${spent}/fresh`, { email: JANE })).status).toBeLessThan(400);
    const link = await lastLinkTo(ts.store, JANE);
    const code = await lastCodeTo(ts.store, JANE);
    expect(link).not.toBe(spent);

    expect(await sender().runOnce()).toMatchObject({ sent: 2, failed: 0 });
    const got = smtp.received.find((r) => r.mail.text?.includes(`Your code: ${code}`));
    expect(got?.envelope.to).toEqual([JANE]);
    expect(got!.mail.text).toContain(`${BASE_URL}${link}`);
    expect(got!.mail.html).toContain(`${BASE_URL}${link}`);

    const mine = (await rows(ts.store)).filter((r) => r.tenantId === tenantId);
    expect(mine).toHaveLength(2);
    for (const r of mine) {
      expect(r).toMatchObject({ status: 'sent', textBody: '', htmlBody: null, toAddress: JANE });
      expect(r.subject).not.toBe('');
      expect(r.sentAt).not.toBeNull();
    }
    // The live link's signature and the code are nowhere in a row any more.
    const signature = link.split('.').at(-1)!;
    expect(JSON.stringify(mine)).not.toContain(signature);
    if (dialect === 'sqlite') {
      // Nor in the file, free space included (a backup copies pages as they are): the WAL folded in first.
      const other = new Database(file);
      other.pragma('wal_checkpoint(TRUNCATE)');
      other.close();
      const bytes = fs.readFileSync(file).toString('latin1');
      expect(bytes).toContain(JANE); // the file is readable as text: the check below means something
      expect(bytes).not.toContain(signature);
      expect(bytes).not.toContain(`Your code: ${code}`);
    }
  });

  it('a message that failed for good keeps no body either; one to be retried keeps it', async () => {
    const now = new Date();
    await ts.store.tenant(tenantId).write((tx) => {
      for (const to of ['reject-1@vendor.example', 'defer-1@vendor.example'])
        queueMail(
          tx,
          {
            tenantId,
            dedupeKey: `fail:${to}`,
            to,
            email: { subject: 'S', text: 'secret-link', html: '<p>secret-link</p>' },
          },
          now,
        );
    });
    expect(await sender().runOnce()).toMatchObject({ failed: 1, retried: 1 });
    const all = await rows(ts.store);
    expect(all.find((r) => r.dedupeKey === 'fail:reject-1@vendor.example')).toMatchObject({
      status: 'failed',
      textBody: '',
      htmlBody: null,
    });
    expect(all.find((r) => r.dedupeKey === 'fail:defer-1@vendor.example')).toMatchObject({
      status: 'pending',
      textBody: 'secret-link',
    });
  });

  it(`retention deletes sent and failed mail queued over ${MAIL_RETENTION_DAYS} days ago, nothing else`, async () => {
    const now = new Date();
    const old = new Date(now.getTime() - (MAIL_RETENTION_DAYS + 1) * DAY);
    const young = new Date(now.getTime() - (MAIL_RETENTION_DAYS - 1) * DAY);
    const queue = (key: string, to: string, at: Date) =>
      ts.store
        .tenant(tenantId)
        .write((tx) =>
          queueMail(tx, { tenantId, dedupeKey: key, to, email: { subject: 'S', text: 'T', html: '' } }, at),
        );
    await queue('old:sent', 'old@vendor.example', old);
    await queue('old:failed', 'reject-old@vendor.example', old);
    await queue('old:pending', 'defer-old@vendor.example', old);
    await queue('young:sent', 'young@vendor.example', young);
    await sender().runOnce();
    const before = await rows(ts.store);
    const status = (k: string) => before.find((r) => r.dedupeKey === k)?.status;
    expect([status('old:sent'), status('old:failed'), status('old:pending'), status('young:sent')]).toEqual([
      'sent',
      'failed',
      'pending',
      'sent',
    ]);

    await retentionJob(platform, now);
    const after = (await rows(ts.store)).map((r) => r.dedupeKey);
    expect(after).not.toContain('old:sent');
    expect(after).not.toContain('old:failed');
    expect(after).toContain('old:pending');
    expect(after).toContain('young:sent');
    // The first test's mail is young: kept (without its bodies).
    expect(after.filter((k) => k.startsWith('fresh:'))).toHaveLength(1);

    if (dialect === 'pg') {
      // The database's floor: neither a tenant's unit nor the sender with a cutoff of its own choosing
      // deletes done mail younger than the retention.
      const later = new Date(now.getTime() + DAY);
      expect((await ts.store.tenant(tenantId).write((tx) => deleteDoneMail(tx, later))).rows).toEqual([]);
      expect((await ts.store.as({ system: 'mail' }).write((tx) => deleteDoneMail(tx, later))).rows).toEqual(
        [],
      );
      expect((await rows(ts.store)).map((r) => r.dedupeKey)).toContain('young:sent');
    }
  });
});
