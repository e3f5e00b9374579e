/** The request's audit client (src/audit/client.ts), on the one AsyncLocalStorage it shares with the unit trackers. */
import type { AuditClientContext } from '../../audit/client.js';
import { asyncContext } from './async-context.js';

/** The process's context: the stores read it at `tx.audit()`, the app's middleware fills it. */
export const auditClients: AuditClientContext = asyncContext.auditClients;
