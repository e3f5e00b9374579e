/**
 * Many simultaneous appends to one tenant on a SQLite file, on PostgreSQL and on D1 leave one valid chain,
 * with a checkpoint made in the middle of the race still consistent with the final log. (On PostgreSQL
 * the per-tenant advisory lock serialises appends; without it they fail on the (tenant, seq) and
 * (tenant, prev_hash) unique keys instead of forking: see docs/audit.md.)
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeCheckpoint } from '../../src/audit/checkpoints.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { currentTenant } from '../../src/db/repo/tenants.js';
import { forEachDialect } from '../support/stores.js';
import { entries, openTrail, type Trail } from './support.js';

forEachDialect('concurrent audit appends', (dialect) => {
  let t: Trail;
  beforeEach(async () => {
    t = await openTrail(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('keeps one valid chain and consistent checkpoints under many simultaneous appends', async () => {
    const before = (await entries(t)).length;
    // D1 appends optimistically (no interactive transaction to hold a lock in): every loser of a race
    // retries with backoff, so 60 simultaneous writers through miniflare take minutes; 12 still race.
    const n = dialect === 'd1' ? 12 : 60;
    const checkpoints = [];
    await Promise.all([
      ...Array.from({ length: n }, (_, i) =>
        t.store.tenant(t.tenantId).write(async (tx) => {
          await currentTenant(tx);
          tx.audit({ actor: 'system', action: 'race.step', target: `step:${i}`, data: { i } });
          if (i % 3 === 0) tx.audit({ actor: 'system', action: 'race.second', target: `step:${i}` });
        }),
      ),
      (async () => {
        for (let i = 0; i < 3; i++) checkpoints.push(await makeCheckpoint(t.deps, t.tenantId, 'periodic'));
      })(),
    ]);
    await makeCheckpoint(t.deps, t.tenantId, 'periodic');
    const log = await entries(t);
    expect(log).toHaveLength(before + n + n / 3);
    expect(new Set(log.map((e) => e.seq)).size).toBe(log.length);
    const report = await verifyTenantTrail(t.store, t.tenantId);
    expect(report).toMatchObject({ ok: true, entries: log.length });
    expect(report.checkpoints).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
