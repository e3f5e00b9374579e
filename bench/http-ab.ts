import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnApp } from './app-server.js';

/*
 * An A/B of the server's CPU per request between checkouts, interleaved:
 *
 *   node --import tsx bench/http-ab.ts ROUNDS SECONDS DIR_A DIR_B [DIR…]
 *
 * Each DIR is a checkout whose dist/ is built (`node scripts/build.mjs`; a `git archive` of another commit
 * with this node_modules linked in will do). Per round, each DIR's built server is started as the http bench
 * starts the app (NODE_ENV=production, SQLite in a fresh DATA_DIR, the access log at info to /dev/null, the
 * first tenant through its set-up link), and autocannon (50 connections) drives each path for 2 s of warm-up
 * and SECONDS measured; the order of the DIRs alternates between rounds. Printed: the server process's
 * user + system CPU per request from /proc (Linux), and req/s. On a shared machine the CPU figure is the one
 * to compare; `npm run bench -- http` stays the figure against the peers. BENCH_AB_PATHS (default
 * `/healthz,/app/login,/app`; `/app` is requested signed in). BENCH_AB_PROFILE=DIR runs the servers under
 * `node --cpu-prof`.
 */

const here = dirname(fileURLToPath(import.meta.url));
const execFileAsync = promisify(execFile);
const [roundsArg, secondsArg, ...dirs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
if (!(rounds > 0) || !(seconds > 0) || dirs.length === 0) {
  console.error('usage: node --import tsx bench/http-ab.ts ROUNDS SECONDS DIR [DIR…]');
  process.exit(1);
}
const paths = (process.env.BENCH_AB_PATHS ?? '/healthz,/app/login,/app').split(',');
const profileDir = process.env.BENCH_AB_PROFILE;
const BASE_URL = 'https://assay.bench.invalid';
const PASSWORD = 'correct horse battery staple';

interface Result {
  requests: { average: number; total: number };
  '2xx': number;
}

async function load(port: number, path: string, s: number, headers: Record<string, string>): Promise<Result> {
  const args = [
    join(here, '../node_modules/autocannon/autocannon.js'),
    '--json',
    '-c',
    '50',
    '-d',
    String(s),
  ];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(`http://127.0.0.1:${port}${path}`);
  const { stdout } = await execFileAsync(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Result;
}

/** User + system CPU of a process in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function start(dir: string) {
  const { child, port, dataDir, linkFile } = await spawnApp({
    cwd: dir,
    script: 'dist/server.js',
    baseUrl: BASE_URL,
    tmpPrefix: 'assay-ab-',
    label: dir,
    profileDir,
  });
  const link = readFileSync(linkFile, 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${port}/setup/${link.slice(link.lastIndexOf('/') + 1)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE_URL },
    body: new URLSearchParams({
      tenantName: 'Acme Widgets',
      email: 'owner@example.com',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    }).toString(),
    redirect: 'manual',
  });
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-assay='))
    ?.split(';')[0];
  if (!cookie) throw new Error(`${dir}: set-up answered ${res.status} without a session cookie`);
  return {
    child,
    port,
    cookie,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const figures = new Map<string, string[]>();
for (let round = 0; round < rounds; round++) {
  for (const dir of round % 2 === 0 ? dirs : [...dirs].reverse()) {
    const app = await start(resolve(dir));
    try {
      for (const path of paths) {
        const headers: Record<string, string> = path === '/app' ? { Cookie: app.cookie } : {};
        await load(app.port, path, 2, headers);
        const before = cpuMs(app.child.pid!);
        const r = await load(app.port, path, seconds, headers);
        const after = cpuMs(app.child.pid!);
        if (r['2xx'] !== r.requests.total) throw new Error(`${dir} ${path}: answers other than 2xx`);
        const key = `${path.padEnd(11)} ${dir}`;
        const us = ((after - before) * 1000) / r.requests.total;
        figures.set(key, [
          ...(figures.get(key) ?? []),
          `${us.toFixed(1)} µs (${r.requests.average.toFixed(0)} req/s)`,
        ]);
      }
    } finally {
      await app.stop();
    }
  }
}
console.log(`CPU per request (req/s), ${rounds} interleaved rounds of ${seconds} s:`);
for (const [key, values] of [...figures].sort()) console.log(`  ${key}  ${values.join('  ')}`);
