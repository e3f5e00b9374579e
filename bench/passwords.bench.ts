import { readFile } from 'node:fs/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPasswords, type Passwords, PasswordsBusyError } from '../src/auth/passwords.js';
import { nodeArgon2id, nodeHashingSlots, nodePasswords } from '../src/platform/node/passwords.js';
import { workersPasswords } from '../src/platform/workers/passwords.js';
import { startWorkerdPasswords, wasmModules } from '../test/auth/support.js';
import { describe, formatMs, measureAsync } from './timing.js';

/*
 * `npm run bench -- passwords`: argon2id at the OWASP parameters (m = 19 MiB, t = 2, p = 1) per
 * implementation — native on Node, the WASM build in Node and inside workerd — and what a burst of
 * sign-ins does to everything else on a Node process with and without the concurrency bound.
 * Informational; no targets. The three implementations must agree, or the benchmark fails.
 */

const PASSWORD = 'correct horse battery staple';

async function perImplementation(name: string, passwords: Pick<Passwords, 'hash' | 'verify'>, n: number) {
  const stored = await passwords.hash(PASSWORD);
  const hash = await measureAsync(() => passwords.hash(PASSWORD), { warmup: 2, iterations: n });
  const verify = await measureAsync(() => passwords.verify(stored, PASSWORD), { warmup: 2, iterations: n });
  console.log(`${name.padEnd(28)} hash ${describe(hash)}`);
  console.log(`${''.padEnd(28)} verify ${describe(verify)}`);
  return stored;
}

/** N verifications at once while a "request" reads a small file every 5 ms through the same thread pool. */
async function burst(label: string, passwords: Passwords, stored: string, n: number) {
  const file = fileURLToPath(import.meta.url);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const reads: number[] = [];
  let running = true;
  const reader = (async () => {
    while (running) {
      const start = process.hrtime.bigint();
      await readFile(file);
      reads.push(Number(process.hrtime.bigint() - start) / 1e6);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  delay.enable();
  const start = process.hrtime.bigint();
  const results = await Promise.allSettled(
    Array.from({ length: n }, () => passwords.verify(stored, PASSWORD)),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  delay.disable();
  running = false;
  await reader;
  const served = results.filter((r) => r.status === 'fulfilled' && r.value.ok).length;
  const busy = results.filter(
    (r) => r.status === 'rejected' && r.reason instanceof PasswordsBusyError,
  ).length;
  if (served + busy !== n) throw new Error(`${label}: ${n - served - busy} verifications failed otherwise`);
  reads.sort((a, b) => a - b);
  const p = (q: number) => reads[Math.min(reads.length - 1, Math.floor(q * reads.length))] ?? 0;
  console.log(
    `${label.padEnd(34)} ${served} served, ${busy} refused busy in ${formatMs(elapsed)}; ` +
      `file read during it median ${formatMs(p(0.5))}, max ${formatMs(p(1))}; ` +
      `event-loop delay max ${formatMs(delay.max / 1e6)}`,
  );
}

export async function run(): Promise<void> {
  const node = nodePasswords();
  const wasm = workersPasswords(await wasmModules());

  console.log('argon2id m=19456 KiB, t=2, p=1 (OWASP); one call at a time:');
  const fromNode = await perImplementation('@node-rs/argon2 (Node)', node, 20);
  const fromWasm = await perImplementation('argon2-wasm-edge (Node)', wasm, 10);
  const workerd = await startWorkerdPasswords();
  try {
    const noop = await measureAsync(() => workerd.noop(), { warmup: 2, iterations: 20 });
    const fromWorkerd = await perImplementation('argon2-wasm-edge (workerd)', workerd, 10);
    console.log(
      `${''.padEnd(28)} (workerd figures include one request's round trip, alone ${describe(noop)})`,
    );
    for (const [stored, verifier] of [
      [fromWorkerd, node],
      [fromNode, wasm],
      [fromWasm, node],
    ] as const) {
      if (!(await verifier.verify(stored, PASSWORD)).ok) throw new Error('the implementations disagree');
    }
    if (!(await workerd.verify(fromNode, PASSWORD)).ok)
      throw new Error('workerd does not verify a Node hash');
  } finally {
    await workerd.dispose();
  }

  console.log(`\nA burst of 48 verifications on Node (${nodeHashingSlots()} hashing slot(s) by default):`);
  const stored = await node.hash(PASSWORD);
  await burst('bounded (default)', node, stored, 48);
  await burst('unbounded', createPasswords(nodeArgon2id, { maxConcurrent: 1_000, maxQueued: 0 }), stored, 48);
}
