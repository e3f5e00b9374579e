/**
 * The one permission check of the workspace: after the session middleware, every request is looked up
 * in ROUTE_PERMISSIONS (method and path, by the same router Hono uses) and refused unless the member's
 * role holds the permission. Not listed: 404 (deny by default). Listed, not allowed: 403.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';
import { can } from '../auth/permissions.js';
import { HttpError } from '../errors.js';
import type { WorkspaceEnv } from './app-routes.js';
import { ROUTE_PERMISSIONS, type RoutePermission, type RouteRule } from './route-permissions.js';

export function permissionLookup(rules: readonly RouteRule[] = ROUTE_PERMISSIONS) {
  const router = new PatternRouter<RoutePermission>();
  for (const [method, path, permission] of rules) router.add(method, path, permission);
  return (method: string, path: string): RoutePermission | null => {
    const m = method === 'HEAD' ? 'GET' : method;
    const [matches] = router.match(m, path) as unknown as [[RoutePermission, unknown][]];
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

export function authorize(onDenied?: OnDenied): MiddlewareHandler<WorkspaceEnv> {
  const lookup = permissionLookup();
  return async (c, next) => {
    const permission = lookup(c.req.method, c.req.path);
    if (permission === null) throw new HttpError(404);
    const { role, userId, tenantId } = c.var.workspace;
    if (permission !== 'member' && !can(role, permission)) {
      try {
        onDenied?.({ userId, tenantId, permission }, c);
      } catch {
        // The refusal stands whatever the hook does.
      }
      throw new HttpError(403);
    }
    await next();
  };
}
