import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnApp } from './app-server.js';
import { verdict } from './timing.js';

/*
 * `npm run bench -- http`: the real app, started as `npm start` starts it (scripts/start.mjs: dist/ built
 * from src/, `createApp` on `nodePlatform` over SQLite in a temporary DATA_DIR, @hono/node-server passed
 * through `hardenNodeServer`, NODE_ENV=production, access log on at `info`), next to its peers measured
 * in the same run: a bare node:http server and a bare Hono app (bench/http-target.ts) answering the same
 * paths with a constant string of the same size. Each server runs in its own process and autocannon (its
 * CLI, also its own process) drives it, so on a two-core machine server and load generator each have a
 * core.
 *
 * The app's tenant and admin are made through its own first-run flow (the set-up link it writes to
 * SETUP_LINK_FILE, then POST /setup/<token>), which signs the admin in: that cookie drives GET /app.
 *
 * Throughput, per path and server: requests per second, and the server's CPU time per request (from
 * /proc, Linux only). The second barely moves when other work shares the machine, so it is the one to
 * compare. Each figure is the median of interleaved rounds (every round starts each server afresh, in a
 * rotating order). Ratios are the app's against bare Hono's.
 *
 * Responsiveness: GET /healthz at a fixed, modest rate (latency, not throughput), alone and while a burst
 * of correct sign-ins (POST /app/login: argon2id verify, session write, audit entry) runs next to it. The
 * hashing runs on libuv's pool (@node-rs/argon2), so the event loop should barely notice. The burst stays
 * under the sign-in limit per address (100 attempts in 15 min), which is why each round gets a fresh
 * DATA_DIR.
 *
 * Reports; does not gate. Environment: BENCH_HTTP_SECONDS (default 5), BENCH_HTTP_ROUNDS (default 3),
 * BENCH_HTTP_CONNECTIONS (default 50), BENCH_HTTP_PROFILE=DIR (run the app under `node --cpu-prof`,
 * profiles written to DIR).
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 50);
const profileDir = process.env.BENCH_HTTP_PROFILE;
const execFileAsync = promisify(execFile);

const BASE_URL = 'https://assay.bench.invalid';
const EMAIL = 'owner@example.com';
const PASSWORD = 'correct horse battery staple';
/** /healthz while measuring latency: well under capacity, so the figures are response times, not queueing. */
const LATENCY = { rate: 400, connections: 8, seconds: 2 };
/** Sign-ins in the burst: under the per-address cap of 100 per 15 minutes (the set-up POST counts apart). */
const BURST = { amount: 90, connections: 4 };

const PATHS = [
  { name: 'GET /healthz', path: '/healthz', target: 0.5, signedIn: false },
  { name: 'GET /app/login', path: '/app/login', target: 0.3, signedIn: false },
  { name: 'GET /app (signed in)', path: '/app', target: 0.25, signedIn: true },
] as const;
const SERVERS = ['app', 'bare', 'hono'] as const;
type ServerName = (typeof SERVERS)[number];

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  duration: number;
  non2xx: number;
  errors: number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
}

interface LoadOptions {
  seconds?: number;
  amount?: number;
  connections?: number;
  rate?: number;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

async function load(port: number, path: string, o: LoadOptions = {}): Promise<Result> {
  const args = [join(root, 'node_modules/autocannon/autocannon.js'), '--json'];
  args.push('-c', String(o.connections ?? connections));
  if (o.amount !== undefined) args.push('-a', String(o.amount));
  else args.push('-d', String(o.seconds ?? seconds));
  if (o.rate !== undefined) args.push('-R', String(o.rate));
  if (o.method) args.push('-m', o.method);
  if (o.body !== undefined) args.push('-b', o.body);
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(`http://127.0.0.1:${port}${path}`);
  const { stdout } = await execFileAsync(process.execPath, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as Result;
}

/** User + system CPU of a process in ms (clock ticks of 10 ms), or null off Linux. */
function cpuMs(pid: number, file = `/proc/${pid}/stat`): number | null {
  if (!existsSync(file)) return null;
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU in ms of a process's main thread (the event loop) and of all its other threads (libuv's pool, GC helpers). */
function threadCpuMs(pid: number): { main: number; others: number } | null {
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return null;
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(dir)) {
    const ms = cpuMs(Number(tid), `${dir}/${tid}/stat`);
    if (ms === null) continue;
    if (Number(tid) === pid) main += ms;
    else others += ms;
  }
  return { main, others };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function startPeer(variant: 'bare' | 'hono', sizes: { login: number; app: number }): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'http-target.ts'), variant], {
    cwd: root,
    env: { ...process.env, BENCH_LOGIN_BYTES: String(sizes.login), BENCH_APP_BYTES: String(sizes.app) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, port: (JSON.parse(line) as { port: number }).port, stop: () => stopChild(child) };
}

/** `npm start` in a fresh DATA_DIR; resolves once /healthz answers. */
async function startApp(): Promise<Running & { dataDir: string; linkFile: string }> {
  const { child, port, dataDir, linkFile } = await spawnApp({
    cwd: root,
    script: 'scripts/start.mjs',
    baseUrl: BASE_URL,
    tmpPrefix: 'assay-bench-',
    label: 'the app',
    profileDir,
  });
  return {
    child,
    port,
    dataDir,
    linkFile,
    stop: async () => {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE_URL };

/** The first tenant and its admin through the first-run link; returns the admin's session cookie. */
async function setUp(app: { port: number; linkFile: string }): Promise<string> {
  const link = readFileSync(app.linkFile, 'utf8').trim();
  const token = link.slice(link.lastIndexOf('/') + 1);
  const res = await fetch(`http://127.0.0.1:${app.port}/setup/${token}`, {
    method: 'POST',
    headers: FORM,
    body: form({ tenantName: 'Acme Widgets', email: EMAIL, password: PASSWORD, passwordConfirm: PASSWORD }),
    redirect: 'manual',
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-assay='));
  if (res.status !== 303 || !cookie)
    throw new Error(`set-up answered ${res.status} without a session cookie`);
  return cookie.split(';')[0]!;
}

async function bodyBytes(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: 'manual' });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  return (await res.arrayBuffer()).byteLength;
}

type Key = `${ServerName} ${string}`;
const rps = new Map<Key, number[]>();
const cpu = new Map<Key, number[]>();
const lastResult = new Map<Key, Result>();
const push = (m: Map<Key, number[]>, k: Key, v: number) => m.set(k, [...(m.get(k) ?? []), v]);

async function throughput(
  server: ServerName,
  running: Running,
  path: (typeof PATHS)[number],
  cookie: string,
): Promise<void> {
  const headers: Record<string, string> = path.signedIn ? { Cookie: cookie } : {};
  await load(running.port, path.path, { seconds: 2, headers }); // warm-up: JIT, connection set-up
  const before = cpuMs(running.child.pid!);
  const result = await load(running.port, path.path, { headers });
  const after = cpuMs(running.child.pid!);
  if (result['2xx'] !== result.requests.total || result.errors > 0) {
    throw new Error(`${server} ${path.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  const key: Key = `${server} ${path.name}`;
  push(rps, key, result.requests.average);
  if (before !== null && after !== null && result.requests.total > 0) {
    push(cpu, key, ((after - before) * 1000) / result.requests.total);
  }
  lastResult.set(key, result);
}

const latency = {
  quiet: { p50: [] as number[], p99: [] as number[] },
  burst: { p50: [] as number[], p99: [] as number[] },
};
const burstFigures = {
  signInsPerSecond: [] as number[],
  seconds: [] as number[],
  mainPerSignIn: [] as number[],
  othersPerSignIn: [] as number[],
  /** Share of the burst's wall time the event loop's thread spent on the CPU (the rest it was free). */
  mainBusy: [] as number[],
};

async function responsiveness(app: Running): Promise<void> {
  const healthz = () =>
    load(app.port, '/healthz', {
      connections: LATENCY.connections,
      rate: LATENCY.rate,
      seconds: LATENCY.seconds,
    });
  const quiet = await healthz();
  latency.quiet.p50.push(quiet.latency.p50);
  latency.quiet.p99.push(quiet.latency.p99);

  const before = threadCpuMs(app.child.pid!);
  const burst = load(app.port, '/app/login', {
    method: 'POST',
    amount: BURST.amount,
    connections: BURST.connections,
    headers: FORM,
    body: form({ email: EMAIL, password: PASSWORD }),
  });
  await sleep(200); // the burst's autocannon starts up and the hashing queue fills first
  const during = await healthz();
  const b = await burst;
  const after = threadCpuMs(app.child.pid!);
  if (b['3xx'] !== BURST.amount) {
    throw new Error(
      `sign-in burst: ${b['3xx']} of ${BURST.amount} signed in (2xx ${b['2xx']}, 4xx ${b['4xx']}, 5xx ${b['5xx']})`,
    );
  }
  if (b.duration < LATENCY.seconds + 0.2) {
    console.log(`  note: the burst lasted ${b.duration.toFixed(1)} s, shorter than the latency window`);
  }
  latency.burst.p50.push(during.latency.p50);
  latency.burst.p99.push(during.latency.p99);
  burstFigures.signInsPerSecond.push(BURST.amount / b.duration);
  burstFigures.seconds.push(b.duration);
  if (before !== null && after !== null) {
    // The /healthz requests of the window are in the main thread's share; at ~0.1 ms each, 2-3 ms per sign-in.
    burstFigures.mainPerSignIn.push((after.main - before.main) / BURST.amount);
    burstFigures.othersPerSignIn.push((after.others - before.others) / BURST.amount);
    burstFigures.mainBusy.push((after.main - before.main) / (b.duration * 1000));
  }
}

export async function run(): Promise<void> {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], {
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');

  let sizes: { login: number; app: number } | null = null;
  for (let round = 0; round < rounds; round++) {
    // The app goes first in round 0: the peers serve pages of its pages' sizes.
    const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length]!);
    for (const server of order) {
      const running: Running & { linkFile?: string } =
        server === 'app' ? await startApp() : await startPeer(server, sizes!);
      try {
        let cookie = '';
        if (server === 'app') {
          cookie = await setUp({ port: running.port, linkFile: running.linkFile! });
          sizes ??= {
            login: await bodyBytes(running.port, '/app/login'),
            app: await bodyBytes(running.port, '/app', { Cookie: cookie }),
          };
        }
        for (const path of PATHS) await throughput(server, running, path, cookie);
        if (server === 'app') await responsiveness(running);
      } finally {
        await running.stop();
      }
    }
  }

  console.log(
    `${connections} connections, ${seconds} s × ${rounds} rounds (medians); pages: /app/login ${sizes!.login} B, /app ${sizes!.app} B`,
  );
  for (const path of PATHS) {
    console.log(`\n${path.name}`);
    const hono = median(rps.get(`hono ${path.name}`)!);
    const honoCpu = cpu.has(`hono ${path.name}`) ? median(cpu.get(`hono ${path.name}`)!) : null;
    for (const server of SERVERS) {
      const key: Key = `${server} ${path.name}`;
      const r = lastResult.get(key)!;
      const requests = median(rps.get(key)!);
      const perRequest = cpu.has(key)
        ? `${median(cpu.get(key)!).toFixed(0).padStart(4)} µs CPU/request, `
        : '';
      console.log(
        `  ${server.padEnd(5)} ${requests.toFixed(0).padStart(6)} req/s (${(requests / hono).toFixed(2)}× Hono), ` +
          `${perRequest}p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`,
      );
    }
    const app = median(rps.get(`app ${path.name}`)!);
    const appCpu = cpu.has(`app ${path.name}`) ? median(cpu.get(`app ${path.name}`)!) : null;
    const cpuRatio = appCpu && honoCpu ? `; by CPU/request ${(honoCpu / appCpu).toFixed(2)}×` : '';
    console.log(
      `  ${verdict(app / hono >= path.target, `≥ ${path.target}× bare Hono`, `${(app / hono).toFixed(2)}× by req/s${cpuRatio}`)}`,
    );
    // Issue #6 names bare node:http as the peer: the same target against it, in the same run.
    const bare = median(rps.get(`bare ${path.name}`)!);
    const bareCpu = cpu.has(`bare ${path.name}`) ? median(cpu.get(`bare ${path.name}`)!) : null;
    const bareCpuRatio = appCpu && bareCpu ? `; by CPU/request ${(bareCpu / appCpu).toFixed(2)}×` : '';
    console.log(
      `  ${verdict(app / bare >= path.target, `≥ ${path.target}× bare node:http`, `${(app / bare).toFixed(2)}× by req/s${bareCpuRatio}`)}`,
    );
  }

  const q99 = median(latency.quiet.p99);
  const b99 = median(latency.burst.p99);
  console.log(
    `\nGET /healthz at ${LATENCY.rate} req/s, ${LATENCY.connections} connections, ${LATENCY.seconds} s (medians)\n` +
      `  alone:                 p50 ${median(latency.quiet.p50)} ms, p99 ${q99} ms\n` +
      `  during sign-in burst:  p50 ${median(latency.burst.p50)} ms, p99 ${b99} ms ` +
      `(${BURST.amount} correct sign-ins over ${BURST.connections} connections: ${median(burstFigures.signInsPerSecond).toFixed(0)}/s, ` +
      `${median(burstFigures.seconds).toFixed(1)} s` +
      (burstFigures.mainPerSignIn.length
        ? `; CPU per sign-in: ${median(burstFigures.mainPerSignIn).toFixed(1)} ms on the event loop's thread, ` +
          `${median(burstFigures.othersPerSignIn).toFixed(1)} ms on other threads; ` +
          `event loop's thread busy ${(median(burstFigures.mainBusy) * 100).toFixed(0)}% of the burst)`
        : ')'),
  );
  // Responsive: a hash (~20-40 ms of one core) never sits in front of a /healthz answer.
  console.log(
    `  ${verdict(b99 <= Math.max(10, 2 * q99), 'p99 during the burst ≤ max(10 ms, 2× alone)', `${b99} ms vs ${q99} ms`)}`,
  );
}
