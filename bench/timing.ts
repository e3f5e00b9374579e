/** Timing helpers for benchmarks: warm up, then time each call separately and summarise. */

export interface Summary {
  iterations: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
}

export function measure(fn: (i: number) => unknown, opts: { warmup: number; iterations: number }): Summary {
  let sink: unknown;
  for (let i = 0; i < opts.warmup; i++) sink = fn(i);
  const samples = new Float64Array(opts.iterations);
  for (let i = 0; i < opts.iterations; i++) {
    const start = process.hrtime.bigint();
    sink = fn(opts.warmup + i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  keep(sink);
  samples.sort();
  return {
    iterations: opts.iterations,
    medianMs: quantile(samples, 0.5),
    p10Ms: quantile(samples, 0.1),
    p90Ms: quantile(samples, 0.9),
  };
}

/** Like measure, for work that returns a promise: each call awaited and timed on its own. */
export async function measureAsync(
  fn: () => Promise<unknown>,
  opts: { warmup: number; iterations: number },
): Promise<Summary> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const samples = new Float64Array(opts.iterations);
  for (let i = 0; i < opts.iterations; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  samples.sort();
  return {
    iterations: opts.iterations,
    medianMs: quantile(samples, 0.5),
    p10Ms: quantile(samples, 0.1),
    p90Ms: quantile(samples, 0.9),
  };
}

export interface Interleaved {
  a: Summary;
  b: Summary;
  /** Ratio of the medians, b / a: how many times faster a is. */
  ratio: number;
  /** The ratio within each adjacent a/b pair of samples, summarised: how much it drifts during the run. */
  pairRatio: { p10: number; median: number; p90: number };
}

/**
 * Times two implementations in alternation (a, b, a, b, …) so that machine drift — another process, CPU
 * frequency, a GC of the other side — lands on both instead of on whichever runs second. A sample of `a`
 * is the mean of `aBatch` calls, so that a sample of a fast side lasts long enough to be timed as well as one
 * of the slow side; both summaries are per call.
 */
export function interleave(
  a: (i: number) => unknown,
  b: (i: number) => unknown,
  opts: { warmup: number; samples: number; aBatch: number; bBatch?: number },
): Interleaved {
  const bBatch = opts.bBatch ?? 1;
  let sink: unknown;
  let ai = 0;
  let bi = 0;
  const time = (fn: (i: number) => unknown, batch: number, next: () => number): number => {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) sink = fn(next());
    return Number(process.hrtime.bigint() - start) / 1e6 / batch;
  };
  for (let i = 0; i < opts.warmup; i++) {
    time(a, opts.aBatch, () => ai++);
    time(b, bBatch, () => bi++);
  }
  const as = new Float64Array(opts.samples);
  const bs = new Float64Array(opts.samples);
  const pairs = new Float64Array(opts.samples);
  for (let i = 0; i < opts.samples; i++) {
    // Alternate which side goes first too, so neither always runs right after the other's garbage.
    if (i % 2 === 0) {
      as[i] = time(a, opts.aBatch, () => ai++);
      bs[i] = time(b, bBatch, () => bi++);
    } else {
      bs[i] = time(b, bBatch, () => bi++);
      as[i] = time(a, opts.aBatch, () => ai++);
    }
    pairs[i] = bs[i]! / as[i]!;
  }
  keep(sink);
  const summary = (samples: Float64Array, batch: number): Summary => {
    samples.sort();
    return {
      iterations: samples.length * batch,
      medianMs: quantile(samples, 0.5),
      p10Ms: quantile(samples, 0.1),
      p90Ms: quantile(samples, 0.9),
    };
  };
  const sa = summary(as, opts.aBatch);
  const sb = summary(bs, bBatch);
  pairs.sort();
  return {
    a: sa,
    b: sb,
    ratio: sb.medianMs / sa.medianMs,
    pairRatio: { p10: quantile(pairs, 0.1), median: quantile(pairs, 0.5), p90: quantile(pairs, 0.9) },
  };
}

function quantile(sorted: Float64Array, q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

let kept = 0;
/** Stops the optimiser from discarding work whose result is otherwise unused. */
export function keep(value: unknown): void {
  if (value === kept) kept++;
}

export function formatMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

export function describe(summary: Summary): string {
  return (
    `median ${formatMs(summary.medianMs)} ` +
    `(p10 ${formatMs(summary.p10Ms)}, p90 ${formatMs(summary.p90Ms)}, n=${summary.iterations})`
  );
}

export function verdict(pass: boolean, target: string, actual: string): string {
  return `${pass ? 'PASS' : 'FAIL'}  ${target} — ${actual}`;
}
