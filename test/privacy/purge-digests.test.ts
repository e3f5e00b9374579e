/**
 * Tenant purge and the keyed audit digests (docs/audit.md "Keyed digests", docs/tenant-exit.md "The
 * purge"), on SQLite, PostgreSQL and D1. Every keyed digest — `answer.saved` `value_hmac`,
 * `assessment.context_changed` `context_before_hmac` / `context_after_hmac` / `note_hmac`,
 * `assessment.review_note_added` `body_hmac`, `assessment.changes_requested` `comments_hmac` — is
 * matchable by the tenant before the purge. The purge's first step destroys the data key the secret is
 * derived from; from then on none of them matches, while the chain (the digests are chain content) still
 * verifies. The second step deletes the tenant's trail itself; what survives by design is the trail the
 * tenant or its auditors exported, and it still verifies offline (the auditor's recipe) and still
 * matches nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { makeCheckpoint } from '../../src/audit/checkpoints.js';
import { buildExport } from '../../src/audit/export.js';
import { type DigestPlace, matchesKeyedValue } from '../../src/audit/keyed-digest.js';
import { verifyTenantTrail } from '../../src/audit/verify.js';
import { type CliIo, runCli } from '../../src/cli/main.js';
import * as repo from '../../src/db/repo/index.js';
import { rawRows, type Store } from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { purgeTenant, requestTenantDeletion, shredTenant } from '../../src/privacy/tenant-deletion.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { addReviewNote, requestChanges } from '../../src/workspace/review.js';
import { changeContext } from '../../src/workspace/review-context.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorFixture, vendorSession } from '../support/vendor.js';
import { ageDeletionRequest } from './deletion-clock.js';
import { member } from './support.js';

const RECIPE = path.join(import.meta.dirname, '../audit/recipe.sh');
const ANSWER = 'anna@widgets.example';
const NOTE = 'Anna confirmed the owner on the phone.';
const REASON = 'Reclassified by the board.';
const COMMENT = 'Name the service owner.';

type Entry = { seq: number; action: string; target: string; data: Record<string, unknown> };

/** Every keyed digest of the trail with the value it was made of and its place (src/audit/keyed-digest.ts). */
function keyedDigests(
  entries: Entry[],
  question: string,
  context: { before: unknown; after: unknown; notes: Map<string, string> },
) {
  const of = (action: string) => entries.filter((e) => e.action === action);
  const out: {
    what: string;
    place: DigestPlace;
    data: { value_hmac: unknown; hmac_key: unknown };
    value: unknown;
  }[] = [];
  for (const e of of('answer.saved'))
    out.push({
      what: 'answer.saved value_hmac',
      place: ['answer.saved', e.target, String(e.data.question), Number(e.data.revision)],
      data: { value_hmac: e.data.value_hmac, hmac_key: e.data.hmac_key },
      value: ANSWER,
    });
  for (const e of of('assessment.context_changed'))
    for (const [field, side, value] of [
      ['context_before_hmac', 'before', context.before],
      ['context_after_hmac', 'after', context.after],
      ['note_hmac', 'note', context.notes.get(String(e.data.note))],
    ] as const)
      out.push({
        what: `assessment.context_changed ${field}`,
        place: ['assessment.context_changed', e.target, String(e.data.note), side],
        data: { value_hmac: e.data[field], hmac_key: e.data.hmac_key },
        value,
      });
  for (const e of of('assessment.review_note_added'))
    out.push({
      what: 'assessment.review_note_added body_hmac',
      place: ['assessment.review_note_added', e.target, String(e.data.note)],
      data: { value_hmac: e.data.body_hmac, hmac_key: e.data.hmac_key },
      value: NOTE,
    });
  for (const e of of('assessment.changes_requested'))
    out.push({
      what: 'assessment.changes_requested comments_hmac',
      place: ['assessment.changes_requested', e.target, question],
      data: { value_hmac: (e.data.comments_hmac as string[])[0], hmac_key: e.data.hmac_key },
      value: COMMENT,
    });
  return out;
}

forEachDialect('tenant purge: keyed audit digests', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let platform: Ports;
  let dir: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    // The deletion window runs on the database's clock, so the test's clock is the real one.
    platform = await testPlatform(store, { now: () => new Date() });
    await ensureSigningKeys(store, TEST_MASTER_KEY);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-purge-digests-'));
  }, 120_000);
  afterAll(async () => {
    await ts?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('after the shred no keyed digest matches and the chain still verifies; after the purge the exported trail verifies and matches nothing', async () => {
    const app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    const now = new Date();
    const f = await vendorFixture(store, { now, context: { 'scope.function': 'critical' } });
    const tenantId = f.tenantId;
    const question = 'scope.service';
    // answer.saved, through the portal.
    const vendor = browser(app);
    vendor.jar.set(VENDOR_COOKIE, await vendorSession(store, f, now));
    const saved = await vendor.post(
      `/v/a/${f.assessmentId}/answer/${encodeURIComponent(question)}`,
      { [question]: ANSWER, [`_rev.${question}`]: '0' },
      { 'HX-Request': 'true' },
    );
    expect(saved.status).toBe(200);
    // context_changed, review_note_added and changes_requested, as the review pages call them.
    const admin = await member(store, tenantId, 'admin', now);
    const scope = { ...store.tenant(tenantId, { userId: admin.userId }), userId: admin.userId, tenantId };
    const contextOf = async () =>
      (await store.tenant(tenantId).read((c) => repo.getAssessment(c, f.assessmentId)))!.context;
    const ctxBefore = await contextOf();
    await changeContext(platform, scope, f.assessmentId, { 'ctx.scope.function': 'other' }, REASON);
    const ctxAfter = await contextOf();
    expect(ctxAfter).not.toEqual(ctxBefore);
    await addReviewNote(platform, scope, f.assessmentId, NOTE);
    await store.tenant(tenantId).write((tx) => {
      repo.transitionAssessment(tx, f.assessmentId, ['sent', 'opened', 'in_progress'], 'submitted');
    });
    await requestChanges({ ...platform, baseUrl: BASE_URL }, scope, f.assessmentId, [
      { questionId: question, comment: COMMENT },
    ]);
    await makeCheckpoint({ store, keys: platform.keys, baseUrl: BASE_URL }, tenantId, 'on-demand');

    const trail = () => store.tenant(tenantId).read((c) => repo.listAudit(c)) as Promise<Entry[]>;
    const before = await trail();
    // The note a context change writes quotes the reason; its text is the tenant's to prove, read back here.
    const notes = await store.tenant(tenantId).read((c) => repo.listReviewNotes(c, f.assessmentId));
    const context = { before: ctxBefore, after: ctxAfter, notes: new Map(notes.map((n) => [n.id, n.body])) };
    const digests = keyedDigests(before, question, context);
    expect(digests.map((d) => d.what).sort()).toEqual(
      [
        'answer.saved value_hmac',
        'assessment.changes_requested comments_hmac',
        'assessment.context_changed context_after_hmac',
        'assessment.context_changed context_before_hmac',
        'assessment.context_changed note_hmac',
        'assessment.review_note_added body_hmac',
      ].sort(),
    );
    // Before: the tenant proves every value (the test of the test: each digest really is matchable).
    for (const d of digests)
      expect(await matchesKeyedValue(platform, tenantId, d.place, d.data, d.value), d.what).toBe(true);
    // What an auditor holds: the export (log.jsonl and checkpoints), written out before the purge.
    for (const x of await buildExport({ store, keys: platform.keys, baseUrl: BASE_URL }, tenantId)) {
      fs.mkdirSync(path.dirname(path.join(dir, x.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, x.path), x.content);
    }

    // The deletion request, its window moved 31 days back as only the database's owner could.
    const name = (await store.tenant(tenantId).read((c) => repo.currentTenant(c)))!.name;
    await requestTenantDeletion(
      store.tenant(tenantId, { userId: admin.userId }),
      { typedName: name, actor: `user:${admin.userId}`, keepSessionId: null },
      new Date(),
    );
    await ageDeletionRequest(ts, tenantId, 31);

    // Step 1, crypto-shredding, alone (as a crash after it leaves the tenant).
    await shredTenant(platform, tenantId, new Date());
    const shredded = await trail();
    expect(shredded).toEqual(before.concat(shredded.slice(before.length)));
    // Nothing matches any more: not the true value, not in this process (its cache was dropped).
    for (const d of digests)
      expect(await matchesKeyedValue(platform, tenantId, d.place, d.data, d.value), d.what).toBe(false);
    // Nor in another process that held nothing (a fresh platform on the same database).
    const other = await testPlatform(store, { now: () => new Date() });
    for (const d of digests)
      expect(await matchesKeyedValue(other, tenantId, d.place, d.data, d.value), d.what).toBe(false);
    // And no new data key was made for the tenant by asking.
    const keys = await store
      .tenant(tenantId, { system: 'scheduler' })
      .read((c) =>
        rawRows<{ wrapped: string; destroyed_at: unknown }>(
          c,
          sql`select wrapped, destroyed_at from tenant_keys where tenant_id = ${tenantId}`,
        ),
      );
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatchObject({ wrapped: '' });
    expect(keys[0]!.destroyed_at).not.toBeNull();
    // The chain, digests included, verifies as before: `assay audit verify`'s own check.
    const report = await verifyTenantTrail(store, tenantId);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    if (ts.pg) {
      // … and the command itself, on its own connection.
      const out: string[] = [];
      const io: CliIo = {
        out: (l) => out.push(l),
        err: (l) => out.push(l),
        env: {
          BASE_URL,
          MASTER_KEY: Buffer.alloc(32, 42).toString('base64'),
          DATA_DIR: dir,
          DATABASE_URL: ts.pg.appUrl,
          MIGRATION_DATABASE_URL: ts.pg.ownerUrl,
        },
      };
      expect(await runCli(['audit', 'verify', '--tenant', tenantId], io), out.join('\n')).toBe(0);
    }

    // Step 2: the rest of the purge deletes the trail itself.
    expect(await purgeTenant(platform, tenantId, new Date())).not.toBeNull();
    expect(await trail()).toEqual([]);
    // What survives by design is the exported copy: it still verifies offline …
    const run = spawnSync('sh', [RECIPE, dir], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('OK');
    expect(run.status).toBe(0);
    // … and its digests match nothing, whoever asks (the tenant, and so its key, is gone).
    const exported = fs
      .readFileSync(path.join(dir, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    const survivors = keyedDigests(exported, question, context);
    expect(survivors.map((d) => d.data.value_hmac)).toEqual(digests.map((d) => d.data.value_hmac));
    for (const [i, d] of survivors.entries())
      expect(await matchesKeyedValue(other, tenantId, d.place, d.data, digests[i]!.value), d.what).toBe(
        false,
      );
    // Nor did asking create a key for a tenant that no longer exists.
    const left = await store.as({ system: 'cli' }).read((c) => repo.findTenants(c, tenantId));
    expect(left).toEqual([]);
  }, 120_000);
});
