/**
 * A second process on the same SQLite file (a worker thread with its own connection): appends audit
 * entries and claims mail in a loop, racing the other worker. Reports the dedupe keys it claimed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as repo from '../../../src/db/repo/index.js';
import { openSqliteStore } from '../../../src/platform/node/sqlite-store.js';

const { file, tenantId, name, index, appends, now, barrier } = workerData as {
  file: string;
  tenantId: string;
  name: string;
  /** 0 or 1: this process's step counter in the barrier (slot 1 + index). */
  index: number;
  appends: number;
  now: number;
  barrier: SharedArrayBuffer;
};
const store = openSqliteStore({ file });
// Start together with the other process: both arrive, then both run (a real race, not one after the other).
const gate = new Int32Array(barrier);
Atomics.add(gate, 0, 1);
Atomics.notify(gate, 0);
while (Atomics.load(gate, 0) < 2) Atomics.wait(gate, 0, Atomics.load(gate, 0), 50);
const claimed: string[] = [];
for (let i = 0; i < appends; i++) {
  await store.tenant(tenantId).write(async (tx) => {
    await repo.currentTenant(tx);
    tx.audit({ actor: `system:${name}`, action: `append.${i}`, target: 't' });
  });
  const w = await store.as({ system: 'mail' }).write((tx) => repo.claimDueMail(tx, new Date(now), 1));
  claimed.push(...w.rows.map((r) => r.dedupeKey));
  // Lockstep: step i + 1 starts only when the other process has finished step i too, so on a loaded
  // machine one process cannot run through every step before the other is scheduled; within a step
  // the two still race for the same rows.
  Atomics.add(gate, 1 + index, 1);
  Atomics.notify(gate, 1 + index);
  const other = 2 - index;
  const deadline = Date.now() + 10_000;
  while (Atomics.load(gate, other) < i + 1 && Date.now() < deadline) {
    Atomics.wait(gate, other, Atomics.load(gate, other), 50);
  }
}
await store.close();
parentPort!.postMessage({ claimed });
