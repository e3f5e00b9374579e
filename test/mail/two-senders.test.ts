/**
 * Two sender loops (two stores, two SMTP pools: two server processes as far as the database can tell)
 * over one database, a SQLite file and a PostgreSQL database, racing for the same outbox while a real
 * SMTP server takes a few milliseconds per message: every message arrives exactly once.
 * Checked by mutation: with the lease condition dropped from `claimDueMail` (a `sending` message
 * claimable again at once) this test fails with duplicates.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listMail } from '../../src/db/repo/outbox.js';
import type { Store } from '../../src/db/store.js';
import { queueMail } from '../../src/mail/queue.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { systemClock } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { TestSmtp } from '../support/smtp.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const COUNT = 40;

async function race(a: Store, b: Store): Promise<{ ids: string[]; received: string[] }> {
  const { tenantId } = await createTenantWithAdmin(a, {
    name: 'Race Buyer',
    adminEmail: 'race@buyer.example',
  });
  const smtp = await new TestSmtp({ dataDelayMs: 5 }).start();
  const ports = [
    smtpMail({ url: smtp.url, from: 'assay@assay.test' }),
    smtpMail({ url: smtp.url, from: 'assay@assay.test' }),
  ];
  const logger = createLogger({ level: 'silent' });
  const senders = [a, b].map((store, i) =>
    createMailSender({ store, mail: ports[i]!, clock: systemClock, logger, batchSize: 3 }),
  );
  try {
    await a.tenant(tenantId).write((tx) => {
      for (let i = 0; i < COUNT; i++)
        queueMail(tx, {
          tenantId,
          dedupeKey: `race:${i}`,
          to: `vendor${i}@vendor.example`,
          email: { subject: `m${i}`, text: `m${i}`, html: `<p>m${i}</p>` },
        });
    });
    for (const s of senders) s.start(5);
    const until = Date.now() + 30_000;
    const all = () => a.as({ system: 'mail' }).read((c) => listMail(c, 1000));
    while (Date.now() < until) {
      const rows = (await all()).filter((r) => r.tenantId === tenantId);
      if (rows.every((r) => r.status === 'sent') && smtp.received.length >= COUNT) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // Give a duplicate, if there were one on its way, the time to arrive.
    await new Promise((r) => setTimeout(r, 200));
    const rows = (await all()).filter((r) => r.tenantId === tenantId);
    return { ids: rows.map((r) => `<${r.id}@assay.test>`), received: smtp.messageIds() };
  } finally {
    await Promise.all(senders.map((s) => s.stop()));
    await Promise.all(ports.map((p) => p.close()));
    await smtp.stop();
  }
}

function expectExactlyOnce({ ids, received }: { ids: string[]; received: string[] }) {
  expect(ids).toHaveLength(COUNT);
  const dupes = received.filter((id, i) => received.indexOf(id) !== i);
  expect(dupes).toEqual([]);
  expect([...received].sort()).toEqual([...ids].sort());
}

forEachDialect('two sender loops on one SQLite file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-mail-race-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('deliver every message exactly once', async () => {
    const file = path.join(dir, 'assay.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    try {
      expectExactlyOnce(await race(a, b));
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
}, ['sqlite']);

forEachDialect('two sender loops on one PostgreSQL database', () => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore('pg');
  });
  afterAll(() => ts.close());

  it('deliver every message exactly once', async () => {
    const a = openPgStore({ url: ts.pg!.appUrl, max: 4 });
    const b = openPgStore({ url: ts.pg!.appUrl, max: 4 });
    try {
      expectExactlyOnce(await race(a, b));
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
}, ['pg']);
