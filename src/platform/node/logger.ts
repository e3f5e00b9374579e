/**
 * The Node logger: pino, one JSON object per line on stdout, with the redaction and safe error
 * serialisation of src/http/logger.ts. (Workers log through src/platform/workers/logger.ts.)
 */
import pino, { type DestinationStream, type Level, type LogFn, type Logger } from 'pino';
import { isPlainObject, REDACTED_KEYS, redact } from '../../http/logger.js';
import { safeErrorMessage } from '../../http/serialize-error.js';

export interface LoggerOptions {
  /** Minimum level; `silent` for tests. Default `info`. */
  level?: Level | 'silent';
  /** Where lines go. Default stdout. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line. JSON string encoding escapes control
 * characters, so CR/LF in a logged value cannot forge a second line; values under the
 * {@link REDACTED_KEYS} are replaced by `[redacted]` in logged objects and in child
 * bindings.
 *
 * Errors, wherever they sit in a logged object (and `logger.error(err)` itself), are logged
 * with type, message, stack and own properties, but without query parameters, driver details
 * (`detail`, `where`) or email addresses, at every depth of `cause`: see `serializeError`.
 * A `code` on an error is logged when it is a driver or system code (`SQLITE_BUSY`, `23505`,
 * `ECONNRESET`); `code` anywhere else (a one-time code in a form) is redacted.
 *
 * Redaction is a key walk in `formatters`, not pino's `redact` paths: wildcard paths
 * (`*.*.email`) cost about 37 µs per line here, the walk under 2 µs for an access-log line.
 */
/**
 * pino's `isoTime` (`,"time":"<ISO 8601>"`), formatted once per millisecond: under load many lines
 * share one, and `toISOString()` was the costliest step of an access line after the write itself.
 */
export function isoTimeByMillisecond(now: () => number = () => Date.now()): () => string {
  let at = Number.NaN;
  let text = '';
  return () => {
    const ms = now();
    if (ms !== at) {
      at = ms;
      text = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return text;
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const keys = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));
  const config = {
    level: options.level ?? 'info',
    timestamp: isoTimeByMillisecond(),
    // `formatters.log` runs before serializers and has already turned any Error (including the
    // one under `err`) into a safe plain object; pino's own err serializer would redo it unsafely.
    serializers: { err: (value: unknown) => value },
    formatters: {
      level: (label: string) => ({ level: label }),
      log: (object: Record<string, unknown>) => redact(object, keys) as Record<string, unknown>,
    },
    hooks: {
      // Without a message, pino logs the raw `err.message` as `msg` (`logger.error(err)`,
      // `logger.error({ err })`); give it the safe message instead.
      logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn) {
        const [first, second] = args as unknown[];
        const err =
          first instanceof Error
            ? first
            : isPlainObject(first) && first.err instanceof Error
              ? first.err
              : null;
        if (err === null || typeof second === 'string') return method.apply(this, args);
        const object = first instanceof Error ? { err } : (first as object);
        return method.apply(this, [object, safeErrorMessage(err), ...(args.slice(1) as unknown[])]);
      },
    },
  };
  const logger = options.destination ? pino(config, options.destination) : pino(config);
  // pino skips formatters for child bindings, so `child()` redacts them itself. Defined with
  // `this`, so grandchildren (whose prototype is the child) keep their parent's bindings.
  const child = logger.child;
  logger.child = function redactingChild(this: Logger, bindings, childOptions) {
    return child.call(this, redact(bindings, keys) as typeof bindings, childOptions);
  } as Logger['child'];
  return logger;
}
