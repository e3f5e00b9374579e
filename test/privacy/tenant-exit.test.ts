/**
 * Tenant exit on SQLite, PostgreSQL and D1 (docs/tenant-exit.md): the whole-tenant export (a ZIP opened
 * with yauzl, its JSON checked against its own schema, evidence bytes equal to the uploads, the audit part
 * checked with the auditor's recipe), the deletion request and cancel with their bad inputs, the pending
 * state (members out, admins only on the exit page, vendor sessions and links dead, jobs skipping it), the
 * purge after the window (crypto-shredding proven on the raw rows, every row and file gone, the other
 * tenant untouched), and the append-only system log.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { makeCheckpoint } from '../../src/audit/checkpoints.js';
import { buildExport } from '../../src/audit/export.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import * as repo from '../../src/db/repo/index.js';
import { isPermissionViolation, rawRows, type Store, type TenantWriteCtx } from '../../src/db/store.js';
import { openDownload } from '../../src/evidence/download.js';
import { evidenceBlobAddress, storeEvidence } from '../../src/evidence/evidence.js';
import { JOBS } from '../../src/jobs/registry.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { purgeTenant, shredTenant } from '../../src/privacy/tenant-deletion.js';
import { contactDataFor } from '../../src/vendor/contact-data.js';
import { issueLink, newLinkId } from '../../src/vendor/links.js';
import { type Fixture, fixture, newAssessment, pdf, uploadRequest } from '../evidence/support.js';
import { BASE_URL, TEST_MASTER_KEY } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorCookie, vendorSession } from '../support/vendor.js';
import { ageDeletionRequest } from './deletion-clock.js';
import { client, member } from './support.js';

const DAY = 86_400_000;
const RECIPE = path.join(import.meta.dirname, '../audit/recipe.sh');

/** Every entry of a ZIP, as bytes, read with yauzl. */
function unzip(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes), { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (d: Buffer) => parts.push(d));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(parts));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** The subset of JSON Schema the export's schema uses (type, format, properties, required, items, additionalProperties). */
function validate(schema: Record<string, unknown>, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const types = schema.type === undefined ? null : ([] as unknown[]).concat(schema.type);
  const kind =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'array'
        : typeof value === 'number'
          ? 'number'
          : typeof value;
  if (types && !types.includes(kind)) return [`${at}: ${kind} is not ${types.join('|')}`];
  if (kind === 'string' && schema.format === 'date-time' && Number.isNaN(Date.parse(value as string)))
    errors.push(`${at}: not a date-time`);
  if (
    kind === 'string' &&
    typeof schema.pattern === 'string' &&
    !new RegExp(schema.pattern).test(value as string)
  )
    errors.push(`${at}: does not match ${schema.pattern}`);
  if (kind === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) => {
      errors.push(...validate(schema.items as Record<string, unknown>, v, `${at}[${i}]`));
    });
  if (kind === 'object' && schema.properties) {
    const props = schema.properties as Record<string, Record<string, unknown>>;
    const obj = value as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in obj)) errors.push(`${at}.${r}: missing`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k]!, v, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${k}: not in the schema`);
    }
  }
  return errors;
}

/** What Windows refuses in one path part: its reserved characters, control characters, a trailing dot or space. */
const windowsRefuses = (part: string) =>
  /[<>:"/\\|?*]|[. ]$/.test(part) || [...part].some((c) => c.charCodeAt(0) < 32);

forEachDialect('tenant exit', (dialect) => {
  let ts: TestStore;
  let store: Store;
  let f: Fixture;
  let tenantName: string;

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    store = ts.store;
    await ensureSigningKeys(store, TEST_MASTER_KEY);
    f = await fixture(store);
    tenantName = (await store.tenant(f.tenantId).read((ctx) => repo.currentTenant(ctx)))!.name;
  }, 60_000);
  afterAll(() => ts.close());

  const audit = (tenantId = f.tenantId) => store.tenant(tenantId).read((tx) => repo.listAudit(tx));
  const deletion = (tenantId = f.tenantId) =>
    store.tenant(tenantId).read((ctx) => repo.getTenantDeletion(ctx));
  const systemLog = (tenantId: string) =>
    store.as({ system: 'cli' }).read((ctx) => repo.listSystemLog(ctx, tenantId));
  /** An admin whose last re-authentication is `ago` ms old. */
  async function staleAdmin(tenantId: string, ago: number) {
    const m = await member(store, tenantId, 'admin');
    const { token } = await store
      .tenant(tenantId, { userId: m.userId })
      .write((tx) => startMemberSession(tx, m.userId, tenantId, new Date(Date.now() - ago)));
    // Keep it from going idle: touch it now by using it once below; the reauth stays old.
    return client(f.app, `${MEMBER_COOKIE}=${token}`);
  }

  describe('export', () => {
    let upload: Uint8Array;

    beforeAll(async () => {
      upload = pdf(`the tenant's report ${f.tenantId}`);
      await storeEvidence(
        f.platform,
        {
          tenantId: f.tenantId,
          assessmentId: f.assessmentId,
          questionId: 'gov.isms',
          uploadedBy: 'vendor:x',
        },
        uploadRequest('report.pdf', upload),
      );
      await makeCheckpoint({ store, keys: f.platform.keys, baseUrl: BASE_URL }, f.tenantId, 'on-demand');
    });

    it('streams a ZIP: tables as JSON valid against schema.json, opened contacts, evidence bytes, a verifying audit export; audited', async () => {
      const admin = await member(store, f.tenantId, 'admin');
      const page = await (await client(f.app, admin.cookie).get('/app/settings/exit')).text();
      expect(page).toMatch(/<form method="post" action="\/app\/settings\/exit\/export"/);
      expect(page).not.toContain('href="/app/settings/exit/export"');
      const res = await client(f.app, admin.cookie).post('/app/settings/exit/export');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="assay-tenant-/);
      const files = await unzip(new Uint8Array(await res.arrayBuffer()));
      expect(files.has('README.md')).toBe(true);
      const schema = JSON.parse(files.get('schema.json')!.toString('utf8'));
      const fileSchemas = schema.properties.files.properties as Record<string, Record<string, unknown>>;
      // Every data file has a schema and validates against it.
      const dataFiles = [...files.keys()].filter((n) => n.startsWith('data/'));
      expect(dataFiles.length).toBeGreaterThan(10);
      for (const name of [...dataFiles, 'tenant.json', 'evidence.json']) {
        expect(fileSchemas[name], name).toBeDefined();
        expect(validate(fileSchemas[name]!, JSON.parse(files.get(name)!.toString('utf8')), name)).toEqual([]);
      }
      expect(JSON.parse(files.get('tenant.json')!.toString('utf8')).name).toBe(tenantName);
      // Contacts come opened; no wrapped key and no sealed field leaves.
      const contacts = JSON.parse(files.get('data/vendor_contacts.json')!.toString('utf8'));
      expect(contacts[0].email).toBe('sec@vendor.example');
      expect(contacts[0].sealed).toBeUndefined();
      expect(files.has('data/tenant_keys.json')).toBe(false);
      const assessments = JSON.parse(files.get('data/assessments.json')!.toString('utf8'));
      expect(assessments.map((a: { id: string }) => a.id)).toContain(f.assessmentId);
      // Nothing of the other tenant.
      expect(JSON.stringify(assessments)).not.toContain(f.other.assessmentId);
      // Evidence: the uploaded bytes.
      const listed = JSON.parse(files.get('evidence.json')!.toString('utf8'));
      expect(listed).toHaveLength(1);
      expect(Buffer.compare(files.get(listed[0].path)!, Buffer.from(upload))).toBe(0);
      // The audit part: what `assay audit export` writes, checked with sh, sha256sum and openssl.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-exit-'));
      for (const [name, body] of files) {
        if (!name.startsWith('audit/')) continue;
        const to = path.join(dir, name.slice('audit/'.length));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, body);
      }
      // Byte for byte what `assay audit export` writes (the entry of this export came after the read).
      const cli = await buildExport({ store, keys: f.platform.keys, baseUrl: BASE_URL }, f.tenantId);
      const auditNames = [...files.keys()].filter((n) => n.startsWith('audit/')).sort();
      expect(auditNames).toEqual(cli.map((x) => `audit/${x.path}`).sort());
      for (const x of cli) {
        const mine = files.get(`audit/${x.path}`)!.toString('utf8');
        if (x.path === 'log.jsonl') expect(x.content.startsWith(mine)).toBe(true);
        else expect(mine, x.path).toBe(x.content);
      }
      expect(fs.existsSync(path.join(dir, 'log.jsonl'))).toBe(true);
      expect(fs.existsSync(path.join(dir, 'audit-key.pem'))).toBe(true);
      const run = spawnSync('sh', [RECIPE, dir], { encoding: 'utf8' });
      expect(run.stdout).toContain('OK');
      expect(run.status).toBe(0);
      expect((await audit()).at(-1)).toMatchObject({
        action: 'tenant.exported',
        actor: `user:${admin.userId}`,
        target: `tenant:${f.tenantId}`,
      });
    }, 60_000);

    it('refuses a non-admin (403), an admin without a recent re-authentication (401), a GET, a cross-site POST', async () => {
      const before = (await audit()).length;
      const analyst = await member(store, f.tenantId, 'compliance_manager');
      expect((await client(f.app, analyst.cookie).post('/app/settings/exit/export')).status).toBe(403);
      const stale = await staleAdmin(f.tenantId, 10 * 60_000);
      expect((await stale.post('/app/settings/exit/export')).status).toBe(401);
      // A GET never starts an export (nor writes its audit entry): a prefetch or a foreign link cannot.
      const admin = await member(store, f.tenantId, 'admin');
      const get = await client(f.app, admin.cookie).get('/app/settings/exit/export');
      expect(get.status).toBe(404);
      expect(get.headers.get('content-type')).not.toBe('application/zip');
      const cross = await f.app.request(`${BASE_URL}/app/settings/exit/export`, {
        method: 'POST',
        body: '',
        headers: {
          Cookie: admin.cookie,
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: 'https://evil.example',
          'Sec-Fetch-Site': 'cross-site',
        },
      });
      expect(cross.status).toBe(403);
      expect((await audit()).length).toBe(before);
    });

    it('lists an evidence file whose blob is missing from storage as missing, and finishes the archive', async () => {
      const g = await fixture(store);
      const kept = pdf(`kept ${g.tenantId}`);
      for (const [name, bytes] of [
        ['kept.pdf', kept],
        ['lost.pdf', pdf(`lost ${g.tenantId}`)],
      ] as const)
        await storeEvidence(
          g.platform,
          {
            tenantId: g.tenantId,
            assessmentId: g.assessmentId,
            questionId: 'gov.isms',
            uploadedBy: 'vendor:x',
          },
          uploadRequest(name, bytes),
        );
      const rows = await store
        .tenant(g.tenantId)
        .read(({ db, t, tenantId }) => db.select().from(t.evidence).where(eq(t.evidence.tenantId, tenantId)));
      const lost = rows.find((r) => r.fileName === 'lost.pdf')!;
      await g.platform.blobs.delete(await evidenceBlobAddress(g.platform, g.tenantId, lost));
      const admin = await member(store, g.tenantId, 'admin');
      const res = await client(g.app, admin.cookie).post('/app/settings/exit/export');
      expect(res.status).toBe(200);
      const files = await unzip(new Uint8Array(await res.arrayBuffer()));
      const listed = JSON.parse(files.get('evidence.json')!.toString('utf8'));
      const schema = JSON.parse(files.get('schema.json')!.toString('utf8'));
      expect(validate(schema.properties.files.properties['evidence.json'], listed, 'evidence.json')).toEqual(
        [],
      );
      expect(listed).toHaveLength(2);
      expect(listed).toContainEqual({
        id: lost.id,
        path: null,
        fileName: 'lost.pdf',
        sha256: lost.sha256,
        size: lost.size,
        missing: true,
      });
      const present = listed.find((e: { missing?: boolean }) => !e.missing);
      expect(Buffer.compare(files.get(present.path)!, Buffer.from(kept))).toBe(0);
      expect([...files.keys()].filter((n) => n.startsWith(`evidence/${lost.id}`))).toEqual([]);
      expect(files.get('README.md')!.toString('utf8')).toContain('"missing": true');
      // The archive is whole: the audit part after the evidence is there.
      expect(files.has('audit/log.jsonl')).toBe(true);
    }, 60_000);
  });

  it('names evidence entries portably (no markup, device names, trailing dots; capped) and keeps the uploaded names in evidence.json', async () => {
    const g = await fixture(store);
    const uploaded = [
      '"><svg onload=alert(1)>.pdf',
      'CON.pdf',
      'aux.tar.pdf',
      'Bericht: Q3 | final?.pdf',
      `${'a'.repeat(190)}.pdf`,
    ];
    const ids = new Map<string, string>();
    // A question takes at most three files: the rest on a second assessment.
    const second = await newAssessment(store, g.tenantId);
    for (const [i, name] of uploaded.entries()) {
      const e = await storeEvidence(
        g.platform,
        {
          tenantId: g.tenantId,
          assessmentId: i < 3 ? g.assessmentId : second,
          questionId: 'gov.isms',
          uploadedBy: 'vendor:x',
        },
        uploadRequest(name, pdf(`file ${i}`)),
      );
      ids.set(e.id, name);
    }
    const admin = await member(store, g.tenantId, 'admin');
    const res = await client(g.app, admin.cookie).post('/app/settings/exit/export');
    expect(res.status).toBe(200);
    const files = await unzip(new Uint8Array(await res.arrayBuffer()));
    const listed = JSON.parse(files.get('evidence.json')!.toString('utf8')) as {
      id: string;
      path: string;
      fileName: string;
    }[];
    const schema = JSON.parse(files.get('schema.json')!.toString('utf8'));
    expect(validate(schema.properties.files.properties['evidence.json'], listed, 'evidence.json')).toEqual(
      [],
    );
    const byName = new Map(listed.map((e) => [e.fileName, e.path.split('/').at(-1)!]));
    expect([...byName.keys()].sort()).toEqual([...uploaded].sort());
    expect(byName.get('"><svg onload=alert(1)>.pdf')).toBe('_svg onload=alert(1)_.pdf');
    expect(byName.get('CON.pdf')).toBe('_CON.pdf');
    expect(byName.get('aux.tar.pdf')).toBe('_aux.tar.pdf');
    expect(byName.get('Bericht: Q3 | final?.pdf')).toBe('Bericht_ Q3 _ final_.pdf');
    expect(byName.get(`${'a'.repeat(190)}.pdf`)).toBe(`${'a'.repeat(116)}.pdf`);
    for (const e of listed) {
      // Each entry holds the bytes uploaded under its original name, in its own id folder.
      expect(e.path.startsWith(`evidence/${e.id}/`)).toBe(true);
      expect(ids.get(e.id)).toBe(e.fileName);
      expect(files.get(e.path)!.toString('utf8')).toContain(`file ${uploaded.indexOf(e.fileName)}`);
      const leaf = e.path.split('/').at(-1)!;
      expect(windowsRefuses(leaf), leaf).toBe(false);
      expect([...leaf].length).toBeLessThanOrEqual(120);
    }
    // Every entry of the archive, not just evidence: portable too.
    for (const name of files.keys())
      for (const part of name.split('/')) expect(windowsRefuses(part), name).toBe(false);
  }, 60_000);

  describe('deletion request and cancel', () => {
    it('refuses bad input with 4xx and changes nothing', async () => {
      const admin = client(f.app, (await member(store, f.tenantId, 'admin')).cookie);
      const analyst = client(f.app, (await member(store, f.tenantId, 'analyst')).cookie);
      const stale = await staleAdmin(f.tenantId, 10 * 60_000);
      const before = (await audit()).length;
      const wrong = await admin.post('/app/settings/exit/delete', { confirmName: `${tenantName} x` });
      expect(wrong.status).toBe(422);
      expect(await wrong.text()).toContain('Type the workspace’s name exactly');
      expect((await admin.post('/app/settings/exit/delete', {})).status).toBe(422);
      expect((await analyst.post('/app/settings/exit/delete', { confirmName: tenantName })).status).toBe(403);
      expect((await stale.post('/app/settings/exit/delete', { confirmName: tenantName })).status).toBe(401);
      const cancel = await admin.post('/app/settings/exit/cancel');
      expect(cancel.status).toBe(409);
      expect(await cancel.text()).toContain('not scheduled for deletion');
      expect(await deletion()).toBeNull();
      expect((await audit()).length).toBe(before);
      expect(await systemLog(f.tenantId)).toEqual([]);
    });

    it('closes the tenant while pending and a cancel restores it', async () => {
      const adminM = await member(store, f.tenantId, 'admin');
      const admin = client(f.app, adminM.cookie);
      const otherAdmin = client(f.app, (await member(store, f.tenantId, 'admin')).cookie);
      const analyst = client(f.app, (await member(store, f.tenantId, 'analyst')).cookie);
      const vendor = client(
        f.app,
        vendorCookie(
          await vendorSession(store, {
            tenantId: f.tenantId,
            assessmentId: f.assessmentId,
            contactId: (await store
              .tenant(f.tenantId)
              .read((ctx) => repo.getAssessment(ctx, f.assessmentId)))!.contactId,
          }),
        ),
      );
      expect((await vendor.get(`/v/a/${f.assessmentId}`)).status).not.toBe(401);
      // A fresh invitation link, as a send makes it.
      const contactId = (await store
        .tenant(f.tenantId)
        .read((ctx) => repo.getAssessment(ctx, f.assessmentId)))!.contactId;
      const jti = newLinkId();
      const link = await issueLink(
        f.platform.keys,
        { tid: f.tenantId, aid: f.assessmentId, sub: contactId, jti },
        { issuer: BASE_URL, now: new Date(), hours: 72 },
      );
      await store.tenant(f.tenantId).write((tx) =>
        repo.issueVendorLink(tx, {
          jti,
          assessmentId: f.assessmentId,
          contactId,
          purpose: 'invite',
          issuedAt: new Date(),
          expiresAt: link.expiresAt,
        }),
      );
      const linkPage = () => f.app.request(`${BASE_URL}/v/${link.token}`);
      expect((await linkPage()).status).toBe(200);
      expect((await analyst.get('/app/vendors')).status).toBe(200);

      const res = await admin.post('/app/settings/exit/delete', { confirmName: ` ${tenantName} ` });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/app/settings/exit?done=requested');
      const d = await deletion();
      expect(d!.dueAt.getTime() - (d!.windowFrom ?? d!.requestedAt).getTime()).toBe(30 * DAY);
      expect(d!.requestedBy).toBe(`user:${adminM.userId}`);
      // A second request: 409, nothing changes.
      const again = await admin.post('/app/settings/exit/delete', { confirmName: tenantName });
      expect(again.status).toBe(409);
      expect((await deletion())!.requestedAt).toEqual(d!.requestedAt);
      // Everyone else is signed out; the vendor's session is gone.
      expect((await analyst.get('/app/vendors')).headers.get('location')).toBe('/app/login');
      expect((await otherAdmin.get('/app/settings/exit')).headers.get('location')).toBe('/app/login');
      expect((await vendor.get(`/v/a/${f.assessmentId}`)).status).toBe(401);
      const dead = await linkPage();
      expect(dead.status).toBe(404);
      expect(await dead.text()).toContain('This link is not valid');
      // A member signing in again is refused; an admin sees only the exit page.
      const lateAnalyst = client(f.app, (await member(store, f.tenantId, 'analyst')).cookie);
      expect((await lateAnalyst.get('/app')).headers.get('location')).toBe('/app/login');
      expect((await admin.get('/app/vendors')).headers.get('location')).toBe('/app/settings/exit');
      expect((await admin.post('/app/vendors', { name: 'New' })).status).toBe(409);
      const page = await admin.get('/app/settings/exit');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('scheduled for deletion on');
      // Jobs skip it; the audit trail and the system log say so.
      const listed = await store.as({ system: 'scheduler' }).read((g) => repo.listTenants(g));
      expect(listed.map((t) => t.id)).not.toContain(f.tenantId);
      expect(listed.map((t) => t.id)).toContain(f.other.tenantId);
      expect((await audit()).at(-1)).toMatchObject({ action: 'tenant.deletion_requested' });
      expect((await systemLog(f.tenantId)).map((e) => e.action)).toEqual(['tenant.deletion_requested']);

      const cancel = await admin.post('/app/settings/exit/cancel');
      expect(cancel.status).toBe(303);
      expect(await deletion()).toBeNull();
      expect((await admin.get('/app/vendors')).status).toBe(200);
      expect((await linkPage()).status).toBe(200);
      const back = client(f.app, (await member(store, f.tenantId, 'analyst')).cookie);
      expect((await back.get('/app/vendors')).status).toBe(200);
      expect(
        (await store.as({ system: 'scheduler' }).read((g) => repo.listTenants(g))).map((t) => t.id),
      ).toContain(f.tenantId);
      expect((await audit()).at(-1)).toMatchObject({ action: 'tenant.deletion_cancelled' });
      expect((await systemLog(f.tenantId)).map((e) => e.action)).toEqual([
        'tenant.deletion_requested',
        'tenant.deletion_cancelled',
      ]);
      // Cancelling twice: 409.
      expect((await admin.post('/app/settings/exit/cancel')).status).toBe(409);
    });
  });

  describe('purge', () => {
    /** A tenant with a contact, an evidence file and an audit trail, whose deletion was asked `daysAgo` days ago. */
    async function doomed(daysAgo: number) {
      const g = await fixture(store);
      await storeEvidence(
        g.platform,
        {
          tenantId: g.tenantId,
          assessmentId: g.assessmentId,
          questionId: 'gov.isms',
          uploadedBy: 'vendor:x',
        },
        uploadRequest('report.pdf', pdf(`doomed ${g.tenantId}`)),
      );
      await newAssessment(store, g.tenantId);
      await makeCheckpoint({ store, keys: g.platform.keys, baseUrl: BASE_URL }, g.tenantId, 'on-demand');
      const name = (await store.tenant(g.tenantId).read((ctx) => repo.currentTenant(ctx)))!.name;
      // The request is made now; the database's clock sets its window, which is then moved `daysAgo` days
      // back as only the database's owner could.
      const admin = await member(store, g.tenantId, 'admin', g.platform.clock.now());
      const res = await client(g.app, admin.cookie).post('/app/settings/exit/delete', { confirmName: name });
      expect(res.status).toBe(303);
      await ageDeletionRequest(ts, g.tenantId, daysAgo);
      const files = await store.tenant(g.tenantId).read((ctx) => repo.listAllEvidenceForPurge(ctx));
      const blobs = await Promise.all(
        files.map(async (row) => {
          const [tenant, hash] = (await evidenceBlobAddress(g.platform, g.tenantId, row)).split('/') as [
            string,
            string,
          ];
          return path.join(g.blobDir, tenant, hash.slice(0, 2), hash);
        }),
      );
      return { g, blobs, evidenceId: files[0]!.id };
    }

    const countsOf = (tenantId: string) => store.tenant(tenantId).read((ctx) => repo.countTenantRows(ctx));
    const job = JOBS.find((j) => j.name === 'privacy.tenant-purge')!;

    it('does nothing inside the 30-day window', async () => {
      const { g, blobs } = await doomed(29);
      const before = await countsOf(g.tenantId);
      await job.run({ ...g.platform, baseUrl: BASE_URL }, new Date());
      // Asked directly, the purge refuses too, and destroys no key.
      expect(await purgeTenant(g.platform, g.tenantId, new Date())).toBeNull();
      await expect(shredTenant(g.platform, g.tenantId, new Date())).rejects.toThrow(/past-deletion-deadline/);
      expect(await countsOf(g.tenantId)).toEqual(before);
      expect(
        (await store.tenant(g.tenantId).read((ctx) => repo.listDataKeys(ctx))).every((k) => k.wrapped !== ''),
      ).toBe(true);
      expect(blobs.every((b) => fs.existsSync(b))).toBe(true);
      expect((await systemLog(g.tenantId)).map((e) => e.action)).toEqual(['tenant.deletion_requested']);
      // And the database itself refuses to delete its audit rows.
      await expect(
        store.tenant(g.tenantId).write((tx) => {
          if (tx.dialect === 'pg') tx.write(sql`select assay_purge_tenant_audit(${g.tenantId})`);
          else tx.write(tx.db.delete(tx.t.auditLog).where(eq(tx.t.auditLog.tenantId, g.tenantId)));
        }),
      ).rejects.toSatisfy(isPermissionViolation);
      expect(await countsOf(g.tenantId)).toEqual(before);
    });

    it.runIf(dialect === 'pg')(
      'PostgreSQL: the purge function deletes only the unit’s own tenant’s trail',
      async () => {
        const { g } = await doomed(31);
        const before = await countsOf(g.tenantId);
        await expect(
          store.tenant(g.other.tenantId).write((tx) => {
            tx.write(sql`select assay_purge_tenant_audit(${g.tenantId})`);
          }),
        ).rejects.toSatisfy(isPermissionViolation);
        expect(await countsOf(g.tenantId)).toEqual(before);
        // And the app role still cannot delete audit rows itself, even of a tenant past its deadline.
        await expect(
          store.tenant(g.tenantId).write((tx) => {
            tx.write(tx.db.delete(tx.t.auditLog).where(eq(tx.t.auditLog.tenantId, g.tenantId)));
          }),
        ).rejects.toSatisfy(isPermissionViolation);
        expect(await countsOf(g.tenantId)).toEqual(before);
      },
    );

    it('crypto-shreds first: the raw key rows are overwritten, contacts and files no longer open', async () => {
      const { g, evidenceId } = await doomed(31);
      const scope = store.tenant(g.tenantId, { system: 'scheduler' });
      const contact = (await scope.read(async (ctx) =>
        repo.getContact(ctx, (await repo.getAssessment(ctx, g.assessmentId))!.contactId),
      ))!;
      expect((await contactDataFor(g.platform).open(g.tenantId, contact)).email).toBe('sec@vendor.example');
      await shredTenant(g.platform, g.tenantId, new Date());
      const keys = await scope.read((ctx) =>
        rawRows<{ wrapped: string; destroyed_at: unknown }>(
          ctx,
          sql`select wrapped, destroyed_at from tenant_keys where tenant_id = ${g.tenantId}`,
        ),
      );
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) {
        expect(k.wrapped).toBe('');
        expect(k.destroyed_at).not.toBeNull();
      }
      // The sealed contact is still stored, and no longer opens.
      const raw = await scope.read((ctx) =>
        rawRows<{ sealed: string | null }>(
          ctx,
          sql`select sealed from vendor_contacts where id = ${contact.id}`,
        ),
      );
      expect(raw[0]!.sealed).toBeTruthy();
      expect((await contactDataFor(g.platform).open(g.tenantId, contact)).erased).toBe(true);
      await expect(openDownload(g.platform, { tenantId: g.tenantId, evidenceId })).rejects.toThrow();
      // The purge then finishes the job.
      expect(await purgeTenant(g.platform, g.tenantId, new Date())).not.toBeNull();
    });

    it('after the window removes every row and file of the tenant, leaves the other untouched, and logs it', async () => {
      const { g, blobs } = await doomed(31);
      const otherBefore = await countsOf(g.other.tenantId);
      const before = await countsOf(g.tenantId);
      expect(before.auditLog).toBeGreaterThan(0);
      expect(before.vendorContacts).toBeGreaterThan(0);
      expect(blobs.length).toBeGreaterThan(0);
      await job.run({ ...g.platform, baseUrl: BASE_URL }, new Date());
      const after = await countsOf(g.tenantId);
      expect(Object.values(after).every((n) => n === 0)).toBe(true);
      expect(await store.as({ system: 'cli' }).read((ctx) => repo.findTenants(ctx, g.tenantId))).toEqual([]);
      const sessions = await store
        .as({ system: 'cli' })
        .read((ctx) =>
          rawRows<{ n: number }>(
            ctx,
            sql`select count(*) as n from sessions where tenant_id = ${g.tenantId}`,
          ),
        );
      expect(Number(sessions[0]!.n)).toBe(0);
      expect(blobs.some((b) => fs.existsSync(b))).toBe(false);
      expect(await countsOf(g.other.tenantId)).toEqual(otherBefore);
      const log = await systemLog(g.tenantId);
      expect(log.map((e) => e.action)).toEqual(['tenant.deletion_requested', 'tenant.purged']);
      const purged = log[1]!;
      expect(purged.actor).toBe('system:tenant-purge');
      expect(purged.data).toMatchObject({
        rows: Object.values(before).reduce((a, b) => a + b, 0),
        files: blobs.length,
        audit_entries: before.auditLog,
      });
      // Ids, actions and counts only.
      expect(JSON.stringify(log)).not.toMatch(/@|Acme|Vendor/);
      // A second run finds nothing to do.
      await job.run({ ...g.platform, baseUrl: BASE_URL }, new Date());
      expect((await systemLog(g.tenantId)).length).toBe(2);
    }, 60_000);
  });

  describe('system log', () => {
    it('refuses UPDATE and DELETE at the database', async () => {
      const entries = await systemLog(f.tenantId);
      expect(entries.length).toBeGreaterThan(0);
      const log = store.t.systemLog;
      const writes = [
        (tx: TenantWriteCtx) => tx.db.update(log).set({ action: 'x' }).where(eq(log.tenantId, f.tenantId)),
        (tx: TenantWriteCtx) => tx.db.delete(log).where(eq(log.tenantId, f.tenantId)),
      ];
      for (const w of writes) {
        await expect(
          store.tenant(f.tenantId, { system: 'cli' }).write((tx) => {
            tx.write(w(tx));
          }),
        ).rejects.toSatisfy(isPermissionViolation);
      }
      expect(await systemLog(f.tenantId)).toEqual(entries);
    });
  });
});
