import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import type { AccessLine, Logger } from './logger-types.js';
import { sanitizePath } from './sanitize-path.js';

/**
 * The status logged for a request whose client went away before the answer (nginx's
 * convention): not a server error, and no answer was delivered.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/** Node's error on a request whose connection closed mid-body (`IncomingMessage` 'aborted'). */
function isAbortError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.name === 'AbortError') return true;
    if (code === 'ECONNRESET' && e.message === 'aborted') return true;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
    if (e.message === 'Client connection prematurely closed.') return true;
  }
  return false;
}

/**
 * Whether the client went away before its answer. The request's signal is the portable test:
 * @hono/node-server aborts it when the connection closes before the response is written, and
 * Workers when the client disconnects. Reading it makes @hono/node-server create an
 * AbortController, so it is asked only when `err` is given (the error path). Without `err`
 * (every request, in the access log) only Node's response object is looked at, which costs a
 * property read. Node's own abort errors count too, in case the signal is not yet aborted.
 */
export function clientAborted(c: Context, err?: unknown): boolean {
  const outgoing = (c.env as { outgoing?: { destroyed?: unknown } } | undefined)?.outgoing;
  if (outgoing?.destroyed === true) return true;
  if (err === undefined) return false;
  return c.req.raw.signal?.aborted === true || isAbortError(err);
}

/** The raw, still percent-encoded path of an absolute URL, without building a URL object. */
function rawPath(url: string): string {
  const scheme = url.indexOf('://');
  const slash = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return slash === -1 ? '/' : url.slice(slash);
}

type AnyLogFn = (...args: unknown[]) => void;

/**
 * `c.get('log')`: the request's logger, bound to its request id. The child logger is made on the
 * first line logged through it, not per request: most requests log nothing but the access line, and
 * a pino child (bindings redacted and serialised) cost more than the rest of that line.
 */
class RequestLogger implements Logger {
  private bound: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly requestId: string,
  ) {}
  private get log(): Logger {
    if (this.bound === undefined) this.bound = this.parent.child({ requestId: this.requestId });
    return this.bound;
  }
  fatal(...args: unknown[]): void {
    (this.log.fatal as AnyLogFn)(...args);
  }
  error(...args: unknown[]): void {
    (this.log.error as AnyLogFn)(...args);
  }
  warn(...args: unknown[]): void {
    (this.log.warn as AnyLogFn)(...args);
  }
  info(...args: unknown[]): void {
    (this.log.info as AnyLogFn)(...args);
  }
  debug(...args: unknown[]): void {
    (this.log.debug as AnyLogFn)(...args);
  }
  trace(...args: unknown[]): void {
    (this.log.trace as AnyLogFn)(...args);
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.log.child(bindings);
  }
}

/**
 * Logs one line per request after it completes: method, sanitised path (see
 * {@link sanitizePath}; no query string, no tokens, no emails), status, duration in ms and
 * request id. Nothing else from the request (headers, body, user agent) is logged.
 * A request whose client went away is logged as what it is: status 499 and `aborted: true`,
 * at info like every request line (the error handler logs no stack for it either).
 * Also exposes a child logger bound to the request id as `c.get('log')`.
 * Mount it after `requestId()` and before everything else.
 */
export function accessLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    const started = performance.now();
    const requestId = c.get('requestId');
    c.set('log', new RequestLogger(logger, requestId));
    let failed = true;
    try {
      await next();
      failed = false;
    } finally {
      logRequest(logger, c, requestId, started, failed);
    }
  };
}

/**
 * The request logger for `c.get('log')`, shared with `requestBasics()`, which does what
 * {@link accessLog} does without a middleware of its own.
 */
export function requestLogger(logger: Logger, requestId: string): Logger {
  return new RequestLogger(logger, requestId);
}

/** The access line of {@link accessLog}; `failed` when `next()` threw. */
export function logRequest(
  logger: Logger,
  c: Context<AppEnv>,
  requestId: string,
  started: number,
  failed: boolean,
): void {
  const aborted = c.get('aborted') === true || clientAborted(c);
  const line: AccessLine = {
    requestId,
    method: c.req.method,
    path: sanitizePath(rawPath(c.req.url)),
    // Something escaped the error handler; the server answers 500 for it.
    status: aborted ? CLIENT_CLOSED_REQUEST : failed ? 500 : c.res.status,
    ...(aborted ? { aborted: true as const } : {}),
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
  if (logger.access) logger.access(line);
  else logger.info(line, 'request');
}
