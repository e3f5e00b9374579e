/** Nesting detection for units of work: AsyncLocalStorage knows which unit the running code belongs to. */
import type { UnitTracker } from '../../db/unit.js';
import { asyncContext } from './async-context.js';

/** A tracker for one store, on the process's one AsyncLocalStorage (shared with the audit client). */
export function asyncLocalTracker(): UnitTracker {
  return asyncContext.tracker();
}
