/**
 * A contact's mail under erasure and export (GDPR Art. 15/17), on SQLite, PostgreSQL and D1: the
 * contact's email is changed after mail went out, so the outbox holds mail to an earlier address. The
 * erasure finds that mail by the dedupe keys of the contact's links, codes and assessments
 * (src/mail/keys.ts), blanks it with its last error (an SMTP error quoting the address), and leaves a
 * bystander's mail alone; the export lists the same mail.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { createApp } from '../../src/app.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { mailKeys } from '../../src/mail/keys.js';
import { queueMail } from '../../src/mail/queue.js';
import type { Ports } from '../../src/platform/ports.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { outbox, seedTenant, send } from '../support/assessments.js';
import { testContacts } from '../support/contacts.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { client, member } from './support.js';

const OLD = 'imogen.oldfield@widgets.example';
const NEW = 'imogen.newfield@widgets.example';
const BYSTANDER = 'bystander@other.example';
const SMTP_ERROR = `550 5.1.1 <${OLD}>: Recipient address rejected`;

function dataJson(bytes: Uint8Array): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes), { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== 'data.json') return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))));
        });
      });
      zip.readEntry();
    });
  });
}

forEachDialect('data subjects: a contact’s mail to earlier addresses', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  let admin: ReturnType<typeof client>;
  let contactId: string;
  let assessmentId: string;
  let vendorId: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    platform = await testPlatform(store);
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    tenantId = await seedTenant(store, 'Acme', new Date());
    admin = client(app, (await member(store, tenantId, 'admin')).cookie);
    const sent = await send(platform, tenantId, { contactEmail: OLD, contactName: 'Imogen Oldfield' });
    assessmentId = sent.assessmentId;
    vendorId = sent.vendorId;
    await send(platform, tenantId, { vendorName: 'Other Co', contactEmail: BYSTANDER });
    const [c] = await store
      .tenant(tenantId)
      .read(async (ctx) => repo.contactsByEmailHash(ctx, await testContacts(store).emailHash(tenantId, OLD)));
    contactId = c!.id;
  }, 120_000);
  afterAll(() => ts.close());

  const tenantMail = async () => (await outbox(store)).filter((m) => m.tenantId === tenantId);

  it('erases mail to the contact’s earlier address and every last error; the export lists it first', async () => {
    // A re-sent link, then the mail of every other kind a contact gets, each keyed as its producer keys it.
    expect((await admin.post(`/app/assessments/${assessmentId}/resend`)).status).toBe(303);
    const ours = await store.tenant(tenantId).read(({ db, t }) =>
      db
        .select({ jti: t.vendorLinks.jti, contactId: t.vendorLinks.contactId })
        .from(t.vendorLinks)
        .then((rows) => rows.filter((r) => r.contactId === contactId).map((r) => r.jti)),
    );
    expect(ours).toHaveLength(2); // the invitation's link and the re-sent one
    const now = new Date();
    await store.tenant(tenantId).write((tx) => {
      const codeId = repo.insertAccessCode(tx, {
        assessmentId,
        contactId,
        purpose: 'submit',
        binding: 'b'.repeat(64),
        codeHash: 'c'.repeat(64),
        expiresAt: new Date(now.getTime() + 600_000),
        createdAt: now,
      });
      const keys = [
        mailKeys.submitCode(codeId),
        mailKeys.changes(ours[0]!),
        mailKeys.fresh(ours[1]!),
        mailKeys.receipt(assessmentId, 'plain-receipt'),
        mailKeys.reminder(mailKeys.reminderOnce('2030-01-31', 3), assessmentId),
      ];
      for (const dedupeKey of keys)
        queueMail(tx, {
          tenantId,
          dedupeKey,
          to: OLD,
          email: { subject: 'For Imogen Oldfield', text: `Hello ${OLD}`, html: `<p>${OLD}</p>` },
        });
    });
    // The sender: the invitation fails once (the error quotes the address), then goes; another fails for good.
    const mine = (await tenantMail()).filter((m) => m.toAddress === OLD);
    expect(mine).toHaveLength(7);
    const invite = mine.find((m) => m.dedupeKey.startsWith('invite:'))!;
    const resend = mine.find((m) => m.dedupeKey.startsWith('resend:'))!;
    const mail = store.as({ system: 'mail' });
    const claim = async () => {
      const c = await mail.write((tx) => repo.claimDueMail(tx, new Date(Date.now() + 60_000), 100));
      return new Map(c.rows.map((r) => [r.id, r.claimToken!]));
    };
    let claims = await claim();
    await mail.write((tx) => {
      repo.markMailFailed(tx, invite.id, claims.get(invite.id)!, 1, SMTP_ERROR, new Date(0));
      repo.markMailFailed(tx, resend.id, claims.get(resend.id)!, 5, SMTP_ERROR, null);
    });
    claims = await claim();
    await mail.write((tx) => repo.markMailSent(tx, invite.id, claims.get(invite.id)!, new Date()));
    // The contact's email changes; the next link goes to the new address.
    const edit = await admin.post(`/app/vendors/${vendorId}/contacts/${contactId}`, {
      name: 'Imogen Newfield',
      email: NEW,
    });
    expect(edit.status).toBe(303);
    expect((await admin.post(`/app/assessments/${assessmentId}/resend`)).status).toBe(303);
    const before = await tenantMail();
    expect(before.find((m) => m.id === invite.id)).toMatchObject({ status: 'sent', lastError: SMTP_ERROR });
    expect(before.filter((m) => m.toAddress === NEW)).toHaveLength(1);

    // The export lists all eight, the earlier address's too.
    const exp = await admin.post(`/app/privacy/subjects/contacts/${contactId}/export`);
    expect(exp.status).toBe(200);
    const data = await dataJson(new Uint8Array(await exp.arrayBuffer()));
    expect((data.mails as unknown[]).length).toBe(8);

    const res = await admin.post(`/app/privacy/subjects/contacts/${contactId}/erase`, {
      confirm: NEW,
      email: NEW,
    });
    expect(res.status).toBe(200);
    const after = await tenantMail();
    const erased = after.filter((m) => m.toAddress === 'erased@erased.invalid');
    expect(erased).toHaveLength(8);
    for (const m of erased) {
      expect(m).toMatchObject({ subject: '(erased)', textBody: '', htmlBody: null, lastError: null });
      expect(['sent', 'failed']).toContain(m.status);
    }
    expect(after.find((m) => m.id === invite.id)?.status).toBe('sent');
    // Nothing of the person is left in the tenant's outbox; the bystander's mail is untouched.
    expect(JSON.stringify(after)).not.toMatch(/imogen|oldfield|newfield/i);
    const bystander = after.filter((m) => m.toAddress === BYSTANDER);
    expect(bystander).toHaveLength(1);
    expect(bystander[0]!.subject).not.toBe('(erased)');
  });
});

describe('mail keys', () => {
  it('are the keys the producers used before they shared them', () => {
    expect(mailKeys.invite('j')).toBe('invite:j');
    expect(mailKeys.resend('j')).toBe('resend:j');
    expect(mailKeys.fresh('j')).toBe('fresh:j');
    expect(mailKeys.changes('j')).toBe('changes:j');
    expect(mailKeys.submitCode('c')).toBe('submit-code:c');
    expect(mailKeys.reminder(mailKeys.reminderOnce('2030-01-31', 3), 'a')).toBe('reminder:2030-01-31:3:a');
    expect(mailKeys.receipt('a', 'r')).toMatch(/^receipt:a:[0-9a-f]{32}$/);
  });
});
