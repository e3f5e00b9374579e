import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { smtpSinkUrl } from './smtp-sink.js';

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function start(dir: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'assay-ab-'));
  const linkFile = join(dataDir, 'setup-link');
  const port = await freePort();
  const out = openSync('/dev/null', 'w');
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, join(dir, 'dist/server.js')], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      // Production refuses to start without SMTP_URL: a local sink that discards what it gets.
      SMTP_URL: await smtpSinkUrl(),
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL,
      DATA_DIR: dataDir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      SETUP_LINK_FILE: linkFile,
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      ASSAY_DEV: '',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${dir}: the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok && existsSync(linkFile)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${dir}: no answer on /healthz within 120 s`);
    await sleep(100);
  }
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
