import type { Context, MiddlewareHandler } from 'hono';
import type { HttpError } from '../errors.js';
import { httpError } from './messages.js';

/** Default request body limit: 1 MiB, ample for any form; uploads mount a larger limit per route. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Chunk budget of a body without `Content-Length`: this many chunks are free, then one more per
 * {@link BYTES_PER_CHUNK} bytes received. Each chunk costs a stream read (a few µs) whatever its
 * size, so a body of one-byte chunks under the limit cost seconds of CPU and hundreds of MB before
 * this budget existed. Real clients (curl, Node's http, proxies) send kilobytes per chunk; the free
 * chunks cover the small pieces a multipart writer emits for boundaries and part headers.
 */
export const FREE_CHUNKS = 256;
export const BYTES_PER_CHUNK = 1024;

/** First allocation for a chunked body; the buffer doubles from there, never past the limit. */
const INITIAL_BUFFER = 16 * 1024;

export interface BodyLimitOptions {
  /** Largest accepted body in bytes. Default {@link DEFAULT_BODY_LIMIT}. */
  maxBytes?: number;
}

// The rest of the body is not read; closing the connection stops the client sending it.
const CLOSE = { Connection: 'close' } as const;

function tooLarge(maxBytes: number): HttpError {
  return httpError(413, 'http.tooLarge', { limit: formatBytes(maxBytes) }, { headers: CLOSE });
}

/** `1 MiB`, `512 KiB`, `900 bytes`: for messages people read. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Whether the request came over HTTP/1.x through @hono/node-server, which hands the Node
 * `IncomingMessage` over as `c.env.incoming` (its documented `HttpBindings`). There the parser
 * has enforced RFC 9112 §6.3: a request with neither `Content-Length` nor `Transfer-Encoding`
 * has no body. Elsewhere (HTTP/2, Workers, `app.request()`) a body may come without either.
 */
function framedByHttp1(c: Context): boolean {
  const env = c.env as { incoming?: { httpVersionMajor?: unknown } } | undefined;
  return env?.incoming?.httpVersionMajor === 1;
}

/** Reads `body` into one buffer, refusing it once it passes `maxBytes` or the chunk budget. */
async function readLimited(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  // Copying each chunk into one growing buffer lets the chunk (and the socket buffer a Node
  // chunk is a slice of) go at once; keeping the chunks held every one of them until the end.
  let buffer = new Uint8Array(Math.min(maxBytes, INITIAL_BUFFER));
  let size = 0;
  let chunks = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return buffer.subarray(0, size);
      chunks += 1;
      const next = size + value.byteLength;
      if (next > maxBytes) throw tooLarge(maxBytes);
      if (chunks > FREE_CHUNKS + next / BYTES_PER_CHUNK) {
        throw httpError(400, 'http.fragmented', { chunk: formatBytes(BYTES_PER_CHUNK) }, { headers: CLOSE });
      }
      if (next > buffer.byteLength) {
        const grown = new Uint8Array(Math.min(maxBytes, Math.max(next, buffer.byteLength * 2)));
        grown.set(buffer.subarray(0, size));
        buffer = grown;
      }
      buffer.set(value, size);
      size = next;
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
}

/**
 * Refuses request bodies larger than `maxBytes` with 413, before the handler runs.
 *
 * Decided from the method and headers first, so the common requests cost nothing: on
 * @hono/node-server, merely reading `c.req.raw.body` makes it build a full web `Request`.
 *
 * - GET and HEAD: no body (fetch forbids one; @hono/node-server never exposes one). Not looked at.
 * - With `Content-Length`: decided from the header alone; the body is not touched. The HTTP
 *   parser (Node's llhttp) delivers exactly that many bytes, so the header cannot understate
 *   the body. A malformed `Content-Length` is a 400.
 * - Neither `Content-Length` nor `Transfer-Encoding` over HTTP/1.x on Node: no body, not looked at.
 * - Otherwise (chunked transfer, or a runtime that may omit both headers): the body is read into
 *   one growing buffer and the read is cancelled as soon as the total passes `maxBytes` (413) or
 *   the body arrives in absurdly many small chunks (400; see {@link FREE_CHUNKS}), so at most
 *   `maxBytes` is held and the work per request is bounded by its size. A body within the limit
 *   is handed on as that buffer. Browsers send `Content-Length` for forms and uploads, so this
 *   path is for unusual clients.
 *
 * Compose per route for larger uploads. Limits nest, and the first one to see the request
 * wins, so exempt the upload route from the app-wide limit with `except` from `hono/combine`:
 * ```ts
 * app.use(except('/v/evidence/*', bodyLimit()));
 * app.post('/v/evidence/:id', bodyLimit({ maxBytes: 25 * 1024 * 1024 }), handler);
 * ```
 *
 * Hono's own `hono/body-limit` buffers every body without `Content-Length` chunk by chunk and
 * trusts the header only when `Transfer-Encoding` is absent; this one also validates the
 * header, bounds the chunk count and cancels the stream it stops reading.
 */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler {
  const maxBytes = options.maxBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`bodyLimit: maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  return async function bodyLimitMiddleware(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const headers = c.req.raw.headers;
    const declared = headers.get('content-length');
    const chunked = headers.has('transfer-encoding');
    if (declared !== null && !chunked) {
      if (!/^\d{1,16}$/.test(declared.trim())) {
        await c.req.raw.body?.cancel().catch(() => {});
        throw httpError(400, 'http.badLength');
      }
      if (Number(declared) > maxBytes) {
        await c.req.raw.body?.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      return next();
    }
    if (!chunked && framedByHttp1(c)) return next();
    const raw = c.req.raw;
    if (raw.body === null) return next();
    c.req.raw = new Request(raw, { body: await readLimited(raw.body, maxBytes) });
    return next();
  };
}
