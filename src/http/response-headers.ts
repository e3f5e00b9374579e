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
