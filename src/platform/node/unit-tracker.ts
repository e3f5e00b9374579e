/** Nesting detection for units of work: AsyncLocalStorage knows which unit the running code belongs to. */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Unit, UnitTracker } from '../../db/unit.js';

export function asyncLocalTracker(): UnitTracker {
  const als = new AsyncLocalStorage<Unit>();
  return {
    run: (unit, fn) => als.run(unit, fn),
    current: () => als.getStore(),
  };
}
