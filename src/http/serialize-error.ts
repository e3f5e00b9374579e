/**
 * Errors as they may be logged: what a developer needs (type, message, stack, driver and system
 * codes, constraint and table names) and none of the data a request carried. Drivers put that
 * data on their errors: drizzle's `DrizzleQueryError` appends the query parameters to its message
 * (`Failed query: … params: …`, and so to its stack), PostgreSQL puts row values in `detail`
 * (`Key (email)=(x@y) already exists`) and `where`, and quotes rejected input in the message of a
 * data exception (`invalid input syntax for type uuid: "…"`). All of that is cut here, for the
 * error and every `cause` under it, so whichever route or key logs an error, the line is clean.
 */

const CENSOR = '[redacted]';

/** Properties drivers fill with query parameters or row values; never logged, on any error in a chain. */
export const DRIVER_VALUE_KEYS: readonly string[] = [
  'params',
  'parameters',
  'values',
  'bindings',
  'detail',
  'where',
  'internalQuery',
];

/** Longest string logged from an error; also bounds the work of the scrubbers below. */
export const MAX_ERROR_TEXT = 16 * 1024;

/** Causes followed (and nested errors serialised) below one error; a chain longer than this is cut. */
const MAX_DEPTH = 8;
/** Errors of an `AggregateError` logged. */
const MAX_AGGREGATED = 10;

/**
 * A `code` that a driver or the runtime sets: `SQLITE_BUSY`, `ERR_STREAM_PREMATURE_CLOSE`,
 * `UND_ERR_SOCKET` (upper snake case), `ECONNRESET` (errno names) or a five-character
 * SQLSTATE (`23505`, `22P02`, `40001`). One-time codes are six digits, or random mixed-case
 * strings, and only ever sit on request data, never on an error object: both conditions must
 * hold for a `code` to be logged.
 */
const SYSTEM_CODE = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|E[A-Z]{2,}|[0-9A-Z]{5})$/;

export function isSystemCode(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < 1000;
  return typeof value === 'string' && value.length <= 64 && SYSTEM_CODE.test(value);
}

/** PostgreSQL class 22, data exception: the message quotes the rejected input. */
function isDataException(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** Characters that end an email's local part or domain when found in free text. */
function isEmailBoundary(code: number): boolean {
  // whitespace, " ' < > ( ) , ; : [ ] / \ = and @ itself. The slashes keep file paths in stack
  // frames (`node_modules/@scope/pkg/index.js`) readable; no real address has one.
  return (
    code <= 32 ||
    code === 47 ||
    code === 92 ||
    code === 61 ||
    code === 34 ||
    code === 39 ||
    code === 60 ||
    code === 62 ||
    code === 40 ||
    code === 41 ||
    code === 44 ||
    code === 59 ||
    code === 58 ||
    code === 91 ||
    code === 93 ||
    code === 64
  );
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Whether `text[from, to)` is a domain: a dot after its first character, then two letters. */
function looksLikeDomain(text: string, from: number, to: number): boolean {
  for (let i = from + 1; i + 2 < to; i++) {
    if (text.charCodeAt(i) === 46 && isLetter(text.charCodeAt(i + 1)) && isLetter(text.charCodeAt(i + 2))) {
      return true;
    }
  }
  return false;
}

/**
 * `text` with every email-shaped run (`local@domain.tld`, bounded by whitespace, quotes,
 * brackets and punctuation) replaced by `[email]`. Linear: each `@` is expanded left and right
 * to the nearest boundary, and boundaries include `@`, so no character is looked at more than
 * a few times. (The regular expression this replaces backtracked: 80 KB took 3.3 s.)
 */
export function scrubEmailsInText(text: string): string {
  let at = text.indexOf('@');
  if (at === -1) return text;
  let out = '';
  let copied = 0;
  while (at !== -1) {
    let start = at;
    while (start > copied && !isEmailBoundary(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && !isEmailBoundary(text.charCodeAt(end))) end++;
    if (start < at && looksLikeDomain(text, at + 1, end)) {
      out += `${text.slice(copied, start)}[email]`;
      copied = end;
    }
    at = text.indexOf('@', Math.max(end, at + 1));
  }
  return out + text.slice(copied);
}

/** Cut at {@link MAX_ERROR_TEXT}, then emails scrubbed: the shape every logged error string gets. */
function safeText(text: string): string {
  const cut = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}…[truncated]` : text;
  return scrubEmailsInText(cut);
}

/** This error's own message with the data removed (not yet scrubbed or cut). */
function ownMessage(err: Error): string {
  let message = typeof err.message === 'string' ? err.message : '';
  // drizzle: `Failed query: <sql with placeholders>\nparams: <the values>`. The SQL stays.
  const params = message.indexOf('\nparams: ');
  if (params !== -1) message = `${message.slice(0, params)}\nparams: ${CENSOR}`;
  if (isDataException(err)) message = message.replace(/"[^"]*"/g, '"[value]"');
  return message;
}

/**
 * The stack frames of `err` without its header. V8 starts a stack with `Name: message`, which
 * repeats the message and its data; the frames follow. If the header is not the expected one
 * (the message changed after the stack was taken), only the trailing `at …` lines are kept.
 */
function frames(err: Error): string {
  const stack = typeof err.stack === 'string' ? err.stack : '';
  const message = typeof err.message === 'string' ? err.message : '';
  for (const name of new Set([err.name, err.constructor?.name, 'Error'])) {
    if (typeof name !== 'string') continue;
    const header = message === '' ? name : `${name}: ${message}`;
    if (stack.startsWith(header)) return stack.slice(header.length);
  }
  const lines = stack.split('\n');
  let first = lines.length;
  while (first > 0 && /^[ \t]+at \S/.test(lines[first - 1]!)) first--;
  return lines.length === first ? '' : `\n${lines.slice(first).join('\n')}`;
}

function typeOf(err: Error): string {
  const ctor = err.constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : String(err.name);
}

function causeOf(err: Error): Error | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause : undefined;
}

export type Cleaner = (value: unknown) => unknown;

/**
 * The own enumerable properties of `err` that may be logged: driver value keys and keys in
 * `redactedKeys` censored, `code` kept only when it is a system code, nested errors serialised,
 * strings cut and scrubbed, other values passed to `clean` (the logger's redaction walk).
 */
function properties(
  err: Error,
  redactedKeys: ReadonlySet<string>,
  clean: Cleaner,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in err) {
    if (key === 'message' || key === 'stack' || key === 'cause' || key === 'name') continue;
    const value = (err as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower === 'code') out[key] = isSystemCode(value) ? value : CENSOR;
    else if (DRIVER_KEYS.has(lower) || redactedKeys.has(lower)) out[key] = CENSOR;
    else if (value instanceof Error) out[key] = nested(value, redactedKeys, clean, depth + 1);
    else if (typeof value === 'string') out[key] = safeText(value);
    else out[key] = clean(value);
  }
  return out;
}

const DRIVER_KEYS = new Set(DRIVER_VALUE_KEYS.map((key) => key.toLowerCase()));

/** A cause or nested error: its type and properties (its message and stack are in the top-level text). */
function nested(
  err: Error,
  redactedKeys: ReadonlySet<string>,
  clean: Cleaner,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) return { type: typeOf(err) };
  const out: Record<string, unknown> = { type: typeOf(err), ...properties(err, redactedKeys, clean, depth) };
  const cause = causeOf(err);
  if (cause !== undefined) out.cause = nested(cause, redactedKeys, clean, depth + 1);
  return out;
}

/** The chain from `err` down its causes, without repeats and at most {@link MAX_DEPTH} long. */
function chain(err: Error): Error[] {
  const errors: Error[] = [];
  for (let e: Error | undefined = err; e !== undefined && errors.length <= MAX_DEPTH; e = causeOf(e)) {
    if (errors.includes(e)) break;
    errors.push(e);
  }
  return errors;
}

/** The message of `err` and its causes, joined with `: ` as pino does, without data. */
export function safeErrorMessage(err: Error): string {
  return safeText(
    chain(err)
      .map(ownMessage)
      .filter((m) => m !== '')
      .join(': '),
  );
}

export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  cause?: Record<string, unknown>;
  aggregateErrors?: SerializedError[];
  [key: string]: unknown;
}

/**
 * `err` as a plain object for the log: `type`; `message` and `stack` covering its causes (as
 * pino's own serializer does), without query parameters, driver details or emails; its own
 * properties (see {@link DRIVER_VALUE_KEYS}, {@link isSystemCode}); and `cause` as a nested
 * object of type and properties, so `err.cause.code` shows the driver's code.
 */
export function serializeError(
  err: Error,
  redactedKeys: ReadonlySet<string>,
  clean: Cleaner = (value) => value,
  depth = 0,
): SerializedError {
  const errors = chain(err);
  const stack = errors
    .map((e, i) => {
      const message = ownMessage(e);
      const header = message === '' ? typeOf(e) : `${typeOf(e)}: ${message}`;
      return `${i === 0 ? '' : 'caused by: '}${header}${frames(e)}`;
    })
    .join('\n');
  const out: SerializedError = {
    type: typeOf(err),
    message: safeErrorMessage(err),
    stack: safeText(stack),
    ...properties(err, redactedKeys, clean, depth),
  };
  const cause = causeOf(err);
  if (cause !== undefined) out.cause = nested(cause, redactedKeys, clean, depth + 1);
  const aggregated = (err as { errors?: unknown }).errors;
  if (Array.isArray(aggregated) && depth < MAX_DEPTH) {
    out.aggregateErrors = aggregated
      .slice(0, MAX_AGGREGATED)
      .filter((e): e is Error => e instanceof Error)
      .map((e) => serializeError(e, redactedKeys, clean, depth + 1));
  }
  return out;
}
