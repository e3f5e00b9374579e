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
import { type Placeholder, sql } from 'drizzle-orm';
import type { AppDb, ReadCtx } from './store.js';
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
