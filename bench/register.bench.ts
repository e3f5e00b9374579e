import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { MEMBER_COOKIE } from '../src/auth/cookies.js';
import { startMemberSession } from '../src/auth/member-sessions.js';
import { addMembership, ensureUser } from '../src/db/repo/users.js';
import { rawRows, type StatementObserver, type Store } from '../src/db/store.js';
import { migratePg } from '../src/platform/node/pg-migrate.js';
import { openPgStore } from '../src/platform/node/pg-store.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { encodeToken } from '../src/risk/register.js';
import { createTenantWithAdmin } from '../src/workspace/tenants.js';
import { createTestDatabase, ensureRoles, pgReachable } from '../test/support/pg.js';
import { benchMasterKey, benchPlatform } from './support.js';
import { formatMs, verdict } from './timing.js';

/*
 * `npm run bench -- register`: with 10,000 vendors and 100,000 risks in one tenant, through the real app
 * (app.request with an analyst's session): the register's first page, a filtered and sorted page deep in
 * the keyset (status=open, sort=due, the token of the 20,000th open risk) and the dashboard at /app.
 * Targets (issue 8): register p95 < 50 ms, dashboard p95 < 100 ms. Each page is set next to its bare
 * query time, measured in the same run: the statements the app sent for that page (captured once, with
 * their parameters) replayed on a bare driver connection (better-sqlite3 / pg), without session check
 * logic, unit of work, rendering or HTTP; the ratio app / bare is what the machine's load moves least.
 * The data is seeded in bulk (INSERT … SELECT over a recursive series), not through the app.
 * SQLite always; PostgreSQL on BENCH_PG_URL (owner) + BENCH_PG_APP_URL (app role, an empty database),
 * else on a throwaway database of the test server (test/support/pg.ts) when it answers.
 * BENCH_REGISTER_RISKS (default 100000), BENCH_REGISTER_N (timed requests per page, default 60),
 * BENCH_EXPLAIN=1 prints the query plans of each page's statements.
 */
const VENDORS = 10_000;
const RISKS = Number(process.env.BENCH_REGISTER_RISKS ?? 100_000);
const N = Number(process.env.BENCH_REGISTER_N ?? 60);
const EXPLAIN = process.env.BENCH_EXPLAIN === '1';
const BASE = 'https://assay.bench';
const DAY = 86_400_000;

type Dialect = 'sqlite' | 'pg';

/** Vendors and risks in two statements, each an INSERT … SELECT over a recursive series. */
function seedStatements(dialect: Dialect, tenantId: string, now: Date) {
  const vendorId =
    dialect === 'sqlite'
      ? sql.raw(`printf('00000000-0000-4000-8000-%012d', k)`)
      : sql.raw(`'00000000-0000-4000-8000-' || lpad(k::text, 12, '0')`);
  const vendorName =
    dialect === 'sqlite'
      ? sql.raw(`printf('Vendor %05d', k)`)
      : sql.raw(`'Vendor ' || lpad(k::text, 5, '0')`);
  const at = dialect === 'sqlite' ? sql`${now.getTime()}` : sql`${now.toISOString()}::timestamptz`;
  const tier = sql.raw(
    `case k % 4 when 0 then 'low' when 1 then 'medium' when 2 then 'high' else 'critical' end`,
  );
  const vendors = sql`insert into vendors (id, tenant_id, name, tier, created_at, updated_at)
    with recursive s(k) as (select 0 union all select k + 1 from s where k < ${VENDORS - 1})
    select ${vendorId}, ${tenantId}, ${vendorName}, ${tier}, ${at}, ${at} from s`;

  // k → likelihood, impact, status and vendor independently (status by k/25, so it is not tied to the cell).
  const riskId =
    dialect === 'sqlite'
      ? sql.raw(
          `substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12)`,
        )
      : sql.raw('h');
  const random =
    dialect === 'sqlite' ? sql.raw('lower(hex(randomblob(16)))') : sql.raw('gen_random_uuid()::text');
  const riskVendor =
    dialect === 'sqlite'
      ? sql.raw(`printf('00000000-0000-4000-8000-%012d', k % ${VENDORS})`)
      : sql.raw(`'00000000-0000-4000-8000-' || lpad((k % ${VENDORS})::text, 12, '0')`);
  const key = dialect === 'sqlite' ? sql.raw(`'bench/F-' || k`) : sql.raw(`'bench/F-' || k::text`);
  const due =
    dialect === 'sqlite'
      ? sql.raw(`printf('203%d-%02d-%02d', k % 10, k % 12 + 1, k % 28 + 1)`)
      : sql.raw(
          `format('203%s-%s-%s', k % 10, lpad((k % 12 + 1)::text, 2, '0'), lpad((k % 28 + 1)::text, 2, '0'))`,
        );
  const created =
    dialect === 'sqlite'
      ? sql`${now.getTime()} - (k % 90) * ${DAY}`
      : sql`${now.toISOString()}::timestamptz - (k % 90) * interval '1 day'`;
  const status = sql.raw(
    `case (k / 25) % 5 when 2 then 'in_treatment' when 3 then 'accepted' when 4 then 'closed' else 'open' end`,
  );
  const risks = sql`insert into risks (id, tenant_id, vendor_id, finding_key, origin, title, source_scope,
      likelihood, impact, inherent_score, inherent_rating, status, accepted_until, due_date, due_key,
      created_at, updated_at, closed_at)
    with recursive s(k, h) as (
      select 0, ${random} union all select k + 1, ${random} from s where k < ${RISKS - 1}
    ), r as (
      select k, h, k % 5 + 1 as l, (k / 5) % 5 + 1 as i, ${status} as st, ${due} as due from s
    )
    select ${riskId}, ${tenantId}, ${riskVendor}, ${key}, 'finding', 'Risk ' || k, 'bench', l, i, l * i,
      case when l * i >= 20 then 'critical' when l * i >= 10 then 'high' when l * i >= 5 then 'medium' else 'low' end,
      st, case when st = 'accepted' then '2099-12-31' end, due, due, ${created}, ${at},
      case when st = 'closed' then ${at} end
    from r`;
  return [vendors, risks];
}

async function seed(store: Store, dialect: Dialect, analyze: () => Promise<void>) {
  const master = benchMasterKey(9);
  const platform = await benchPlatform(store, master);
  const { tenantId } = await createTenantWithAdmin(store, { name: 'Bench', adminEmail: 'a@bench.example' });
  const now = new Date();
  const started = performance.now();
  await store.tenant(tenantId).write((tx) => {
    for (const q of seedStatements(dialect, tenantId, now)) tx.write(q);
  });
  // PostgreSQL: statistics and the visibility map (index-only scans), as autovacuum leaves them after such a
  // load; VACUUM needs the owner.
  await analyze();
  const seedMs = performance.now() - started;
  const cookie = await store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
    const user = await ensureUser(tx, 'analyst@bench.example');
    addMembership(tx, user.id, 'analyst');
    return startMemberSession(tx, user.id, tenantId, new Date()).token;
  });
  // The token of the 20,000th open risk by due date: a page as deep as someone paging would never go.
  const [deep] = await store.tenant(tenantId).read((ctx) =>
    rawRows<{ id: string; due_key: string }>(
      ctx,
      sql`select id, due_key from risks where tenant_id = ${tenantId} and status = 'open'
          order by due_key, id limit 1 offset ${Math.min(20_000, Math.floor(RISKS * 0.4) - 1)}`,
    ),
  );
  const token = encodeToken('due', 'asc', { id: deep!.id, dueKey: deep!.due_key } as never);
  return { tenantId, cookie, seedMs, platform, token };
}

const quantile = (samples: number[], q: number) => {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * q) - 1))]!;
};

interface Captured {
  sql: string;
  params: readonly unknown[];
}

/** Replays captured statements on a bare connection, as the driver would send them. */
interface Bare {
  run(statements: Captured[]): Promise<void>;
  explain(statements: Captured[]): Promise<string[]>;
  close(): Promise<void>;
}

function bareSqlite(file: string): Bare {
  const db = new Database(file, { readonly: true });
  const cache = new Map<string, Database.Statement>();
  const prep = (text: string) => {
    const s = cache.get(text) ?? db.prepare(text);
    cache.set(text, s);
    return s;
  };

  const selects = (statements: Captured[]) => statements.filter((s) => /^\s*(select|with)\b/i.test(s.sql));
  return {
    run: async (statements) => {
      for (const s of selects(statements)) prep(s.sql).all(...(s.params as unknown[]));
    },
    explain: async (statements) =>
      selects(statements).map((s) => {
        const plan = db.prepare(`explain query plan ${s.sql}`).all(...(s.params as unknown[])) as {
          detail: string;
        }[];
        return `${s.sql.replace(/\s+/g, ' ').slice(0, 110)}…\n${plan.map((p) => `    ${p.detail}`).join('\n')}`;
      }),
    close: async () => {
      db.close();
    },
  };
}

async function barePg(url: string): Promise<Bare> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    run: async (statements) => {
      for (const s of statements)
        await client.query(s.sql, s.params.length ? (s.params as unknown[]) : undefined);
    },
    explain: async (statements) => {
      const out: string[] = [];
      for (const s of statements) {
        const values = s.params.length ? (s.params as unknown[]) : undefined;
        if (!/^\s*select\b/i.test(s.sql) || /set_config/.test(s.sql)) {
          await client.query(s.sql, values);
          continue;
        }
        const plan = await client.query(
          `explain (analyze, costs off, timing off, summary off) ${s.sql}`,
          values,
        );
        out.push(
          `${s.sql.replace(/\s+/g, ' ').slice(0, 110)}…\n${plan.rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`,
        );
      }
      return out;
    },
    close: () => client.end(),
  };
}

/** The path `hops` "Next page" links on from `path`. */
async function follow(get: (p: string) => Promise<string>, path: string, hops: number): Promise<string> {
  let at = path;
  for (let i = 0; i < hops; i++) {
    const next = (await get(at)).match(/rel="next" href="([^"]+)"/);
    if (!next) throw new Error(`${path}: no page ${i + 2}`);
    at = next[1]!.replaceAll('&amp;', '&');
  }
  return at;
}

interface Row {
  label: string;
  app: { p50: number; p95: number };
  bare: { p50: number; p95: number };
  statements: number;
}

async function measureOn(
  label: string,
  dialect: Dialect,
  open: (observer: StatementObserver) => Store,
  bare: () => Promise<Bare>,
  analyze: () => Promise<void> = async () => {},
) {
  let capture: Captured[] | null = null;
  const store = open((text, params) => capture?.push({ sql: text, params: params ?? [] }));
  try {
    const { cookie, seedMs, platform, token } = await seed(store, dialect, analyze);
    const app = createApp(
      { ...platform, clientAddress: () => '192.0.2.1' },
      { config: { baseUrl: BASE, env: 'test' } },
    );
    const get = async (p: string) => {
      const res = await app.request(`${BASE}${p}`, { headers: { Cookie: `${MEMBER_COOKIE}=${cookie}` } });
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}`);
      return res.text();
    };
    const pages = [
      { label: 'register, first page', path: '/app/risks', target: 50 },
      {
        label: 'register, status=open sort=due, deep keyset page',
        path: `/app/risks?status=open&sort=due&dir=asc&after=${token}`,
        target: 50,
      },
      // The other sorts (vendor name across the join, status, owner, last change), first and a later page.
      ...(['vendor', 'status', 'owner', 'updated'] as const).map((sort) => ({
        label: `register, sort=${sort}, first page`,
        path: `/app/risks?sort=${sort}`,
        target: 50,
      })),
      {
        label: 'register, sort=vendor, 20th page',
        path: await follow(get, '/app/risks?sort=vendor', 19),
        target: 50,
      },
      {
        label: 'register, sort=owner, 20th page',
        path: await follow(get, '/app/risks?sort=owner&dir=desc', 19),
        target: 50,
      },
      { label: 'dashboard GET /app', path: '/app', target: 100 },
    ];
    const b = await bare();
    const rows: Row[] = [];
    try {
      for (const page of pages) {
        for (let i = 0; i < 5; i++) await get(page.path);
        capture = [];
        const html = await get(page.path);
        const statements = capture;
        capture = null;
        if (page.path.includes('after=') && !html.includes('rel="next"'))
          throw new Error('the deep page has no next page');
        for (let i = 0; i < 5; i++) await b.run(statements);
        // Interleaved, so that the machine's load falls on both alike.
        const appMs: number[] = [];
        const bareMs: number[] = [];
        for (let i = 0; i < N; i++) {
          let t0 = performance.now();
          await get(page.path);
          appMs.push(performance.now() - t0);
          t0 = performance.now();
          await b.run(statements);
          bareMs.push(performance.now() - t0);
        }
        rows.push({
          label: page.label,
          app: { p50: quantile(appMs, 0.5), p95: quantile(appMs, 0.95) },
          bare: { p50: quantile(bareMs, 0.5), p95: quantile(bareMs, 0.95) },
          statements: statements.length,
        });
        if (EXPLAIN) {
          console.log(`\n${label} plans, ${page.label}:`);
          for (const p of await b.explain(statements)) console.log(`  ${p}`);
        }
      }
    } finally {
      await b.close();
    }
    console.log(
      `\n${label}: seeded ${VENDORS.toLocaleString()} vendors + ${RISKS.toLocaleString()} risks in ${formatMs(seedMs)} (bulk INSERT … SELECT)`,
    );
    console.log(
      '  page                                               app p50 / p95        bare p50 / p95     app/bare p50  statements',
    );
    for (const r of rows)
      console.log(
        `  ${r.label.padEnd(50)} ${formatMs(r.app.p50).padStart(9)} / ${formatMs(r.app.p95).padEnd(9)}  ${formatMs(r.bare.p50).padStart(8)} / ${formatMs(r.bare.p95).padEnd(9)}  ${(r.app.p50 / r.bare.p50).toFixed(1).padStart(6)}×  ${String(r.statements).padStart(6)}`,
      );
    for (const [r, page] of rows.map((r, i) => [r, pages[i]!] as const))
      console.log(
        verdict(
          r.app.p95 < page.target,
          `${label} ${r.label} p95 < ${page.target} ms`,
          `${formatMs(r.app.p95)} (${(r.app.p95 / page.target).toFixed(2)}× the target)`,
        ),
      );
  } finally {
    await store.close();
  }
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-register-'));
  const file = path.join(dir, 'assay.db');
  try {
    await measureOn(
      'SQLite',
      'sqlite',
      (onStatement) => openSqliteStore({ file, onStatement }),
      async () => bareSqlite(file),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let owner = process.env.BENCH_PG_URL;
  let appUrl = process.env.BENCH_PG_APP_URL;
  let drop: (() => Promise<void>) | null = null;
  if (!owner || !appUrl) {
    if (!(await pgReachable())) {
      console.log(
        'PostgreSQL: skipped (no BENCH_PG_URL / BENCH_PG_APP_URL, and the test server does not answer)',
      );
      return;
    }
    await ensureRoles();
    const db = await createTestDatabase();
    owner = db.ownerUrl;
    appUrl = db.appUrl;
    drop = db.drop;
  }
  try {
    await migratePg(owner, appUrl);
    const url = appUrl;
    await measureOn(
      'PostgreSQL',
      'pg',
      (onStatement) => openPgStore({ url, max: 4, onStatement }),
      () => barePg(url),
      async () => {
        const c = new pg.Client({ connectionString: owner });
        await c.connect();
        await c.query('vacuum (analyze) vendors, risks, assessments');
        await c.end();
      },
    );
  } finally {
    await drop?.();
  }
}
