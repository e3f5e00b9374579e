import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../src/db/repo/index.js';
import { TENANT_TABLES } from '../../src/db/schema.sqlite.js';
import {
  isPermissionViolation,
  type ReadCtx,
  rawRows,
  type Store,
  TenantScopeError,
} from '../../src/db/store.js';
import { migratePg, pgRoleProblems } from '../../src/platform/node/pg-migrate.js';
import { openPgStore } from '../../src/platform/node/pg-store.js';
import { ADMIN_URL, createTestDatabase } from '../support/pg.js';
import { forEachDialect, openTestStore, pgAvailable, type TestStore } from '../support/stores.js';

/** Seeds one tenant with a row in every tenant table; returns the ids. */
async function seedTenant(store: Store, name: string) {
  const tenant = await store.global.write((tx) => repo.insertTenant(tx, name));
  const user = await store.global.write((tx) => repo.ensureUser(tx, `${name.toLowerCase()}@example.com`));
  const ids = await store.tenant(tenant.id).write(async (tx) => {
    repo.addMembership(tx, user.id, 'admin');
    const vendor = repo.insertVendor(tx, { name: `${name} vendor` });
    const contact = await repo.ensureContact(tx, vendor.id, `sec@${name.toLowerCase()}.example`);
    const qv = await repo.pinQuestionnaireVersion(tx, {
      questionnaireId: 'q',
      version: '1.0.0',
      source: 's',
      sourceHash: 'h',
      title: 'Q',
    });
    const a = repo.insertAssessment(tx, {
      vendorId: vendor.id,
      contactId: contact.id,
      questionnaireVersionId: qv.id,
    });
    repo.saveAnswer(tx, a.id, 'gov.isms', 'yes');
    repo.insertEvidence(tx, {
      assessmentId: a.id,
      questionId: 'gov.isms',
      fileName: 'p.pdf',
      contentType: 'application/pdf',
      size: 1,
      sha256: '00'.repeat(32),
    });
    const f = {
      findingKey: 'F-1',
      questionId: 'gov.isms',
      title: 'T',
      remediation: 'R',
      likelihood: 2,
      impact: 2,
      rating: 'low',
      dueDate: null,
      controls: [],
    };
    repo.recordFindings(tx, a.id, vendor.id, [f]);
    const risk = repo.upsertRiskFromFinding(tx, vendor.id, f);
    repo.appendAudit(tx, { actor: 'system', action: 'seed', target: `tenant:${tenant.id}` });
    return { vendor: vendor.id, contact: contact.id, qv: qv.id, assessment: a.id, risk };
  });
  return { tenant: tenant.id, user: user.id, ...ids, risk: ids.risk.rows[0]!.id };
}

forEachDialect('tenant isolation', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let A: Awaited<ReturnType<typeof seedTenant>>;
  let B: Awaited<ReturnType<typeof seedTenant>>;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    A = await seedTenant(store, 'Alpha');
    B = await seedTenant(store, 'Bravo');
  });
  afterAll(() => ts.close());

  it('tenant A reads nothing of tenant B through any repository function', async () => {
    await store.tenant(A.tenant).read(async (c) => {
      expect(await repo.getVendor(c, B.vendor)).toBeNull();
      expect(await repo.findVendorByName(c, 'Bravo vendor')).toBeNull();
      expect((await repo.listVendors(c)).map((v) => v.id)).toEqual([A.vendor]);
      expect(await repo.listContacts(c, B.vendor)).toEqual([]);
      expect(await repo.getQuestionnaireVersion(c, B.qv)).toBeNull();
      expect((await repo.listQuestionnaireVersions(c)).map((q) => q.id)).toEqual([A.qv]);
      expect(await repo.getAssessment(c, B.assessment)).toBeNull();
      expect((await repo.listAssessments(c)).map((a) => a.id)).toEqual([A.assessment]);
      expect(await repo.listAssessments(c, B.vendor)).toEqual([]);
      expect({ ...(await repo.loadAnswers(c, B.assessment)) }).toEqual({});
      expect(await repo.listEvidence(c, B.assessment)).toEqual([]);
      expect(await repo.listFindings(c, B.assessment)).toEqual([]);
      expect((await repo.listRisks(c)).map((r) => r.id)).toEqual([A.risk]);
      expect(await repo.getMembership(c, B.user)).toBeNull();
      expect((await repo.listMembers(c)).map((m) => m.userId)).toEqual([A.user]);
      expect((await repo.listAudit(c)).every((e) => e.tenant_id === A.tenant)).toBe(true);
    });
  });

  it('tenant A updates and deletes nothing of tenant B', async () => {
    const A_ = store.tenant(A.tenant);
    await expect(A_.write((tx) => repo.updateVendor(tx, B.vendor, { name: 'pwned' }))).rejects.toMatchObject({
      guard: repo.VENDOR_EXISTS,
    });
    await expect(A_.write((tx) => repo.deleteVendor(tx, B.vendor))).rejects.toMatchObject({
      guard: repo.VENDOR_EXISTS,
    });
    await expect(
      A_.write((tx) => repo.transitionAssessment(tx, B.assessment, ['draft'], 'cancelled')),
    ).rejects.toMatchObject({ guard: repo.ASSESSMENT_IN_STATUS });
    await A_.write((tx) => repo.saveAnswer(tx, B.assessment, 'gov.isms', null));
    await store.tenant(B.tenant).read(async (c) => {
      expect((await repo.getVendor(c, B.vendor))?.name).toBe('Bravo vendor');
      expect((await repo.getAssessment(c, B.assessment))?.status).toBe('draft');
      expect({ ...(await repo.loadAnswers(c, B.assessment)) }).toEqual({ 'gov.isms': 'yes' });
      expect(await repo.listContacts(c, B.vendor)).toHaveLength(1);
    });
  });

  it('refuses a unit of work without a well-formed tenant id (fails closed)', async () => {
    expect(() => store.tenant('')).toThrow(TenantScopeError);
    expect(() => store.tenant("' or 1=1 --")).toThrow(TenantScopeError);
    expect(() => store.as({ userId: 'x' })).toThrow(TenantScopeError);
  });

  // SQLite and D1 have no row-level security: isolation there is the repository layer, tested above.
  if (dialect !== 'pg') return;
  describe('row-level security (PostgreSQL)', () => {
    const countAll = (c: ReadCtx, table: string) =>
      rawRows<{ n: number }>(c, sql.raw(`select count(*)::int as n from "${table}"`)).then((r) => r[0]!.n);

    it('a raw query with no tenant filter sees only the current tenant, in every tenant table', async () => {
      for (const table of TENANT_TABLES) {
        const a = await store
          .tenant(A.tenant)
          .read((c) =>
            rawRows<{ tenant_id: string }>(c, sql.raw(`select distinct tenant_id from "${table}"`)),
          );
        expect(a, table).toEqual([{ tenant_id: A.tenant }]);
      }
    });

    it('no tenant set → no rows in any tenant table', async () => {
      for (const table of TENANT_TABLES) {
        expect(await store.global.read((c) => countAll(c, table)), table).toBe(0);
      }
    });

    it('a pooled connection does not carry the previous request tenant', async () => {
      const single = openPgStore({ url: ts.pg!.appUrl, max: 1 });
      try {
        expect(await single.tenant(A.tenant).read((c) => countAll(c, 'vendors'))).toBe(1);
        // Same (only) connection, next unit of work without a tenant:
        expect(await single.global.read((c) => countAll(c, 'vendors'))).toBe(0);
        const setting = await single.global.read((c) =>
          rawRows<{ v: string | null }>(c, sql`select current_setting('app.tenant_id', true) as v`),
        );
        expect(setting[0]?.v ?? '').toBe('');
        // A failed unit of work does not leave its tenant behind either.
        await expect(
          single.tenant(A.tenant).write(async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await single.global.read((c) => countAll(c, 'vendors'))).toBe(0);
      } finally {
        await single.close();
      }
    });

    it('refuses a cross-tenant insert and an update that moves a row to another tenant', async () => {
      await expect(
        store.tenant(A.tenant).write((tx) => {
          tx.write(
            tx.db
              .insert(tx.t.vendors)
              .values({ tenantId: B.tenant, name: 'smuggled', updatedAt: new Date() }),
          );
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      await expect(
        store.tenant(A.tenant).write((tx) => {
          tx.write(tx.db.update(tx.t.vendors).set({ tenantId: B.tenant }).where(sql`id = ${A.vendor}`));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      // A raw UPDATE of B's rows under A touches nothing.
      const touched = await store
        .tenant(A.tenant)
        .write((tx) => tx.write(sql`update vendors set name = 'x' where id = ${B.vendor}`));
      expect(touched.changes).toBe(0);
      expect((await store.tenant(B.tenant).read((c) => repo.getVendor(c, B.vendor)))?.name).toBe(
        'Bravo vendor',
      );
    });

    it('memberships are readable by their own user without a tenant, and by nobody else', async () => {
      const mine = await store.as({ userId: A.user }).read((g) => repo.listMembershipsOfUser(g, A.user));
      expect(mine.map((m) => m.tenantId)).toEqual([A.tenant]);
      const theirs = await store.as({ userId: A.user }).read((g) => repo.listMembershipsOfUser(g, B.user));
      expect(theirs).toEqual([]);
    });

    it('the app role passes the boot self-check; owner and superuser connections fail it', async () => {
      expect(await pgRoleProblems(store)).toEqual([]);
      const owner = openPgStore({ url: ts.pg!.ownerUrl, max: 1 });
      try {
        const problems = await pgRoleProblems(owner);
        expect(problems.join('\n')).toMatch(/owns \d+ table/);
      } finally {
        await owner.close();
      }
      const superUrl = new URL(ADMIN_URL);
      superUrl.pathname = `/${ts.pg!.name}`;
      const su = openPgStore({ url: superUrl.toString(), max: 1 });
      try {
        expect((await pgRoleProblems(su)).join('\n')).toMatch(/SUPERUSER/);
      } finally {
        await su.close();
      }
    });
  });
});

describe.skipIf(!pgAvailable())('PostgreSQL migrations', () => {
  it('run once under an advisory lock when several instances start together', async () => {
    const dbase = await createTestDatabase();
    try {
      await Promise.all([1, 2, 3].map(() => migratePg(dbase.ownerUrl, dbase.appUrl)));
      const store = openPgStore({ url: dbase.appUrl, max: 1 });
      try {
        expect(await pgRoleProblems(store)).toEqual([]);
        const applied = await store.global
          .read((c) =>
            rawRows<{ n: number }>(c, sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
          )
          .catch(() => null);
        // The app role cannot read the migrations table; the owner can.
        expect(applied).toBeNull();
      } finally {
        await store.close();
      }
      const owner = openPgStore({ url: dbase.ownerUrl, max: 1 });
      try {
        const rows = await owner.global.read((c) =>
          rawRows<{ n: number }>(c, sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
        );
        expect(rows[0]?.n).toBe(2);
      } finally {
        await owner.close();
      }
    } finally {
      await dbase.drop();
    }
  });
});
