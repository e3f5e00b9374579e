import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENGLISH_ERROR_CHROME, type ErrorLocaleResolver } from '../../src/http/error-locale.js';
import {
  createViews,
  errorHandlers,
  HTMX_ALERT_TARGET,
  HttpError,
  precompiledEngine,
  readJson,
  toPublicError,
} from '../../src/http/index.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { buildApp, captureLog, HTMX, JSON_ACCEPT, testViews } from './support.js';

const SECRET = 'connection to postgres://admin:hunter2@db failed';

interface ErrorJson {
  error: { status: number; message: string; requestId: string; fields?: Record<string, string> };
}

function build() {
  return buildApp((app) => {
    app.get('/boom', () => {
      throw new Error(SECRET);
    });
    app.get('/boom-5xx-http', () => {
      throw new HttpError(503, `maintenance: ${SECRET}`);
    });
    app.get('/conflict', () => {
      throw new HttpError(409, 'This assessment was already submitted.');
    });
    app.get('/fields', () => {
      throw new HttpError(422, 'Check the highlighted fields.', {
        fields: { email: 'Enter an email address like <name@example.com>.' },
      });
    });
    app.get('/zod', () => {
      z.object({
        email: z.email('Enter a valid email address.'),
        due: z.string().min(1, 'Enter a due date.'),
      }).parse({
        email: 'nope',
        due: '',
      });
      return new Response('unreachable');
    });
    app.post('/api/things', async (c) => c.json(await readJson(c)));
    app.post('/json', async (c) => c.json(await readJson(c)));
    app.get('/hono-400', () => {
      throw new HTTPException(400, { message: 'Malformed JSON in request body' });
    });
    app.get('/hono-500', () => {
      throw new HTTPException(500, { message: SECRET });
    });
    app.get('/throws-string', () => {
      throw SECRET;
    });
  });
}

describe('errorHandlers: who gets what', () => {
  it('gives a person an HTML page in the layout with the message and the request id', async () => {
    const { app } = build();
    const res = await app.request('/conflict', {
      headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('This assessment was already submitted.');
    expect(html).toContain(`<code>${res.headers.get('x-request-id')}</code>`);
    expect(html).toContain('<a class="skip-link" href="#main">');
  });

  it('gives htmx a fragment retargeted to the alert region, not a whole page', async () => {
    const { app } = build();
    const res = await app.request('/conflict', { headers: HTMX });
    expect(res.status).toBe(409);
    expect(res.headers.get('hx-retarget')).toBe(HTMX_ALERT_TARGET);
    expect(res.headers.get('hx-reswap')).toBe('innerHTML');
    const html = await res.text();
    expect(html).not.toContain('<html');
    expect(html).toContain('class="alert alert--error"');
    expect(html).toContain('This assessment was already submitted.');
    expect(html).toContain(res.headers.get('x-request-id')!);
  });

  it('gives an htmx history restore a full page', async () => {
    const { app } = build();
    const res = await app.request('/nope', { headers: { ...HTMX, 'HX-History-Restore-Request': 'true' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/^<!doctype html>/);
  });

  it('gives API clients JSON, by Accept or by /api/ path', async () => {
    const { app } = build();
    const byAccept = await app.request('/conflict', { headers: JSON_ACCEPT });
    expect(byAccept.status).toBe(409);
    expect(byAccept.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await byAccept.json()).toEqual({
      error: {
        status: 409,
        message: 'This assessment was already submitted.',
        requestId: byAccept.headers.get('x-request-id'),
      },
    });
    const byPath = await app.request('/api/missing');
    expect(byPath.status).toBe(404);
    expect(((await byPath.json()) as ErrorJson).error.message).toBe('We could not find that page.');
  });

  it('prefers HTML when Accept ranks HTML at least as high as JSON', async () => {
    const { app } = build();
    const res = await app.request('/conflict', { headers: { Accept: 'application/json;q=0.5, text/html' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('errorHandlers: 5xx never leak', () => {
  for (const path of ['/boom', '/boom-5xx-http', '/hono-500', '/throws-string']) {
    it(`${path}: generic text and request id for page, fragment and JSON; stack only in the log`, async () => {
      const { app, log } = build();
      for (const headers of [{}, HTMX, JSON_ACCEPT]) {
        const res = await app.request(path, { headers });
        expect(res.status).toBeGreaterThanOrEqual(500);
        const text = await res.text();
        expect(text).not.toContain('hunter2');
        expect(text).not.toContain('postgres://');
        expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
        expect(text).not.toContain('Error:');
        expect(text).toContain(res.headers.get('x-request-id')!);
      }
      if (path !== '/throws-string') {
        const failures = log.records().filter((r) => r.msg === 'request failed');
        expect(failures).toHaveLength(3);
        const err = failures[0]!.err as { stack: string; message: string };
        expect(err.message).toContain('hunter2');
        expect(err.stack).toMatch(/at /);
        expect(failures[0]!.requestId).toEqual(expect.any(String));
      }
    });
  }

  it('gives a thrown non-Error a 500 without details', async () => {
    const { app } = build();
    const res = await app.request('/throws-string', { headers: JSON_ACCEPT });
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorJson).error.message).toBe('Something went wrong on our side.');
  });
});

describe('errorHandlers: bad input', () => {
  it('turns a ZodError into 400 with one message per field', async () => {
    const { app } = build();
    const res = await app.request('/zod', { headers: JSON_ACCEPT });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.fields).toEqual({ email: 'Enter a valid email address.', due: 'Enter a due date.' });
  });

  it('renders field errors escaped, in the page summary and the fragment', async () => {
    const { app } = build();
    const page = await (await app.request('/fields')).text();
    expect(page).toContain(
      '<a href="#field-email">Enter an email address like &lt;name@example.com&gt;.</a>',
    );
    expect(page).not.toContain('<name@example.com>');
    const fragment = await (await app.request('/fields', { headers: HTMX })).text();
    expect(fragment).toContain('&lt;name@example.com&gt;');
  });

  it('answers malformed JSON with 400 and a plain message', async () => {
    const { app } = build();
    const res = await app.request('/json', {
      method: 'POST',
      body: '{"a": ',
      headers: { 'Content-Type': 'application/json', ...JSON_ACCEPT },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toBe('The request body is not valid JSON.');
  });

  it('answers an empty JSON body with 400 and a non-JSON type with 415', async () => {
    const { app } = build();
    const empty = await app.request('/api/things', {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    const form = await app.request('/api/things', {
      method: 'POST',
      body: 'a=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const ok = await app.request('/api/things', {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(await ok.json()).toEqual({ a: 1 });
  });

  it("keeps a Hono HTTPException's 4xx status and message", async () => {
    const { app } = build();
    const res = await app.request('/hono-400', { headers: JSON_ACCEPT });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toBe('Malformed JSON in request body');
  });

  it('logs refused requests at info without a stack', async () => {
    const { app, log } = build();
    await app.request('/conflict');
    const refused = log.records().find((r) => r.msg === 'request refused')!;
    expect(refused.status).toBe(409);
    expect(refused.level).toBe('info');
    expect(refused).not.toHaveProperty('err');
  });
});

describe('errorHandlers: a client that went away', () => {
  it('logs the failure it caused at info as 499 with aborted: true, no stack, no 500', async () => {
    const controller = new AbortController();
    const { app, log } = buildApp((app) =>
      app.post('/upload', () => {
        // What a body read does when the connection closes under it.
        controller.abort();
        throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      }),
    );
    const res = await app.request('/upload', { method: 'POST', signal: controller.signal });
    expect(res.status).toBe(499);
    const records = log.records();
    expect(records.some((r) => r.level === 'error')).toBe(false);
    const aborted = records.find((r) => r.msg === 'request aborted by the client')!;
    expect(aborted).toMatchObject({ level: 'info', status: 499, aborted: true });
    expect(aborted).not.toHaveProperty('err');
    expect(records.find((r) => r.msg === 'request')).toMatchObject({ status: 499, aborted: true });
  });

  it('still logs a connection error of our own (a database reset) as a 500 with its stack', async () => {
    const { app, log } = buildApp((app) =>
      app.get('/db', () => {
        throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      }),
    );
    const res = await app.request('/db');
    expect(res.status).toBe(500);
    const failed = log.records().find((r) => r.msg === 'request failed')!;
    expect(failed.level).toBe('error');
    expect((failed.err as { code: string; stack: string }).code).toBe('ECONNRESET');
  });
});

describe('errorBoundary', () => {
  it('turns a thrown non-Error into a 500 that still gets the security headers and request id', async () => {
    const { app, log } = build();
    const res = await app.request('/throws-string');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const failure = log.records().find((r) => r.msg === 'request failed')!;
    expect((failure.err as { type: string }).type).toBe('NonErrorThrown');
  });

  it('is needed: without it a thrown string escapes Hono entirely', async () => {
    const app = new Hono();
    const { onError } = errorHandlers({ logger: createLogger({ level: 'silent' }), views: testViews() });
    app.onError(onError);
    app.get('/', () => {
      throw 'not an error';
    });
    // Hono may throw synchronously here; the async wrapper turns either into a rejection.
    const attempt = async () => app.request('/');
    await expect(attempt()).rejects.toBe('not an error');
  });
});

describe('errorHandlers: robustness', () => {
  it('falls back to plain text when the error template itself fails', async () => {
    const log = captureLog();
    // An engine that knows no template: the error page cannot be rendered.
    const views = createViews({ engine: precompiledEngine({}), assets: testViews().assets });
    const app = new Hono();
    const { onError } = errorHandlers({ logger: createLogger({ destination: log.stream }), views });
    app.onError(onError);
    app.get('/', () => {
      throw new HttpError(409, 'Conflict here.');
    });
    const res = await app.request('/');
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('Conflict here.');
    expect(log.records().some((r) => r.msg === 'error page could not be rendered')).toBe(true);
  });

  it('HttpError keeps its status even under Hono’s default handler', async () => {
    const app = new Hono();
    app.get('/', () => {
      throw new HttpError(429, 'Slow down.', { headers: { 'Retry-After': '7' } });
    });
    const res = await app.request('/');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.text()).toBe('Slow down.\n');
  });

  it('HttpError refuses a status that is not an error status', () => {
    expect(() => new HttpError(200)).toThrow(RangeError);
    expect(() => new HttpError(302)).toThrow(RangeError);
    expect(() => new HttpError(600)).toThrow(RangeError);
  });

  it('toPublicError hides 5xx HttpError messages and keeps 4xx ones', () => {
    expect(toPublicError(new HttpError(502, 'upstream said: secret')).message).toBe(
      'Something went wrong on our side.',
    );
    expect(toPublicError(new HttpError(404)).message).toBe('We could not find that page.');
  });
});

describe('errorHandlers: a part that speaks another language', () => {
  const said = { key: 'x.closed', params: { what: '<b>form</b>' } };
  const locale = {
    lang: 'de',
    chrome: {
      ...ENGLISH_ERROR_CHROME,
      refusedTitle: 'Das war leider nicht möglich',
      referenceShort: 'Referenz:',
    },
    say: (s: { key: string; params?: Record<string, string | number> }) =>
      s.key === 'x.closed' ? `Geschlossen: ${s.params?.what}` : undefined,
  };
  function localized(resolver: ErrorLocaleResolver) {
    return buildApp((app) => {
      app.use(async (c, next) => {
        c.set('errorLocale', resolver);
        await next();
      });
      app.get('/closed', () => {
        throw new HttpError(409, 'Closed.', { said });
      });
      app.get('/plain', () => {
        throw new HttpError(409, 'Plain English.');
      });
    }).app;
  }

  it('says a keyed message, the page words and <html lang> in the language; escapes the parts', async () => {
    const app = localized(() => locale);
    const page = await (await app.request('/closed')).text();
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('Das war leider nicht möglich');
    expect(page).toContain('Geschlossen: &lt;b&gt;form&lt;/b&gt;');
    expect(page).not.toContain('<b>form</b>');
    const fragment = await (await app.request('/closed', { headers: HTMX })).text();
    expect(fragment).toContain('Referenz:');
    // An unkeyed message keeps its text; JSON stays English.
    expect(await (await app.request('/plain')).text()).toContain('Plain English.');
    const json = (await (await app.request('/closed', { headers: JSON_ACCEPT })).json()) as ErrorJson;
    expect(json.error.message).toBe('Closed.');
  });

  it('a resolver that throws or rejects leaves the page English, never a 500', async () => {
    for (const resolver of [
      () => {
        throw new Error('no language');
      },
      () => Promise.reject(new Error('no language')),
    ] as ErrorLocaleResolver[]) {
      const res = await localized(resolver).request('/closed');
      expect(res.status).toBe(409);
      const html = await res.text();
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('Closed.');
    }
  });
});
