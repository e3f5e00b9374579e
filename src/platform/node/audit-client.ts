/** The request's audit client (src/audit/client.ts), one AsyncLocalStorage per process. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditClient, AuditClientContext } from '../../audit/client.js';

const als = new AsyncLocalStorage<AuditClient>();

/** The process's context: the stores read it at `tx.audit()`, the app's middleware fills it. */
export const auditClients: AuditClientContext = {
  run: (client, fn) => als.run(client, fn),
  current: () => als.getStore(),
};
