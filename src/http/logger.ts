import pino, { type DestinationStream, type Level, type LogFn, type Logger } from 'pino';
import { MAX_ERROR_TEXT, safeErrorMessage, scrubEmailsInText, serializeError } from './serialize-error.js';

/**
 * Field names (compared case-insensitively) whose values never reach a log line, at any
 * depth up to {@link REDACT_DEPTH}: credentials, one-time codes, link tokens, contact data
 * and answer text.
 */
export const REDACTED_KEYS: readonly string[] = [
  'password',
  'newPassword',
  'currentPassword',
  'passphrase',
  'token',
  'jwt',
  'link',
  'secret',
  'code',
  'otp',
  'email',
  'contactEmail',
  'adminEmail',
  'authorization',
  'cookie',
  'set-cookie',
  'answer',
  'answers',
  'comment',
  'body',
];

/** How deep into nested plain objects and arrays redaction looks. */
export const REDACT_DEPTH = 4;

const CENSOR = '[redacted]';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every property named in `keys` replaced by `[redacted]`, walking
 * plain objects and arrays. An `Error` anywhere in it (under `err` or any other key, at any
 * depth) becomes a plain object through {@link serializeError}: no query parameters, driver
 * details or emails, and `code` only when it is a driver or system code. Other class
 * instances are left as they are.
 */
export function redact(value: unknown, keys: ReadonlySet<string>, depth = REDACT_DEPTH): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return serializeError(value, keys, (inner) => scrubEmails(redact(inner, keys, depth - 1)));
  }
  if (depth < 0) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, keys, depth - 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = keys.has(key.toLowerCase()) ? CENSOR : redact(inner, keys, depth - 1);
  }
  return out;
}

/**
 * `value` with every email-shaped substring of every string replaced by `[email]`, and every
 * string cut at {@link MAX_ERROR_TEXT} first (the scan is linear, the cut bounds it too).
 */
export function scrubEmails(value: unknown, depth = REDACT_DEPTH): unknown {
  if (typeof value === 'string') {
    return scrubEmailsInText(value.length > MAX_ERROR_TEXT ? `${value.slice(0, MAX_ERROR_TEXT)}…` : value);
  }
  if (depth < 0) return value;
  if (Array.isArray(value)) return value.map((item) => scrubEmails(item, depth - 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = scrubEmails(inner, depth - 1);
  return out;
}

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
export function createLogger(options: LoggerOptions = {}): Logger {
  const keys = new Set(REDACTED_KEYS.map((key) => key.toLowerCase()));
  const config = {
    level: options.level ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
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
