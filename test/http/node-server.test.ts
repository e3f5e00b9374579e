import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForm } from '../../src/http/index.js';
import { nodeClientAddress } from '../../src/platform/node/client-address.js';
import { buildApp } from './support.js';

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
