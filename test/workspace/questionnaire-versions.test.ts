import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { evaluate } from '../../src/questionnaire/index.js';
import {
  PublishError,
  pinnedQuestionnaire,
  publishQuestionnaire,
} from '../../src/workspace/questionnaires.js';
import { sealedContact } from '../support/contacts.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const v210 = fs.readFileSync(
  path.resolve(import.meta.dirname, '../questionnaire/fixtures/vendor-baseline.yaml'),
  'utf8',
);
const bump = (src: string, version: string) => src.replace(/^version: 2\.1\.0\b/m, `version: ${version}`);

async function problemsOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).problems;
  }
  throw new Error('expected the publication to be refused');
}

forEachDialect('questionnaire versions', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let tenantId: string;
  const actor = 'user:test';

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    tenantId = (await store.tenant(newId()).write((tx) => repo.insertTenant(tx, 'Acme', tx.tenantId))).id;
  });
  afterAll(() => ts.close());

  it('publishes a version once; identical re-publishing is a no-op', async () => {
    const first = await store.tenant(tenantId).write((c) => publishQuestionnaire(c, v210, { actor }));
    expect(first.created).toBe(true);
    expect(first.row).toMatchObject({
      questionnaireId: 'vendor-baseline',
      version: '2.1.0',
      title: 'Vendor security baseline',
    });
    const again = await store.tenant(tenantId).write((c) => publishQuestionnaire(c, v210, { actor }));
    expect(again).toEqual({ row: first.row, created: false });
    const log = await store.tenant(tenantId).read((c) => repo.listAudit(c));
    expect(log.map((e) => [e.action, e.data.ref])).toEqual([
      ['questionnaire.published', 'vendor-baseline@2.1.0'],
    ]);
  });

  it('refuses different content under a published version, a draft, and a file with errors', async () => {
    const changed = v210.replace('Anything else we should know?', 'Anything else?');
    expect(
      (await problemsOf(store.tenant(tenantId).write((c) => publishQuestionnaire(c, changed, { actor }))))[0]
        ?.code,
    ).toBe('version-exists');
    const draft = bump(v210, '2.1.1').replace(/^status: published\b/m, 'status: draft');
    expect(
      (await problemsOf(store.tenant(tenantId).write((c) => publishQuestionnaire(c, draft, { actor }))))[0]
        ?.code,
    ).toBe('not-published');
    const broken = bump(v210, '2.1.2').replace(`when: "gov.isms == 'no'"`, `when: "gov.isms =="`);
    const problems = await problemsOf(
      store.tenant(tenantId).write((c) => publishQuestionnaire(c, broken, { actor, file: 'broken.yaml' })),
    );
    expect(problems[0]).toMatchObject({ file: 'broken.yaml', severity: 'error' });
    expect(problems[0]!.line).toBeGreaterThan(1);
  });

  it('refuses a version that reuses a question id with an incompatible type, pointing at the line', async () => {
    // sup.subprocessors was yes_no_na; 2.2.0 makes it a single choice with the same values.
    const retyped = bump(v210, '2.2.0').replace(
      /(- id: sup\.subprocessors\n\s+)type: yes_no_na/,
      "$1type: single\n        options: [{ value: 'yes', label: Yes }, { value: 'no', label: No }, { value: na, label: N/A }]",
    );
    expect(retyped).not.toBe(bump(v210, '2.2.0'));
    const problems = await problemsOf(
      store.tenant(tenantId).write((c) => publishQuestionnaire(c, retyped, { actor })),
    );
    const p = problems.find((x) => x.code === 'incompatible-type')!;
    expect(p.message).toMatch(/sup\.subprocessors/);
    expect(p.line).toBe(retyped.split('\n').findIndex((l) => l.includes('- id: sup.subprocessors')) + 1);
    expect(await store.tenant(tenantId).read((c) => repo.listQuestionnaireVersions(c))).toHaveLength(1);
  });

  it('keeps an assessment pinned to its version after a newer one is published', async () => {
    const { row } = await store.tenant(tenantId).write((c) => publishQuestionnaire(c, v210, { actor }));
    const sealed = await sealedContact(store, tenantId, 'sec@vendor.example');
    const a = await store.tenant(tenantId).write(async (c) => {
      const vendor = repo.insertVendor(c, { name: 'Vendor' });
      const contact = await repo.ensureContact(c, vendor.id, sealed);
      return repo.insertAssessment(c, {
        vendorId: vendor.id,
        contactId: contact.id,
        questionnaireVersionId: row.id,
      });
    });
    const v220 = bump(v210, '2.2.0').replace(
      'Anything else we should know?',
      'Anything else you want to tell us?',
    );
    expect(
      (await store.tenant(tenantId).write((c) => publishQuestionnaire(c, v220, { actor }))).created,
    ).toBe(true);
    // Lower than the newest: refused.
    expect(
      (
        await problemsOf(
          store.tenant(tenantId).write((c) => publishQuestionnaire(c, bump(v210, '2.1.5'), { actor })),
        )
      ).some((p) => p.code === 'version-not-increased'),
    ).toBe(true);

    const q = await store
      .tenant(tenantId)
      .read(async (c) => pinnedQuestionnaire(c, (await repo.getAssessment(c, a.id))!.questionnaireVersionId));
    expect(q?.ref).toBe('vendor-baseline@2.1.0');
    expect(q?.questions.get('ops.notes')?.text).toEqual({ en: 'Anything else we should know?' });
    expect(evaluate(q!, { 'ops.mfa': 'password' }, '2026-01-01').findings.map((f) => f.id)).toContain(
      'OPS-001',
    );
    expect(await store.tenant(tenantId).read((c) => pinnedQuestionnaire(c, 'not-an-id'))).toBeNull();
  });
});
