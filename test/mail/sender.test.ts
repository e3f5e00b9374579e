/**
 * The sender loop against a real SMTP server (smtp-server in this process) over real databases: delivered
 * once with the right headers and bodies; an outage delays and never loses or duplicates; a sender that
 * died after claiming is taken over after the lease; 5xx fails at once, 4xx is retried up to the limit;
 * what the logs hold.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimDueMail,
  enqueueMail,
  listMail,
  MAIL_LEASE_MS,
  type MailRow,
} from '../../src/db/repo/outbox.js';
import type { Store } from '../../src/db/store.js';
import { templates } from '../../src/generated/templates.js';
import { precompiledEngine } from '../../src/http/templates.js';
import { InvalidAddressError } from '../../src/mail/address.js';
import { queueMail } from '../../src/mail/queue.js';
import {
  createMailSender,
  DEFAULT_RETRY,
  type MailSenderOptions,
  retryDelay,
} from '../../src/mail/sender.js';
import { renderEmail } from '../../src/mail/templates.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { MailPort } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { TestSmtp } from '../support/smtp.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const FROM = 'Assay <assay@assay.test>';
const START = new Date('2027-01-04T09:00:00Z');
const engine = precompiledEngine(templates);

/** A clock the test moves by hand. */
function testClock() {
  let t = START.getTime();
  return { now: () => new Date(t), advance: (ms: number) => (t += ms), set: (d: Date) => (t = d.getTime()) };
}

/** Log lines, as JSON text, of a real pino logger at trace level. */
function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', destination }), lines };
}

const silent = createLogger({ level: 'silent' });

async function seedTenant(store: Store): Promise<string> {
  const { tenantId } = await createTenantWithAdmin(store, {
    name: `Buyer ${Math.random().toString(36).slice(2, 8)}`,
    adminEmail: `admin-${Math.random().toString(36).slice(2, 8)}@buyer.example`,
  });
  return tenantId;
}

async function queue(store: Store, tenantId: string, to: string[], now: Date, prefix = 'm'): Promise<void> {
  await store.tenant(tenantId).write((tx) => {
    for (const [i, address] of to.entries()) {
      queueMail(
        tx,
        {
          tenantId,
          dedupeKey: `${prefix}:${i}:${Math.random()}`,
          to: address,
          email: { subject: `Subject ${i}`, text: `Body ${i}\n`, html: `<p>Body ${i}</p>` },
        },
        now,
      );
    }
  });
}

const rows = (store: Store): Promise<MailRow[]> =>
  store.as({ system: 'mail' }).read((c) => listMail(c, 1000));

forEachDialect(
  'mail sender',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let tenantId: string;
    let smtp: TestSmtp;
    let mail: MailPort;
    let clock: ReturnType<typeof testClock>;
    const sender = (opts: Partial<MailSenderOptions> = {}) =>
      createMailSender({ store, mail, clock, logger: silent, random: () => 0.5, ...opts });

    /** This test's messages (every test has its own tenant). */
    const mine = async () => (await rows(store)).filter((r) => r.tenantId === tenantId);

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
    });
    afterAll(() => ts.close());
    beforeEach(async () => {
      tenantId = await seedTenant(store);
      clock = testClock();
      smtp = await new TestSmtp({
        rejectRcpt: (a) => a.startsWith('reject'),
        deferRcpt: (a) => a.startsWith('defer'),
      }).start();
      mail = smtpMail({ url: smtp.url, from: FROM });
    });
    afterEach(async () => {
      await mail.close();
      await smtp.stop();
      // Each test starts with an empty outbox: mark what is left as failed.
      await store
        .as({ system: 'mail' })
        .write((tx) => tx.write(tx.db.update(tx.t.mailOutbox).set({ status: 'failed', claimToken: null })));
    });

    it('delivers a rendered invitation once, with the right envelope, headers and bodies', async () => {
      const email = renderEmail(engine, 'invitation', 'en', {
        tenantName: 'Acme GmbH',
        senderName: 'Jo Buyer',
        vendorName: 'Vendor Ltd',
        questionnaireTitle: 'NIS2 supplier questionnaire',
        dueDate: '2027-02-01',
        link: 'https://assay.test/v/abc',
        origin: 'https://assay.test',
        linkExpiresAt: new Date('2027-01-18T09:00:00Z'),
        linkHours: 336,
      });
      await store
        .tenant(tenantId)
        .write((tx) =>
          queueMail(
            tx,
            { tenantId, dedupeKey: 'invite:1', to: ' Contact@Vendor.Example ', email },
            clock.now(),
          ),
        );
      const s = sender();
      expect(await s.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(await s.runOnce()).toMatchObject({ claimed: 0, sent: 0 });
      clock.advance(MAIL_LEASE_MS * 2);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });

      expect(smtp.received).toHaveLength(1);
      const [got] = smtp.received;
      const [row] = (await mine()).filter((r) => r.dedupeKey === 'invite:1');
      expect(row).toMatchObject({ status: 'sent', toAddress: 'contact@vendor.example', claimToken: null });
      expect(got!.envelope).toEqual({ from: 'assay@assay.test', to: ['contact@vendor.example'] });
      expect(got!.mail.messageId).toBe(`<${row!.id}@assay.test>`);
      expect(got!.mail.subject).toBe('Acme GmbH asks you to complete: NIS2 supplier questionnaire');
      expect(got!.mail.from?.value).toEqual([{ address: 'assay@assay.test', name: 'Assay' }]);
      expect((got!.mail.to as { text: string }).text).toBe('contact@vendor.example');
      expect(got!.mail.text).toContain('https://assay.test/v/abc');
      expect(got!.mail.text).toContain('a genuine link starts exactly with\nhttps://assay.test/');
      expect(got!.mail.html).toContain('<a href="https://assay.test/v/abc"');
      expect(got!.raw).toMatch(/^Content-Type: multipart\/alternative/m);
    });

    it('refuses a bad address when queueing: nothing is written', async () => {
      await expect(
        store.tenant(tenantId).write((tx) =>
          queueMail(tx, {
            tenantId,
            dedupeKey: 'bad:1',
            to: '"victim@evil.example x"@vendor.example',
            email: { subject: 's', text: 't', html: 'h' },
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidAddressError);
      expect((await mine()).some((r) => r.dedupeKey === 'bad:1')).toBe(false);
    });

    it('never hands SMTP a bad address that reached the outbox around queueMail: failed, not sent', async () => {
      await store.tenant(tenantId).write((tx) =>
        enqueueMail(
          tx,
          {
            tenantId,
            dedupeKey: 'raw:1',
            toAddress: 'a@vendor.example, b@evil.example',
            subject: 's',
            textBody: 't',
          },
          clock.now(),
        ),
      );
      expect(await sender().runOnce()).toMatchObject({ claimed: 1, failed: 1, sent: 0 });
      expect((await mine())[0]).toMatchObject({ status: 'failed', lastError: 'EADDRESS not-single' });
      expect(smtp.received).toHaveLength(0);
    });

    it('keeps mail queued while the SMTP server is down and delivers it once after it is back', async () => {
      await queue(store, tenantId, ['a@vendor.example', 'b@vendor.example', 'c@vendor.example'], clock.now());
      await smtp.stop();
      const s = sender();
      const first = await s.runOnce();
      // The first send finds the server down; the others wait as long, without using an attempt.
      expect(first).toMatchObject({ claimed: 3, sent: 0, retried: 1, released: 2, failed: 0 });
      let state = await mine();
      expect(state.map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
      expect(state.map((r) => r.attempts).sort()).toEqual([0, 0, 1]);
      expect(new Set(state.map((r) => r.nextAttemptAt.getTime())).size).toBe(1);
      expect(state[0]!.lastError).toMatch(/^E[A-Z]+/);

      // Not due yet: nothing is claimed.
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      // Still down at the retry: backoff grows, nothing is lost.
      clock.set(state[0]!.nextAttemptAt);
      expect(await s.runOnce()).toMatchObject({ retried: 1, released: 2 });
      state = await mine();
      expect(state.every((r) => r.status === 'pending')).toBe(true);

      // Back up (same port): delivered, each once.
      await smtp.start();
      clock.set(state[0]!.nextAttemptAt);
      expect(await s.runOnce()).toMatchObject({ claimed: 3, sent: 3 });
      clock.advance(DEFAULT_RETRY.maxDelayMs * 2);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.received.map((r) => r.envelope.to[0]).sort()).toEqual([
        'a@vendor.example',
        'b@vendor.example',
        'c@vendor.example',
      ]);
      expect((await mine()).every((r) => r.status === 'sent')).toBe(true);
    });

    it('an outage never uses up the attempts: mail outlives maxAttempts failures of the server', async () => {
      await queue(store, tenantId, ['long@vendor.example'], clock.now());
      await smtp.stop();
      const s = sender({ retry: { maxAttempts: 2 } });
      for (let i = 0; i < 5; i++) {
        expect(await s.runOnce()).toMatchObject({ claimed: 1, retried: 1, failed: 0 });
        clock.advance(DEFAULT_RETRY.maxDelayMs);
      }
      await smtp.start();
      expect(await s.runOnce()).toMatchObject({ sent: 1 });
      expect(smtp.received).toHaveLength(1);
    });

    it('fails a message at once when the server refuses the recipient with 5xx, and never retries it', async () => {
      await queue(store, tenantId, ['reject-me@vendor.example', 'ok@vendor.example'], clock.now());
      const s = sender();
      expect(await s.runOnce()).toMatchObject({ claimed: 2, sent: 1, failed: 1 });
      const failed = (await mine()).find((r) => r.toAddress.startsWith('reject'));
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: 'EENVELOPE 550' });
      clock.advance(DEFAULT_RETRY.maxDelayMs * 10);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.received.map((r) => r.envelope.to[0])).toEqual(['ok@vendor.example']);
    });

    it('retries a 4xx for the recipient with growing backoff, then fails it after maxAttempts', async () => {
      await queue(store, tenantId, ['defer-me@vendor.example'], clock.now());
      const s = sender({ retry: { maxAttempts: 3 } });
      const waits: number[] = [];
      for (let i = 1; i <= 2; i++) {
        expect(await s.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
        const [r] = await mine();
        expect(r).toMatchObject({ status: 'pending', attempts: i, lastError: 'EENVELOPE 451' });
        waits.push(r!.nextAttemptAt.getTime() - clock.now().getTime());
        clock.set(r!.nextAttemptAt);
      }
      expect(waits[1]).toBeGreaterThan(waits[0]!);
      expect(await s.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      expect((await mine())[0]).toMatchObject({ status: 'failed', attempts: 3 });
      expect(smtp.received).toHaveLength(0);
    });

    it('treats a refused sender (MAIL FROM 553) as the server’s problem: retried, attempts not used up', async () => {
      await mail.close();
      await smtp.stop();
      smtp = await new TestSmtp({ rejectFrom: true }).start();
      mail = smtpMail({ url: smtp.url, from: FROM });
      await queue(store, tenantId, ['x@vendor.example'], clock.now());
      const s = sender({ retry: { maxAttempts: 1 } });
      expect(await s.runOnce()).toMatchObject({ retried: 1, failed: 0 });
      expect((await mine())[0]).toMatchObject({ status: 'pending', lastError: 'EENVELOPE 553' });
    });

    it('a sender that died after claiming: nobody sends during the lease, another sender after it, once', async () => {
      await queue(store, tenantId, ['d1@vendor.example', 'd2@vendor.example'], clock.now());
      // What a dead sender leaves behind: a claim that is never marked.
      const dead = await store.as({ system: 'mail' }).write((tx) => claimDueMail(tx, clock.now()));
      expect(dead.rows).toHaveLength(2);
      const s = sender();
      clock.advance(MAIL_LEASE_MS - 1);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.received).toHaveLength(0);
      clock.advance(1);
      expect(await s.runOnce()).toMatchObject({ claimed: 2, sent: 2 });
      clock.advance(MAIL_LEASE_MS * 3);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      expect(smtp.received).toHaveLength(2);
    });

    it('stops sending from a batch before its lease runs out and releases the rest', async () => {
      await queue(store, tenantId, ['l1@vendor.example', 'l2@vendor.example'], clock.now());
      // A transport that takes (on the test clock) almost the whole lease for each message.
      const slow: MailPort = {
        ...mail,
        async send(m) {
          clock.advance(MAIL_LEASE_MS - 30_000);
          return mail.send(m);
        },
      };
      const s = createMailSender({ store, mail: slow, clock, logger: silent, leaseMarginMs: 60_000 });
      expect(await s.runOnce()).toMatchObject({ claimed: 2, sent: 1, released: 1 });
      const left = (await mine()).filter((r) => r.status !== 'sent');
      expect(left).toHaveLength(1);
      expect(left[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await s.runOnce()).toMatchObject({ sent: 1 });
      expect(smtp.received).toHaveLength(2);
    });

    it('a sender whose send outlived its lease cannot mark the message: the new claim holds', async () => {
      await queue(store, tenantId, ['z@vendor.example'], clock.now());
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      // A zombie: its send hangs past the lease (on the test clock), then goes through.
      const hanging: MailPort = {
        ...mail,
        async send(m) {
          await gate;
          return mail.send(m);
        },
      };
      const zombie = createMailSender({ store, mail: hanging, clock, logger: silent });
      const zombieRun = zombie.runOnce();
      await new Promise((r) => setTimeout(r, 50));
      clock.advance(MAIL_LEASE_MS);
      expect(await sender().runOnce()).toMatchObject({ claimed: 1, sent: 1 });
      release();
      expect(await zombieRun).toMatchObject({ claimed: 1, sent: 0, lost: 1 });
      const [row] = await mine();
      expect(row).toMatchObject({ status: 'sent', claimToken: null });
      // Both copies carry the same Message-ID, so the receiving side can tell.
      expect(new Set(smtp.messageIds())).toEqual(new Set([`<${row!.id}@assay.test>`]));
    });

    it('keeps addresses, subjects, bodies and server replies out of the logs', async () => {
      const { logger, lines } = captureLogs();
      await queue(
        store,
        tenantId,
        ['secret.person@vendor.example', 'reject-secret@vendor.example', 'defer-secret@vendor.example'],
        clock.now(),
      );
      const s = sender({ logger, retry: { maxAttempts: 1 } });
      await s.runOnce();
      await smtp.stop();
      await queue(store, tenantId, ['down-secret@vendor.example'], clock.now(), 'down');
      await s.runOnce();
      const text = lines.join('');
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(text).toContain('mail sent');
      expect(text).toContain('mail failed');
      for (const leak of [
        '@vendor.example',
        'secret',
        'Subject 0',
        'Body 0',
        'Recipient address rejected',
        'try again',
      ])
        expect(text).not.toContain(leak);
    });

    it('started: sends at once on queued(), and stops cleanly (nothing sent after stop)', async () => {
      const s = sender();
      s.start(3_600_000);
      await new Promise((r) => setTimeout(r, 50));
      await queue(store, tenantId, ['wake@vendor.example'], clock.now());
      mail.queued();
      const until = Date.now() + 5_000;
      while (smtp.received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(smtp.received).toHaveLength(1);
      await s.stop();
      await queue(store, tenantId, ['after-stop@vendor.example'], clock.now(), 'late');
      mail.queued();
      await new Promise((r) => setTimeout(r, 200));
      expect(smtp.received).toHaveLength(1);
      expect((await mine()).find((r) => r.toAddress.startsWith('after-stop'))?.status).toBe('pending');
    });
  },
  ['sqlite', 'pg'],
);

describe('retryDelay', () => {
  it('doubles per attempt, is capped, and jitters within half of the delay', () => {
    const p = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(a, p, () => 1))).toEqual([1000, 2000, 4000, 8000, 10_000]);
    expect(retryDelay(3, p, () => 0)).toBe(2000);
    expect(retryDelay(30, p, () => 0.5)).toBe(7500);
  });
});
