/**
 * Text answers that are also JSON ("12345", "true", "null", …) through the portal and back, on every
 * driver. On PostgreSQL node-postgres parses jsonb once; drizzle's own jsonb parsed the string again,
 * so "12345" came back as the number 12345 and the review page said "Enter text." (review MED).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAnswers } from '../../src/db/repo/answers.js';
import { VENDOR_COOKIE } from '../../src/vendor/sessions.js';
import { browser, testApp } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { vendorFixture, vendorSession } from '../support/vendor.js';

const Q = 'scope.service';
const TEXTS = ['12345', 'true', 'null', '1.0', '"q"', '[1]', '{}'];

forEachDialect('text answers that look like JSON', (dialect) => {
  let ts: TestStore;
  let app: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
    app = await testApp(ts.store);
  }, 120_000);
  afterAll(() => ts?.close());

  it.each(TEXTS)('keeps %s as text from the portal to the review page', async (text) => {
    const f = await vendorFixture(ts.store, {});
    const b = browser(app);
    b.jar.set(VENDOR_COOKIE, await vendorSession(ts.store, f));
    const base = `/v/a/${f.assessmentId}`;
    const saved = await b.post(`${base}/answer/${encodeURIComponent(Q)}`, { [Q]: text, [`_rev.${Q}`]: '0' });
    expect(saved.status).toBeLessThan(400);
    expect(await saved.text()).not.toContain('Enter text.');
    const stored = await ts.store.tenant(f.tenantId).read((c) => loadAnswers(c, f.assessmentId));
    expect(stored[Q]).toBe(text);
    const review = await b.get(`${base}/review`);
    expect(review.status).toBe(200);
    expect(await review.text()).not.toContain('Enter text.');
  });
});
