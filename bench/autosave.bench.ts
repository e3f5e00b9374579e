import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type WalPages, walPages, walPagesLine } from './support.js';
import { verdict } from './timing.js';

/*
 * `npm run bench -- autosave`: 50 concurrent vendor sessions autosaving one answer after another over
 * real HTTP to the real app on a SQLite file (each save: session check, revision-checked write, the
 * engine re-evaluating visibility and progress, the out-of-band fragment), next to node:http +
 * better-sqlite3 doing one INSERT per request, in the same run. Each server runs in its own process;
 * this process is the load generator (keep-alive agents, one connection per session). Each session
 * sends the revision the previous answer returned, as the page does. Targets (issue #7): ≥ 0.6× the bare
 * server's throughput, p99 < 25 ms. BENCH_AUTOSAVE_SECONDS (default 8), BENCH_AUTOSAVE_SESSIONS (50);
 * BENCH_AUTOSAVE_PROFILE=<dir> writes a V8 CPU profile of the app's process there (`--cpu-prof`);
 * BENCH_AUTOSAVE_TSX=1 runs the target's sources under tsx instead of bundled (see targetEntry);
 * BENCH_AUTOSAVE_ONLY=app (or a comma list of app, bare, floor) runs only those servers, for quick A/B runs
 * of the app's CPU per save (the ratios and the verdicts need all three).
 * The floor line is bare Hono sending one save's statements to the same file (floorApp in
 * bench/autosave-target.ts): what a save costs with none of the app's code around its database work.
 */
const here = dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.BENCH_AUTOSAVE_SECONDS ?? 8);
const sessions = Number(process.env.BENCH_AUTOSAVE_SESSIONS ?? 50);
const profile = process.env.BENCH_AUTOSAVE_PROFILE;

type Target = {
  child: ChildProcess;
  port: number;
  /** The app's SQLite file (the bare peer has none to report). */
  file?: string;
  sessions: { path: string; cookie: string; key: string }[];
};

/**
 * The target bundled as `npm start` runs the app (scripts/build.mjs: one esbuild bundle, dependencies
 * external), not its sources under tsx: tsx compiles with `keepNames`, which wraps every function made
 * at run time (each template render makes dozens) in an `Object.defineProperty` call that the built
 * server never pays (~5 % of a save's CPU in the profile). Written under node_modules/.cache, inside the
 * app root, so the bundle finds the root, the migrations and node_modules as dist/server.js does.
 * BENCH_AUTOSAVE_TSX=1 runs the sources under tsx, as the bench did before 2026-12-04.
 */
async function targetEntry(): Promise<string[]> {
  if (process.env.BENCH_AUTOSAVE_TSX) return ['--import', 'tsx', join(here, 'autosave-target.ts')];
  const root = join(here, '..');
  const { generate } = (await import(join(root, 'scripts/generate.mjs'))) as { generate(): void };
  generate();
  const esbuild = await import('esbuild');
  const outfile = join(root, 'node_modules/.cache/assay-bench/autosave-target.mjs');
  await esbuild.build({
    entryPoints: [join(here, 'autosave-target.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return [outfile];
}
let entry: Promise<string[]> | undefined;

async function start(variant: 'app' | 'bare' | 'floor'): Promise<Target> {
  entry ??= targetEntry();
  const child = spawn(
    process.execPath,
    [
      ...(profile && variant === 'app' ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...(await entry),
      variant,
      String(sessions),
    ],
    {
      cwd: join(here, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, ...(JSON.parse(line) as Omit<Target, 'child'>) };
}

function post(
  agent: http.Agent,
  port: number,
  path: string,
  cookie: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          Cookie: cookie,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          Origin: 'http://127.0.0.1',
          'Sec-Fetch-Site': 'same-origin',
          'HX-Request': 'true',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The revision each session last saw, kept across the warm-up and the measured run. */
const revs = new Map<string, string>();

async function drive(
  t: Target,
): Promise<{ rps: number; p50: number; p99: number; errors: number; requests: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    t.sessions.map(async (s, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      let rev = revs.get(s.path) ?? '0';
      let n = 0;
      while (performance.now() < until) {
        const body = new URLSearchParams({
          [s.key]: `Answer ${i}.${n++}: described in our policy.`,
          [`_rev.${s.key}`]: rev,
        }).toString();
        const started = performance.now();
        const res = await post(agent, t.port, s.path, s.cookie, body);
        latencies.push(performance.now() - started);
        if (res.status !== 200 && errors++ === 0)
          console.error(`first non-200: ${res.status} ${res.text.slice(0, 300)}`);
        const m = /name="_rev\.[^"]*" [^>]*value="(\d+)"/.exec(res.text);
        if (m) rev = m[1]!;
      }
      revs.set(s.path, rev);
      agent.destroy();
    }),
  );
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99), errors, requests: latencies.length };
}

/** `n` saves on the first session, one after another (what each save's commit writes, for walPages). */
async function saveInTurn(t: Target, n: number): Promise<void> {
  const s = t.sessions[0]!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let rev = revs.get(s.path) ?? '0';
  for (let i = 0; i < n; i++) {
    const body = new URLSearchParams({
      [s.key]: `In turn ${i}: described in our policy.`,
      [`_rev.${s.key}`]: rev,
    });
    const res = await post(agent, t.port, s.path, s.cookie, body.toString());
    if (res.status !== 200) throw new Error(`save in turn: ${res.status}`);
    rev = /name="_rev\.[^"]*" [^>]*value="(\d+)"/.exec(res.text)?.[1] ?? rev;
  }
  revs.set(s.path, rev);
  agent.destroy();
}

const WAL_SAMPLE = 30;

/**
 * The server process's CPU time so far in ms (user + system, from /proc on Linux; NaN elsewhere): per
 * request it is the figure a shared machine distorts least.
 */
function serverCpuMs(t: Target): number {
  try {
    const stat = readFileSync(`/proc/${t.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

export async function run(): Promise<void> {
  let wal: WalPages | undefined;
  type Result = Awaited<ReturnType<typeof drive>> & { cpuUs: number | undefined };
  const results: Record<string, Result> = {};
  const only = process.env.BENCH_AUTOSAVE_ONLY?.split(',');
  for (const variant of ['bare', 'floor', 'app'] as const) {
    if (only && !only.includes(variant)) continue;
    const t = await start(variant);
    try {
      await drive({ ...t, sessions: t.sessions.slice(0, 5) }); // warm-up
      if (t.file && variant === 'app') wal = await walPages(t.file, () => saveInTurn(t, WAL_SAMPLE));
      const cpu = serverCpuMs(t);
      const r = await drive(t);
      const used = serverCpuMs(t) - cpu;
      results[variant] = { ...r, cpuUs: Number.isNaN(used) ? undefined : (used * 1000) / r.requests };
    } finally {
      t.child.kill();
    }
  }
  const { bare, floor, app } = results as Partial<Record<'bare' | 'floor' | 'app', Result>>;
  const fmt = (r: Result) =>
    `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.errors} non-200${
      r.cpuUs === undefined ? '' : `, server CPU ${r.cpuUs.toFixed(0)} µs a request`
    }`;
  if (bare) console.log(`bare node:http + better-sqlite3 INSERT  ${fmt(bare)}`);
  if (floor) console.log(`floor: bare Hono + a save's statements   ${fmt(floor)}`);
  if (app) console.log(`assay autosave (${sessions} sessions)       ${fmt(app)}`);
  if (wal) console.log(`WAL per autosave  ${walPagesLine(wal, WAL_SAMPLE)}`);
  if (app && app.errors > 0) throw new Error(`${app.errors} autosaves were not answered 200`);
  if (!bare || !app) return;
  const ratio = app.rps / bare.rps;
  console.log(verdict(ratio >= 0.6, 'throughput ≥ 0.6× bare', `${ratio.toFixed(2)}×`));
  console.log(verdict(app.p99 < 25, 'p99 < 25 ms', `${app.p99.toFixed(1)} ms`));
}
