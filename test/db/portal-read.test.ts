/**
 * The portal's one read (readPortalHead, src/db/repo/assessments.ts): the assessment with its answer
 * rows and live files as JSON arrays, per dialect. It must give what the separate reads give
 * (loadAnswerRows, listEvidence) for every kind of value, keep deleted and replaced files out, list
 * files oldest first (then by id), and see nothing of another assessment or tenant.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAnswerRows, saveAnswerAt } from '../../src/db/repo/answers.js';
import { readPortalHead } from '../../src/db/repo/assessments.js';
import {
  insertEvidence,
  listEvidence,
  softDeleteEvidence,
  supersedeEvidence,
} from '../../src/db/repo/evidence.js';
import type { TenantWriteCtx } from '../../src/db/store.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';

const VALUES: Record<string, unknown> = {
  'scope.service': 'Cloud "hosting" — ünïcode, \\ back\nslash',
  'scope.users': 3.5,
  'scope.big': 12345678901,
  'scope.list': ['a', 'b'],
  'scope.flag': true,
  'gov.policy#evidence': [{ id: 'x', name: 'f.pdf' }],
  'scope.cleared': null,
  // Text that is also JSON: node-postgres parses jsonb once, and a second parse read these as other values.
  'text.number': '12345',
  'text.true': 'true',
  'text.null': 'null',
  'text.decimal': '1.0',
  'text.quoted': '"q"',
  'text.array': '[1]',
  'text.object': '{}',
  'choice.id': '1',
};

forEachDialect('portal read', (dialect) => {
  let ts: TestStore;
  let f: VendorFixture;
  let other: VendorFixture;
  const t0 = new Date('2030-01-01T08:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const file = (tx: TenantWriteCtx, assessmentId: string, name: string, when: Date, id?: string) =>
    insertEvidence(
      tx,
      {
        ...(id ? { id } : {}),
        assessmentId,
        questionId: 'gov.policy',
        fileName: name,
        contentType: 'application/pdf',
        size: name.length,
        sha256: 'ab'.repeat(32),
      } as Parameters<typeof insertEvidence>[1],
      when,
    );

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    f = await vendorFixture(ts.store, { now: t0 });
    other = await vendorFixture(ts.store, { now: t0 });
    // D1 carries at most 8 guards a unit: the answers in units of 8.
    const entries = Object.entries(VALUES);
    for (let i = 0; i < entries.length; i += 8)
      await ts.store.tenant(f.tenantId).write((tx) => {
        for (const [key, value] of entries.slice(i, i + 8))
          saveAnswerAt(tx, f.assessmentId, key, value, 0, f.contactId, at(5));
      });
    await ts.store.tenant(f.tenantId).write((tx) => {
      file(tx, f.assessmentId, 'later.pdf', at(30));
      file(tx, f.assessmentId, 'first.pdf', at(10));
      // Two files of one millisecond: by id, as listEvidence orders them.
      file(tx, f.assessmentId, 'tie-b.pdf', at(20), 'ffffffff-0000-4000-8000-000000000000');
      file(tx, f.assessmentId, 'tie-a.pdf', at(20), '00000000-0000-4000-8000-000000000000');
      file(tx, f.assessmentId, 'deleted.pdf', at(40), '11111111-0000-4000-8000-000000000000');
      file(tx, f.assessmentId, 'replaced.pdf', at(50), '22222222-0000-4000-8000-000000000000');
    });
    await ts.store.tenant(f.tenantId).write((tx) => {
      softDeleteEvidence(tx, f.assessmentId, '11111111-0000-4000-8000-000000000000', at(60));
      supersedeEvidence(tx, f.assessmentId, '22222222-0000-4000-8000-000000000000', at(60));
    });
    await ts.store.tenant(other.tenantId).write((tx) => {
      saveAnswerAt(tx, other.assessmentId, 'scope.service', 'other tenant', 0, other.contactId, at(5));
      file(tx, other.assessmentId, 'other.pdf', at(10));
    });
  });
  afterAll(() => ts.close());

  it('reads the answers and the live files as the separate reads do', async () => {
    const { head, rows, files } = await ts.store.tenant(f.tenantId).read(async (ctx) => ({
      head: await readPortalHead(ctx, f.assessmentId),
      rows: await loadAnswerRows(ctx, f.assessmentId),
      files: await listEvidence(ctx, f.assessmentId),
    }));
    expect(head).not.toBeNull();
    const byKey = Object.fromEntries(head!.answers.map((a) => [a.key, a]));
    expect(byKey).toEqual({ ...rows });
    expect(Object.fromEntries(head!.answers.map((a) => [a.key, a.value]))).toEqual(VALUES);
    expect(head!.answers.every((a) => a.updatedAt.getTime() === at(5).getTime())).toBe(true);
    expect(head!.files).toEqual(
      files.map((e) => ({
        id: e.id,
        questionId: e.questionId,
        fileName: e.fileName,
        size: e.size,
        sha256: e.sha256,
      })),
    );
    expect(head!.files.map((e) => e.fileName)).toEqual(['first.pdf', 'tie-a.pdf', 'tie-b.pdf', 'later.pdf']);
  });

  it('sees only its own assessment and tenant', async () => {
    const mine = await ts.store.tenant(other.tenantId).read((ctx) => readPortalHead(ctx, other.assessmentId));
    expect(mine!.answers.map((a) => a.value)).toEqual(['other tenant']);
    expect(mine!.files.map((e) => e.fileName)).toEqual(['other.pdf']);
    // Another tenant's assessment id from this tenant's unit: nothing.
    expect(
      await ts.store.tenant(f.tenantId).read((ctx) => readPortalHead(ctx, other.assessmentId)),
    ).toBeNull();
  });

  it('reads an assessment with no answers and no files as empty lists', async () => {
    const fresh = await vendorFixture(ts.store, { now: t0 });
    const head = await ts.store.tenant(fresh.tenantId).read((ctx) => readPortalHead(ctx, fresh.assessmentId));
    expect({ answers: head!.answers, files: head!.files }).toEqual({ answers: [], files: [] });
  });
});
