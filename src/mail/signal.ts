import type { MailPort } from '../platform/ports.js';

/** The `queued()` / `onQueued()` half of a mail port: wakes the sender loop of this process. */
export function mailSignal(): Pick<MailPort, 'queued' | 'onQueued'> {
  const listeners = new Set<() => void>();
  return {
    queued() {
      for (const l of listeners) l();
    },
    onQueued(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
