import type { Context } from 'hono';
import { HttpError } from '../errors.js';
import { UNSTORABLE_CHARACTER, UNSTORABLE_MESSAGE } from './read-form.js';

/** One value still to look at, with how it was reached (for the message). */
interface Pending {
  value: unknown;
  key: string;
  parent: Pending | null;
}

function pathOf(entry: Pending): string {
  const parts: string[] = [];
  for (let e: Pending | null = entry; e !== null && e.parent !== null; e = e.parent) parts.push(e.key);
  parts.reverse();
  // A message, not a dump: nesting 100,000 deep would otherwise give a 200 KB path.
  return parts.length > 12 ? [...parts.slice(0, 6), '…', ...parts.slice(-6)].join('.') : parts.join('.');
}

/** `the value at answers.q1`, `the body`, `a key in answers`: where a bad character is, for the message. */
function describe(entry: Pending, isKey: boolean): string {
  const path = pathOf(entry);
  if (isKey) return path === '' ? 'A key in the body' : `A key in ${path}`;
  return path === '' ? 'The body' : `The value at ${path}`;
}

/**
 * Where the first key or string in `root` holding a character no database text can store is,
 * or null. JSON escapes make both possible (`"\u0000"`, `"\ud800"`). Iterative, because
 * JSON.parse accepts nesting far deeper than the call stack.
 */
function findUnstorable(root: unknown): string | null {
  const stack: Pending[] = [{ value: root, key: '', parent: null }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value } = entry;
    if (typeof value === 'string') {
      if (UNSTORABLE_CHARACTER.test(value)) return describe(entry, false);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], key: String(i), parent: entry });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        // A bad key is reported by its parent's path: the key itself would carry the character.
        if (UNSTORABLE_CHARACTER.test(key)) return describe(entry, true);
        stack.push({ value: inner, key, parent: entry });
      }
    }
  }
  return null;
}

/**
 * Reads a JSON request body. Anything but `application/json` (or a `+json` type) is a 415;
 * an empty or malformed body is a 400 with a plain message (the parser's own text, which
 * quotes the input, is not passed on); so is a key or string holding a NUL or an unpaired
 * surrogate, which no database text column can store. Validate the result with zod: a
 * `ZodError` thrown by `schema.parse()` becomes a 400 listing the fields.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = (c.req.header('Content-Type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError(415, 'Send this request as application/json.');
  }
  const text = await c.req.text();
  if (text.trim() === '') throw new HttpError(400, 'The request body is empty; it must be JSON.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'The request body is not valid JSON.', { cause });
  }
  const bad = findUnstorable(parsed);
  if (bad !== null) throw new HttpError(400, `${bad} ${UNSTORABLE_MESSAGE}`);
  return parsed;
}
