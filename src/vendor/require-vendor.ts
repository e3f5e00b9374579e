/**
 * The portal's session middleware: a live vendor session or nothing. It puts a `portal` scope on the
 * context whose units of work are bound to the session's tenant and whose assessment is the only one
 * the routes may reach (SES-05: a vendor session never opens another assessment or a member route).
 */
import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { clearedCookie } from '../auth/cookies.js';
import type { TenantReadCtx, TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { AppEnv } from '../http/env.js';
import type { Ports } from '../platform/ports.js';
import { resolveVendorSession, VENDOR_COOKIE, type VendorSession } from './sessions.js';

export interface PortalScope extends VendorSession {
  /** Units of work in the session's tenant, carrying the session claim. */
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
}

export type PortalEnv = AppEnv & { Variables: { portal: PortalScope } };

export const SESSION_ENDED =
  'Your session has ended. Open the link from your invitation email again, or ask for a new one from the page it leads to.';

export function requireVendor(platform: Pick<Ports, 'store' | 'clock'>): MiddlewareHandler<PortalEnv> {
  const { store, clock } = platform;
  return async (c, next) => {
    const session = await resolveVendorSession(store, getCookie(c, VENDOR_COOKIE), clock.now());
    if (!session) {
      deleteCookie(c, VENDOR_COOKIE, clearedCookie);
      throw new HttpError(401, SESSION_ENDED);
    }
    const scope = store.tenant(session.tenantId, { sessionId: session.id });
    c.set('vendor', session);
    c.set('portal', { ...session, read: (fn) => scope.read(fn), write: (fn) => scope.write(fn) });
    await next();
  };
}
