/**
 * The vendor side's POST-only addresses answer every other method with 405 and `Allow: POST` (security.md
 * CSRF-03: a state change reached by GET, `/submit?confirm=1`, is 405, never a change and never a 404 that
 * reads as "no such page"). Said in the vendor's language like every refusal (src/vendor/refusals.ts).
 * Registered for the other methods explicitly, so it never shadows the POST route whatever the order.
 * HEAD is answered as GET (Hono), so it gets the 405 too, without a body.
 */
import type { Env, Hono } from 'hono';
import { refuse } from './refusals.js';

const NOT_POST = ['GET', 'PUT', 'PATCH', 'DELETE'];

export function postOnly<E extends Env>(app: Hono<E>, ...paths: string[]): void {
  for (const path of paths)
    app.on(NOT_POST, path, () => {
      throw refuse(405, 'vendor.postOnly', { headers: { Allow: 'POST' } });
    });
}
