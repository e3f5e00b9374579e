/**
 * Work that must not delay or fail the response it follows (the security event log). On Workers it is
 * handed to `waitUntil`, so the runtime keeps it alive after the response; on Node the promise simply
 * runs on. A failure is logged by kind only, never thrown at the client.
 */
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

export function inBackground<E extends AppEnv>(
  c: Context<E>,
  what: string,
  work: () => Promise<unknown>,
): void {
  const task = Promise.resolve()
    .then(work)
    .catch((err: unknown) => {
      c.var.log?.warn(
        { task: what, err: err instanceof Error ? err.name : 'unknown' },
        'background task failed',
      );
    });
  try {
    c.executionCtx.waitUntil(task);
  } catch {
    // No execution context (Node, tests): the promise runs on its own.
  }
}
