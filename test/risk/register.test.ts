/**
 * The risk register (issue 8) on SQLite and PostgreSQL, through app.request() with real member sessions:
 * risks from findings across re-assessments, separation of duties on acceptance and its expiry, the
 * register's allow-listed filters, sorts and page tokens, charts, exports, inert markup, tenant scope.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { newId } from '../../src/db/ids.js';
import { listAudit } from '../../src/db/repo/audit.js';
import * as repo from '../../src/db/repo/index.js';
import type { Ports } from '../../src/platform/ports.js';
import { acceptanceExpiryJob } from '../../src/risk/jobs.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { type VendorFixture, vendorFixture } from '../support/vendor.js';
import { finding, member, raise } from './support.js';

forEachDialect(
  'risk register',
  (dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let f: VendorFixture;
    let other: VendorFixture;
    let now = new Date('2030-03-01T10:00:00Z');
    let analyst: Awaited<ReturnType<typeof member>>;
    let manager: Awaited<ReturnType<typeof member>>;
    let viewer: Awaited<ReturnType<typeof member>>;

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      f = await vendorFixture(ts.store, { tenantName: 'Acme', now });
      other = await vendorFixture(ts.store, { tenantName: 'Other', now });
      platform = await testPlatform(ts.store, { now: () => now });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
      analyst = await member(ts.store, app, f.tenantId, 'ana@acme.example', 'analyst', now);
      manager = await member(ts.store, app, f.tenantId, 'max@acme.example', 'compliance_manager', now);
      viewer = await member(ts.store, app, f.tenantId, 'vic@acme.example', 'viewer', now);
    }, 120_000);
    afterAll(() => ts.close());
    beforeEach(async () => {
      now = new Date(now.getTime() + 60_000);
      // Acceptance and exports need a recent re-authentication (route-permissions.ts reauth flag).
      for (const m of [analyst, manager, viewer]) await m?.reauth(now);
    });

    const risks = (tenantId = f.tenantId) => ts.store.tenant(tenantId).read((c) => repo.listRisks(c));
    const history = (id: string) => ts.store.tenant(f.tenantId).read((c) => repo.listHistory(c, id));
    async function reassessment(): Promise<string> {
      return ts.store.tenant(f.tenantId).write((tx) => {
        const a = repo.insertAssessment(
          tx,
          {
            vendorId: f.vendorId,
            contactId: f.contactId,
            questionnaireVersionId: f.questionnaireVersionId,
            dueDate: null,
          },
          now,
        );
        return a.id;
      });
    }

    it('creates one risk per (vendor, finding), closes it with a note when no longer raised, re-opens it when raised again', async () => {
      const first = await raise(
        ts.store,
        f.tenantId,
        f.vendorId,
        f.assessmentId,
        [finding('SUP-1'), finding('SUP-2')],
        now,
      );
      expect(first.created).toHaveLength(2);
      // The same submission applied twice: still two risks, nothing created.
      const again = await raise(
        ts.store,
        f.tenantId,
        f.vendorId,
        f.assessmentId,
        [finding('SUP-1'), finding('SUP-2')],
        now,
      );
      expect(again.created).toEqual([]);
      expect((await risks()).filter((r) => r.vendorId === f.vendorId)).toHaveLength(2);

      const second = await reassessment();
      const r2 = await raise(
        ts.store,
        f.tenantId,
        f.vendorId,
        second,
        [finding('SUP-1', { impact: 5 })],
        now,
      );
      expect(r2.closed).toHaveLength(1);
      const all = await risks();
      const sup1 = all.find((r) => r.findingKey === 'nis2-supplier/SUP-1')!;
      const sup2 = all.find((r) => r.findingKey === 'nis2-supplier/SUP-2')!;
      expect(sup1).toMatchObject({
        status: 'open',
        impact: 5,
        inherentScore: 15,
        inherentRating: 'high',
        assessmentId: second,
      });
      expect(sup2).toMatchObject({
        status: 'closed',
        closedNote: `no longer raised by assessment ${second}`,
      });

      const third = await reassessment();
      const r3 = await raise(
        ts.store,
        f.tenantId,
        f.vendorId,
        third,
        [finding('SUP-1'), finding('SUP-2')],
        now,
      );
      expect(r3.reopened).toEqual([sup2.id]);
      const reopened = (await risks()).find((r) => r.id === sup2.id)!;
      expect(reopened).toMatchObject({ status: 'open', closedAt: null, closedNote: null });
      const h = await history(sup2.id);
      expect(h.map((e) => [e.field, e.fromValue, e.toValue])).toEqual(
        expect.arrayContaining([
          ['status', null, 'open'],
          ['status', 'open', 'closed'],
          ['status', 'closed', 'open'],
        ]),
      );
      expect(h.find((e) => e.toValue === 'closed')!.note).toBe(`no longer raised by assessment ${second}`);
      // Another questionnaire's findings are another source: they never close these.
      await raise(ts.store, f.tenantId, f.vendorId, third, [], now, 'dora-ict-provider');
      expect((await risks()).filter((r) => r.status === 'open' && r.vendorId === f.vendorId)).toHaveLength(2);
      const log = await ts.store.tenant(f.tenantId).read((c) => listAudit(c));
      const actions = log.map((e) => e.action);
      for (const a of ['risk.created', 'risk.updated', 'risk.closed', 'risk.reopened'])
        expect(actions).toContain(a);
      // Audit entries hold ids and a digest, never the titles.
      expect(JSON.stringify(log)).not.toContain('Finding SUP-1');
    });

    it("shows a risk with its history, and 404 for another tenant's risk", async () => {
      const [r] = (await risks()).filter((x) => x.vendorId === f.vendorId);
      const page = await viewer.get(`/app/risks/${r!.id}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('History');
      expect(html).not.toContain('Save changes'); // a viewer cannot change it
      const foreign = await raise(
        ts.store,
        other.tenantId,
        other.vendorId,
        other.assessmentId,
        [finding('X-1')],
        now,
      );
      expect((await analyst.get(`/app/risks/${foreign.created[0]}`)).status).toBe(404);
      const post = await analyst.post(`/app/risks/${foreign.created[0]}`, {
        version: '1',
        title: 'hijack',
        likelihood: '1',
        impact: '1',
        status: 'open',
      });
      expect(post.status).toBe(404);
      expect((await risks(other.tenantId))[0]!.title).toBe('Finding X-1');
      const propose = await analyst.post(`/app/risks/${foreign.created[0]}/acceptance`, {
        justification: 'x',
        until: '2030-12-31',
      });
      expect(propose.status).toBe(404);
      expect((await analyst.get(`/app/risks/vendor/${other.vendorId}/summary`)).status).toBe(404);
      expect((await analyst.get(`/app/risks?vendor=${other.vendorId}`)).status).toBe(404);
    });

    it('renders markup in titles and descriptions inert, and refuses bad form values with 422 and no write', async () => {
      const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const res = await analyst.post('/app/risks/new', {
        vendor: f.vendorId,
        title: evil,
        description: `${evil}\nsecond line`,
        likelihood: '2',
        impact: '2',
      });
      expect(res.status).toBe(303);
      const id = res.headers.get('location')!.split('/').pop()!;
      const page = await (await analyst.get(`/app/risks/${id}`)).text();
      expect(page).not.toContain('<script>alert(1)');
      expect(page).not.toContain('<img src=x');
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const list = await (await analyst.get('/app/risks?sort=title&dir=asc')).text();
      expect(list).not.toContain('<script>alert(1)');
      const before = (await risks()).length;
      for (const bad of [
        { vendor: f.vendorId, title: '', likelihood: '2', impact: '2' },
        { vendor: f.vendorId, title: 'x', likelihood: '6', impact: '2' },
        { vendor: f.vendorId, title: 'x', likelihood: '2', impact: 'a' },
        { vendor: other.vendorId, title: 'x', likelihood: '2', impact: '2' },
        { vendor: f.vendorId, title: 'x', likelihood: '2', impact: '2', due: '2030-02-30' },
        { vendor: f.vendorId, title: 'x', likelihood: '2', impact: '2', owner: 'nobody' },
        { vendor: f.vendorId, title: 'line\nbreak', likelihood: '2', impact: '2' },
      ] as Record<string, string>[]) {
        const r = await analyst.post('/app/risks/new', bad);
        expect(r.status, JSON.stringify(bad)).toBe(422);
        expect(await r.text()).toContain('There is a problem');
      }
      expect((await risks()).length).toBe(before);
      expect(
        (
          await viewer.post('/app/risks/new', {
            vendor: f.vendorId,
            title: 'x',
            likelihood: '2',
            impact: '2',
          })
        ).status,
      ).toBe(403);
    });

    it('edits over the version it read, records every changed field, and reports a stale form', async () => {
      const r = (await risks()).find((x) => x.findingKey === 'nis2-supplier/SUP-1')!;
      const form = {
        version: String(r.version),
        title: r.title,
        description: r.description,
        likelihood: '2',
        impact: String(r.impact),
        residual_likelihood: '1',
        residual_impact: '2',
        owner: manager.userId,
        treatment: 'mitigate',
        plan: 'Ask for the ISMS certificate.',
        due: '2030-09-30',
        status: 'in_treatment',
      };
      expect((await analyst.post(`/app/risks/${r.id}`, form)).status).toBe(303);
      const after = (await risks()).find((x) => x.id === r.id)!;
      expect(after).toMatchObject({
        likelihood: 2,
        residualRating: 'low',
        ownerUserId: manager.userId,
        status: 'in_treatment',
        version: r.version + 1,
      });
      const fields = (await history(r.id))
        .filter((h) => h.actor === `user:${analyst.userId}`)
        .map((h) => h.field);
      expect(fields.sort()).toEqual(
        [
          'dueDate',
          'inherentRating',
          'likelihood',
          'ownerUserId',
          'residualImpact',
          'residualLikelihood',
          'residualRating',
          'status',
          'treatment',
          'treatmentPlan',
        ].sort(),
      );
      const stale = await manager.post(`/app/risks/${r.id}`, { ...form, title: 'Stale', likelihood: '5' });
      expect(stale.status).toBe(409);
      expect((await risks()).find((x) => x.id === r.id)!.title).toBe(r.title);
      const noNote = await analyst.post(`/app/risks/${r.id}`, {
        ...form,
        version: String(after.version),
        status: 'closed',
      });
      expect(noNote.status).toBe(422);
    });

    it('needs a second member to approve an acceptance (the proposer never can), and re-opens it after the expiry', async () => {
      const r = (await risks()).find((x) => x.findingKey === 'nis2-supplier/SUP-2')!;
      const propose = await analyst.post(`/app/risks/${r.id}/acceptance`, {
        justification: 'Low exposure; contract ends soon.',
        until: '2030-03-10',
      });
      expect(propose.status).toBe(303);
      const [proposal] = await ts.store.tenant(f.tenantId).read((c) => repo.listAcceptances(c, r.id));
      expect(proposal).toMatchObject({ status: 'pending', proposedBy: analyst.userId });
      // A second proposal while one is pending: refused.
      expect(
        (await manager.post(`/app/risks/${r.id}/acceptance`, { justification: 'x', until: '2030-04-01' }))
          .status,
      ).toBe(409);

      // The proposer approving their own: refused (the SQL guard), nothing changes.
      const own = await analyst.post(`/app/risks/${r.id}/acceptance/${proposal!.id}/approve`, {});
      expect(own.status).toBe(403);
      expect(await own.text()).toContain('separation of duties');
      expect((await risks()).find((x) => x.id === r.id)!.status).toBe('open');
      const [still] = await ts.store.tenant(f.tenantId).read((c) => repo.listAcceptances(c, r.id));
      expect(still).toMatchObject({ status: 'pending', decidedBy: null });
      // A viewer has no approval right at all.
      expect((await viewer.post(`/app/risks/${r.id}/acceptance/${proposal!.id}/approve`, {})).status).toBe(
        403,
      );

      // A second member approves: accepted until the proposed day.
      expect((await manager.post(`/app/risks/${r.id}/acceptance/${proposal!.id}/approve`, {})).status).toBe(
        303,
      );
      expect((await risks()).find((x) => x.id === r.id)).toMatchObject({
        status: 'accepted',
        treatment: 'accept',
        acceptedUntil: '2030-03-10',
      });
      expect((await manager.post(`/app/risks/${r.id}/acceptance/${proposal!.id}/approve`, {})).status).toBe(
        409,
      );
      const accepted = await (await viewer.get('/app/risks?status=accepted')).text();
      expect(accepted).toContain('/app/risks/' + r.id);

      // The day after the last day: shown open on the next read, and the job leaves nothing accepted.
      now = new Date('2030-03-11T08:00:00Z');
      // Ten days later every member signs in again (sessions end after 12 hours).
      analyst = await member(ts.store, app, f.tenantId, 'ana@acme.example', 'analyst', now);
      manager = await member(ts.store, app, f.tenantId, 'max@acme.example', 'compliance_manager', now);
      viewer = await member(ts.store, app, f.tenantId, 'vic@acme.example', 'viewer', now);
      const page = await (await viewer.get(`/app/risks/${r.id}`)).text();
      expect(page).toMatch(/<dt>Status<\/dt><dd>open/);
      expect((await risks()).find((x) => x.id === r.id)).toMatchObject({
        status: 'open',
        acceptedUntil: null,
      });
      const [expired] = await ts.store.tenant(f.tenantId).read((c) => repo.listAcceptances(c, r.id));
      expect(expired!.status).toBe('expired');
      await acceptanceExpiryJob.run({ ...platform, baseUrl: BASE_URL }, now);
      const actions = (await ts.store.tenant(f.tenantId).read((c) => listAudit(c))).map((e) => e.action);
      for (const a of ['risk.acceptance_proposed', 'risk.acceptance_approved', 'risk.acceptance_expired'])
        expect(actions).toContain(a);

      // Rejecting a proposal.
      await analyst.post(`/app/risks/${r.id}/acceptance`, {
        justification: 'Try again.',
        until: '2030-06-01',
      });
      const pending = (await ts.store.tenant(f.tenantId).read((c) => repo.listAcceptances(c, r.id))).find(
        (a) => a.status === 'pending',
      )!;
      expect(
        (await manager.post(`/app/risks/${r.id}/acceptance/${pending.id}/reject`, { note: 'No.' })).status,
      ).toBe(303);
      expect(
        (await ts.store.tenant(f.tenantId).read((c) => repo.listAcceptances(c, r.id))).find(
          (a) => a.id === pending.id,
        ),
      ).toMatchObject({ status: 'rejected', decidedBy: manager.userId });
      expect((await risks()).find((x) => x.id === r.id)!.status).toBe('open');
      for (const bad of [
        { justification: '', until: '2030-06-01' },
        { justification: 'x', until: '2030-03-01' },
        { justification: 'x', until: 'tomorrow' },
        { justification: 'x', until: '2040-01-01' },
      ])
        expect((await analyst.post(`/app/risks/${r.id}/acceptance`, bad)).status, JSON.stringify(bad)).toBe(
          422,
        );
    });

    it('the database refuses an approval by the proposer whatever the application does (CHECK)', async () => {
      const r = (await risks()).find((x) => x.findingKey === 'nis2-supplier/SUP-2')!;
      const id = newId();
      await ts.store
        .tenant(f.tenantId)
        .write((tx) =>
          repo.insertAcceptance(
            tx,
            { id, riskId: r.id, justification: 'j', expiresOn: '2031-01-01', proposedBy: analyst.userId },
            now,
          ),
        );
      await expect(
        ts.store.tenant(f.tenantId).write((tx) => {
          tx.write(tx.db.update(tx.t.riskAcceptances).set({ status: 'approved', decidedBy: analyst.userId }));
        }),
      ).rejects.toThrow();
      await ts.store.tenant(f.tenantId).write((tx) => {
        repo.decideAcceptance(tx, id, 'rejected', analyst.userId, null, now);
      });
    });

    it('refuses every bad filter, sort and page token with 400, and pages through everything with keyset tokens', async () => {
      for (const q of [
        'status=nope',
        'status=open&status=closed',
        'rating=severe',
        'vendor=not-an-id',
        'owner=x',
        'treatment=ignore',
        'due_before=2030-13-01',
        'due_before=yesterday',
        'sort=vendor_id',
        'sort=updated_at',
        'sort=likelihood',
        'sort=title;drop table risks',
        'dir=sideways',
        'colour=red',
        'after=%%%',
        'after=abc',
        `after=${Buffer.from(JSON.stringify(['due', 'asc', '2030-01-01', f.vendorId])).toString('base64url')}`,
        `after=${Buffer.from(JSON.stringify(['rating', 'desc', 'x', f.vendorId])).toString('base64url')}`,
        `after=${Buffer.from(JSON.stringify(['rating', 'desc', 5, "' or 1=1"])).toString('base64url')}`,
        // The new sorts' tokens carry their own shapes: each is checked before anything is bound.
        `sort=owner&after=${Buffer.from(JSON.stringify(['owner', 'asc', 'x', f.vendorId])).toString('base64url')}`,
        `sort=updated&after=${Buffer.from(JSON.stringify(['updated', 'desc', 'yesterday', f.vendorId])).toString('base64url')}`,
        `sort=updated&after=${Buffer.from(JSON.stringify(['updated', 'desc', -1, f.vendorId])).toString('base64url')}`,
        `sort=status&after=${Buffer.from(JSON.stringify(['status', 'asc', 'nope', f.vendorId])).toString('base64url')}`,
        `sort=vendor&after=${Buffer.from(JSON.stringify(['vendor', 'asc', 5, f.vendorId])).toString('base64url')}`,
        `sort=vendor&after=${Buffer.from(JSON.stringify(['title', 'asc', 'a', f.vendorId])).toString('base64url')}`,
        // Values PostgreSQL refuses to bind (a 500 there, an empty page on SQLite): change times past what a
        // Date and timestamptz round-trip, NUL and other controls in a text.
        ...[Number.MAX_SAFE_INTEGER, 9e15, 8.64e15, 253402300800000].map(
          (v) =>
            `sort=updated&after=${Buffer.from(JSON.stringify(['updated', 'desc', v, f.vendorId])).toString('base64url')}`,
        ),
        `sort=vendor&after=${Buffer.from(JSON.stringify(['vendor', 'asc', '\u0000x', f.vendorId])).toString('base64url')}`,
        `sort=title&after=${Buffer.from(JSON.stringify(['title', 'asc', 'a\u0000b', f.vendorId])).toString('base64url')}`,
        `sort=title&after=${Buffer.from(JSON.stringify(['title', 'asc', 'a\nb', f.vendorId])).toString('base64url')}`,
        `sort=due&after=${Buffer.from(JSON.stringify(['due', 'asc', '2030-01-01\u0000', f.vendorId])).toString('base64url')}`,
        `sort=status&after=${Buffer.from(JSON.stringify(['status', 'asc', 'open\u0000', f.vendorId])).toString('base64url')}`,
        `sort=owner&after=${Buffer.from(JSON.stringify(['owner', 'asc', `${f.vendorId}\u0000`, f.vendorId])).toString('base64url')}`,
        `after=${Buffer.from(JSON.stringify(['rating', 'desc', 5, `${f.vendorId}\u0000`])).toString('base64url')}`,
        `after=${Buffer.from(JSON.stringify(['rating', 'desc', 1e300, f.vendorId])).toString('base64url')}`,
      ]) {
        const res = await viewer.get(`/app/risks?${q}`);
        expect(res.status, q).toBe(400);
        expect(await res.text(), q).toContain('We could not do that');
        const exp = await manager.get(`/app/risks/export.csv?${q}`);
        expect(exp.status, q).toBe(400);
      }
      // 120 more risks on a second vendor: every page a keyset seek, no row twice, none missed.
      const v2 = await ts.store
        .tenant(f.tenantId)
        .write((tx) => repo.insertVendor(tx, { name: 'Many risks Ltd' }, now));
      await raise(
        ts.store,
        f.tenantId,
        v2.id,
        f.assessmentId,
        Array.from({ length: 120 }, (_, i) =>
          finding(`M-${i}`, {
            likelihood: (i % 5) + 1,
            impact: ((i * 3) % 5) + 1,
            dueDate: `2030-0${(i % 9) + 1}-1${i % 10}`,
          }),
        ),
        now,
      );
      for (const sort of ['rating', 'due', 'title', 'vendor', 'status', 'owner', 'updated']) {
        for (const dir of ['asc', 'desc']) {
          const seen: string[] = [];
          let url: string | null = `/app/risks?vendor=${v2.id}&sort=${sort}&dir=${dir}`;
          let pages = 0;
          while (url && pages < 20) {
            const html = await (await viewer.get(url)).text();
            seen.push(
              ...[...html.matchAll(/<td><a href="\/app\/risks\/([0-9a-f-]{36})">/g)].map((m) => m[1]!),
            );
            const next = html.match(/rel="next" href="([^"]+)"/);
            url = next ? next[1]!.replaceAll('&amp;', '&') : null;
            pages++;
          }
          expect(pages, `${sort} ${dir}`).toBe(3);
          expect(new Set(seen).size, `${sort} ${dir}`).toBe(120);
          expect(seen.length).toBe(120);
        }
      }

      // Across the whole tenant, with values that differ: a third vendor named to sort first, owners on
      // some risks (the rest unowned), changes at different times. Every sort pages through every risk
      // once, in its order.
      const v3 = await ts.store
        .tenant(f.tenantId)
        .write((tx) => repo.insertVendor(tx, { name: 'Aardvark Hosting', tier: 'low' }, now));
      await raise(
        ts.store,
        f.tenantId,
        v3.id,
        f.assessmentId,
        Array.from({ length: 7 }, (_, i) => finding(`A-${i}`)),
        now,
      );
      const all = await risks();
      await ts.store.tenant(f.tenantId).write((tx) => {
        all.forEach((r, i) => {
          tx.write(
            tx.db
              .update(tx.t.risks)
              .set({
                ownerUserId: i % 3 === 0 ? manager.userId : i % 3 === 1 ? analyst.userId : null,
                updatedAt: new Date(now.getTime() - (i % 17) * 60_000),
              })
              .where(eq(tx.t.risks.id, r.id)),
          );
        });
      });
      const byId = new Map((await risks()).map((r) => [r.id, r]));
      const names = new Map([
        [f.vendorId, (await ts.store.tenant(f.tenantId).read((c) => repo.getVendor(c, f.vendorId)))!.name],
        [v2.id, 'Many risks Ltd'],
        [v3.id, 'Aardvark Hosting'],
      ]);
      const keyOf: Record<string, (r: repo.RiskRow) => string | number> = {
        vendor: (r) => names.get(r.vendorId)!,
        status: (r) => r.status,
        owner: (r) => r.ownerUserId ?? '',
        updated: (r) => r.updatedAt.getTime(),
      };
      for (const [sort, key] of Object.entries(keyOf)) {
        for (const dir of ['asc', 'desc']) {
          const seen: string[] = [];
          let url: string | null = `/app/risks?sort=${sort}&dir=${dir}`;
          // A keyset that does not advance would page for ever: a cap makes it fail instead.
          for (let n = 0; url && n < 20; n++) {
            const html = await (await viewer.get(url)).text();
            seen.push(
              ...[...html.matchAll(/<td><a href="\/app\/risks\/([0-9a-f-]{36})">/g)].map((m) => m[1]!),
            );
            const next = html.match(/rel="next" href="([^"]+)"/);
            url = next ? next[1]!.replaceAll('&amp;', '&') : null;
          }
          expect(seen.length, `${sort} ${dir}`).toBe(byId.size);
          expect(new Set(seen).size, `${sort} ${dir}`).toBe(byId.size);
          // In order of (key, id), ascending or descending.
          const cmp = (a: string, b: string) => {
            const [ka, kb] = [key(byId.get(a)!), key(byId.get(b)!)];
            return ka < kb ? -1 : ka > kb ? 1 : a < b ? -1 : a > b ? 1 : 0;
          };
          const want = [...seen].sort((a, b) => (dir === 'asc' ? cmp(a, b) : cmp(b, a)));
          expect(seen, `${sort} ${dir}`).toEqual(want);
        }
      }
      // The vendor sort is by name: the Aardvark's risks come first.
      const first = await (await viewer.get('/app/risks?sort=vendor')).text();
      expect(first.indexOf('Aardvark Hosting')).toBeLessThan(first.indexOf('Many risks Ltd'));
    });

    it('renders the heat map, the dashboard and the trend with the right counts', async () => {
      const t = await vendorFixture(ts.store, { tenantName: 'Counts', now });
      const m = await member(ts.store, app, t.tenantId, 'exec@counts.example', 'executive', now);
      await raise(
        ts.store,
        t.tenantId,
        t.vendorId,
        t.assessmentId,
        [
          finding('A', { likelihood: 5, impact: 5 }),
          finding('B', { likelihood: 5, impact: 5 }),
          finding('C', { likelihood: 1, impact: 2 }),
          finding('D', { likelihood: 3, impact: 4 }),
        ],
        now,
      );
      const dash = await m.get('/app');
      expect(dash.status).toBe(200);
      const html = await dash.text();
      expect(html).toMatch(/data-cell="5x5">2 /);
      expect(html).toMatch(/data-cell="1x2">1 /);
      expect(html).toMatch(/data-cell="3x4">1 /);
      expect(html).toMatch(/data-cell="2x2">0 /);
      expect(html).toMatch(/data-rating="critical">2</);
      expect(html).toMatch(/data-rating="high">1</);
      expect(html).toMatch(/data-rating="low">1</);
      expect(html).toMatch(
        /<svg[^>]+role="img"[^>]+aria-labelledby="dash-heat-map-title dash-heat-map-desc"/,
      );
      expect(html).toContain('4 open risks: 2 critical, 1 high, 0 medium, 1 low.');
      expect(html).toMatch(/Vendors by tier/);

      // An acceptance that ended before today: GET /app re-opens the risk before it counts (one read
      // unit finds it together with the counts; the counts are read again after the re-opening).
      const [accepted] = await risks(t.tenantId);
      await ts.store.tenant(t.tenantId).write((tx) => {
        repo.updateRisk(tx, accepted!.id, { status: 'accepted', acceptedUntil: '2020-01-01' }, now);
      });
      const reopened = await (await m.get('/app')).text();
      expect(reopened).toMatch(/data-status="accepted">0</);
      expect(reopened).toMatch(/data-status="open">4</);
      expect((await risks(t.tenantId)).find((x) => x.id === accepted!.id)).toMatchObject({
        status: 'open',
        acceptedUntil: null,
      });
      const charts = await (await m.get('/app/risks/charts')).text();
      expect(charts).toContain('<title id="trend-title">Trend: open risks by rating</title>');
      const today = now.toISOString().slice(0, 10);
      expect(charts).toContain(`On ${today}: 2 critical, 1 high, 0 medium, 1 low.`);
      const row = charts.match(new RegExp(`<tr><th scope="row">${today}</th>(.*?)</tr>`))![1]!;
      expect([...row.matchAll(/>(\d+)</g)].map((x) => Number(x[1]))).toEqual([2, 1, 0, 1]);
      const fragment = await (await m.get(`/app/risks/vendor/${t.vendorId}/summary`)).text();
      expect(fragment).not.toContain('<html');
      expect(fragment).toContain('4 open risks');
    });

    it('shows the per-vendor risk summary on the vendor page, the same as the fragment, for every role that reads risks', async () => {
      const t = await vendorFixture(ts.store, { tenantName: 'Summary', now });
      await raise(
        ts.store,
        t.tenantId,
        t.vendorId,
        t.assessmentId,
        [finding('A', { likelihood: 5, impact: 5 }), finding('C', { likelihood: 1, impact: 2 })],
        now,
      );
      // Another vendor's risks never show on this vendor's page.
      const second = await ts.store
        .tenant(t.tenantId)
        .write((tx) => repo.insertVendor(tx, { name: 'Quiet Ltd' }, now));
      const roles = ['admin', 'compliance_manager', 'analyst', 'executive', 'auditor', 'viewer'] as const;
      for (const role of roles) {
        const m = await member(ts.store, app, t.tenantId, `${role}@summary.example`, role, now);
        const res = await m.get(`/app/vendors/${t.vendorId}`);
        expect(res.status, role).toBe(200);
        const page = await res.text();
        expect(page, role).toContain(`id="risk-summary-${t.vendorId}"`);
        expect(page).toContain('2 open risks: 1 critical, 0 high, 0 medium, 1 low.');
        expect(page).toMatch(/data-cell="5x5">1 /);
        expect(page).toContain(`href="/app/risks?vendor=${t.vendorId}"`);
        const fragment = await (await m.get(`/app/risks/vendor/${t.vendorId}/summary`)).text();
        const section = (html: string) =>
          html.slice(
            html.indexOf('<section class="risk-summary"'),
            html.indexOf('</section>', html.indexOf('<section class="risk-summary"')),
          );
        expect(section(page)).toBe(section(fragment));
        const quiet = await (await m.get(`/app/vendors/${second.id}`)).text();
        expect(quiet).toContain(`id="risk-summary-${second.id}"`);
        expect(quiet).not.toMatch(/data-cell="5x5">1 /);
      }
    });

    it('exports the register and the assessments as CSV and XLSX with formulas neutralised, and audits the export', async () => {
      await manager.post('/app/risks/new', {
        vendor: f.vendorId,
        title: '=HYPERLINK("http://evil.example","x")',
        likelihood: '4',
        impact: '4',
      });
      const csv = await manager.get('/app/risks/export.csv?sort=title&dir=asc');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(csv.headers.get('content-disposition')).toMatch(
        /^attachment; filename="risk-register-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const text = await csv.text();
      expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
      expect(text).not.toMatch(/(^|,)"=HYPERLINK/m);
      expect(text.split('\r\n')[0]).toContain('"Owner"');
      const xlsx = await manager.get('/app/risks/export.xlsx');
      expect(xlsx.status).toBe(200);
      const bytes = new Uint8Array(await xlsx.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([0x50, 0x4b]);
      const ExcelJS = (await import('exceljs')).default;
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(bytes.buffer as ArrayBuffer);
      const titles = wb.worksheets[0]!.getColumn(3).values as unknown[];
      expect(titles).toContain(`'=HYPERLINK("http://evil.example","x")`);
      const a = await manager.get('/app/risks/export/assessments.csv');
      expect(a.status).toBe(200);
      expect(await a.text()).toContain(f.assessmentId);
      // The executive exports without owners (no personal data), a viewer not at all.
      const exec = await member(ts.store, app, f.tenantId, 'exe@acme.example', 'executive', now);
      expect((await (await exec.get('/app/risks/export.csv')).text()).split('\r\n')[0]).not.toContain(
        'Owner',
      );
      expect((await viewer.get('/app/risks/export.csv')).status).toBe(403);
      const log = await ts.store.tenant(f.tenantId).read((c) => listAudit(c));
      const exports = log.filter((e) => e.action === 'register.exported');
      expect(exports.length).toBeGreaterThanOrEqual(4);
      expect(exports[0]!.data).toMatchObject({
        format: 'csv',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
  },
  ['sqlite', 'pg'],
);
