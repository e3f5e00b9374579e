import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * `npm run bench -- http`: `GET /healthz` through the full middleware stack (request id, access log,
 * security headers, views, static, body limit, cross-site guard, error boundary) on @hono/node-server,
 * hardened as the Node entry runs it and not, next to a bare Hono app and a bare node:http server, in
 * the same run. Each server runs in its own process and autocannon (its CLI, also its own process)
 * drives it, so on a two-core machine server and load generator each have a core.
 *
 * Two figures per server, each the median of interleaved rounds: requests per second, and the
 * server's CPU time per request (from /proc, Linux only). The second barely moves when other work
 * shares the machine, so it is the one to compare. Reports; does not gate.
 *
 * Environment: BENCH_HTTP_SECONDS (default 5), BENCH_HTTP_ROUNDS (default 3),
 * BENCH_HTTP_CONNECTIONS (default 50).
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 50);
const VARIANTS = ['bare', 'hono', 'stack', 'stack-unhardened'] as const;
const execFileAsync = promisify(execFile);

async function start(variant: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'http-target.ts'), variant], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function load(port: number, duration: number): Promise<Result> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [
      join(root, 'node_modules/autocannon/autocannon.js'),
      '--json',
      '-c',
      String(connections),
      '-d',
      String(duration),
      `http://127.0.0.1:${port}/healthz`,
    ],
    { cwd: root, maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Result;
}

/** User + system CPU of a process in ms (clock ticks of 10 ms), or null off Linux. */
function cpuMs(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const rps = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const last = new Map<string, Result>();
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) {
      const { child, port } = await start(variant);
      try {
        await load(port, 2); // warm-up: JIT, connection set-up
        const before = cpuMs(child.pid!);
        const result = await load(port, seconds);
        const after = cpuMs(child.pid!);
        rps.set(variant, [...(rps.get(variant) ?? []), result.requests.average]);
        if (before !== null && after !== null && result.requests.total > 0) {
          cpu.set(variant, [...(cpu.get(variant) ?? []), ((after - before) * 1000) / result.requests.total]);
        }
        last.set(variant, result);
      } finally {
        child.kill();
        await once(child, 'exit');
      }
    }
  }
  const bare = median(rps.get('bare')!);
  console.log(`GET /healthz, ${connections} connections, ${seconds} s × ${rounds} rounds (medians)`);
  for (const variant of VARIANTS) {
    const r = last.get(variant)!;
    const perRequest = cpu.has(variant) ? `${median(cpu.get(variant)!).toFixed(0)} µs CPU/request, ` : '';
    const requests = median(rps.get(variant)!);
    console.log(
      `${variant.padEnd(16)} ${requests.toFixed(0).padStart(7)} req/s (${((requests / bare) * 100).toFixed(0)}% of bare), ` +
        `${perRequest}p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
  }
}
