/**
 * security-baseline@2.0.1 in the vendor portal: sent in German, the vendor reads every text of a section in
 * German (the context fact read-only, with its German label), and can switch to English; the engine's own
 * labels stay those of the chosen language.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MemoryRateLimitStore } from '../../src/http/rate-limit.js';
import type { Ports } from '../../src/platform/ports.js';
import { localize } from '../../src/questionnaire/index.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { lastLinkTo, seedTenant, send, shippedLibrary } from '../support/assessments.js';
import { type Dialect, forEachDialect, openTestStore, type TestStore } from '../support/stores.js';

const JANE = 'jane@widgets.example';

forEachDialect('security-baseline in German in the portal', (dialect: Dialect) => {
  let ts: TestStore;
  let platform: Ports;
  let app: ReturnType<typeof createApp>;
  let tenantId: string;
  const now = new Date('2030-06-01T10:00:00Z');

  beforeAll(async () => {
    ts = await openTestStore(dialect);
    tenantId = await seedTenant(ts.store, 'Acme', now);
  }, 120_000);
  afterAll(async () => {
    await ts.close();
  });
  beforeEach(async () => {
    platform = await testPlatform(ts.store, { now: () => now, rateLimits: new MemoryRateLimitStore() });
    app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  });

  it('shows the scope section in German, the criticality read-only, and English on request', async () => {
    const sent = await send(platform, tenantId, {
      questionnaire: 'security-baseline',
      context: ['scope.criticality=critical'],
      locale: 'de',
    });
    expect(sent.questionnaireRef).toBe('security-baseline@2.0.1');
    const q = shippedLibrary().get(sent.questionnaireRef)!;
    const vendor = browser(app);
    expect((await vendor.post(await lastLinkTo(ts.store, JANE), {})).status).toBe(303);

    const de = await (await vendor.get(`/v/a/${sent.assessmentId}/s/scope?lang=de`)).text();
    expect(de).toContain('lang="de"');
    const scope = q.sections.find((s) => s.id === 'scope')!;
    expect(de).toContain(localize(scope.title, 'de', q));
    expect(de).toContain('Umfang der Leistung');
    // The questions shown before any answer (the rest depend on the data types answered).
    for (const question of scope.questions.filter((x) => x.visibleIf === null)) {
      const text = localize(question.text, 'de', q).replace(/&/g, '&amp;');
      expect(de, question.id).toContain(text);
      expect(text, question.id).not.toBe(localize(question.text, 'en', q));
    }
    expect(de).toContain('Wie kritisch ist die Leistung für uns? (Von uns festgelegt.)');
    expect(de).toContain('Sie unterstützt eine unserer kritischen oder wichtigen Funktionen');
    expect(de).not.toContain('How critical is the service for us?');

    const en = await (await vendor.get(`/v/a/${sent.assessmentId}/s/scope?lang=en`)).text();
    expect(en).toContain('Scope of the service');
    expect(en).toContain('How critical is the service for us? (Set by us.)');
    expect(en).not.toContain('Umfang der Leistung');
  });
});
