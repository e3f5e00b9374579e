/**
 * A request on a link (`/v/<token>/code`, `/fresh`) that the per-address limit refuses stays cheap
 * (review LOW): its page is said in the browser's own language hints (`?lang=`, the remembered language,
 * the last link page's or session's language, `Accept-Language`) without verifying the token, and only
 * the window's first refusal verifies it, in the background, to file the tenant's security event. The
 * count is taken on the real key ring (a counting wrapper of the port every verification asks for the
 * key), on SQLite, PostgreSQL and D1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { listSecurityEvents } from '../../src/db/repo/index.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { KeyRing } from '../../src/keys/keyring.js';
import type { Ports } from '../../src/platform/ports.js';
import { VENDOR_LANG_COOKIE } from '../../src/vendor/error-language.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { lastLinkTo, seedTenant, send } from '../support/assessments.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';
const DE = 'Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es erneut.';
const EN = 'Too many attempts. Wait a little and try again.';
const lang = (html: string) => /<html lang="([^"]*)">/.exec(html)?.[1];

forEachDialect('a rate-limited link request', (dialect) => {
  let ts: TestStore;
  let platform: Ports;
  let rateLimits: MemoryRateLimitStore;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  let link: string;
  let assessmentId: string;
  let verifies = 0;
  /** The background work of every request (the security log), to wait for before counting. */
  const tasks: Promise<unknown>[] = [];
  const executionCtx = {
    waitUntil: (p: Promise<unknown>) => void tasks.push(p),
    passThroughOnException() {},
    props: {},
  };

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    tenantId = await seedTenant(ts.store, 'Acme', new Date());
    rateLimits = new MemoryRateLimitStore();
    const real = await testPlatform(ts.store, { rateLimits });
    const keys: KeyRing = {
      signer: (p) => real.keys.signer(p),
      invalidate: () => real.keys.invalidate(),
      resolver: (p) => {
        const resolve = real.keys.resolver(p);
        return (header, token) => {
          if (p === 'link') verifies++;
          return resolve(header, token);
        };
      },
    };
    platform = { ...real, keys };
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    const sent = await send(platform, tenantId, { locale: 'de' });
    assessmentId = sent.assessmentId;
    link = await lastLinkTo(ts.store, JANE, assessmentId);
  }, 120_000);
  afterAll(() => ts?.close());

  const post = (path: string, form: Record<string, string>, headers: Record<string, string>) =>
    app.request(
      `${BASE_URL}${path}`,
      {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Origin: BASE_URL,
          'Sec-Fetch-Site': 'same-origin',
          ...headers,
        },
      },
      undefined,
      executionCtx,
    );
  const settled = async () => {
    while (tasks.length) await Promise.all(tasks.splice(0));
  };
  const limitedEvents = async () =>
    (await ts.store.tenant(tenantId).read((c) => listSecurityEvents(c, { limit: 10_000 }))).filter(
      (e) => e.kind === 'rate_limited' && e.data.assessment === assessmentId && !e.data.reason,
    );

  it('/code: past the address limit, no verify and no read of the link; the language from the browser’s hints', async () => {
    const client = { 'X-Test-Client': '203.0.113.61' };
    // Up to the limit (30 in 15 minutes) each request is judged, and verifies the token.
    let last = 0;
    for (let i = 0; i < 30; i++) last = (await post(`${link}/code`, { code: '123456' }, client)).status;
    expect(last).toBeLessThan(429);
    // The window's first refusal files the security event: the one verify a flood buys.
    expect((await post(`${link}/code`, { code: '123456' }, client)).status).toBe(429);
    await settled();
    expect(await limitedEvents()).toHaveLength(1);
    // The test of the test: the counter sees every judged request's verify.
    expect(verifies).toBeGreaterThanOrEqual(31);

    verifies = 0;
    const asked = async (headers: Record<string, string>) => {
      const res = await post(`${link}/code`, { code: '123456' }, { ...client, ...headers });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      return res.text();
    };
    // The browser's Accept-Language (the invitation is German, but the token is not read to learn that).
    const byHeader = await asked({ 'Accept-Language': 'fr;q=0, de-CH;q=0.9, en;q=0.8' });
    expect(lang(byHeader)).toBe('de');
    expect(byHeader).toContain(DE);
    // The last link page's language wins over the header; nothing at all is English.
    const byCookie = await asked({ Cookie: `${VENDOR_LANG_COOKIE}=de`, 'Accept-Language': 'en' });
    expect(lang(byCookie)).toBe('de');
    const none = await asked({});
    expect(lang(none)).toBe('en');
    expect(none).toContain(EN);
    await settled();
    expect(verifies).toBe(0);
    // And the refusals after the first are the same hit: no further event.
    expect(await limitedEvents()).toHaveLength(1);
  });

  it('/fresh: a page answered on the link remembers its language; the refusal after the limit says it without a verify', async () => {
    const client = { 'X-Test-Client': '203.0.113.62' };
    const res = await post(`${link}/fresh`, { email: JANE }, client);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${VENDOR_LANG_COOKIE}=`));
    expect(cookie).toMatch(new RegExp(`^${VENDOR_LANG_COOKIE}=de;`));
    // The address's window spent (10 an hour), as many requests from it would have.
    for (let i = 0; i < 10; i++)
      await rateLimits.hit({ name: 'vendor-fresh-ip', subject: '203.0.113.62' }, 3_600_000);
    // The first refusal on this link from this address verifies once, in the background, for the log.
    expect((await post(`${link}/fresh`, { email: JANE }, client)).status).toBe(429);
    await settled();
    verifies = 0;
    const refused = await post(
      `${link}/fresh`,
      { email: JANE },
      { ...client, Cookie: cookie!.split(';')[0]! },
    );
    expect(refused.status).toBe(429);
    const html = await refused.text();
    expect(lang(html)).toBe('de');
    expect(html).toContain(DE);
    await settled();
    expect(verifies).toBe(0);
  });
  it('a refusal with a token that verifies nowhere does not hide the real link’s refusals from its tenant', async () => {
    const client = { 'X-Test-Client': '203.0.113.77' };
    for (let i = 0; i < 30; i++)
      await rateLimits.hit({ name: 'vendor-code-ip', subject: '203.0.113.77' }, 15 * 60_000);
    const before = (await limitedEvents()).length;
    // The window's first refusal on a made-up token: it logs nothing (no tenant to log it in)…
    expect((await post('/v/aaaa.bbbb.cccc/code', { code: '123456' }, client)).status).toBe(429);
    await settled();
    // …and the real link's refusals after it still reach the tenant's log, once for the window.
    verifies = 0;
    for (let i = 0; i < 20; i++)
      expect((await post(`${link}/code`, { code: '123456' }, client)).status).toBe(429);
    await settled();
    expect((await limitedEvents()).length).toBe(before + 1);
    expect(verifies).toBe(1);
  });

  it('a flood of distinct tokens past the limit buys at most a few verifies an address a window', async () => {
    const client = { 'X-Test-Client': '203.0.113.78' };
    for (let i = 0; i < 30; i++)
      await rateLimits.hit({ name: 'vendor-code-ip', subject: '203.0.113.78' }, 15 * 60_000);
    await settled();
    verifies = 0;
    // Tokens with the real link's header (its key is looked up) and a wrong signature each.
    for (let i = 0; i < 40; i++) {
      const forged = `${link}${String.fromCharCode(65 + (i % 26))}${i}`;
      expect((await post(`${forged}/code`, { code: '123456' }, client)).status).toBe(429);
    }
    await settled();
    expect(verifies).toBeGreaterThan(0);
    expect(verifies).toBeLessThanOrEqual(5);
  });
});
