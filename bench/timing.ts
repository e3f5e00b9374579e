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
