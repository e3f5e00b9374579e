import type { MiddlewareHandler } from 'hono';
import { HttpError } from './http-error.js';

/** Default request body limit: 1 MiB, ample for any form; uploads mount a larger limit per route. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface BodyLimitOptions {
  /** Largest accepted body in bytes. Default {@link DEFAULT_BODY_LIMIT}. */
  maxBytes?: number;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `The request is too large. The limit here is ${formatBytes(maxBytes)}.`, {
    // The rest of the body is not read; closing the connection stops the client sending it.
    headers: { Connection: 'close' },
  });
}

/** `1 MiB`, `512 KiB`, `900 bytes`: for messages people read. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/**
 * Refuses request bodies larger than `maxBytes` with 413, before the handler runs.
 *
 * - With `Content-Length`: decided from the header alone; the body is not touched. The HTTP
 *   parser (Node's llhttp) delivers exactly that many bytes, so the header cannot understate
 *   the body. A malformed `Content-Length` is a 400.
 * - Without it (chunked transfer): the body is read chunk by chunk and the read is cancelled
 *   as soon as the total passes `maxBytes`, so at most `maxBytes` plus one chunk is held in
 *   memory. A body within the limit is handed on as a buffered copy. Browsers send
 *   `Content-Length` for forms and uploads, so this path is for unusual clients.
 *
 * Compose per route for larger uploads. Limits nest, and the first one to see the request
 * wins, so exempt the upload route from the app-wide limit with `except` from `hono/combine`:
 * ```ts
 * app.use(except('/v/evidence/*', bodyLimit()));
 * app.post('/v/evidence/:id', bodyLimit({ maxBytes: 25 * 1024 * 1024 }), handler);
 * ```
 *
 * Hono's own `hono/body-limit` buffers every body without `Content-Length` and trusts the header
 * only when `Transfer-Encoding` is absent; this one also validates the header and cancels the
 * stream it stops reading.
 */
export function bodyLimit(options: BodyLimitOptions = {}): MiddlewareHandler {
  const maxBytes = options.maxBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`bodyLimit: maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
  return async function bodyLimitMiddleware(c, next) {
    const raw = c.req.raw;
    if (raw.body === null) return next();

    const declared = raw.headers.get('content-length');
    if (declared !== null && !raw.headers.has('transfer-encoding')) {
      if (!/^\d{1,16}$/.test(declared.trim())) {
        await raw.body.cancel().catch(() => {});
        throw new HttpError(400, 'The Content-Length header is not a valid number.');
      }
      if (Number(declared) > maxBytes) {
        await raw.body.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      return next();
    }

    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    c.req.raw = new Request(raw, { body: Buffer.concat(chunks, size) });
    return next();
  };
}
