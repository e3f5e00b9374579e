import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { MEMBER_COOKIE } from '../src/auth/cookies.js';
import { startMemberSession } from '../src/auth/member-sessions.js';
import { newId } from '../src/db/ids.js';
import { addMembership, ensureUser } from '../src/db/repo/users.js';
import type { Store } from '../src/db/store.js';
import { MemoryRateLimitStore } from '../src/http/rate-limit.js';
import { MasterKey } from '../src/keys/master-key.js';
import { ensureSigningKeys } from '../src/keys/signing-keys.js';
import { createLogger } from '../src/platform/node/logger.js';
import { migratePg } from '../src/platform/node/pg-migrate.js';
import { openPgStore } from '../src/platform/node/pg-store.js';
import { nodePlatform } from '../src/platform/node/platform.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { rate } from '../src/risk/scale.js';
import { createTenantWithAdmin } from '../src/workspace/tenants.js';
import { formatMs, verdict } from './timing.js';

/*
 * `npm run bench -- register`: the risk register page (filtered by status, sorted by due date, through
 * the real app with a member session: app.request) and the dashboard at /app, with 10,000 vendors and
 * 100,000 risks in one tenant. Targets (issue 8): register p95 < 50 ms, dashboard p95 < 100 ms. SQLite
 * always; PostgreSQL too when BENCH_PG_URL (owner) and BENCH_PG_APP_URL (app role) name an empty
 * database. BENCH_REGISTER_RISKS (default 100000), BENCH_REGISTER_N (timed requests, default 60).
 */
const VENDORS = 10_000;
const RISKS = Number(process.env.BENCH_REGISTER_RISKS ?? 100_000);
const N = Number(process.env.BENCH_REGISTER_N ?? 60);
const BASE = 'https://assay.bench';

async function seed(store: Store, master: MasterKey) {
  await ensureSigningKeys(store, master);
  const { tenantId } = await createTenantWithAdmin(store, { name: 'Bench', adminEmail: 'a@bench.example' });
  const now = new Date();
  const vendorIds = Array.from({ length: VENDORS }, () => newId());
  const started = performance.now();
  // Bulk inserts in one unit: multi-row statements of 500 rows.
  await store.tenant(tenantId).write((tx) => {
    for (let i = 0; i < VENDORS; i += 500)
      tx.write(
        tx.db.insert(tx.t.vendors).values(
          vendorIds.slice(i, i + 500).map((id, k) => ({
            id,
            tenantId,
            name: `Vendor ${String(i + k).padStart(5, '0')}`,
            tier: (['low', 'medium', 'high', 'critical'] as const)[(i + k) % 4],
            createdAt: now,
            updatedAt: now,
          })),
        ),
      );
  });
  const statuses = ['open', 'open', 'in_treatment', 'accepted', 'closed'] as const;
  for (let start = 0; start < RISKS; start += 20_000) {
    await store.tenant(tenantId).write((tx) => {
      for (let i = start; i < Math.min(RISKS, start + 20_000); i += 500) {
        const rows = [];
        for (let k = i; k < Math.min(RISKS, i + 500); k++) {
          const likelihood = (k % 5) + 1;
          const impact = (Math.floor(k / 5) % 5) + 1;
          const { score, rating } = rate(likelihood, impact);
          const due = `203${k % 10}-${String((k % 12) + 1).padStart(2, '0')}-${String((k % 28) + 1).padStart(2, '0')}`;
          const status = statuses[k % 5]!;
          rows.push({
            id: newId(),
            tenantId,
            vendorId: vendorIds[k % VENDORS]!,
            findingKey: `bench/F-${k}`,
            origin: 'finding' as const,
            title: `Risk ${k}`,
            sourceScope: 'bench',
            likelihood,
            impact,
            inherentScore: score,
            inherentRating: rating,
            status,
            acceptedUntil: status === 'accepted' ? '2099-12-31' : null,
            dueDate: due,
            dueKey: due,
            createdAt: new Date(now.getTime() - (k % 90) * 86_400_000),
            updatedAt: now,
            closedAt: status === 'closed' ? now : null,
          });
        }
        tx.write(tx.db.insert(tx.t.risks).values(rows));
      }
    });
  }
  const cookie = await store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
    const user = await ensureUser(tx, 'analyst@bench.example');
    addMembership(tx, user.id, 'analyst');
    return startMemberSession(tx, user.id, tenantId, new Date()).token;
  });
  return { tenantId, cookie, seedMs: performance.now() - started };
}

function p95(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]!;
}

async function measureOn(label: string, store: Store) {
  const master = new MasterKey(new Uint8Array(32).fill(9));
  const { cookie, seedMs } = await seed(store, master);
  const platform = await nodePlatform({
    config: {
      database: { dialect: 'sqlite', file: ':memory:' },
      production: false,
      trustProxy: 0,
      env: 'test',
    },
    logger: createLogger({ level: 'silent' }),
    store,
    rateLimits: new MemoryRateLimitStore(),
    masterKey: master,
  });
  const app = createApp(
    { ...platform, clientAddress: () => '192.0.2.1' },
    { config: { baseUrl: BASE, env: 'test' } },
  );
  const get = async (p: string) => {
    const res = await app.request(`${BASE}${p}`, { headers: { Cookie: `${MEMBER_COOKIE}=${cookie}` } });
    if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
    return res.text();
  };
  const first = await get('/app/risks?status=open&sort=due&dir=asc');
  const next = first.match(/rel="next" href="([^"]+)"/)![1]!.replaceAll('&amp;', '&');
  const pages = [
    '/app/risks?status=open&sort=due&dir=asc',
    next,
    '/app/risks?rating=critical&sort=rating',
    '/app/risks?sort=title&dir=desc',
  ];
  const time = async (paths: string[]) => {
    for (let i = 0; i < 5; i++) await get(paths[i % paths.length]!);
    const samples: number[] = [];
    for (let i = 0; i < N; i++) {
      const t0 = performance.now();
      await get(paths[i % paths.length]!);
      samples.push(performance.now() - t0);
    }
    return { p95: p95(samples), median: [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]! };
  };
  const reg = await time(pages);
  const dash = await time(['/app']);
  console.log(
    `${label}: seeded ${VENDORS.toLocaleString()} vendors + ${RISKS.toLocaleString()} risks in ${formatMs(seedMs)}`,
  );
  console.log(
    `  register page (filtered, sorted, keyset) median ${formatMs(reg.median)}, p95 ${formatMs(reg.p95)}  (${(reg.p95 / 50).toFixed(2)}× the 50 ms target)`,
  );
  console.log(
    `  dashboard /app                         median ${formatMs(dash.median)}, p95 ${formatMs(dash.p95)}  (${(dash.p95 / 100).toFixed(2)}× the 100 ms target)`,
  );
  console.log(verdict(reg.p95 < 50, `${label} register p95 < 50 ms`, formatMs(reg.p95)));
  console.log(verdict(dash.p95 < 100, `${label} dashboard p95 < 100 ms`, formatMs(dash.p95)));
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-register-'));
  const sqlite = openSqliteStore({ file: path.join(dir, 'assay.db') });
  try {
    await measureOn('SQLite', sqlite);
  } finally {
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const owner = process.env.BENCH_PG_URL;
  const appUrl = process.env.BENCH_PG_APP_URL;
  if (!owner || !appUrl) {
    console.log('PostgreSQL: skipped (set BENCH_PG_URL and BENCH_PG_APP_URL to an empty database)');
    return;
  }
  await migratePg(owner, appUrl);
  const pg = openPgStore({ url: appUrl, max: 4 });
  try {
    await measureOn('PostgreSQL', pg);
  } finally {
    await pg.close();
  }
}
