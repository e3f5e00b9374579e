/**
 * The one async-context store that both the request's audit client (src/audit/client.ts) and the unit
 * trackers of every store (src/db/unit.ts) read. Each AsyncLocalStorage adds a propagation step to
 * every promise every request makes (Node 20's promise hook copies one slot per storage), so the two
 * share one storage. The platforms supply it (AsyncLocalStorage on Node, and on Workers through
 * nodejs_compat); this module only shapes what it holds, and imports neither.
 */
import type { AuditClient, AuditClientContext } from '../audit/client.js';
import type { Unit, UnitTracker } from './unit.js';

/** The part of AsyncLocalStorage used here. */
export interface AsyncStorage<S> {
  run<T>(store: S, fn: () => T): T;
  getStore(): S | undefined;
}

/**
 * What one async context carries. Frames are never changed: a run puts a new frame over the current
 * one, keeping what it does not set (a unit's frame keeps the request's client), and the frame below
 * stays reachable, so each store's tracker still finds its own unit under another store's.
 */
export interface Frame {
  readonly client: AuditClient | undefined;
  readonly unit: Unit | undefined;
  /** Whose unit `unit` is: a tracker belongs to one store. */
  readonly tracker: UnitTracker | undefined;
  readonly below: Frame | undefined;
}

export interface SharedAsyncContext {
  /** The request's audit client: one per process. */
  readonly auditClients: AuditClientContext;
  /** A unit tracker for one store: nesting is a unit of the same store inside another's. */
  tracker(): UnitTracker;
}

export function sharedAsyncContext(storage: AsyncStorage<Frame>): SharedAsyncContext {
  const auditClients: AuditClientContext = {
    run(client, fn) {
      const below = storage.getStore();
      return storage.run({ client, unit: below?.unit, tracker: below?.tracker, below }, fn);
    },
    current: () => storage.getStore()?.client,
  };
  return {
    auditClients,
    tracker() {
      const tracker: UnitTracker = {
        run(unit, fn) {
          const below = storage.getStore();
          return storage.run({ client: below?.client, unit, tracker, below }, fn);
        },
        current() {
          for (let frame = storage.getStore(); frame !== undefined; frame = frame.below) {
            if (frame.tracker === tracker) return frame.unit;
          }
          return undefined;
        },
      };
      return tracker;
    },
  };
}
