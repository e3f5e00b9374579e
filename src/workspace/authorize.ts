/**
 * The one permission check of the workspace: after the session middleware, every request is looked up
 * in ROUTE_PERMISSIONS (method and path, by the same router Hono uses) and refused unless the member's
 * role holds the permission. Not listed: 404 (deny by default). Listed, not allowed: 403.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';
import { can } from '../auth/permissions.js';
import { REAUTH_NEEDED, safeNext } from '../auth/reauth.js';
import { HttpError } from '../errors.js';
import type { WorkspaceEnv } from './app-routes.js';
import { ROUTE_PERMISSIONS, type RoutePermission, type RouteRule } from './route-permissions.js';

export function permissionLookup(rules: readonly RouteRule[] = ROUTE_PERMISSIONS) {
  const find = ruleLookup(rules);
  return (method: string, path: string): RoutePermission | null => find(method, path)?.permission ?? null;
}

/** The permission and flags of the first rule matching the request, or null. */
export function ruleLookup(rules: readonly RouteRule[] = ROUTE_PERMISSIONS) {
  type Found = { permission: RoutePermission; reauth: boolean };
  const router = new PatternRouter<Found>();
  for (const [method, path, permission, flags] of rules)
    router.add(method, path, { permission, reauth: flags?.reauth === true });
  return (method: string, path: string): Found | null => {
    const m = method === 'HEAD' ? 'GET' : method;
    const [matches] = router.match(m, path) as unknown as [[Found, unknown][]];
    return matches[0]?.[0] ?? null;
  };
}

/**
 * Called with each refusal (the security event log records permission denials). Synchronous: it must
 * not delay or fail the 403, so anything slow is started in the background by the caller.
 */
export type OnDenied = (
  info: { userId: string; tenantId: string; permission: RoutePermission },
  c: Context<WorkspaceEnv>,
) => void;

/** The path and query of `raw` when it is a URL of this site (`origin`), else null (safeNext then says /app). */
function samePath(raw: string | undefined, origin: string): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    return u.origin === origin ? u.pathname + u.search : null;
  } catch {
    return null;
  }
}

export function authorize(onDenied?: OnDenied): MiddlewareHandler<WorkspaceEnv> {
  const lookup = ruleLookup();
  return async (c, next) => {
    const rule = lookup(c.req.method, c.req.path);
    if (rule === null) throw new HttpError(404);
    const { permission } = rule;
    const { role, userId, tenantId } = c.var.workspace;
    if (permission !== 'member' && !can(role, permission)) {
      try {
        onDenied?.({ userId, tenantId, permission }, c);
      } catch {
        // The refusal stands whatever the hook does.
      }
      throw new HttpError(403);
    }
    // A recent re-authentication (REAUTH_WINDOW_MS): a page is sent to /app/reauth and back; a form
    // post or an htmx request cannot be replayed after a detour, so it is refused with a 401 that links
    // to /app/reauth and back to the page the form was on, to send it again from there.
    if (rule.reauth && !c.var.workspace.reauthRecent) {
      const url = new URL(c.req.url);
      if (c.req.method === 'GET' && !c.req.header('HX-Request')) {
        return c.redirect(`/app/reauth?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
      }
      const back = samePath(c.req.header('HX-Current-URL') ?? c.req.header('Referer'), url.origin);
      throw new HttpError(401, REAUTH_NEEDED, {
        action: {
          href: `/app/reauth?next=${encodeURIComponent(safeNext(back))}`,
          label: 'Confirm it is you',
        },
      });
    }
    await next();
  };
}
