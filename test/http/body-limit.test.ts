import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { BYTES_PER_CHUNK, FREE_CHUNKS } from '../../src/http/body-limit.js';
import { bodyLimit, DEFAULT_BODY_LIMIT, errorHandlers, formatBytes, readForm } from '../../src/http/index.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { buildApp, captureLog, JSON_ACCEPT, testViews } from './support.js';

/**
 * A body stream of `chunks` chunks of `chunkSize` bytes that records how much was pulled and
 * whether it was cancelled. No Content-Length: a chunked upload.
 */
function countingStream(chunks: number, chunkSize: number) {
  const state = { pulled: 0, bytes: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) {
        controller.close();
        return;
      }
      state.pulled += 1;
      state.bytes += chunkSize;
      controller.enqueue(new Uint8Array(chunkSize).fill(0x61));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

function smallApp(maxBytes?: number) {
  const log = captureLog();
  const app = new Hono();
  const { onError, notFound } = errorHandlers({
    logger: createLogger({ destination: log.stream }),
    views: testViews(),
  });
  app.onError(onError);
  app.notFound(notFound);
  let ran = 0;
  app.use(bodyLimit(maxBytes === undefined ? {} : { maxBytes }));
  app.post('/upload', async (c) => {
    ran += 1;
    const body = await c.req.arrayBuffer();
    return c.json({ bytes: body.byteLength });
  });
  return { app, ran: () => ran };
}

describe('bodyLimit', () => {
  it('defaults to 1 MiB', () => {
    expect(DEFAULT_BODY_LIMIT).toBe(1024 * 1024);
  });

  it('refuses a body whose Content-Length is over the limit before the handler runs or the body is read', async () => {
    const { app, ran } = smallApp(1000);
    const { stream, state } = countingStream(100, 1000);
    const res = await app.request('/upload', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'Content-Length': '100000', ...JSON_ACCEPT },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toBe('The request is too large. The limit here is 1000 bytes.');
    expect(ran()).toBe(0);
    expect(state.pulled).toBeLessThanOrEqual(1);
    expect(state.cancelled).toBe(true);
  });

  it('refuses limit + 1 byte and accepts exactly the limit (Content-Length)', async () => {
    const { app, ran } = smallApp(1000);
    const over = await app.request('/upload', { method: 'POST', body: new Uint8Array(1001) });
    expect(over.status).toBe(413);
    expect(ran()).toBe(0);
    const exact = await app.request('/upload', { method: 'POST', body: new Uint8Array(1000) });
    expect(exact.status).toBe(200);
    expect(await exact.json()).toEqual({ bytes: 1000 });
  });

  it('cuts a chunked body without Content-Length once it passes the limit, without reading it to the end', async () => {
    const { app, ran } = smallApp(10_000);
    const { stream, state } = countingStream(1000, 1000); // 1 MB offered
    const res = await app.request('/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(ran()).toBe(0);
    expect(state.cancelled).toBe(true);
    // The limit is passed on the 11th chunk; the stream may have buffered one more ahead.
    expect(state.pulled).toBeLessThanOrEqual(12);
    expect(state.bytes).toBeLessThan(1_000_000);
  });

  it('hands a chunked body within the limit on to the handler intact', async () => {
    const { app, ran } = smallApp(10_000);
    const { stream } = countingStream(10, 1000);
    const res = await app.request('/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: 10_000 });
    expect(ran()).toBe(1);
  });

  it('refuses a chunked body of one-byte chunks under the limit with 400, after the free chunks', async () => {
    const { app, ran } = smallApp(); // 1 MiB
    const { stream, state } = countingStream(100_000, 1);
    const res = await app.request('/upload', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: JSON_ACCEPT,
    } as RequestInit);
    expect(res.status).toBe(400);
    expect(res.headers.get('connection')).toBe('close');
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'The request body arrived in too many small pieces. Send it with a Content-Length header, or in chunks of at least 1 KiB.',
    );
    expect(ran()).toBe(0);
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThanOrEqual(FREE_CHUNKS + 2);
  });

  it('counts empty chunks too: a stream of zero-byte chunks is refused', async () => {
    const { app, ran } = smallApp();
    const { stream, state } = countingStream(100_000, 0);
    const res = await app.request('/upload', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(400);
    expect(ran()).toBe(0);
    expect(state.pulled).toBeLessThanOrEqual(FREE_CHUNKS + 2);
  });

  it('lets real-world chunking through: many 1 KiB chunks, and the free small chunks first', async () => {
    const { app } = smallApp(); // 1 MiB
    const ofKiB = countingStream(1000, BYTES_PER_CHUNK);
    const res = await app.request('/upload', {
      method: 'POST',
      body: ofKiB.stream,
      duplex: 'half',
    } as RequestInit);
    expect(await res.json()).toEqual({ bytes: 1000 * BYTES_PER_CHUNK });
    const small = countingStream(FREE_CHUNKS, 10);
    const smallRes = await app.request('/upload', {
      method: 'POST',
      body: small.stream,
      duplex: 'half',
    } as RequestInit);
    expect(await smallRes.json()).toEqual({ bytes: FREE_CHUNKS * 10 });
  });

  it('lets a chunked form within the limit be read by readForm', async () => {
    const app = new Hono();
    app.use(bodyLimit({ maxBytes: 100 }));
    app.post('/', async (c) => c.json(await readForm(c)));
    const bytes = new TextEncoder().encode('a=1&b=2');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    const res = await app.request('/', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    } as RequestInit);
    expect(await res.json()).toEqual({ a: '1', b: '2' });
  });

  it('refuses a malformed Content-Length with 400', async () => {
    const { app, ran } = smallApp(1000);
    for (const value of ['-1', '12abc', '1e3', '0x10', '99999999999999999999']) {
      const { stream } = countingStream(1, 10);
      const res = await app.request('/upload', {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { 'Content-Length': value, ...JSON_ACCEPT },
      } as RequestInit);
      expect(res.status, value).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Content-Length/);
    }
    expect(ran()).toBe(0);
  });

  it('composes: a larger per-route limit on an upload route exempted from the app-wide one', async () => {
    const { except } = await import('hono/combine');
    const app = new Hono();
    app.use(except('/evidence/*', bodyLimit({ maxBytes: 100 })));
    app.post('/evidence/upload', bodyLimit({ maxBytes: 1000 }), async (c) =>
      c.text(String((await c.req.arrayBuffer()).byteLength)),
    );
    app.post('/form', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));
    expect(
      (await app.request('/evidence/upload', { method: 'POST', body: new Uint8Array(500) })).status,
    ).toBe(200);
    expect(
      (await app.request('/evidence/upload', { method: 'POST', body: new Uint8Array(1001) })).status,
    ).toBe(413);
    expect((await app.request('/form', { method: 'POST', body: new Uint8Array(500) })).status).toBe(413);
  });

  it('ignores requests without a body', async () => {
    const { app } = buildApp((a) => a.get('/x', (c) => c.text('ok')));
    expect((await app.request('/x')).status).toBe(200);
  });

  it('rejects a nonsensical limit at construction', () => {
    expect(() => bodyLimit({ maxBytes: -1 })).toThrow(RangeError);
    expect(() => bodyLimit({ maxBytes: 1.5 })).toThrow(RangeError);
  });

  it('names limits in units people read', () => {
    expect(formatBytes(1024 * 1024)).toBe('1 MiB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
    expect(formatBytes(2048)).toBe('2 KiB');
    expect(formatBytes(900)).toBe('900 bytes');
  });
});
