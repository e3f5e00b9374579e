/**
 * What every driver shares: the unit object behind a context (its phase, its write queue, the check
 * that it awaits only the database), nesting detection, and the retry loop for commits that lost a race.
 * Drivers (src/platform/node/sqlite-store.ts, pg-store.ts, src/platform/workers/d1-store.ts) supply how
 * reads run and how the queue commits.
 */
import { is, SQL } from 'drizzle-orm';
import type { AuditClientContext, AuditClientFields } from '../audit/client.js';
import {
  type AppDb,
  type AuditInput,
  assertClaims,
  type Claims,
  type Dialect,
  NestedUnitError,
  type ReadCtx,
  type Scope,
  type StatementObserver,
  type Store,
  type TenantReadCtx,
  type TenantWriteCtx,
  UnitEndedError,
  UnitOfWorkError,
  type WriteCtx,
  type WriteOptions,
  type WriteQuery,
  type Written,
} from './store.js';
import type { Tables } from './tables.js';

/** Knows which unit, if any, the running code belongs to (AsyncLocalStorage on Node and Workers). */
export interface UnitTracker {
  run<T>(unit: Unit, fn: () => T): T;
  current(): Unit | undefined;
}

/** One queued write and, after commit, its result. */
export class QueuedWrite<R = unknown> implements Written<R> {
  #rows: R[] | null = null;
  #changes = 0;
  constructor(
    readonly query: WriteQuery | SQL,
    readonly guard: string | undefined,
  ) {}
  get isRaw(): boolean {
    return is(this.query, SQL);
  }
  /** Whether the statement has `.returning()` (drizzle keeps it on the builder's config). */
  get returns(): boolean {
    return !this.isRaw && Boolean((this.query as { config?: { returning?: unknown } }).config?.returning);
  }
  settle(rows: R[] | null, changes: number): void {
    this.#rows = rows ?? [];
    this.#changes = changes;
  }
  get rows(): R[] {
    if (this.#rows === null)
      throw new UnitOfWorkError('the results of a write are available after its unit commits');
    return this.#rows;
  }
  get changes(): number {
    if (this.#rows === null)
      throw new UnitOfWorkError('the results of a write are available after its unit commits');
    return this.#changes;
  }
}

export interface QueuedAudit {
  input: AuditInput;
  at: Date;
  /** Keyed hashes of the request's client address and user agent (null outside a request). */
  client: AuditClientFields | null;
}

const schedule: (fn: () => void) => void =
  (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));

/**
 * The state behind one context. `phase` moves read → commit → ended. The await watch notices when the
 * unit's function is still running at a macrotask boundary while no statement is in flight: the
 * function awaited something other than the database, which the contract forbids (it would hold a
 * connection, or a lock, across unrelated work).
 */
export class Unit {
  phase: 'read' | 'commit' | 'ended' = 'read';
  readonly writes: QueuedWrite[] = [];
  readonly audits: QueuedAudit[] = [];
  #db: AppDb | null = null;
  #pending = 0;
  #fnDone = false;
  strayAwait = false;

  constructor(
    readonly kind: 'read' | 'write',
    readonly claims: Claims,
    /** Whether the driver reports its statements (opStart/opEnd), so stray awaits can be told apart. */
    readonly watchAwaits = true,
    readonly clients: AuditClientContext | null = null,
  ) {}

  bind(db: AppDb): void {
    this.#db = db;
  }

  get db(): AppDb {
    if (this.phase === 'ended') throw new UnitEndedError();
    if (this.#db === null) throw new UnitOfWorkError('the unit has no connection yet');
    return this.#db;
  }

  queue(query: WriteQuery | SQL, options: WriteOptions | undefined): QueuedWrite {
    if (this.phase === 'ended') throw new UnitEndedError();
    if (this.kind === 'read') throw new UnitOfWorkError('a read-only unit of work cannot write: use write()');
    if (this.phase !== 'read') throw new UnitOfWorkError('writes are queued while the unit runs, not after');
    const w = new QueuedWrite(query, options?.guard);
    this.writes.push(w);
    return w;
  }

  queueAudit(input: AuditInput, at: Date): void {
    if (this.phase === 'ended') throw new UnitEndedError();
    if (this.kind === 'read') throw new UnitOfWorkError('a read-only unit of work cannot write: use write()');
    if (!this.claims.tenantId)
      throw new UnitOfWorkError('audit entries belong to a tenant-scoped unit of work');
    this.audits.push({ input, at, client: this.clients?.current()?.fields() ?? null });
  }

  /** A statement started / finished (drivers whose statements are asynchronous call these). */
  opStart(): void {
    this.#pending++;
  }
  opEnd(): void {
    if (--this.#pending === 0) this.#arm();
  }
  #arm(): void {
    if (!this.watchAwaits) return;
    schedule(() => {
      if (this.phase === 'read' && !this.#fnDone && this.#pending === 0) this.strayAwait = true;
    });
  }

  /** Runs the unit's function, then reports a non-database await as a contract violation. */
  async runFn<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#arm();
    let result: T;
    try {
      result = await fn();
    } finally {
      this.#fnDone = true;
    }
    if (this.strayAwait) {
      throw new UnitOfWorkError(
        'a unit of work awaited something other than the database (hashing, mail, a timer, the network): do that before or after the unit',
      );
    }
    return result;
  }

  end(): void {
    this.phase = 'ended';
  }
}

/** Builds the context object a unit's function sees. */
function contextFor(unit: Unit, t: Tables, dialect: Dialect): WriteCtx & { tenantId?: string } {
  const ctx = {
    get db() {
      return unit.db;
    },
    t,
    dialect,
    claims: unit.claims,
    write: (query: WriteQuery | SQL, options?: WriteOptions) => unit.queue(query, options),
    audit: (entry: AuditInput, at = new Date()) => unit.queueAudit(entry, at),
  } as WriteCtx & { tenantId?: string };
  if (unit.claims.tenantId) (ctx as { tenantId?: string }).tenantId = unit.claims.tenantId;
  return ctx;
}

/** Thrown by a driver's commit when another writer won a race the unit may simply retry. */
export class RetryableConflict extends Error {
  constructor(cause: unknown) {
    super('the commit lost a race; the unit of work runs again', { cause });
    this.name = 'RetryableConflict';
  }
}

/** A contract violation raised inside a driver call reaches the caller as itself, not wrapped by drizzle. */
function contractError(err: unknown): Error | null {
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    if (e instanceof UnitOfWorkError || e instanceof UnitEndedError || e instanceof NestedUnitError) return e;
    e = e.cause;
  }
  return null;
}

/** How a driver runs units. `run` opens whatever the unit needs, calls `body`, commits or rolls back. */
export interface UnitDriver {
  readonly dialect: Dialect;
  readonly t: Tables;
  /**
   * Whether stray awaits are detected: true where statements are synchronous (better-sqlite3) or the
   * driver reports each one (pg). D1's binding gives no such hook; the same repository code runs on
   * SQLite in the suites, which catches a stray await there.
   */
  readonly watchesAwaits: boolean;
  run<T>(unit: Unit, body: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MAX_ATTEMPTS = 24;
/** Full-jitter exponential backoff between attempts (2 ms, doubling, at most 250 ms). */
const backoff = (attempt: number) => Math.random() * Math.min(250, 2 * 2 ** attempt);

/** The Store every driver exposes, built from its UnitDriver. */
export function createStore(
  driver: UnitDriver,
  tracker: UnitTracker | null,
  /** The request's client, for audit entries (src/audit/client.ts); null: entries carry none. */
  clients: AuditClientContext | null = null,
): Store {
  const { t, dialect } = driver;

  async function runUnit<T>(kind: 'read' | 'write', claims: Claims, fn: (ctx: never) => Promise<T> | T) {
    const outer = tracker?.current();
    if (outer && outer.phase !== 'ended') throw new NestedUnitError();
    for (let attempt = 1; ; attempt++) {
      const unit = new Unit(kind, claims, driver.watchesAwaits, clients);
      const ctx = contextFor(unit, t, dialect);
      try {
        const run = () => driver.run(unit, () => unit.runFn(() => fn(ctx as never)));
        return await (tracker ? tracker.run(unit, run) : run());
      } catch (caught) {
        const err = contractError(caught) ?? caught;
        if (!(err instanceof RetryableConflict) || attempt >= MAX_ATTEMPTS) {
          throw err instanceof RetryableConflict ? err.cause : err;
        }
        // Backoff outside any unit, so racing writers spread out instead of colliding again.
        await new Promise((r) => setTimeout(r, backoff(attempt)));
      } finally {
        unit.end();
      }
    }
  }

  function scope<R extends ReadCtx, W extends WriteCtx>(claims: Claims): Scope<R, W> {
    assertClaims(claims);
    return {
      claims,
      read: (fn) => runUnit('read', claims, fn as never),
      write: (fn) => runUnit('write', claims, fn as never),
    };
  }

  const global = scope<ReadCtx, WriteCtx>({});
  return {
    dialect,
    t,
    global,
    tenant: (tenantId, extra) => scope<TenantReadCtx, TenantWriteCtx>({ ...extra, tenantId }),
    as: (claims) => scope(claims),
    ping: () => driver.ping(),
    close: () => driver.close(),
  };
}

/** A drizzle logger that reports each statement to an observer. */
export function statementLogger(observer: StatementObserver | undefined) {
  return observer ? { logQuery: (query: string, params: unknown[]) => observer(query, params) } : undefined;
}
