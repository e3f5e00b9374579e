import type { Context } from 'hono';
import { HttpError } from './http-error.js';

/**
 * Reads a JSON request body. Anything but `application/json` (or a `+json` type) is a 415;
 * an empty or malformed body is a 400 with a plain message (the parser's own text, which
 * quotes the input, is not passed on). Validate the result with zod: a `ZodError` thrown by
 * `schema.parse()` becomes a 400 listing the fields.
 */
export async function readJson(c: Context): Promise<unknown> {
  const type = (c.req.header('Content-Type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw new HttpError(415, 'Send this request as application/json.');
  }
  const text = await c.req.text();
  if (text.trim() === '') throw new HttpError(400, 'The request body is empty; it must be JSON.');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'The request body is not valid JSON.', { cause });
  }
}
