/**
 * The Node CLI's {@link ParallelVerify} for a SQLite file: each range beyond the first goes to a
 * worker thread (./audit-verify-worker.ts) that opens its own read-only connection. One thread a core,
 * the caller's being one of them; trails below {@link MIN_PARALLEL_ENTRIES} stay in one thread
 * (docs/benchmarks.md, "Audit verify in parallel").
 *
 * The worker needs a JavaScript entry: from the built CLI it is dist/audit-verify-worker.js, next to
 * dist/cli.js (scripts/build.mjs bundles both); from source (tsx, vitest) the .ts file beside this
 * one, loaded through tsx's loader.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParallelVerify, RangeResult, RangeTask } from '../../audit/verify.js';

/**
 * Below this many entries a parallel verify is not worth its thread. Measured on this 2-core machine
 * with the built CLI: a worker's start (Node, better-sqlite3, the bundle) costs about 50 ms of wall time
 * and a single pass about 7 µs an entry, so two halves gain from about 20,000 entries.
 */
export const MIN_PARALLEL_ENTRIES = 20_000;

/** The worker's entry, and how to start it (from source: through tsx's API, which a worker's execArgv cannot load on Node 20). */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./audit-verify-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return { entry: url, eval: false };
  // tsx's main export is dist/loader.mjs; its ESM API sits beside it.
  const api = new URL('./esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx')));
  const code = `import(${JSON.stringify(api.href)}).then((m) => m.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(import.meta.url)}))`;
  return { entry: code, eval: true };
}

export function sqliteParallelVerify(
  file: string,
  opts: { ranges?: number; minEntries?: number } = {},
): ParallelVerify {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return {
    ranges: Math.max(1, Math.min(opts.ranges ?? cores, 16)),
    minEntries: opts.minEntries ?? MIN_PARALLEL_ENTRIES,
    verifyRange: (task: RangeTask) =>
      new Promise<RangeResult>((resolve, reject) => {
        const w = workerEntry();
        const worker = new Worker(w.entry, { eval: w.eval, workerData: { file, task }, execArgv: [] });
        let result: RangeResult | null = null;
        worker.once('message', (r: RangeResult) => {
          result = r;
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (result) resolve(result);
          else
            reject(new Error(`the audit verify worker for entries ${task.from}–${task.to} exited (${code})`));
        });
      }),
  };
}
