/**
 * Cold start: milliseconds from spawning a server process to its first 200 on GET /healthz.
 *
 *   node bench/cold-start.mjs [--runs 5] 'LABEL|DIR|COMMAND' …
 *
 * Each case runs COMMAND (through /bin/sh) in DIR with PORT and DATA_DIR set; the cases are
 * interleaved run by run so drift on a shared machine hits them alike. Every case gets its own data
 * folder, prepared by one untimed start (migrations applied, keys created), so the timed runs measure a
 * restart, not key generation. Prints each run and the median per case.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
let runs = 5;
const cases = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else {
    const [label, dir, command] = args[i].split('|');
    cases.push({ label, dir: path.resolve(dir), command, times: [] });
  }
}
if (!cases.length || !(runs > 0)) {
  console.error("usage: node bench/cold-start.mjs [--runs 5] 'LABEL|DIR|COMMAND' …");
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once(c, port, dataDir) {
  const started = performance.now();
  const child = spawn('/bin/sh', ['-c', `exec ${c.command}`], {
    cwd: c.dir,
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    for (;;) {
      if (exited) throw new Error(`${c.label}: the server exited before answering`);
      if (performance.now() - started > 60_000) throw new Error(`${c.label}: no 200 within 60 s`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
  } finally {
    // npm and sh start children of their own: stop the whole process group.
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
    while (!exited) await sleep(10);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const base = 18700 + Math.floor(Math.random() * 200);
for (const [i, c] of cases.entries()) {
  c.port = base + i;
  c.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-cold-'));
  await once(c, c.port, c.dataDir); // untimed: creates the database and the keys
}
for (let r = 0; r < runs; r++) {
  for (const c of cases) {
    const ms = await once(c, c.port, c.dataDir);
    c.times.push(ms);
    console.log(`run ${r + 1}  ${c.label.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms`);
  }
}
console.log('');
for (const c of cases) {
  console.log(
    `${c.label.padEnd(32)} median ${median(c.times).toFixed(0).padStart(6)} ms  (${c.times.map((t) => t.toFixed(0)).join(', ')})`,
  );
  fs.rmSync(c.dataDir, { recursive: true, force: true });
}
