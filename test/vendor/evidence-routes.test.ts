/** Evidence in the portal: upload past the app's 1 MiB body limit, list, remove, and the session's scope. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import { pdf } from '../evidence/support.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastLinkTo, seedTenant, send } from '../support/assessments.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

forEachDialect(
  'portal evidence',
  (dialect) => {
    let ts: TestStore;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let tenantId: string;
    const now = new Date('2030-03-01T10:00:00Z');
    beforeAll(async () => {
      ts = await openTestStore(dialect);
      tenantId = await seedTenant(ts.store, 'Acme', now);
      platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    }, 120_000);
    afterAll(() => ts.close());

    async function session() {
      const sent = await send(platform, tenantId);
      const b = browser(app);
      await b.post(await lastLinkTo(ts.store, 'jane@widgets.example'), {});
      const cookie = [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      return { ...sent, b, cookie, base: `/v/a/${sent.assessmentId}` };
    }
    const upload = (path: string, cookie: string, name: string, bytes: Uint8Array, htmx = true) => {
      const fd = new FormData();
      fd.set('file', new File([bytes as BlobPart], name));
      return app.request(`${BASE_URL}${path}`, {
        method: 'POST',
        body: fd,
        headers: {
          Cookie: cookie,
          Origin: BASE_URL,
          'Sec-Fetch-Site': 'same-origin',
          ...(htmx ? { 'HX-Request': 'true' } : {}),
        },
      });
    };

    it('uploads a 2 MiB file (over the app-wide 1 MiB limit), lists it with its SHA-256, removes it', async () => {
      const { base, cookie } = await session();
      const big = new Uint8Array(2 * 1024 * 1024);
      big.set(pdf('big'));
      const res = await upload(`${base}/evidence/gov.policy`, cookie, 'policy.pdf', big);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('policy.pdf');
      expect(html).toMatch(/SHA-256 <code>[0-9a-f]{64}<\/code>/);
      const href = html.match(/href="(\/files\/[^"]+)"/)![1]!;
      const file = await app.request(`${BASE_URL}${href}`);
      expect(file.status).toBe(200);
      expect((await file.arrayBuffer()).byteLength).toBe(big.byteLength);
      const id = html.match(/evidence\/gov\.policy\/([0-9a-f-]{36})\/remove/)![1]!;
      const removed = await app.request(`${BASE_URL}${base}/evidence/gov.policy/${id}/remove`, {
        method: 'POST',
        headers: { Cookie: cookie, Origin: BASE_URL, 'Sec-Fetch-Site': 'same-origin', 'HX-Request': 'true' },
      });
      expect(removed.status).toBe(200);
      expect(await removed.text()).toContain('No files yet');
    });

    it('?replaces= uploads the next version: the list shows the new file; a stale replacement is 409', async () => {
      const { base, cookie } = await session();
      const first = await upload(`${base}/evidence/gov.policy`, cookie, 'v1.pdf', pdf('one'));
      const id = (await first.text()).match(/evidence\/gov\.policy\/([0-9a-f-]{36})\/remove/)![1]!;
      const second = await upload(`${base}/evidence/gov.policy?replaces=${id}`, cookie, 'v2.pdf', pdf('two'));
      expect(second.status).toBe(200);
      const html = await second.text();
      expect(html).toContain('v2.pdf');
      expect(html).not.toContain('v1.pdf');
      const stale = await upload(
        `${base}/evidence/gov.policy?replaces=${id}`,
        cookie,
        'v3.pdf',
        pdf('three'),
      );
      expect(stale.status).toBe(409);
      expect(await stale.text()).toMatch(/no longer current/);
    });

    it('without JavaScript, answers with a redirect back to the question', async () => {
      const { base, cookie } = await session();
      const res = await upload(`${base}/evidence/gov.policy`, cookie, 'policy.pdf', pdf(), false);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toContain('gov.policy');
    });

    it('without JavaScript, a refused file shows why and leads back to the question', async () => {
      const { base, cookie } = await session();
      const res = await upload(`${base}/evidence/gov.policy`, cookie, 'p.png', pdf(), false);
      expect(res.status).toBe(415);
      const html = await res.text();
      expect(html).toContain(`href="${base}/q/gov.policy#q-gov.policy"`);
      expect(html).toContain('Back to the questionnaire');
    });

    it('refuses another assessment, no session, a wrong type, a cross-site post and escapes names', async () => {
      const mine = await session();
      const other = await session();
      expect((await upload(`${other.base}/evidence/gov.policy`, mine.cookie, 'p.pdf', pdf())).status).toBe(
        404,
      );
      expect((await upload(`${mine.base}/evidence/gov.policy`, '', 'p.pdf', pdf())).status).toBe(401);
      expect((await upload(`${mine.base}/evidence/gov.policy`, mine.cookie, 'p.png', pdf())).status).toBe(
        415,
      );
      const fd = new FormData();
      fd.set('file', new File([pdf() as BlobPart], 'p.pdf'));
      const cross = await app.request(`${BASE_URL}${mine.base}/evidence/gov.policy`, {
        method: 'POST',
        body: fd,
        headers: { Cookie: mine.cookie, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      });
      expect(cross.status).toBe(403);
      const res = await upload(
        `${mine.base}/evidence/gov.policy`,
        mine.cookie,
        '<img src=x onerror=alert(1)>.pdf',
        pdf(),
      );
      const html = await res.text();
      expect(html).not.toContain('<img src=x');
    });
  },
  ['sqlite', 'pg'],
);
