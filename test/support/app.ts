/** Builds the real app over a real store, with a tiny cookie jar for `app.request()`. */
import { createApp } from '../../src/app.js';
import type { Store } from '../../src/db/store.js';
import { createLogger, MemoryRateLimitStore } from '../../src/http/index.js';

export const BASE_URL = 'https://assay.test';

export function testApp(store: Store, opts: { now?: () => Date } = {}) {
  const app = createApp({
    config: { baseUrl: BASE_URL, origin: BASE_URL, env: 'test', trustProxy: 0 },
    store,
    rateLimits: new MemoryRateLimitStore(),
    ...(process.env.TEST_LOG ? { logger: createLogger({ level: 'error' }) } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  return app;
}

/** A browser-like client: keeps cookies, sends same-origin headers on writes. */
export function browser(app: ReturnType<typeof testApp>) {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    if (init.method && init.method !== 'GET') {
      if (!headers.has('Origin')) headers.set('Origin', BASE_URL);
      if (!headers.has('Sec-Fetch-Site')) headers.set('Sec-Fetch-Site', 'same-origin');
    }
    const res = await app.request(`${BASE_URL}${path}`, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      const value = v.join('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') jar.delete(k!);
      else jar.set(k!, value);
    }
    return res;
  };
  return {
    jar,
    get: (path: string, headers: Record<string, string> = {}) => send(path, { headers }),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      send(path, {
        method: 'POST',
        body: new URLSearchParams(form).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      }),
  };
}
