/** Nesting detection on Workers: AsyncLocalStorage, which workerd provides with nodejs_compat. */
import type { UnitTracker } from '../../db/unit.js';
import { asyncContext } from './async-context.js';

/** A tracker for one store, on the isolate's one AsyncLocalStorage (shared with the audit client). */
export function asyncLocalTracker(): UnitTracker {
  return asyncContext.tracker();
}
