/**
 * /app/audit and /app/settings/audit through app.request() on SQLite, PostgreSQL and D1: the trail with
 * filters and keyset pages, hashes, the latest checkpoint, "verify now" (passing, then failing after a
 * tampering), the tar export, the recipients form with its bad inputs, and the daily checkpoint mail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkpointAllTenants, mailCheckpoints } from '../../src/audit/jobs.js';
import { listTenants } from '../../src/db/repo/tenants.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser, TEST_MASTER_KEY, testApp, testPlatform } from '../support/app.js';
import { outbox } from '../support/assessments.js';
import { forEachDialect } from '../support/stores.js';
import { appendEntries, entries, openTrail, type Trail } from './support.js';

const PASSWORD = 'correct horse battery staple';
const RECIPE = path.join(import.meta.dirname, 'recipe.sh');

forEachDialect('audit workspace', (dialect) => {
  let t: Trail;
  let b: ReturnType<typeof browser>;
  let tenantId: string;
  beforeAll(async () => {
    t = await openTrail(dialect);
    await ensureSigningKeys(t.store, TEST_MASTER_KEY);
    const app = await testApp(t.store);
    b = browser(app);
    const { token } = await createTenantWithAdmin(t.store, {
      name: 'Audited <b>Co</b>',
      adminEmail: 'admin@audited.example',
    });
    const res = await b.post(`/setup/${token}`, {
      tenantName: 'Audited <b>Co</b>',
      email: 'admin@audited.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    });
    expect(res.status).toBe(303);
    const tenants = await t.store.as({ system: 'cli' }).read((g) => listTenants(g));
    tenantId = tenants.find((x) => x.id !== t.tenantId)!.id;
    t.tenantId = tenantId;
    await appendEntries(t, 60);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists entries newest first with their hashes, filters them and pages by key', async () => {
    const all = await entries(t);
    const res = await b.get('/app/audit');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(all[all.length - 1]!.this_hash);
    expect(html).not.toContain(all[0]!.this_hash); // beyond the first page of 50
    const next = /href="(\/app\/audit\?[^"]*before=\d+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const older = await (await b.get(next)).text();
    expect(older).toContain(all[0]!.this_hash);
    const one = await (await b.get('/app/audit?target=step%3A7')).text();
    expect(one).toContain(all.find((e) => e.target === 'step:7')!.this_hash);
    expect(one).not.toContain(all.find((e) => e.target === 'step:8')!.this_hash);
    const today = new Date().toISOString().slice(0, 10);
    expect(await (await b.get(`/app/audit?from=${today}&to=${today}&action=test.step`)).text()).toContain(
      all[all.length - 1]!.this_hash,
    );
    expect(await (await b.get('/app/audit?from=2000-01-01&to=2000-01-02')).text()).toContain(
      'No entries match.',
    );
  });

  it('answers bad filters with 400 and a clear message, markup inert', async () => {
    for (const [q, says] of [
      ['from=yesterday', 'The &quot;from&quot; date must be a date'],
      ['before=abc', 'That page does not exist.'],
      // Past the 32-bit seq column (a 500 on PostgreSQL), and NUL in a text filter (PostgreSQL refuses it).
      ['before=2147483648', 'That page does not exist.'],
      ['before=9999999999999999', 'That page does not exist.'],
      ['actor=a%00b', 'The actor filter'],
      ['target=%00', 'The target filter'],
      [`actor=${'x'.repeat(201)}`, 'The actor filter is too long'],
    ] as const) {
      const res = await b.get(`/app/audit?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.text()).toContain(says);
    }
    const res = await b.get(`/app/audit?target=${encodeURIComponent('<script>alert(1)</script>')}`);
    const html = await res.text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  it('the export signs a checkpoint at the head first: its checkpoints cover every line, a cut tail shows', async () => {
    await b.post('/app/audit/checkpoint', {});
    await appendEntries(t, 3, 1000); // after the latest checkpoint
    const head = (await entries(t)).length;
    const res = await b.get('/app/audit/export');
    expect(res.status).toBe(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-web-export-'));
    fs.writeFileSync(path.join(dir, 'a.tar'), new Uint8Array(await res.arrayBuffer()));
    execFileSync('tar', ['xf', 'a.tar'], { cwd: dir });
    const out = path.join(dir, fs.readdirSync(dir).find((n) => n.startsWith('audit-'))!);
    expect(fs.readFileSync(path.join(out, 'checkpoint.txt'), 'utf8').split('\n')[1]).toBe(String(head));
    const recipe = () =>
      spawnSync('sh', [RECIPE, out], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(recipe().status).toBe(0);
    const log = path.join(out, 'log.jsonl');
    fs.writeFileSync(log, fs.readFileSync(log, 'utf8').split('\n').slice(0, -2).join('\n').concat('\n'));
    const cut = recipe();
    expect(cut.stdout).toContain(`signs ${head} entries but log.jsonl has ${head - 1}`);
    expect(cut.status).toBe(1);
  });

  it('signs a checkpoint on demand, verifies now, and shows a failure after tampering', async () => {
    const made = await b.post('/app/audit/checkpoint', {});
    expect(made.status).toBe(200);
    const html = await made.text();
    expect(html).toMatch(/Checkpoint of \d+ entries signed/);
    expect(html).toContain(`assay.test/audit/${tenantId}`);
    const ok = await (await b.post('/app/audit/verify', {})).text();
    expect(ok).toContain(`Verified: tenant ${tenantId}: ok`);
    const cps = await (await b.get('/app/audit/checkpoints.txt')).text();
    expect(cps.split('\n')[0]).toBe(`assay.test/audit/${tenantId}`);

    const tar = await b.get('/app/audit/export');
    expect(tar.status).toBe(200);
    expect(tar.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-.*\.tar"$/);
    const bytes = new Uint8Array(await tar.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain(`audit-${tenantId}`);
    expect(text).toContain('log.jsonl');
    expect(text).toContain('-----BEGIN PUBLIC KEY-----');
    expect((await entries(t)).some((e) => e.action === 'audit.exported')).toBe(true);

    await t.attacker.run([
      ['UPDATE audit_log SET action = ? WHERE tenant_id = ? AND seq = ?', ['x', tenantId, 3]],
    ]);
    const bad = await (await b.post('/app/audit/verify', {})).text();
    expect(bad).toContain(`Verification FAILED: tenant ${tenantId}: FAILED (edited) at entry 3`);
  });

  it('keeps checkpoint recipients, refuses bad addresses whole, and the daily job mails the checkpoint', async () => {
    const form = await b.get('/app/settings/audit');
    expect(form.status).toBe(200);
    for (const mailTo of [
      'auditor@firm.example\nnot an address',
      `${'a'.repeat(4001)}`,
      Array.from({ length: 11 }, (_, i) => `a${i}@x.example`).join('\n'),
    ]) {
      const res = await b.post('/app/settings/audit', { mailTo });
      expect(res.status, mailTo.slice(0, 30)).toBe(422);
    }
    const saved = await b.post('/app/settings/audit', {
      mailTo: 'Auditor@Firm.example, second@firm.example',
    });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('mailed daily to 2 addresses');
    const platform = await testPlatform(t.store);
    await checkpointAllTenants(platform, new Date());
    expect(await mailCheckpoints(platform, new Date())).toBe(2);
    expect(await mailCheckpoints(platform, new Date())).toBe(2); // queued again, deduplicated by the outbox
    const mails = (await outbox(t.store)).filter((m) =>
      m.dedupeKey.startsWith(`audit-checkpoint:${tenantId}:`),
    );
    expect(mails.map((m) => m.toAddress).sort()).toEqual(['auditor@firm.example', 'second@firm.example']);
    expect(mails[0]!.textBody).toContain(`assay.test/audit/${tenantId}\n`);
    // The audit entries name no address.
    expect(JSON.stringify(await entries(t))).not.toMatch(/firm\.example/);
  });
});
