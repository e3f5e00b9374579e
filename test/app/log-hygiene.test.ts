/**
 * The whole set-up → sign-in → error flow writes logs with no password, token, email or set-up link
 * in them (security.md §7 AUD-01), on the real app.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/node/logger.js';

import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { BASE_URL, browser, testApp } from '../support/app.js';
import { openTestStore, type TestStore } from '../support/stores.js';

describe('log hygiene', () => {
  let ts: TestStore;
  const lines: string[] = [];

  beforeAll(async () => {
    ts = await openTestStore('sqlite');
  });
  afterAll(() => ts.close());

  it('never logs passwords, tokens, set-up links or email addresses', async () => {
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await testApp(ts.store, { logger: createLogger({ level: 'debug', destination }) });
    const password = 'Sekret passphrase 4711';
    const { token } = await createTenantWithAdmin(ts.store, {
      name: 'Logco',
      adminEmail: 'cfo@logco.example',
    });
    const b = browser(app);
    await b.get(`/setup/${token}?email=cfo@logco.example`);
    await b.post(`/setup/${token}`, { password: 'short', passwordConfirm: 'short' });
    await b.post(`/setup/${token}`, { password, passwordConfirm: password });
    await b.post('/app/login', { email: 'cfo@logco.example', password: `${password}x` });
    await b.post('/app/login', { email: 'cfo@logco.example', password });
    await b.get('/app');
    await b.get('/missing/cfo@logco.example');
    await app.request(`${BASE_URL}/app/login`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `email=cfo%40logco.example&password=${encodeURIComponent(password)}`,
    });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [
      password,
      token,
      'cfo@logco.example',
      'cfo%40logco.example',
      b.jar.get('__Host-assay')!,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).toContain('/setup/:token');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
