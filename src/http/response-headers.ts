import type { Context } from 'hono';

/**
 * The final response's headers, made writable. A Response built by `fetch()` or
 * `Response.redirect()` has immutable headers; such a response is re-wrapped first so that
 * middleware running after `next()` can still add its headers.
 */
export function mutableHeaders(c: Context): Headers {
  try {
    // Probing with a header every response gets anyway (see securityHeaders).
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
  return c.res.headers;
}

/**
 * Marks a native response object (Node's `ServerResponse`, reached as `c.env.outgoing` on
 * @hono/node-server) whose platform guarantees that headers preset on it before the handler
 * runs win over the same headers on the handler's Response, except `Content-Security-Policy`,
 * where both are sent. `hardenNodeServer()` (src/platform/node/http-server.ts) sets it.
 *
 * Why: adding headers to the handler's Response after `next()` makes @hono/node-server turn
 * its lightweight response's headers into a WHATWG `Headers` object and iterate it (undici's
 * `Headers` costs about 1 µs per header operation); presetting them on the native response
 * leaves the Response as the handler built it. Measured in bench/http.bench.ts.
 */
export const PRESET_HEADERS_WIN = Symbol.for('assay.presetHeadersWin');

/** The part of a native response the header middleware uses. */
export interface PresetTarget {
  setHeader(name: string, value: string): unknown;
  readonly headersSent?: boolean;
  readonly [PRESET_HEADERS_WIN]?: true;
}

/**
 * The native response to preset headers on, or null: on other runtimes, in `app.request()`,
 * or on a Node server without `hardenNodeServer()`, the middleware edits the Response instead,
 * with the same result on the wire.
 */
export function presetTarget(c: Context): PresetTarget | null {
  const outgoing = (c.env as { outgoing?: PresetTarget } | undefined)?.outgoing;
  return outgoing?.[PRESET_HEADERS_WIN] === true && outgoing.headersSent !== true ? outgoing : null;
}
