import type { Context, MiddlewareHandler } from 'hono';
import { logRequest, requestLogger } from './access-log.js';
import type { AppEnv } from './env.js';
import { toError } from './error-boundary.js';
import type { Logger } from './logger-types.js';
import { assignRequestId } from './request-id.js';
import { mutableHeaders, presetTarget } from './response-headers.js';
import { finishSecurityHeaders, startSecurityHeaders } from './security-headers.js';
import type { Views } from './views.js';

export interface RequestBasicsOptions {
  logger: Logger;
  views: Views;
  /** As in `securityHeaders()`. Default `/static/`. */
  staticPrefix?: string;
  /**
   * Runs the rest of the request inside a context of the caller's (the app's audit client), as a
   * middleware of its own would, without another async hop.
   */
  around?: (c: Context<AppEnv>, next: () => Promise<void>) => Promise<void>;
}

/**
 * `requestId()`, `accessLog(logger)`, `securityHeaders()` and `provideViews(views)`, in that order,
 * as one middleware: the same steps before and after `next()`, one async hop instead of four (each
 * hop is a few promises, and every promise pays the AsyncLocalStorage hook the store's unit tracker
 * installs). The separate middlewares stay for apps and tests that want only some of them.
 */
export function requestBasics(options: RequestBasicsOptions): MiddlewareHandler<AppEnv> {
  const { logger, views, around } = options;
  const staticPrefix = options.staticPrefix ?? '/static/';
  return async function requestBasicsMiddleware(c, next) {
    const target = presetTarget(c);
    const id = assignRequestId(c, undefined, undefined, target);
    const started = performance.now();
    c.set('log', requestLogger(logger, id));
    const isStatic = c.req.path.startsWith(staticPrefix);
    const csp = startSecurityHeaders(c, isStatic, target);
    c.set('views', views);
    let failed = true;
    try {
      await (around === undefined ? next() : around(c, next));
      finishSecurityHeaders(c, csp, isStatic, target);
      failed = false;
    } finally {
      logRequest(logger, c, id, started, failed);
    }
    if (target === null) mutableHeaders(c).set('X-Request-Id', id);
  };
}

/**
 * The body limit (skipped for `exempt` paths), the cross-site guard and `errorBoundary()` as one
 * middleware, mounted last before the routes. Safe methods skip the first two: both let
 * GET and HEAD through untouched anyway.
 */
export function requestChecks(options: {
  bodyLimit: MiddlewareHandler;
  crossSiteGuard: MiddlewareHandler;
  exempt: RegExp;
}): MiddlewareHandler<AppEnv> {
  const { bodyLimit, crossSiteGuard, exempt } = options;
  const done = async () => {};
  return async function requestChecksMiddleware(c, next) {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      if (!exempt.test(c.req.path)) await bodyLimit(c, done);
      await crossSiteGuard(c, done);
    }
    try {
      await next();
    } catch (thrown) {
      throw toError(thrown);
    }
  };
}
