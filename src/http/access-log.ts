import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { sanitizePath } from './sanitize-path.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's logger: every line carries the request id. Set by `accessLog()`. */
    log: Logger;
  }
}

/**
 * Logs one line per request after it completes: method, sanitised path (see
 * {@link sanitizePath}; no query string, no tokens, no emails), status, duration in ms and
 * request id. Nothing else from the request (headers, body, user agent) is logged.
 * Also exposes a child logger bound to the request id as `c.get('log')`.
 * Mount it after `requestId()` and before everything else.
 */
export function accessLog(logger: Logger): MiddlewareHandler {
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    const requestId = c.get('requestId');
    c.set('log', logger.child({ requestId }));
    let failed = true;
    try {
      await next();
      failed = false;
    } finally {
      logger.info(
        {
          requestId,
          method: c.req.method,
          path: sanitizePath(new URL(c.req.url).pathname),
          // Something escaped the error handler; the server answers 500 for it.
          status: failed ? 500 : c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    }
  };
}
