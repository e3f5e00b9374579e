/**
 * The Node CLI's {@link ParallelVerify} for a SQLite file: each range beyond the first goes to a
 * worker thread (./audit-verify-worker.ts) that opens its own read-only connection. One thread a core,
 * the caller's being one of them; trails below {@link MIN_PARALLEL_ENTRIES} stay in one thread
 * (docs/benchmarks.md, "Audit verify in parallel").
 *
 * The workers start when the pool is made (the CLI makes it before it opens the store), so their
 * start overlaps the store, the key table and the checkpoint signatures; an idle worker does not keep
 * the process alive (unref'd), a busy one does.
 *
 * The worker needs a JavaScript entry: from the built CLI it is dist/audit-verify-worker.js, next to
 * dist/cli.js (scripts/build.mjs bundles both); from source (tsx, vitest) the .ts file beside this
 * one, loaded through tsx's API (a worker's execArgv cannot load tsx's hooks on Node 20).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParallelVerify, RangeResult, RangeTask } from '../../audit/verify.js';

/**
 * Below this many entries a parallel verify is not worth its threads (measured on this 2-core machine:
 * docs/benchmarks.md, "Audit verify in parallel").
 */
export const MIN_PARALLEL_ENTRIES = 50_000;

function workerEntry(workerFile?: string): { entry: URL | string; eval: boolean } {
  if (workerFile) return { entry: pathToFileURL(workerFile), eval: false };
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./audit-verify-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return { entry: url, eval: false };
  // tsx's main export is dist/loader.mjs; its ESM API sits beside it.
  const api = new URL('./esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx')));
  const code = `import(${JSON.stringify(api.href)}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`;
  return { entry: code, eval: true };
}

type Reply = { result: RangeResult } | { error: string };

export interface SqliteParallelVerify extends ParallelVerify {
  /** Ends the workers; the CLI does when its command is done. */
  close(): Promise<void>;
}

export function sqliteParallelVerify(
  file: string,
  opts: {
    threads?: number;
    minEntries?: number;
    rangeEntries?: number;
    /** A built worker entry (the bench runs from source but measures dist/audit-verify-worker.js). */
    workerFile?: string;
  } = {},
): SqliteParallelVerify {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const threads = Math.max(1, Math.min(opts.threads ?? cores, 16));
  const { entry, eval: isEval } = workerEntry(opts.workerFile);
  // Each worker answers its tasks in the order it was sent them: one queue of waiting callers each.
  type Waiting = { resolve(r: RangeResult): void; reject(e: Error): void; task: RangeTask };
  const workers: { w: Worker; waiting: Waiting[] }[] = [];
  const spawn = () => {
    const slot = {
      w: new Worker(entry, { eval: isEval, workerData: { file }, execArgv: [] }),
      waiting: [] as Waiting[],
    };
    const fail = (err: Error) => {
      const i = workers.indexOf(slot);
      if (i >= 0) workers.splice(i, 1);
      for (const t of slot.waiting.splice(0)) t.reject(err);
    };
    slot.w.on('message', (reply: Reply) => {
      const t = slot.waiting.shift();
      if (!slot.waiting.length) slot.w.unref();
      if (!t) return;
      if ('result' in reply) t.resolve(reply.result);
      else t.reject(new Error(`audit verify of entries ${t.task.from}–${t.task.to}: ${reply.error}`));
    });
    slot.w.on('error', fail);
    slot.w.on('exit', (code) => fail(new Error(`an audit verify worker exited (${code})`)));
    // After the listeners: on Node 20 adding a 'message' listener refs the worker again, and a CLI run that
    // never sent it work then never exited.
    slot.w.unref();
    workers.push(slot);
    return slot;
  };
  for (let i = 1; i < threads; i++) spawn();
  return {
    threads,
    minEntries: opts.minEntries ?? MIN_PARALLEL_ENTRIES,
    ...(opts.rangeEntries ? { rangeEntries: opts.rangeEntries } : {}),
    verifyRange: (task: RangeTask) =>
      new Promise<RangeResult>((resolve, reject) => {
        const slot =
          workers.reduce<(typeof workers)[number] | undefined>(
            (a, b) => (!a || b.waiting.length < a.waiting.length ? b : a),
            undefined,
          ) ?? spawn();
        // A busy worker keeps the process alive; an idle one does not.
        slot.w.ref();
        slot.waiting.push({ resolve, reject, task });
        slot.w.postMessage(task);
      }),
    close: async () => {
      await Promise.all(workers.splice(0).map((s) => s.w.terminate()));
    },
  };
}
