import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { mutableHeaders, type PresetTarget, presetTarget } from './response-headers.js';

/** What an incoming id may look like; anything else could smuggle text into logs or pages. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export interface RequestIdOptions {
  /** Header read from the request and written on the response. Default `X-Request-Id`. */
  headerName?: string;
  /** Makes a new id. Default `crypto.randomUUID()` (the Web Crypto global, on every runtime). */
  generate?: () => string;
}

/**
 * Gives every request an id. An incoming `X-Request-Id` (set by a proxy or a client that wants
 * to correlate) is kept only if it matches {@link REQUEST_ID_PATTERN}; otherwise a fresh UUID
 * is used. The id is exposed as `c.get('requestId')` and echoed on every response, errors
 * included (behind `hardenNodeServer()` preset on Node's response, elsewhere written into the
 * Response after `next()`; see `PRESET_HEADERS_WIN`). Mount it first.
 */
export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
  const headerName = options.headerName ?? 'X-Request-Id';
  const generate = options.generate ?? newRequestId;
  return async function requestIdMiddleware(c, next) {
    const target = presetTarget(c);
    const id = assignRequestId(c, headerName, generate, target);
    if (target !== null) return next();
    await next();
    mutableHeaders(c).set(headerName, id);
  };
}

const newRequestId = () => crypto.randomUUID();

/**
 * The first half of {@link requestId}, shared with `requestBasics()`: picks the id, puts it on the
 * context and, when `target` is given, presets the header. Without a target the caller writes the
 * header into the Response after `next()`.
 */
export function assignRequestId(
  c: Context<AppEnv>,
  headerName = 'X-Request-Id',
  generate: () => string = newRequestId,
  target: PresetTarget | null = null,
): string {
  const incoming = c.req.header(headerName);
  const id = incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : generate();
  c.set('requestId', id);
  target?.setHeader(headerName, id);
  return id;
}
