import type { Server } from 'node:http';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../../src/http/index.js';
import { HttpError, render } from '../../../src/http/index.js';
import { SECURITY_HEADERS } from '../../../src/http/security-headers.js';
import {
  type HardenNodeServerOptions,
  hardenNodeServer,
  NODE_SERVER_LIMITS,
} from '../../../src/platform/node/http-server.js';
import { type RawResponse, rawExchange, startNodeServer } from '../../http/raw-http.js';
import { buildApp } from '../../http/support.js';

type Started = Awaited<ReturnType<typeof startNodeServer>>;
type Log = ReturnType<typeof buildApp>['log'];

/** Every header our responses carry, checked on a raw answer (names in lower case). */
function expectSecurityHeaders(res: RawResponse, what: string) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    expect(res.headers[name.toLowerCase()], `${what}: ${name}`).toBe(value);
  }
  expect(res.headers['content-security-policy'], what).toMatch(
    /script-src 'self' 'nonce-[A-Za-z0-9+/]{22}=='/,
  );
  expect(res.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(res.headers['cache-control'], what).toBe('no-store');
  expect(res.headers['x-request-id'], what).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
}

function request(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The full middleware stack behind a real server, hardened with short limits so the tests are quick. */
async function hardened(
  setup: (app: Hono<AppEnv>) => void,
  limits: Partial<HardenNodeServerOptions> = {},
): Promise<{ started: Started; log: Log }> {
  const { app, log, logger } = buildApp(setup);
  const started = await startNodeServer(app, (server) => hardenNodeServer(server, { logger, ...limits }));
  return { started, log };
}

describe('hardenNodeServer: limits', () => {
  it('sets the documented values on the server', async () => {
    const { app, logger } = buildApp();
    const started = await startNodeServer(app, (server) => hardenNodeServer(server, { logger }));
    try {
      const server = started.server as Server & {
        maxHeaderSize: number;
        connectionsCheckingInterval: number;
      };
      expect(server.headersTimeout).toBe(NODE_SERVER_LIMITS.headersTimeoutMs);
      expect(server.requestTimeout).toBe(NODE_SERVER_LIMITS.requestTimeoutMs);
      expect(server.keepAliveTimeout).toBe(NODE_SERVER_LIMITS.keepAliveTimeoutMs);
      expect(server.maxHeaderSize).toBe(16 * 1024);
      expect(server.connectionsCheckingInterval).toBe(1000);
      expect(NODE_SERVER_LIMITS).toEqual({
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 120_000,
        keepAliveTimeoutMs: 5_000,
        maxHeaderBytes: 16 * 1024,
        timeoutCheckIntervalMs: 1_000,
      });
    } finally {
      await started.close();
    }
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    const { logger } = buildApp();
    expect(() =>
      hardenNodeServer({} as Server, { logger, headersTimeoutMs: 10, requestTimeoutMs: 5 }),
    ).toThrow(RangeError);
  });
});

describe("hardenNodeServer: Node's own answers carry our headers", () => {
  let started: Started;
  let log: Log;
  let handlerRuns = 0;

  beforeAll(async () => {
    ({ started, log } = await hardened(
      (app) => {
        app.get('/ok', (c) => {
          handlerRuns += 1;
          return c.text('ok');
        });
        app.post('/upload', async (c) => {
          handlerRuns += 1;
          return c.text(String((await c.req.arrayBuffer()).byteLength));
        });
      },
      { headersTimeoutMs: 400, requestTimeoutMs: 800, timeoutCheckIntervalMs: 100, keepAliveTimeoutMs: 300 },
    ));
  });
  afterAll(() => started.close());

  it('answers a malformed request line with 400, the security headers, a text and a log line', async () => {
    const before = handlerRuns;
    const res = await rawExchange(started.port, (s) =>
      s.write(request(['GET /ok HTTP/1.1 EXTRA', 'Host: x'])),
    );
    expect(res.status).toBe(400);
    expectSecurityHeaders(res, 'malformed');
    expect(res.headers.connection).toBe('close');
    expect(res.body).toBe('The request could not be understood.\n');
    expect(res.closedMs).not.toBeNull();
    expect(handlerRuns).toBe(before);
    const line = log.records().find((r) => r.msg === 'request refused by the HTTP parser')!;
    expect(line).toMatchObject({ level: 'info', status: 400, requestId: res.headers['x-request-id'] });
    expect(String(line.parserError)).toMatch(/^HPE_/);
    expect(line).not.toHaveProperty('err');
  });

  it('answers a 20 KB header with 431 and the security headers', async () => {
    const res = await rawExchange(started.port, (s) =>
      s.write(request(['GET /ok HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(20 * 1024)}`])),
    );
    expect(res.status).toBe(431);
    expectSecurityHeaders(res, 'oversized');
    expect(res.body).toBe('The request headers are too large.\n');
  });

  it('answers a slowloris that stops after half the headers with 408 once the headers timeout passes', async () => {
    const res = await rawExchange(started.port, (s) => s.write('GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: '), {
      timeoutMs: 5000,
    });
    expect(res.status).toBe(408);
    expectSecurityHeaders(res, 'slowloris');
    expect(res.body).toBe('The request took too long to arrive.\n');
    // 400 ms limit, checked every 100 ms; Node's defaults would have kept it for 60 s.
    expect(res.closedMs).not.toBeNull();
    expect(res.closedMs!).toBeLessThan(3000);
  });

  it('answers a body that trickles past the request timeout with 408', async () => {
    const before = handlerRuns;
    const res = await rawExchange(
      started.port,
      (s) => {
        s.write(`${request(['POST /upload HTTP/1.1', 'Host: x', 'Content-Length: 100'])}abc`);
      },
      { timeoutMs: 5000 },
    );
    expect(res.status).toBe(408);
    expectSecurityHeaders(res, 'slow body');
    expect(res.closedMs!).toBeLessThan(4000);
    expect(handlerRuns).toBeGreaterThanOrEqual(before);
  });

  it('closes an idle kept-alive connection after the keep-alive timeout', async () => {
    const res = await rawExchange(started.port, (s) => s.write(request(['GET /ok HTTP/1.1', 'Host: x'])), {
      timeoutMs: 5000,
    });
    expect(res.status).toBe(200);
    expect(res.closedMs).not.toBeNull();
    expect(res.closedMs!).toBeLessThan(3000);
  });
});

describe('hardenNodeServer: a client that aborts is logged as an abort', () => {
  let started: Started;
  let log: Log;
  beforeAll(async () => {
    ({ started, log } = await hardened((app) => {
      app.post('/upload', async (c) => c.text(String((await c.req.text()).length)));
      app.post('/chunked', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));
    }));
  });
  afterAll(() => started.close());

  async function abortMidBody(lines: string[], partial: string, path: string) {
    await rawExchange(
      started.port,
      (s) => {
        s.write(request(lines) + partial);
        setTimeout(() => s.destroy(), 50);
      },
      { timeoutMs: 1000 },
    );
    // The server notices the close and finishes the request a moment later.
    for (let i = 0; i < 50 && !log.records().some((r) => r.msg === 'request' && r.path === path); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  for (const [what, lines, partial, path] of [
    [
      'with Content-Length',
      ['POST /upload HTTP/1.1', 'Host: x', 'Content-Length: 1000'],
      'abcdefghij',
      '/upload',
    ],
    [
      'chunked',
      ['POST /chunked HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked'],
      '5\r\nabcde\r\n',
      '/chunked',
    ],
  ] as const) {
    it(`logs an abort mid-body (${what}) at info as 499, without a stack or a 500`, async () => {
      await abortMidBody([...lines], partial, path);
      const records = log.records();
      expect(records.some((r) => r.level === 'error')).toBe(false);
      expect(records.some((r) => r.msg === 'request failed')).toBe(false);
      const aborted = records.filter((r) => r.msg === 'request aborted by the client');
      expect(aborted.at(-1)).toMatchObject({ level: 'info', status: 499, aborted: true });
      expect(aborted.at(-1)).not.toHaveProperty('err');
      const access = records.filter((r) => r.msg === 'request' && r.path === path).at(-1);
      expect(access).toMatchObject({ status: 499, aborted: true, level: 'info' });
    });
  }
});

describe('hardenNodeServer: the header middleware presets on Node and the Response stays as built', () => {
  const routes = (app: Hono<AppEnv>) => {
    app.get('/page', (c) => render(c, 'errors/error', { title: 'T', status: 400, message: 'm', fields: {} }));
    app.get('/text', (c) => c.text('ok'));
    app.get('/json', (c) => c.json({ ok: true }));
    app.get('/boom', () => {
      throw new Error('x');
    });
    app.get('/refused', () => {
      throw new HttpError(409, 'Already submitted.');
    });
    app.get('/throws-string', () => {
      throw 'not an error';
    });
    app.get('/redirect', () => Response.redirect('https://assay.example/elsewhere', 303));
    // A handler's own attempt to weaken a header loses on both paths. (It names its type: a
    // plain-object Response without one goes out untyped on @hono/node-server's fast path.)
    app.get(
      '/raw',
      () =>
        new Response('raw', { headers: { 'X-Frame-Options': 'SAMEORIGIN', 'Content-Type': 'text/plain' } }),
    );
    app.get('/fetched', async (c) => fetch(`http://127.0.0.1:${new URL(c.req.url).port}/text`));
    app.get('/own-csp', (c) => {
      c.header('Content-Security-Policy', "sandbox; default-src 'none'");
      return c.body('file');
    });
    app.get('/own-cache', (c) => {
      c.header('Cache-Control', 'public, max-age=600');
      c.header('Referrer-Policy', 'unsafe-url');
      return c.text('x');
    });
  };
  const paths = [
    '/page',
    '/text',
    '/json',
    '/nope',
    '/boom',
    '/refused',
    '/throws-string',
    '/redirect',
    '/raw',
    '/fetched',
    '/own-csp',
    '/own-cache',
    '/static/css/app.css',
    '/static/nope.css',
  ];
  let preset: Started;
  let portable: Started;
  const builtHeaders = new Map<string, string>();

  beforeAll(async () => {
    // Outermost middleware: records how the final Response holds its headers. @hono/node-server's
    // lightweight response keeps them under a private symbol until someone reads `.headers`.
    const probe = (app: Hono<AppEnv>) => {
      app.use(async (c, next) => {
        await next();
        const key = Object.getOwnPropertySymbols(c.res).find((s) => s.description === 'cache');
        const cache = key === undefined ? undefined : (c.res as unknown as Record<symbol, unknown[]>)[key];
        const held = cache?.[2];
        builtHeaders.set(
          `${c.get('nonce') === undefined ? '?' : 'x'}${new URL(c.req.url).pathname}`,
          cache === undefined ? 'materialised' : held instanceof Headers ? 'Headers' : typeof held,
        );
      });
    };
    const pa = buildApp(routes, probe);
    const pb = buildApp(routes, probe);
    preset = await startNodeServer(pa.app, (server) => hardenNodeServer(server, { logger: pa.logger }));
    portable = await startNodeServer(pb.app);
  });
  afterAll(async () => {
    await preset.close();
    await portable.close();
  });

  /** Header names and values that must match between the two servers (nonce, id and date differ). */
  function comparable(res: Response): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of res.headers) {
      if (name === 'date' || name === 'x-request-id' || name === 'keep-alive' || name === 'connection')
        continue;
      out[name] = value.replace(/'nonce-[^']+'/g, "'nonce-N'");
    }
    return out;
  }

  for (const path of paths) {
    it(`${path}: the same headers on the wire as the Response path`, async () => {
      const a = await fetch(`http://127.0.0.1:${preset.port}${path}`, { redirect: 'manual' });
      const b = await fetch(`http://127.0.0.1:${portable.port}${path}`, { redirect: 'manual' });
      await a.arrayBuffer();
      await b.arrayBuffer();
      expect(a.status).toBe(b.status);
      expect(comparable(a)).toEqual(comparable(b));
      expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(a.headers.get('x-frame-options')).toBe('DENY');
      expect(a.headers.get('referrer-policy')).toBe('same-origin');
    });
  }

  it('keeps a route’s own CSP and adds ours, forces no-store outside /static/, keeps static caching', async () => {
    const own = await fetch(`http://127.0.0.1:${preset.port}/own-csp`);
    expect(own.headers.get('content-security-policy')).toMatch(
      /^sandbox; default-src 'none', default-src 'self'; script-src 'self' 'nonce-/,
    );
    const cached = await fetch(`http://127.0.0.1:${preset.port}/own-cache`);
    expect(cached.headers.get('cache-control')).toBe('no-store');
    const file = await fetch(`http://127.0.0.1:${preset.port}/static/css/app.css`);
    expect(file.headers.get('cache-control')).toBe('no-cache');
    const missing = await fetch(`http://127.0.0.1:${preset.port}/static/nope.css`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    await Promise.all([own, cached, file, missing].map((r) => r.arrayBuffer()));
  });

  it('leaves a handler’s response untouched (no Headers object built), where the Response path builds one', async () => {
    await (await fetch(`http://127.0.0.1:${preset.port}/text`)).text();
    await (await fetch(`http://127.0.0.1:${preset.port}/json`)).text();
    const presetText = builtHeaders.get('x/text');
    const presetJson = builtHeaders.get('x/json');
    expect(presetText).toBe('undefined');
    expect(presetJson).toBe('object');
    builtHeaders.clear();
    await (await fetch(`http://127.0.0.1:${portable.port}/text`)).text();
    expect(builtHeaders.get('x/text')).toBe('Headers');
  });
});
