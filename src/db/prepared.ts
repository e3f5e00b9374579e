/**
 * Reads on the hot path (the session check and the overview behind every signed-in page), built once
 * per database handle with placeholders instead of on every call. Building a select through drizzle
 * and preparing it costs several times more than running it (bench/http.bench.ts, docs/benchmarks.md):
 * on better-sqlite3 and D1, whose handle lives as long as the store, the query is built and prepared
 * once and every call only binds its values. On PostgreSQL each unit has its own handle, so the query
 * is built per unit, as it was before (an unnamed statement: nothing is left on the connection).
 *
 * The handle is reached through `ctx.db`, so a context used after its unit ended still throws, and the
 * statement runs in the unit like any other read (the statement observer sees it).
 */
import { type Placeholder, type SQL, sql } from 'drizzle-orm';
import {
  type AppDb,
  type ReadCtx,
  rawRows,
  type WriteCtx,
  type WriteOptions,
  type WriteQuery,
  type Written,
} from './store.js';
import type { Tables } from './tables.js';

interface Prepared<R> {
  execute(values?: Record<string, unknown>): Promise<R[]> | R[];
}

interface Preparable<R> {
  prepare(name?: string): Prepared<R>;
}

export type Placeholders<K extends string> = Record<K, Placeholder>;

/**
 * `build(db, t, p)` returns a select whose variable parts are the placeholders in `p`
 * (`sql.placeholder(name)` for each name in `names`); the function returned runs it with `values`.
 */
export function preparedRead<R, K extends string>(
  names: readonly K[],
  build: (db: AppDb, t: Tables, p: Placeholders<K>) => Preparable<R>,
): (ctx: ReadCtx, values: Record<K, unknown>) => Promise<R[]> {
  const p = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as unknown as Placeholders<K>;
  const cache = new WeakMap<AppDb, Prepared<R>>();
  return async (ctx, values) => {
    const { db } = ctx;
    let q = cache.get(db);
    if (!q) {
      q = build(db, ctx.t, p).prepare();
      cache.set(db, q);
    }
    return q.execute(values);
  };
}

interface PreparedWriteQuery {
  run(values?: Record<string, unknown>): unknown;
  all(values?: Record<string, unknown>): unknown;
}

interface PreparableWrite extends WriteQuery {
  prepare(): PreparedWriteQuery;
}

/**
 * A hot write (autosave's two) built once per database handle, like {@link preparedRead}: on
 * better-sqlite3 the builder is made with placeholders and prepared the first time a commit runs it
 * (a statement that writes is only prepared while committing), and each call queues that statement
 * with its values; building and rendering an update through drizzle costs more than running it. On
 * PostgreSQL and D1 the builder is made with the values and queued as before (their drivers send
 * builders). Either way it is queued with `tx.write`, in order, with its guard: the unit of work is
 * unchanged. `build(db, t, v)` must use `v` for every variable part (a placeholder or the value).
 */
export function preparedWrite<K extends string>(
  names: readonly K[],
  build: (db: AppDb, t: Tables, v: Record<K, unknown>) => PreparableWrite,
): (tx: WriteCtx, values: Record<K, unknown>, options?: WriteOptions) => Written {
  const p = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as Record<K, unknown>;
  const cache = new WeakMap<AppDb, SqliteWrite>();
  return (tx, values, options) => {
    const { db } = tx;
    if (tx.dialect !== 'sqlite') return tx.write(build(db, tx.t, values), options);
    let w = cache.get(db);
    if (!w) {
      w = new SqliteWrite(build(db, tx.t, p));
      cache.set(db, w);
    }
    return tx.write(w.bind(values) as unknown as WriteQuery, options);
  };
}

/** One placeholder builder and, from its first commit on, its prepared statement. */
class SqliteWrite {
  #prepared: PreparedWriteQuery | null = null;
  readonly returning: unknown;
  constructor(readonly builder: PreparableWrite) {
    this.returning = (builder as { config?: { returning?: unknown } }).config?.returning;
  }
  get prepared(): PreparedWriteQuery {
    this.#prepared ??= this.builder.prepare();
    return this.#prepared;
  }
  /** What the SQLite commit loop calls on a queued builder: run(), or all() when it has `.returning()`. */
  bind(values: Record<string, unknown>) {
    return {
      config: { returning: this.returning },
      run: () => this.prepared.run(values),
      all: () => this.prepared.all(values),
      toSQL: () => this.builder.toSQL(),
    };
  }
}

interface SqliteSessionDb {
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      executeMethod: 'all',
      isResponseInArrayMode: boolean,
    ): { all(values?: Record<string, unknown>): unknown };
  };
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}

/**
 * A raw read (a `sql` template: for the few statements drizzle's builders cannot express, as
 * `rawRows`) built once per database handle, like {@link preparedRead}: on better-sqlite3 and D1 the
 * template is rendered with placeholders and prepared once, and each call binds `values`; on
 * PostgreSQL it is rendered with the values and run as `rawRows` runs it. `build(t, v)` must use `v`
 * for every variable part.
 */
export function preparedRawRead<R, K extends string>(
  names: readonly K[],
  build: (t: Tables, v: Record<K, unknown>) => SQL,
): (ctx: ReadCtx, values: Record<K, unknown>) => Promise<R[]> {
  const p = Object.fromEntries(names.map((n) => [n, sql.placeholder(n)])) as Record<K, unknown>;
  const cache = new WeakMap<AppDb, { all(values?: Record<string, unknown>): unknown }>();
  return async (ctx, values) => {
    if (ctx.dialect === 'pg') return rawRows<R>(ctx, build(ctx.t, values));
    const { db } = ctx;
    let q = cache.get(db);
    if (!q) {
      const d = db as unknown as SqliteSessionDb;
      q = d.session.prepareQuery(d.dialect.sqlToQuery(build(ctx.t, p)), undefined, 'all', false);
      cache.set(db, q);
    }
    return (await q.all(values)) as R[];
  };
}
