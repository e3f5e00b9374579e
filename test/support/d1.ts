/**
 * A real D1 database for the Node-side suites: workerd through miniflare (the runtime wrangler dev
 * uses), reached from Node through miniflare's binding proxy. Migrations are applied from
 * migrations/sqlite, the folder wrangler.toml names as `migrations_dir`, statement by statement in
 * journal order, as `wrangler d1 migrations apply` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import type { D1Binding } from '../../src/platform/workers/d1-store.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../migrations/sqlite');

export function migrationStatements(folder = MIGRATIONS): string[] {
  const journal = JSON.parse(fs.readFileSync(path.join(folder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return journal.entries.flatMap((e) =>
    fs
      .readFileSync(path.join(folder, `${e.tag}.sql`), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
      .filter((s) => s.length > 0),
  );
}

/**
 * The worker the tests talk to: it runs each statement (or batch) on its real D1 binding. Node reaches
 * it with plain `fetch` requests instead of miniflare's binding proxy, whose synchronous calls
 * (`prepare`, `bind`) failed an internal assertion (`SynchronousFetcher.fetch: false == true`) under
 * many concurrent units in CI. The statements, batches, errors and rollbacks are D1's own; only the
 * transport between Node and workerd is ours.
 */
const RPC_WORKER = `
const unwrap = (v) => (v && typeof v === 'object' && '$bytes' in v ? Uint8Array.from(atob(v.$bytes), (c) => c.charCodeAt(0)) : v);
const wrap = (v) => (v instanceof ArrayBuffer || ArrayBuffer.isView(v) ? { $bytes: btoa(String.fromCharCode(...new Uint8Array(v.buffer ?? v))) } : v);
const wrapRows = (rows) => rows.map((r) => (Array.isArray(r) ? r.map(wrap) : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, wrap(v)]))));
const wrapResult = (r) => (r && Array.isArray(r.results) ? { ...r, results: wrapRows(r.results) } : r);
export default {
  async fetch(request, env) {
    const req = await request.json();
    const stmt = (s) => env.DB.prepare(s.sql).bind(...s.params.map(unwrap));
    try {
      let result;
      if (req.op === 'batch') result = (await env.DB.batch(req.stmts.map(stmt))).map(wrapResult);
      else if (req.op === 'exec') result = await env.DB.exec(req.sql);
      else if (req.op === 'run') result = wrapResult(await stmt(req).run());
      else if (req.op === 'all') result = wrapResult(await stmt(req).all());
      else if (req.op === 'raw') result = wrapRows(await stmt(req).raw(req.options));
      else if (req.op === 'first') result = wrap(await stmt(req).first(req.column ?? undefined)) ?? null;
      else throw new Error('unknown op ' + req.op);
      return Response.json({ ok: true, result });
    } catch (e) {
      return Response.json({ ok: false, message: String(e && e.message), cause: e && e.cause ? String(e.cause.message ?? e.cause) : null });
    }
  },
};`;

type Param = unknown;
type Rpc = (body: Record<string, unknown>) => Promise<unknown>;

const toWire = (v: Param) =>
  v instanceof Uint8Array || v instanceof ArrayBuffer
    ? { $bytes: Buffer.from(v instanceof ArrayBuffer ? new Uint8Array(v) : v).toString('base64') }
    : v;
const fromWire = (v: unknown): unknown =>
  v && typeof v === 'object' && '$bytes' in v
    ? [...Buffer.from((v as { $bytes: string }).$bytes, 'base64')]
    : v;
const rowsFromWire = (rows: unknown[]) =>
  rows.map((r) =>
    Array.isArray(r)
      ? r.map(fromWire)
      : Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) => [k, fromWire(v)])),
  );
const resultFromWire = (r: unknown) => {
  const res = r as { results?: unknown[] } | null;
  return res && Array.isArray(res.results) ? { ...res, results: rowsFromWire(res.results) } : r;
};

/** A prepared statement on the Node side: only its text and parameters; D1 runs it in the worker. */
class RpcStatement {
  constructor(
    private readonly rpc: Rpc,
    readonly sql: string,
    readonly params: readonly Param[] = [],
  ) {}
  bind(...params: Param[]): RpcStatement {
    return new RpcStatement(this.rpc, this.sql, params);
  }
  wire() {
    return { sql: this.sql, params: this.params.map(toWire) };
  }
  async run() {
    return resultFromWire(await this.rpc({ op: 'run', ...this.wire() }));
  }
  async all() {
    return resultFromWire(await this.rpc({ op: 'all', ...this.wire() }));
  }
  async raw(options?: { columnNames?: boolean }) {
    return rowsFromWire((await this.rpc({ op: 'raw', ...this.wire(), options })) as unknown[]);
  }
  async first(column?: string) {
    return fromWire(await this.rpc({ op: 'first', ...this.wire(), column: column ?? null }));
  }
}

export async function openTestD1(): Promise<{ binding: D1Binding; dispose(): Promise<void> }> {
  const mf = new Miniflare({
    modules: true,
    script: RPC_WORKER,
    d1Databases: ['DB'],
    cf: false,
  });
  const rpc: Rpc = async (body) => {
    const res = await mf.dispatchFetch('http://d1.test/', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const out = (await res.json()) as {
      ok: boolean;
      result?: unknown;
      message?: string;
      cause?: string | null;
    };
    if (!out.ok) {
      const err = new Error(out.message ?? 'D1 error');
      if (out.cause) (err as Error & { cause?: unknown }).cause = new Error(out.cause);
      throw err;
    }
    return out.result;
  };
  const binding = {
    prepare: (query: string) => new RpcStatement(rpc, query),
    batch: async (statements: unknown[]) =>
      (
        (await rpc({ op: 'batch', stmts: (statements as RpcStatement[]).map((s) => s.wire()) })) as unknown[]
      ).map(resultFromWire),
    exec: (query: string) => rpc({ op: 'exec', sql: query }),
  };
  for (const statement of migrationStatements()) await binding.prepare(statement).run();
  return { binding, dispose: () => mf.dispose() };
}
