import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path, { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AUDIT_INSERT_COLUMNS, auditRowValues, nextEntry } from '../src/audit/chain.js';
import { attestEntry, makeCheckpoint } from '../src/audit/checkpoints.js';
import { leafHash, verifyInclusion } from '../src/audit/merkle.js';
import { type TrailReport, verifyTenantTrail } from '../src/audit/verify.js';
import { listAudit } from '../src/db/repo/audit.js';
import { createKeyRing } from '../src/keys/keyring.js';
import { MasterKey } from '../src/keys/master-key.js';
import { ensureSigningKeys } from '../src/keys/signing-keys.js';
import { sqliteParallelVerify } from '../src/platform/node/audit-verify-pool.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { verdict } from './timing.js';

/*
 * `npm run bench -- audit` (issue 9): one tenant's trail of BENCH_AUDIT_ENTRIES (default 1,000,000)
 * entries on a SQLite file, written straight into the table with the real chain (nextEntry) so the set-up
 * stays short. Then the verify over all of it (target < 10 s), three ways: `assay audit verify` itself (the
 * built CLI as a child process: start, store, worker threads), the same parallel verify in this process
 * (its worker from dist/, CPU counted over every thread), and the single pass (the peer: what the CLI
 * ran before, and what PostgreSQL, D1 and the app still run);
 * the first checkpoint (which fills the Merkle block cache); a new entry, a checkpoint and its inclusion
 * proof with the cache warm (target < 50 ms, median of 20); and the autosave benchmark with and without
 * the chain (BENCH_AUTOSAVE_NO_AUDIT queues no entry), each run for BENCH_AUTOSAVE_SECONDS (default 5).
 */
const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const autosaveSeconds = process.env.BENCH_AUTOSAVE_SECONDS ?? '5';

/**
 * A written trail is kept in the temp folder (keyed by N and the migrations) and copied for each run:
 * writing a million entries takes minutes on a loaded machine, and each run must start from the same file.
 */
function templatePath(): string {
  const folder = join(here, '..', 'migrations', 'sqlite');
  const key = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${f}:${fs.statSync(join(folder, f)).size}`)
    .join(',');
  const digest = createHash('sha256')
    .update(`${N}|${key}|${fs.statSync(fileURLToPath(import.meta.url)).size}`)
    .digest('hex');
  return path.join(os.tmpdir(), `assay-audit-bench-${digest.slice(0, 16)}`);
}

async function trail() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-audit-bench-'));
  const file = path.join(dir, 'assay.db');
  const master = new MasterKey(new Uint8Array(32).fill(7));
  const template = templatePath();
  if (!process.env.BENCH_AUDIT_FRESH && fs.existsSync(join(template, 'done'))) {
    fs.copyFileSync(join(template, 'assay.db'), file);
    const tenantId = fs.readFileSync(join(template, 'done'), 'utf8');
    console.log(`set-up: ${N.toLocaleString('en')} chained entries copied from ${template}`);
    return { store: openSqliteStore({ file }), tenantId, master, dir };
  }
  const store = openSqliteStore({ file });
  await ensureSigningKeys(store, master);
  const tenantId = crypto.randomUUID();
  await store.tenant(tenantId).write((tx) => {
    tx.write(tx.db.insert(tx.t.tenants).values({ id: tenantId, name: 'Bench', createdAt: new Date() }));
  });
  const started = performance.now();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let head: { seq: number; hash: string } | null = null;
  const at = new Date();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const next = nextEntry(
        tenantId,
        head,
        {
          actor: `vendor:${tenantId}`,
          action: 'answer.saved',
          target: `assessment:${tenantId}`,
          data: { question: `q${i % 97}`, value_sha256: '9f'.repeat(32), revision: i },
        },
        at,
        { ip: '0123456789abcdef', ua: 'fedcba9876543210' },
      );
      insert.run(...auditRowValues(crypto.randomUUID(), next));
      head = { seq: next.entry.seq, hash: next.hash };
    }
  });
  for (let i = 0; i < N; i += 50_000) batch(i, Math.min(N, i + 50_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  fs.mkdirSync(template, { recursive: true });
  fs.copyFileSync(file, join(template, 'assay.db'));
  fs.writeFileSync(join(template, 'done'), tenantId);
  console.log(
    `set-up: ${N.toLocaleString('en')} chained entries written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { store, tenantId, master, dir };
}

function autosave(withChain: boolean): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'run.ts'), 'autosave'], {
    cwd: join(here, '..'),
    encoding: 'utf8',
    env: {
      ...process.env,
      BENCH_AUTOSAVE_SECONDS: autosaveSeconds,
      ...(withChain ? {} : { BENCH_AUTOSAVE_NO_AUDIT: '1' }),
    },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('assay autosave'));
  return line
    ? line.replace(/^assay autosave \(\d+ sessions\)\s*/, '')
    : `(no figure: ${r.stderr.slice(-200)})`;
}

export async function run(): Promise<void> {
  const { store, tenantId, master, dir } = await trail();
  try {
    const keys = createKeyRing(store, master, { clock: { now: () => new Date() } });
    const deps = { store, keys, baseUrl: 'https://bench.example' };

    let t = performance.now();
    const cold = await makeCheckpoint(deps, tenantId, 'periodic');
    console.log(
      `first checkpoint (fills the block cache): ${(performance.now() - t).toFixed(0)} ms, size ${cold!.treeSize}`,
    );

    // The built CLI and its worker entry (bin/assay.js would build them too, inside the timing).
    const build = spawnSync(process.execPath, [join(here, '..', 'scripts', 'build.mjs'), '--if-stale'], {
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('the build failed');
    const measure = async (what: () => Promise<TrailReport>) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const report = await what();
      const wall = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuS = (used.user + used.system) / 1e6;
      if (!report.ok) throw new Error(`the bench trail does not verify: ${report.problem?.message}`);
      return { wall, cpuS, entries: report.entries };
    };
    const perEntry = (s: number, n: number) => `${((s * 1e6) / n).toFixed(1)} µs an entry`;

    // The child's CPU time (every thread), from the kernel's count for waited-for children (Linux only).
    const childCpu = () => {
      try {
        const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[13]) + Number(f[14])) / 100;
      } catch {
        return Number.NaN;
      }
    };
    const cpu0 = childCpu();
    t = performance.now();
    const cli = spawnSync(
      process.execPath,
      [join(here, '..', 'bin', 'assay.js'), 'audit', 'verify', '--tenant', tenantId],
      {
        encoding: 'utf8',
        env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '', BASE_URL: 'https://bench.example' },
      },
    );
    const cliS = (performance.now() - t) / 1000;
    const cliCpu = childCpu() - cpu0;
    if (cli.status !== 0 || !cli.stdout.includes(': ok,'))
      throw new Error(`assay audit verify: ${cli.stderr}`);
    const parallel = sqliteParallelVerify(join(dir, 'assay.db'), {
      workerFile: join(here, '..', 'dist', 'audit-verify-worker.js'),
    });
    const par = await measure(() => verifyTenantTrail(store, tenantId, { parallel }));
    await parallel.close();
    const one = await measure(() => verifyTenantTrail(store, tenantId));
    console.log(
      verdict(
        cliS < 10,
        `assay audit verify, ${one.entries.toLocaleString('en')} entries < 10 s`,
        `${cliS.toFixed(2)} s, CPU ${cliCpu.toFixed(2)} s (the whole command, ${parallel.threads} threads)`,
      ),
    );
    console.log(
      `  parallel verify in-process   ${par.wall.toFixed(2)} s, CPU ${par.cpuS.toFixed(2)} s (${perEntry(par.cpuS, par.entries)}, all threads)`,
    );
    console.log(
      `  single pass (the peer)       ${one.wall.toFixed(2)} s, CPU ${one.cpuS.toFixed(2)} s (${perEntry(one.cpuS, one.entries)})  parallel/single wall ${(par.wall / one.wall).toFixed(2)}`,
    );

    // Warm: one more entry, then its checkpoint and the inclusion proof of an old entry (attestEntry, as a submission does).
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      await store
        .tenant(tenantId)
        .write((tx) => tx.audit({ actor: 'system', action: 'bench.step', target: `step:${i}`, data: {} }));
      t = performance.now();
      const seq = 1 + ((i * 7919) % (N + i + 1));
      const { checkpoint: c, proof: p } = await attestEntry(deps, tenantId, seq, 'submission');
      samples.push(performance.now() - t);
      if (i === 0) {
        const [e] = await store
          .tenant(tenantId)
          .read((ctx) => listAudit(ctx, { afterSeq: seq - 1, limit: 1 }));
        const root = Uint8Array.from(Buffer.from(c.rootHash, 'hex'));
        const ok = verifyInclusion(
          p.index,
          p.treeSize,
          leafHash(e!.this_hash),
          p.hashes.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
          root,
        );
        if (!ok) throw new Error('the inclusion proof does not verify');
      }
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    console.log(
      verdict(
        median < 50,
        `checkpoint + inclusion proof over ${N.toLocaleString('en')} entries < 50 ms`,
        `median ${median.toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`,
      ),
    );
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_AUDIT_SKIP_AUTOSAVE) return;
  console.log(`autosave with the chain     ${autosave(true)}`);
  console.log(`autosave without the chain  ${autosave(false)}`);
}
