import path from 'node:path';
import { listMail } from '../src/db/repo/outbox.js';
import { createKeyRing } from '../src/keys/keyring.js';
import { loadLibrary, shippedSource } from '../src/platform/node/questionnaire-files.js';
import { systemClock } from '../src/platform/ports.js';
import { type AccessDeps, redeemLink } from '../src/vendor/access.js';
import { verifyLink } from '../src/vendor/links.js';
import { sendAssessment } from '../src/workspace/assessments.js';
import { createTenantWithAdmin } from '../src/workspace/tenants.js';
import { openSqliteBench, walPages, walPagesLine } from './support.js';
import { verdict } from './timing.js';

/*
 * `npm run bench -- redeem`: vendor link redemptions per second — verify the RS256 token, load what it
 * names, spend the link (guarded UPDATE) and start a vendor session in one unit — on a SQLite file as
 * `npm start` runs it, in-process, 8 at a time; next to the bare limit measured in the same run: the
 * token verification alone. Target (issue #7): ≥ 1,000 redemptions/s. Reports; does not gate.
 * BENCH_REDEEM_N (default 2000).
 */
const BASE = 'https://assay.bench';
const N = Number(process.env.BENCH_REDEEM_N ?? 2000);
const WAL_SAMPLE = 40;

export async function run(): Promise<void> {
  const bench = await openSqliteBench('redeem', 9);
  const { store, master, platform } = bench;
  const keys = createKeyRing(store, master, { clock: systemClock });
  const { tenantId } = await createTenantWithAdmin(store, { name: 'Bench', adminEmail: 'a@bench.example' });
  const library = loadLibrary();
  const tokens: string[] = [];
  // One assessment per link: a new link for an assessment revokes its older ones.
  for (let i = 0; i < N; i++) {
    await sendAssessment(
      {
        store,
        keys,
        master,
        clock: systemClock,
        templates: platform.templates,
        baseUrl: BASE,
        library,
        shipped: shippedSource(library),
      },
      tenantId,
      {
        questionnaire: 'nis2-supplier',
        vendorName: `Vendor ${i % 50}`,
        contactEmail: `c${i}@v.example`,
        actor: 'system:bench',
        mayAddVendors: true,
      },
    );
  }
  const mail = await store.as({ system: 'mail' }).read((g) => listMail(g, N + 10));
  for (const m of mail) {
    const t = m.textBody.match(/\/v\/([A-Za-z0-9_.-]+)/)?.[1];
    if (t) tokens.push(t);
  }
  const deps: AccessDeps = { ...platform, keys, baseUrl: BASE };
  const half = Math.floor(tokens.length / 2);

  // Bare limit: verification alone, same tokens, same concurrency.
  const verifyStart = performance.now();
  await pool(tokens.slice(0, half), 8, async (t) => {
    const r = await verifyLink(keys, t, { issuer: BASE, now: new Date() });
    if (!r.ok) throw new Error('bench token did not verify');
  });
  const verifyRate = half / ((performance.now() - verifyStart) / 1000);

  // What each redemption's commit writes: a few redemptions one at a time (links the timed run does not use).
  const sample = tokens.slice(Math.max(0, half - WAL_SAMPLE), half);
  const wal = await walPages(path.join(bench.dir, 'assay.db'), async () => {
    for (const t of sample) await redeemLink(deps, t, undefined);
  });

  const start = performance.now();
  const cpu = process.cpuUsage();
  await pool(tokens.slice(half), 8, async (t) => {
    await redeemLink(deps, t, undefined);
  });
  const used = process.cpuUsage(cpu);
  const redeemed = tokens.length - half;
  const rate = redeemed / ((performance.now() - start) / 1000);
  // The process's CPU time (every thread: the RS256 checks run on libuv's pool): what a loaded, shared
  // machine does not distort the way it distorts the wall-clock rate.
  const cpuUs = (used.user + used.system) / redeemed;
  console.log(`verify only (bare limit)   ${verifyRate.toFixed(0)}/s`);
  console.log(
    `redeem (verify+load+spend+session)  ${rate.toFixed(0)}/s  (${(rate / verifyRate).toFixed(2)}× verify alone)`,
  );
  console.log(
    `CPU per redemption         ${cpuUs.toFixed(0)} µs (${(1e6 / cpuUs).toFixed(0)}/s of CPU time)`,
  );
  console.log(`WAL per redemption         ${walPagesLine(wal, sample.length)}`);
  console.log(verdict(rate >= 1000, '≥ 1,000 redemptions/s', `${rate.toFixed(0)}/s`));
  await bench.close();
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
