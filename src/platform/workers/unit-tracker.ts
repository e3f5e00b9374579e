/** Nesting detection on Workers: AsyncLocalStorage, which workerd provides with nodejs_compat. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Unit, UnitTracker } from '../../db/unit.js';

export function asyncLocalTracker(): UnitTracker {
  const als = new AsyncLocalStorage<Unit>();
  return { run: (unit, fn) => als.run(unit, fn), current: () => als.getStore() };
}
