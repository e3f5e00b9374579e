/**
 * The development outbox follows the outbox rows (docs/privacy.md, "Mail"), on SQLite, PostgreSQL and
 * D1: the `.eml` and `.json` files of a message go when an erasure blanks its row, when retention deletes
 * the row (30 days after queueing), and when the tenant's purge deletes it; the files of everyone else's
 * mail stay. Real files under a real DATA_DIR/outbox, sent by the real sender loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { queueMail } from '../../src/mail/queue.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { devOutboxMail } from '../../src/platform/node/mail.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { expireMail } from '../../src/privacy/retention.js';
import { eraseSubject } from '../../src/privacy/subjects.js';
import { purgeTenant, requestTenantDeletion } from '../../src/privacy/tenant-deletion.js';
import { ageDeletionRequest } from '../privacy/deletion-clock.js';
import { member } from '../privacy/support.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { outbox, seedTenant, send } from '../support/assessments.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const DAY = 86_400_000;
const silent = createLogger({ level: 'silent' });

forEachDialect('development outbox follows the rows', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let dir: string;
  let mail: MailPort;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-outbox-rows-'));
    mail = devOutboxMail({ dir, from: 'Assay <assay@assay.test>' });
    // The deletion window and the mail floor run on the database's clock: the test's clock is the real one.
    platform = await testPlatform(store, { mail });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    tenantId = await seedTenant(store, 'Acme', new Date());
  }, 120_000);
  afterAll(async () => {
    await ts?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const sendAll = async () =>
    createMailSender({ store, mail, clock: platform.clock, logger: silent }).runOnce();
  /** The files the outbox holds of one row's message. */
  const filesOf = (mailId: string) => fs.readdirSync(dir).filter((f) => f.includes(mailId));
  const rowTo = async (to: string) => {
    const row = (await outbox(store)).filter((m) => m.toAddress === to).at(-1);
    if (!row) throw new Error(`no mail to ${to}`);
    return row;
  };
  /** Every file's bytes, for a search. */
  const everything = () =>
    fs
      .readdirSync(dir)
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');

  it('an erased contact’s mail leaves the outbox (files, page and download); a bystander’s stays', async () => {
    const erin = 'erin@widgets.example';
    const bob = 'bob@gadgets.example';
    const sent = await send(platform, tenantId, { contactEmail: erin, vendorName: 'Widgets GmbH' });
    await send(platform, tenantId, { contactEmail: bob, vendorName: 'Gadgets AG' });
    expect(await sendAll()).toMatchObject({ sent: 2 });
    const mine = await rowTo(erin);
    const theirs = await rowTo(bob);
    expect(filesOf(mine.id)).toHaveLength(2);
    expect(filesOf(theirs.id)).toHaveLength(2);
    const stem = filesOf(mine.id)[0]!.replace(/\.(eml|json)$/, '');
    // The test of the test: the outbox held the address and the live link before.
    expect(everything()).toContain(erin);
    expect((await app.request(`${BASE_URL}/dev/outbox/${stem}`)).status).toBe(200);

    const contactId = (await store.tenant(tenantId).read((c) => repo.getAssessment(c, sent.assessmentId)))!
      .contactId;
    await eraseSubject(platform, tenantId, 'contact', contactId, erin, 'system', new Date());

    expect(filesOf(mine.id)).toEqual([]);
    expect(everything()).not.toContain(erin);
    expect(filesOf(theirs.id)).toHaveLength(2);
    expect((await app.request(`${BASE_URL}/dev/outbox/${stem}`)).status).toBe(404);
    expect((await app.request(`${BASE_URL}/dev/outbox/${stem}/raw`)).status).toBe(404);
    const list = await (await app.request(`${BASE_URL}/dev/outbox`)).text();
    expect(list).not.toContain(erin);
    expect(list).toContain(bob);
  });

  it('retention deletes a message’s files with its row, 30 days after queueing; younger mail keeps them', async () => {
    const now = new Date();
    const queue = (key: string, to: string, at: Date) =>
      store.tenant(tenantId).write((tx) => {
        queueMail(
          tx,
          { tenantId, dedupeKey: key, to, email: { subject: 'S', text: `link for ${key}`, html: '' } },
          at,
        );
      });
    await queue(`old:${dialect}`, 'old@vendor.example', new Date(now.getTime() - 31 * DAY));
    await queue(`young:${dialect}`, 'young@vendor.example', new Date(now.getTime() - 29 * DAY));
    expect(await sendAll()).toMatchObject({ sent: 2 });
    const old = await rowTo('old@vendor.example');
    const young = await rowTo('young@vendor.example');
    expect(filesOf(old.id)).toHaveLength(2);

    expect(await expireMail(platform, now)).toBeGreaterThanOrEqual(1);
    expect((await outbox(store)).some((m) => m.id === old.id)).toBe(false);
    expect(filesOf(old.id)).toEqual([]);
    expect(filesOf(young.id)).toHaveLength(2);
  });

  it('a purged tenant’s mail files go with its rows; another tenant’s stay', async () => {
    const doomed = await seedTenant(store, `Doomed${dialect}`, new Date());
    await send(platform, doomed, { contactEmail: 'dana@doomed.example', vendorName: 'Doomed Vendor' });
    expect(await sendAll()).toMatchObject({ sent: 1 });
    const theirs = await rowTo('dana@doomed.example');
    const kept = await rowTo('bob@gadgets.example');
    expect(filesOf(theirs.id)).toHaveLength(2);

    const admin = await member(store, doomed, 'admin');
    const name = (await store.tenant(doomed).read((c) => repo.currentTenant(c)))!.name;
    await requestTenantDeletion(
      store.tenant(doomed, { userId: admin.userId }),
      { typedName: name, actor: `user:${admin.userId}`, keepSessionId: null },
      new Date(),
    );
    await ageDeletionRequest(ts, doomed, 31);
    expect(await purgeTenant(platform, doomed, new Date())).not.toBeNull();

    expect(filesOf(theirs.id)).toEqual([]);
    expect(everything()).not.toContain('dana@doomed.example');
    expect(filesOf(kept.id)).toHaveLength(2);
  });
});
