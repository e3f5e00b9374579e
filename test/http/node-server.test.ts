import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForm } from '../../src/http/index.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { oneByteChunks, rawExchange } from './raw-http.js';
import { buildApp } from './support.js';

/**
 * Whether @hono/node-server built its full web Request for `raw` (which it does lazily, the
 * first time something reads `raw.body`, `raw.signal`…): its lightweight request then holds the
 * built one under a private symbol. Probed by the symbol's description; the `/probe/touched`
 * route proves the probe sees a built request.
 */
function builtFullRequest(raw: Request): boolean {
  const key = Object.getOwnPropertySymbols(raw).find((s) => s.description === 'requestCache');
  return key !== undefined && (raw as unknown as Record<symbol, unknown>)[key] !== undefined;
}

/**
 * The same middleware behind a real @hono/node-server socket: what app.request() cannot show
 * (the socket address, Node's own Request objects, a client still sending when refused).
 */
describe('behind @hono/node-server', () => {
  let server: ServerType;
  let port = 0;
  let handlerRuns = 0;

  beforeAll(async () => {
    const { app } = buildApp((app) => {
      app.post('/upload', async (c) => {
        handlerRuns += 1;
        return c.json({ bytes: (await c.req.arrayBuffer()).byteLength });
      });
      app.post('/form', async (c) => c.json(await readForm(c)));
      const clientAddress = nodeClientAddress({ trustProxy: 0 });
      app.get('/ip', (c) => c.json({ ip: clientAddress(c) }));
      app.on(['GET', 'HEAD', 'POST'], '/probe', (c) => c.json({ built: builtFullRequest(c.req.raw) }));
      app.post('/probe/read', async (c) => {
        const text = await c.req.text();
        return c.json({ built: builtFullRequest(c.req.raw), length: text.length });
      });
      app.get('/probe/touched', (c) => {
        void c.req.raw.body;
        return c.json({ built: builtFullRequest(c.req.raw) });
      });
    });
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // fetch() keeps connections alive; without this, close() waits for them to time out.
      (server as import('node:http').Server).closeAllConnections();
    });
  });

  /** Sends `chunks` of `size` bytes with chunked encoding, pausing between them; resolves with status, body and chunks written. */
  function chunkedPost(path: string, chunks: number, size: number) {
    return new Promise<{ status: number; body: string; written: number }>((resolve, reject) => {
      let written = 0;
      let finished = false;
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (res) => {
        finished = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, written }));
      });
      req.on('error', (err) => (finished ? undefined : reject(err)));
      const chunk = Buffer.alloc(size, 0x61);
      const pump = () => {
        if (finished || written === chunks) {
          if (!finished) req.end();
          return;
        }
        written += 1;
        req.write(chunk, () => setTimeout(pump, 2));
      };
      pump();
    });
  }

  it('refuses an oversized chunked upload with 413 before the handler runs, while the client is still sending', async () => {
    const before = handlerRuns;
    const result = await chunkedPost('/upload', 400, 16 * 1024); // 6.4 MB offered against 1 MiB
    expect(result.status).toBe(413);
    expect(result.body).toContain('The request is too large. The limit here is 1 MiB.');
    expect(handlerRuns).toBe(before);
    expect(result.written).toBeLessThan(400);
  });

  it('refuses an oversized Content-Length at once, with nothing read', async () => {
    const before = handlerRuns;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        headers: { 'Content-Length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
    expect(handlerRuns).toBe(before);
  });

  it('refuses a body of one-byte chunks under the limit with 400 before the handler runs, in bounded time', async () => {
    const before = handlerRuns;
    const chunks = 200_000; // 200 KB of payload, well under the 1 MiB limit
    const res = await rawExchange(port, (socket) => {
      socket.write(
        'POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      );
      socket.end(oneByteChunks(chunks));
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('too many small pieces');
    expect(handlerRuns).toBe(before);
    // Before the chunk budget this took seconds of CPU (and ~250 MB per MiB); the budget
    // refuses after a few hundred chunks. Generous: a loaded CI machine must not flake.
    expect(res.firstByteMs).toBeLessThan(2000);
  });

  it('never makes @hono/node-server build a full Request for GET, HEAD, or a POST it can judge from its headers', async () => {
    const base = `http://127.0.0.1:${port}`;
    const get = await fetch(`${base}/probe`);
    expect(await get.json()).toEqual({ built: false });
    const head = await fetch(`${base}/probe`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    // A POST with a body and Content-Length, read by the handler through the fast path.
    const withLength = await fetch(`${base}/probe/read`, {
      method: 'POST',
      body: 'a=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(await withLength.json()).toEqual({ built: false, length: 3 });
    // A POST with neither Content-Length nor Transfer-Encoding has no body over HTTP/1.1.
    const bare = await rawExchange(port, (socket) =>
      socket.write('POST /probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    );
    expect(bare.status).toBe(200);
    expect(JSON.parse(bare.body)).toEqual({ built: false });
    // The probe itself works: reading raw.body does build it.
    expect(await (await fetch(`${base}/probe/touched`)).json()).toEqual({ built: true });
  });

  it('passes a chunked body within the limit on to the handler', async () => {
    const result = await chunkedPost('/upload', 4, 1000);
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ bytes: 4000 });
  });

  it('reads a urlencoded form through the fast path', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/form`, {
      method: 'POST',
      body: 'a=1&a=2&b=%C3%A9',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(await res.json()).toEqual({ a: ['1', '2'], b: 'é' });
  });

  it('takes the client address from the socket and ignores a forged X-Forwarded-For', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/ip`, { headers: { 'X-Forwarded-For': '6.6.6.6' } });
    expect(await res.json()).toEqual({ ip: '127.0.0.1' });
  });

  it('sends the security headers over the wire', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/static/js/app.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
    expect(res.headers.get('x-request-id')).toBeTruthy();
    await res.arrayBuffer();
  });
});
