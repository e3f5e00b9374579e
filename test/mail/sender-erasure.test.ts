/**
 * An erasure that blanks a message's row while the sender is writing it (review LOW): the erasure's prune
 * runs before the development outbox file exists, the sender then loses its claim, and the file must go
 * with the row all the same. The race is made deterministic by erasing inside the send, before the real
 * dev outbox writes the file, on every driver.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eraseMailTo } from '../../src/db/repo/index.js';
import { pruneDevOutbox } from '../../src/mail/outbox-prune.js';
import { queueMail } from '../../src/mail/queue.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { devOutboxMail } from '../../src/platform/node/mail.js';
import type { MailPort } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const TO = 'erase-me@vendor.example';
const email = { subject: 'Your code', text: 'Code 123456', html: '' };

forEachDialect('a message erased while it is sent', (dialect) => {
  let ts: TestStore;
  let dir: string;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-erase-'));
  }, 120_000);
  afterAll(async () => {
    await ts?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no outbox file once the sender finds its claim lost', async () => {
    const store = ts.store;
    const real = devOutboxMail({ dir: path.join(dir, dialect), from: 'Assay <assay@assay.test>' });
    const { tenantId } = await createTenantWithAdmin(store, { name: 'Acme', adminEmail: 'a@acme.example' });
    await store
      .tenant(tenantId)
      .write((tx) => queueMail(tx, { tenantId, dedupeKey: 'erase:1', to: TO, email }, new Date()));
    let erased = 0;
    // The erasure (and its prune, as the erasure's flow runs it) lands during the send.
    const racing: MailPort = {
      ...real,
      send: async (m) => {
        await store.tenant(tenantId).write((tx) => eraseMailTo(tx, TO));
        await pruneDevOutbox({ store, mail: real });
        erased++;
        return real.send(m);
      },
    };
    const r = await createMailSender({
      store,
      mail: racing,
      clock: { now: () => new Date() },
      logger: createLogger({ level: 'silent' }),
    }).runOnce();
    expect(erased).toBe(1);
    expect(r).toMatchObject({ claimed: 1, sent: 0, lost: 1 });
    expect(await real.outbox!.mailIds()).toEqual([]);
    expect(fs.readdirSync(path.join(dir, dialect))).toEqual([]);
  });
});
