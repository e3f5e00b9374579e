/**
 * The scheduler runs each job once per slot however many processes tick: two schedulers on one
 * database (two store instances on one SQLite file; two pools on one PostgreSQL database) tick the same
 * slots concurrently, and each job runs exactly once per slot. Without the guard (the claim replaced by
 * one that always succeeds) the same ticks run every job twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/store.js';
import type { Job } from '../../src/jobs/registry.js';
import { JOBS } from '../../src/jobs/registry.js';
import { type ClaimSlot, createScheduler, slotKey } from '../../src/jobs/scheduler.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { openSqliteStore } from '../../src/platform/node/sqlite-store.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { openTestStore, pgAvailable, type TestStore } from '../support/stores.js';

const runs: string[] = [];
const jobs: Job[] = [
  {
    name: 'test.hourly',
    every: 'hourly',
    run: async (_p, now) => {
      // Long enough that the two schedulers' ticks really overlap.
      await new Promise((r) => setTimeout(r, 20));
      runs.push(`hourly@${slotKey('hourly', now)}`);
    },
  },
  {
    name: 'test.daily',
    every: 'daily',
    run: async (_p, now) => {
      runs.push(`daily@${slotKey('daily', now)}`);
    },
  },
];

const TIMES = [
  '2030-05-01T08:00:00Z',
  '2030-05-01T08:20:00Z',
  '2030-05-01T08:59:59Z',
  '2030-05-01T09:05:00Z',
  '2030-05-02T00:01:00Z',
].map((t) => new Date(t));

async function tickBoth(stores: [Store, Store], claim?: ClaimSlot) {
  const schedulers = await Promise.all(
    stores.map(async (store) =>
      createScheduler({
        platform: { ...(await testPlatform(store)), baseUrl: BASE_URL },
        jobs,
        ...(claim ? { claim } : {}),
      }),
    ),
  );
  for (const at of TIMES) await Promise.all(schedulers.map((s) => s.tick(at)));
}

const EXACTLY_ONCE = [
  'daily@2030-05-01',
  'daily@2030-05-02',
  'hourly@2030-05-01T08',
  'hourly@2030-05-01T09',
  'hourly@2030-05-02T00',
];

function suite(open: () => Promise<{ stores: [Store, Store]; close(): Promise<void> }>) {
  let stores: [Store, Store];
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ stores, close } = await open());
  });
  afterAll(() => close());

  it('runs each job exactly once per slot across two schedulers', async () => {
    runs.length = 0;
    await tickBoth(stores);
    expect([...runs].sort()).toEqual(EXACTLY_ONCE);
  });

  it('runs them twice without the guard', async () => {
    runs.length = 0;
    await tickBoth(stores, async () => true);
    // One tick in that slot per scheduler: the job ran twice; every tick of a slot ran it again.
    expect(runs.filter((r) => r === 'daily@2030-05-02')).toHaveLength(2);
    expect(runs.filter((r) => r === 'hourly@2030-05-01T09')).toHaveLength(2);
    expect(runs.length).toBe(TIMES.length * jobs.length * 2);
  });

  it('runs the registered jobs (the chasing job among them) once per slot too', async () => {
    expect(JOBS.map((j) => j.name)).toContain('assessments.chase');
    const schedulers = await Promise.all(
      stores.map(async (store) =>
        createScheduler({ platform: { ...(await testPlatform(store)), baseUrl: BASE_URL } }),
      ),
    );
    const at = new Date('2031-01-01T10:00:00Z');
    const ran = await Promise.all(schedulers.map((s) => s.tick(at)));
    expect(ran.flatMap((r) => r.ran).filter((n) => n === 'assessments.chase')).toHaveLength(1);
  });
}

describe('scheduler [sqlite: two stores on one file]', () => {
  suite(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-sched-'));
    const file = path.join(dir, 'assay.db');
    const a = openSqliteStore({ file });
    const b = openSqliteStore({ file });
    return {
      stores: [a, b],
      close: async () => {
        await a.close();
        await b.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe.skipIf(!pgAvailable())('scheduler [pg: two pools on one database]', () => {
  suite(async () => {
    const ts: TestStore = await openTestStore('pg');
    const other = openPgStore({ url: ts.pg!.appUrl, max: 2 });
    return {
      stores: [ts.store, other],
      close: async () => {
        await other.close();
        await ts.close();
      },
    };
  });
});
