/**
 * The development outbox follows the `mail_outbox` rows (docs/privacy.md, "Mail"). Its files hold the
 * whole message (live vendor links, set-up links, one-time codes) and the recipient; the row keeps no
 * body once sent, but the file is the stand-in for the recipient's mailbox, so it stays while the row
 * does and goes with it: when retention deletes the row (`expireMail`), when an erasure blanks it (the
 * recipient becomes `erased@erased.invalid`), when a tenant purge deletes it. One rule covers all three,
 * and a crash between a commit and the file deletion is repaired by the next call: a file whose row is
 * gone or erased is deleted.
 *
 * Called after the unit that changed the rows has committed (never inside one: it touches files). A
 * no-op where mail has no development outbox (SMTP, production, Workers).
 */
import * as repo from '../db/repo/index.js';
import type { Ports } from '../platform/ports.js';

export type OutboxPrunePorts = Pick<Ports, 'store'> & Partial<Pick<Ports, 'mail' | 'logger'>>;

/**
 * Deletes the files of every message whose row is gone or erased; returns how many messages. Never
 * throws: what caused the call has committed already, and a file left now goes at the next call.
 */
export async function pruneDevOutbox(ports: OutboxPrunePorts): Promise<number> {
  const outbox = ports.mail?.outbox;
  if (!outbox) return 0;
  try {
    const held = await outbox.mailIds();
    if (held.length === 0) return 0;
    // As the sender: on PostgreSQL only it sees every tenant's (and no tenant's) mail.
    const live = await ports.store.as({ system: 'mail' }).read((ctx) => repo.liveMailIds(ctx, held));
    const removed = await outbox.remove(held.filter((id) => !live.has(id)));
    if (removed) ports.logger?.info({ event: 'dev_outbox.pruned', removed }, 'development outbox pruned');
    return removed;
  } catch (err) {
    ports.logger?.error({ event: 'dev_outbox.prune_failed', err }, 'development outbox not pruned');
    return 0;
  }
}
