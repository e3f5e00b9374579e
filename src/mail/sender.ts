/**
 * The sender loop: claims due mail from the outbox, sends it outside any unit of work, and marks each
 * message with the claim it holds. An SMTP outage only delays mail:
 * - a claim is a lease (src/db/repo/outbox.ts, `claimDueMail`): a sender that dies after claiming leaves
 *   its messages to be claimed again once the lease runs out, so nothing is lost;
 * - only the claim's token can mark a message sent or failed, and a claim is taken by one conditional
 *   UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so two senders never hold the same message;
 * - a sender stops sending from a batch well before its lease ends, and releases what it did not try,
 *   so a message is not re-claimed while its first send may still be under way;
 * - transient failures are retried with exponential backoff and jitter; failures of the server as a whole
 *   (unreachable, TLS, authentication) never use up a message's attempts, those of the message (a 4xx
 *   for this recipient) do, up to `maxAttempts`; a permanent refusal (5xx) fails the message at once.
 * The Message-ID is derived from the outbox id, so in the cases left (the lease ran out during a send
 * that then succeeded; the database failed between a send and its mark, so the message is claimed
 * again after the lease) a receiving server can still tell the copy from a new message.
 * Logs carry the outbox id, attempt counts and error codes only: no address, subject or body.
 */

import {
  claimDueMail,
  MAIL_CLAIMED,
  MAIL_LEASE_MS,
  type MailRow,
  markMailFailed,
  markMailSent,
} from '../db/repo/outbox.js';
import { GuardError, type Store } from '../db/store.js';
import type { Logger } from '../http/logger-types.js';
import type { Clock, MailPort } from '../platform/ports.js';
import { parseMailAddress } from './address.js';
import { MailSendError, TransientMailError } from './errors.js';
import { pruneDevOutbox } from './outbox-prune.js';

export interface RetryPolicy {
  /** Attempts a message may use on failures of its own (4xx for it) before it fails. */
  maxAttempts: number;
  /** Delay after the first failed attempt; it doubles per attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 3_600_000 };

/**
 * Exponential backoff with "equal jitter": half the exponential delay, plus up to as much again at
 * random, so senders that failed together do not all retry in the same instant.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

export interface MailSenderOptions {
  store: Store;
  mail: MailPort;
  clock: Clock;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** Messages claimed per unit. */
  batchSize?: number;
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** Stop sending from a claimed batch this long before its lease ends. */
  leaseMarginMs?: number;
}

export interface RunResult {
  claimed: number;
  sent: number;
  /** Back to pending, to be retried. */
  retried: number;
  failed: number;
  /** Claimed but not tried (stopping, the server was down, the lease was running out): pending again. */
  released: number;
  /** Sent, but the claim had been lost before it could be marked (another sender holds the message). */
  lost: number;
}

export interface MailSender {
  /** One claim-and-send cycle; concurrent calls wait for the one under way and then run. */
  runOnce(): Promise<RunResult>;
  /** Runs every `intervalMs`, at once on `wake()` and on the mail port's `queued()`. */
  start(intervalMs?: number): void;
  wake(): void;
  /** Stops the loop: the batch under way finishes its current send, the rest is released. */
  stop(): Promise<void>;
}

export function createMailSender(options: MailSenderOptions): MailSender {
  const { store, mail, clock } = options;
  const logger = options.logger.child({ component: 'mail-sender' });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const batchSize = options.batchSize ?? 10;
  const random = options.random ?? Math.random;
  const margin = options.leaseMarginMs ?? Math.min(60_000, MAIL_LEASE_MS / 2);
  const system = store.as({ system: 'mail' });

  let stopping = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let intervalMs = 0;
  let again = false;
  let running = false;
  let unsubscribe: (() => void) | undefined;

  async function mark(fn: Parameters<typeof system.write>[0]): Promise<'ok' | 'lost'> {
    try {
      await system.write(fn);
      return 'ok';
    } catch (err) {
      if (err instanceof GuardError && err.guard === MAIL_CLAIMED) return 'lost';
      throw err;
    }
  }

  async function cycle(): Promise<RunResult> {
    const r: RunResult = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0, lost: 0 };
    const claimedAt = clock.now();
    const batch: MailRow[] = (await system.write((tx) => claimDueMail(tx, claimedAt, batchSize))).rows;
    r.claimed = batch.length;
    const sendUntil = claimedAt.getTime() + MAIL_LEASE_MS - margin;
    /** Set once the server failed as a whole: the rest of the batch waits as long as the failed one. */
    let serverRetryAt: Date | null = null;

    for (const m of batch) {
      const token = m.claimToken as string;
      if (stopping || serverRetryAt || clock.now().getTime() >= sendUntil) {
        const next = serverRetryAt ?? clock.now();
        const why = serverRetryAt ? 'not attempted: server unavailable' : 'not attempted: released';
        if ((await mark((tx) => markMailFailed(tx, m.id, token, m.attempts, why, next))) === 'ok')
          r.released++;
        else r.lost++;
        continue;
      }
      const to = parseMailAddress(m.toAddress);
      if (!to.ok) {
        // Callers validate before queueing; a row that slipped through is never handed to SMTP.
        await mark((tx) => markMailFailed(tx, m.id, token, m.attempts + 1, `EADDRESS ${to.problem}`, null));
        r.failed++;
        logger.error({ mailId: m.id, code: 'EADDRESS' }, 'mail refused: invalid recipient address');
        continue;
      }
      let failure: MailSendError | null = null;
      try {
        await mail.send({ id: m.id, to: to.address, subject: m.subject, text: m.textBody, html: m.htmlBody });
      } catch (err) {
        failure = err instanceof MailSendError ? err : new TransientMailError('EUNKNOWN');
      }
      const now = clock.now();
      if (!failure) {
        if ((await mark((tx) => markMailSent(tx, m.id, token, now))) === 'ok') {
          r.sent++;
          logger.info({ mailId: m.id, attempts: m.attempts + 1 }, 'mail sent');
        } else {
          r.lost++;
          logger.warn({ mailId: m.id }, 'mail sent after its claim was lost');
          // An erasure may have blanked the row while it was being sent: its prune ran before the
          // development outbox file existed, so the file goes now (prune keeps the file of a live row:
          // a lease that ran out, another sender on it).
          if (mail.outbox) await pruneDevOutbox({ store, mail, logger });
        }
        continue;
      }
      const attempts = m.attempts + 1;
      const final =
        failure.kind === 'permanent' || (failure.scope === 'message' && attempts >= policy.maxAttempts);
      const next = final ? null : new Date(now.getTime() + retryDelay(attempts, policy, random));
      if (failure.scope === 'server' && next) serverRetryAt = next;
      const outcome = await mark((tx) => markMailFailed(tx, m.id, token, attempts, failure.code, next));
      if (outcome === 'lost') r.lost++;
      else if (final) r.failed++;
      else r.retried++;
      const log = { mailId: m.id, attempts, code: failure.code, kind: failure.kind, scope: failure.scope };
      if (final) logger.error(log, 'mail failed');
      else logger.warn({ ...log, retryAt: next?.toISOString() }, 'mail send failed, will retry');
    }
    return r;
  }

  function runOnce(): Promise<RunResult> {
    const run = current.catch(() => undefined).then(cycle);
    current = run;
    return run;
  }

  /** Runs cycles while there is more (a full batch, or a wake-up during the run), then waits. */
  async function loop(): Promise<void> {
    if (running || stopping) {
      again = true;
      return;
    }
    running = true;
    clearTimeout(timer);
    try {
      do {
        again = false;
        try {
          const r = await runOnce();
          if (r.claimed === batchSize && r.released === 0) again = true;
        } catch (err) {
          // The database is unreachable or the like: the loop carries on at the next interval.
          logger.error({ err: err instanceof Error ? err.name : 'error' }, 'mail sender cycle failed');
          again = false;
        }
      } while (again && !stopping);
    } finally {
      running = false;
      if (!stopping && intervalMs > 0) schedule(intervalMs);
    }
  }

  function schedule(ms: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void loop(), ms);
    (timer as { unref?: () => void }).unref?.();
  }

  function wake(): void {
    if (stopping) return;
    if (running) again = true;
    else schedule(0);
  }

  return {
    runOnce,
    start(ms = 5_000) {
      stopping = false;
      intervalMs = ms;
      unsubscribe ??= mail.onQueued(wake);
      schedule(0);
    },
    wake,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      unsubscribe?.();
      unsubscribe = undefined;
      await current.catch(() => undefined);
    },
  };
}
