/**
 * When the tenant requires a second factor, a member without one can use nothing but their account
 * pages (enrolment is there) and re-authentication until they have enrolled; sign-out lives outside
 * the workspace router and always works. A page request is led to enrolment; anything else gets 403
 * with the reason.
 */
import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../errors.js';
import type { WorkspaceEnv } from './app-routes.js';

export const ENROL_FIRST =
  'Your organisation requires two-step sign-in. Set up an authenticator app at /app/account/mfa to continue.';

const open = (path: string) =>
  path === '/app/account' || path.startsWith('/app/account/') || path === '/app/reauth';

export function requireMfaEnrolment(): MiddlewareHandler<WorkspaceEnv> {
  return async (c, next) => {
    const { mfaRequired, mfaEnabled } = c.var.workspace;
    if (mfaRequired && !mfaEnabled && !open(c.req.path)) {
      if (c.req.method === 'GET' && !c.req.header('HX-Request')) return c.redirect('/app/account/mfa', 303);
      throw new HttpError(403, ENROL_FIRST);
    }
    await next();
  };
}
