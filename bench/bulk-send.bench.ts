import { listMail } from '../src/db/repo/outbox.js';
import { issueLink, newLinkId } from '../src/vendor/links.js';
import { rowsFromCsv, sendBulk } from '../src/workspace/assessment-bulk.js';
import { sendDeps } from '../src/workspace/assessments.js';
import { createTenantWithAdmin } from '../src/workspace/tenants.js';
import { openSqliteBench } from './support.js';
import { verdict } from './timing.js';

/*
 * `npm run bench -- bulk-send`: one bulk send of 1,000 assessments to 1,000 new vendors from CSV, as the
 * workspace's bulk page does it (sendBulk → sendAssessment per row: vendor, contact, assessment, sent
 * event, link row, invitation in the outbox, audit entry; the RS256 link signed outside the unit), on
 * a SQLite file as `npm start` runs it; next to the bare cost measured in the same run: signing 1,000
 * link tokens alone. Target (issue 8): < 10 s. Reports; does not gate. BENCH_BULK_N (default 1000).
 */
const BASE = 'https://assay.bench';
const N = Number(process.env.BENCH_BULK_N ?? 1000);

export async function run(): Promise<void> {
  const bench = await openSqliteBench('bulk', 7);
  const { store, platform } = bench;
  const { tenantId } = await createTenantWithAdmin(store, { name: 'Bench', adminEmail: 'a@bench.example' });
  const deps = sendDeps(platform, BASE);
  // Publish the shipped questionnaire once (the first send of an unpublished one does it), so the
  // measured run is the steady state.
  await sendBulk(deps, tenantId, rowsFromCsv('Warm-up Ltd,w@warm.example,'), {
    questionnaire: 'nis2-supplier@3.0.0',
    actor: 'system:bench',
    mayAddVendors: true,
  });

  // Bare cost: signing N link tokens, nothing else.
  const signStart = performance.now();
  for (let i = 0; i < N; i++) {
    await issueLink(
      platform.keys,
      { tid: tenantId, aid: crypto.randomUUID(), sub: crypto.randomUUID(), jti: newLinkId() },
      { issuer: BASE, now: new Date(), hours: 72 },
    );
  }
  const signMs = performance.now() - signStart;

  const csv = Array.from(
    { length: N },
    (_, i) => `Vendor ${i},contact${i}@vendor${i}.example,Contact ${i}`,
  ).join('\n');
  const start = performance.now();
  const rows = rowsFromCsv(csv);
  const results = await sendBulk(deps, tenantId, rows, {
    questionnaire: 'nis2-supplier@3.0.0',
    dueDate: null,
    actor: 'system:bench',
    mayAddVendors: true,
  });
  const ms = performance.now() - start;
  const sent = results.filter((r) => r.assessmentId).length;
  const queued = (await store.as({ system: 'mail' }).read((g) => listMail(g, N + 10))).length - 1;
  if (sent !== N || queued !== N) throw new Error(`sent ${sent}, queued ${queued} of ${N}`);

  console.log(`sign ${N} tokens (bare cost)   ${(signMs / 1000).toFixed(2)} s`);
  console.log(
    `bulk send ${N} (sign+rows+mail+audit)  ${(ms / 1000).toFixed(2)} s  (${(ms / signMs).toFixed(2)}× signing alone)`,
  );
  console.log(verdict(ms < 10_000, `${N} assessments in bulk < 10 s`, `${(ms / 1000).toFixed(2)} s`));
  await bench.close();
}
