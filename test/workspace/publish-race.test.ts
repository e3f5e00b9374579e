/**
 * Many first sends of a shipped questionnaire at once: each publishes it for the tenant in its own unit.
 * Every send must succeed, however the publishes interleave. On PostgreSQL a publish that read "this
 * version" and "the earlier versions" in two statements once saw a concurrent publish commit between
 * them and took the version for its own predecessor (version-not-increased: a 500 in a bulk send, CI).
 * The interleaving needs a commit inside a sub-millisecond window, so this test is a stress test: it
 * went red in CI under load, not on a quiet machine. The fix reads both in one statement.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listQuestionnaireVersions } from '../../src/db/repo/questionnaires.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { sendAssessment, sendDeps } from '../../src/workspace/assessments.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { BASE_URL, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

forEachDialect(
  'publish race',
  (dialect) => {
    let ts: TestStore;
    let deps: ReturnType<typeof sendDeps>;
    const now = new Date('2030-03-01T09:00:00Z');
    beforeAll(async () => {
      ts = await openTestStore(dialect);
      const platform = await testPlatform(ts.store, { now: () => now });
      await ensureSigningKeys(ts.store, TEST_MASTER_KEY, now);
      deps = sendDeps(platform, BASE_URL);
    });
    afterAll(() => ts.close());

    it('eight first sends at once all succeed and store the version once', async () => {
      for (let round = 0; round < 4; round++) {
        const { tenantId } = await createTenantWithAdmin(
          ts.store,
          { name: `Race ${round}`, adminEmail: `a${round}@race.example` },
          now,
        );
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            sendAssessment(deps, tenantId, {
              questionnaire: 'nis2-supplier@2.0.0',
              vendorName: `Vendor ${i}`,
              contactEmail: `c${i}@vendor${i}.example`,
              dueDate: '2030-04-01',
              actor: 'system:test',
            }),
          ),
        );
        expect(results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))).toEqual([]);
        const stored = await ts.store
          .tenant(tenantId)
          .read((c) => listQuestionnaireVersions(c, 'nis2-supplier'));
        expect(stored.map((v) => v.version)).toEqual(['2.0.0']);
      }
    }, 120_000);
  },
  ['sqlite', 'pg'],
);
