/**
 * The Node logger: pino, one JSON object per line on stdout, with the redaction and safe error
 * serialisation of src/http/logger.ts. (Workers log through src/platform/workers/logger.ts.)
 */
import pino, { type DestinationStream, type Level, type LogFn, type Logger } from 'pino';
import { isPlainObject, REDACTED_KEYS, redact } from '../../http/logger.js';
import type { AccessLine } from '../../http/logger-types.js';
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

/** pino's logger, with the access line's direct write where pino's output allows it. */
export type NodeLogger = Logger & { access?: (line: AccessLine) => void };

export function createLogger(options: LoggerOptions = {}): NodeLogger {
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
  const out: NodeLogger = logger;
  if (plainWrites(logger)) out.access = accessLine;
  return out;
}

const { chindingsSym, endSym, hooksSym, lsCacheSym, mixinSym, needsMetadataGsym, streamSym, timeSym } =
  pino.symbols;
// In pino.symbols, though not in its types.
const msgPrefixSym = (pino.symbols as unknown as Record<string, symbol>).msgPrefixSym!;
type Internals = Record<symbol, unknown>;

/**
 * Whether pino writes a line as its level, time, bindings, fields, message and end, one `write()` on its
 * stream: no mixin, no write hook, no stream that wants the line's parts (pino's multistream).
 */
function plainWrites(logger: Logger): boolean {
  const self = logger as unknown as Internals;
  const stream = self[streamSym] as Internals;
  return (
    !self[mixinSym] &&
    !(self[hooksSym] as { streamWrite?: unknown }).streamWrite &&
    !stream[needsMetadataGsym]
  );
}

/** A finite number as pino writes it (`null` otherwise). */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/**
 * `logger.info(line, 'request')`, the access line, written directly: the same bytes to the same stream
 * (test/http/logging.test.ts compares them), without pino's generic pipeline. That pipeline would change
 * nothing here: the fields are primitives under keys that are not redacted (`redact` returns such an
 * object as it is), the hook only rewrites error lines, and `err` is the only serializer. Strings go
 * through JSON.stringify, as pino's own escaping does, so CR/LF in a value still cannot forge a line.
 * `this` is the logger (or a child, whose bindings it writes).
 */
function accessLine(this: Logger, line: AccessLine): void {
  const self = this as unknown as Internals;
  if (self[msgPrefixSym]) {
    this.info(line, 'request');
    return;
  }
  if (!this.isLevelEnabled('info')) return;
  const levelStart = (self[lsCacheSym] as Record<number, string>)[30];
  (self[streamSym] as { write(s: string): unknown }).write(
    levelStart +
      (self[timeSym] as () => string)() +
      (self[chindingsSym] as string) +
      ',"requestId":' +
      JSON.stringify(line.requestId) +
      ',"method":' +
      JSON.stringify(line.method) +
      ',"path":' +
      JSON.stringify(line.path) +
      ',"status":' +
      num(line.status) +
      (line.aborted === true ? ',"aborted":true' : '') +
      ',"ms":' +
      num(line.ms) +
      ',"msg":"request"' +
      (self[endSym] as string),
  );
}
