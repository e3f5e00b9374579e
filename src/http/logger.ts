import { MAX_ERROR_TEXT, scrubEmailsInText, serializeError } from './serialize-error.js';

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

export function isPlainObject(value: unknown): value is Record<string, unknown> {
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
  if (isFlatAndClean(value, keys)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = keys.has(key.toLowerCase()) ? CENSOR : redact(inner, keys, depth - 1);
  }
  return out;
}

/**
 * Whether `value` holds only primitives under keys that are not redacted: then it is logged as it
 * is, without a copy (the access-log line, on every request).
 */
function isFlatAndClean(value: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    const inner = value[key];
    if ((typeof inner === 'object' && inner !== null) || keys.has(key.toLowerCase())) return false;
  }
  return true;
}

/**
 * `value` with every email-shaped substring of every string replaced by `[email]`, and every
 * string cut at {@link MAX_ERROR_TEXT} first (the scan is linear, the cut bounds it too).
 */
function scrubEmails(value: unknown, depth = REDACT_DEPTH): unknown {
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
