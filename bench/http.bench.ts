import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/*
 * `npm run bench -- http`: requests per second for `GET /healthz` through the full middleware stack
 * (request id, access log, security headers, views, static, body limit, cross-site guard, error
 * boundary) on @hono/node-server, next to a bare Hono app and a bare node:http server measured in the
 * same run. Each server runs in its own process and autocannon (its CLI, also its own process) drives
 * it, so on a two-core machine server and load generator each have a core. Reports; does not gate.
 *
 * Environment: BENCH_HTTP_SECONDS (default 8), BENCH_HTTP_CONNECTIONS (default 50).
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 50);
const run_ = promisify(execFile);

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
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

async function load(port: number, duration: number): Promise<Result> {
  const { stdout } = await run_(
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

export async function run(): Promise<void> {
  const rows: Array<[string, Result]> = [];
  for (const variant of ['bare', 'hono', 'stack']) {
    const { child, port } = await start(variant);
    try {
      await load(port, 2); // warm-up: JIT, connection set-up
      rows.push([variant, await load(port, seconds)]);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  }
  const bare = rows[0]![1].requests.average;
  console.log(`GET /healthz, ${connections} connections, ${seconds} s each`);
  for (const [variant, r] of rows) {
    console.log(
      `${variant.padEnd(6)} ${r.requests.average.toFixed(0).padStart(7)} req/s  ` +
        `(${((r.requests.average / bare) * 100).toFixed(0)}% of bare)  ` +
        `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
    );
  }
}
