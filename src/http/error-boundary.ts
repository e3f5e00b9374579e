import type { MiddlewareHandler } from 'hono';

/** Wraps a thrown value that is not an `Error`; the original is kept as `cause` for the log. */
class NonErrorThrown extends Error {
  constructor(thrown: unknown) {
    super(`A non-Error value was thrown (${typeof thrown})`, { cause: thrown });
    this.name = 'NonErrorThrown';
  }
}

/**
 * Hono hands only `Error` instances to `onError`; anything else thrown (a string, a plain
 * object from a library's rejected promise) escapes the app, skips every header middleware
 * and reaches the server as a bare 500. Mounted last before the routes, this turns such a
 * value into an `Error` right where it was thrown, so the usual error page, headers and log
 * line follow.
 */
export function errorBoundary(): MiddlewareHandler {
  return async function errorBoundaryMiddleware(_c, next) {
    try {
      await next();
    } catch (thrown) {
      throw toError(thrown);
    }
  };
}

/** `thrown` if it is an `Error`, otherwise an `Error` that carries it as `cause`. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new NonErrorThrown(thrown);
}
