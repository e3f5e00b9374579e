import type { MailPort } from '../platform/ports.js';
import { TransientMailError } from './errors.js';
import { mailSignal } from './signal.js';

/**
 * A mail port for a platform without a transport (the Workers target, for now): sending fails as a
 * transient server-side problem, so queued mail stays in the outbox, unspent, until a transport exists.
 */
export function unconfiguredMail(): MailPort {
  return {
    ...mailSignal(),
    async send() {
      throw new TransientMailError('ENOTCONFIGURED');
    },
    async close() {},
  };
}
