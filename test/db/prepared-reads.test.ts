/**
 * The hot reads built once per database handle (src/db/prepared.ts) and the SQLite driver's statement
 * cache: a statement reused for the next caller binds that caller's values (never the first tenant's or
 * session's), still obeys the unit-of-work contract, and leaves no mode behind for the next user.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashToken, newSecret } from '../../src/auth/tokens.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import { GuardError, type Store, UnitEndedError, UnitOfWorkError } from '../../src/db/store.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';

/** A tenant with `vendors` vendors and an admin signed in; returns the session id (token hash). */
async function tenantWithSession(store: Store, name: string, vendors: number, now: Date) {
  const tenantId = newId();
  const sessionId = hashToken(newSecret());
  await store.tenant(tenantId).write(async (tx) => {
    const user = await repo.ensureUser(tx, `admin@${name.toLowerCase()}.example`);
    repo.insertTenant(tx, name, tenantId, now);
    repo.addMembership(tx, user.id, vendors % 2 ? 'admin' : 'viewer');
    for (let i = 0; i < vendors; i++) repo.insertVendor(tx, { name: `${name} vendor ${i}` }, now);
    repo.insertSession(tx, {
      id: sessionId,
      kind: 'user',
      userId: user.id,
      tenantId,
      assessmentId: null,
      expiresAt: new Date(now.getTime() + 3_600_000),
      now,
    });
  });
  return { tenantId, sessionId };
}

forEachDialect('prepared reads', (dialect) => {
  let ts: TestStore;
  const now = new Date('2030-01-01T08:00:00Z');

  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(() => ts.close());

  it('binds each call its own tenant and session, in any order', async () => {
    const a = await tenantWithSession(ts.store, 'Alpha', 3, now);
    const b = await tenantWithSession(ts.store, 'Beta', 0, now);
    for (const [x, name, vendors, role] of [
      [a, 'Alpha', 3, 'admin'],
      [b, 'Beta', 0, 'viewer'],
      [a, 'Alpha', 3, 'admin'],
    ] as const) {
      const s = await ts.store
        .as({ sessionId: x.sessionId })
        .read((ctx) => repo.readMemberSession(ctx, x.sessionId));
      expect(s).toMatchObject({ tenantId: x.tenantId, tenantName: name, role });
      const counts = await ts.store.tenant(x.tenantId).read(repo.overviewCounts);
      expect(counts).toEqual({ vendors, assessments: 0, openRisks: 0 });
    }
    expect(
      await ts.store
        .as({ sessionId: 'f'.repeat(64) })
        .read((ctx) => repo.readMemberSession(ctx, 'f'.repeat(64))),
    ).toBeNull();
  });

  it('refuses a prepared read on a context whose unit ended', async () => {
    const a = await tenantWithSession(ts.store, 'Gamma', 1, now);
    const ctx = await ts.store.tenant(a.tenantId).read((c) => c);
    await expect(repo.overviewCounts(ctx)).rejects.toBeInstanceOf(UnitEndedError);
  });

  it("binds each prepared write (autosave's) its own values and keeps its guards and tenant scope", async () => {
    const a = await vendorFixture(ts.store, { now });
    const b = await vendorFixture(ts.store, { now });
    const save = (f: VendorFixture, value: unknown, seen: number, assessmentId = f.assessmentId) =>
      ts.store.tenant(f.tenantId).write((tx) => {
        repo.touchAnswers(tx, assessmentId, now);
        repo.saveAnswerAt(tx, assessmentId, 'k', value, seen, f.contactId, now);
      });
    const state = (f: VendorFixture) =>
      ts.store.tenant(f.tenantId).read(async (ctx) => ({
        row: (await repo.loadAnswerRows(ctx, f.assessmentId)).k,
        revision: (await repo.getAssessment(ctx, f.assessmentId))?.answersRevision,
      }));
    await save(a, 'a1', 0);
    await save(b, 'b1', 0);
    await save(a, { list: ['x', 'y'] }, 1);
    await save(b, 'b2', 1);
    expect(await state(a)).toMatchObject({ row: { value: { list: ['x', 'y'] }, revision: 2 }, revision: 2 });
    expect(await state(b)).toMatchObject({ row: { value: 'b2', revision: 2, updatedBy: b.contactId } });
    // A stale revision: refused, and the whole unit with it (the assessment's revision too).
    await expect(save(a, 'stale', 1)).rejects.toEqual(new GuardError(repo.answerRevisionGuard('k')));
    expect(await state(a)).toMatchObject({ row: { value: { list: ['x', 'y'] }, revision: 2 }, revision: 2 });
    // Another tenant's assessment is not open to this tenant: the open-status guard refuses it.
    await expect(save(a, 'x', 2, b.assessmentId)).rejects.toEqual(new GuardError(repo.ASSESSMENT_OPEN));
    expect(await state(b)).toMatchObject({ row: { value: 'b2', revision: 2 }, revision: 2 });
    // Clearing keeps the row, its value null, its revision counting.
    await save(a, null, 2);
    expect(await state(a)).toMatchObject({ row: { value: null, revision: 3 }, revision: 3 });
  });

  if (dialect === 'sqlite') {
    it('hands a statement reused by text back in row mode, whoever switched it to arrays before', async () => {
      const text = sql`select id, name from tenants order by id limit 1`;
      await ts.store.as({ system: 'cli' }).read(async ({ db }) => {
        const asArrays = await db.values(text); // drizzle switches the statement to raw (array) rows
        const asObjects = await db.all(text); // the same text, reused: rows as objects again
        expect(Array.isArray(asArrays[0])).toBe(true);
        expect(asObjects[0]).toMatchObject({ id: expect.any(String), name: expect.any(String) });
      });
    });

    it('refuses a write outside a commit even when its statement was prepared during one', async () => {
      const a = await tenantWithSession(ts.store, 'Delta', 0, now);
      // The same statement text, queued and committed first (so the driver has it prepared) …
      await ts.store.tenant(a.tenantId).write((tx) => {
        tx.write(
          tx.db.update(tx.t.tenants).set({ name: 'Delta' }).where(sql`${tx.t.tenants.id} = ${a.tenantId}`),
        );
      });
      // … then awaited directly in the read phase: still refused, and nothing changed.
      await expect(
        ts.store.tenant(a.tenantId).write(async (tx) => {
          await tx.db
            .update(tx.t.tenants)
            .set({ name: 'Renamed' })
            .where(sql`${tx.t.tenants.id} = ${a.tenantId}`);
        }),
      ).rejects.toBeInstanceOf(UnitOfWorkError);
      const tenant = await ts.store.tenant(a.tenantId).read(repo.currentTenant);
      expect(tenant?.name).toBe('Delta');
    });
  }
});
