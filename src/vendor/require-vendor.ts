/**
 * The portal's session middleware, mounted once on `/v/a/*` (src/app.ts): a live vendor session whose
 * assessment is the one in the path (`/v/a/<assessment>/…`), or nothing — 401 without a session, 404
 * for another assessment's path (SES-05: a vendor session never opens another assessment). It puts a
 * `portal` scope on the context whose units of work are bound to the session's tenant; routes under it
 * need no check of their own.
 */
import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { type DigestSecret, digestSecretOf } from '../audit/keyed-digest.js';
import { clearedCookie } from '../auth/cookies.js';
import type { ContactRow } from '../db/repo/vendor-contacts.js';
import type { TenantReadCtx, TenantWriteCtx } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { AppEnv } from '../http/env.js';
import type { Ports } from '../platform/ports.js';
import { contactDataFor, type VendorContact } from './contact-data.js';
import { refuse } from './refusals.js';
import { resolveVendorSession, VENDOR_COOKIE, type VendorSession } from './sessions.js';

export interface PortalScope extends VendorSession {
  /** Units of work in the session's tenant, carrying the session claim. */
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
  /** Opens a contact's sealed fields in the session's tenant (after a unit, never inside one). */
  openContact(row: ContactRow): Promise<VendorContact>;
  /** The tenant's keyed-digest secret for audit entries (before a unit, never inside one). */
  digestSecret(): Promise<DigestSecret>;
}

export type PortalEnv = AppEnv & { Variables: { portal: PortalScope } };

/** `<assessment>` of `/v/a/<assessment>/…`. */
const assessmentInPath = (path: string): string | undefined => /^\/v\/a\/([^/]+)/.exec(path)?.[1];

export function requireVendor(
  platform: Pick<Ports, 'store' | 'clock' | 'master'>,
): MiddlewareHandler<PortalEnv> {
  const { store, clock } = platform;
  const contacts = contactDataFor(platform);
  return async (c, next) => {
    const session = await resolveVendorSession(store, getCookie(c, VENDOR_COOKIE), clock.now());
    if (!session) {
      deleteCookie(c, VENDOR_COOKIE, clearedCookie);
      throw refuse(401, 'vendor.sessionEnded');
    }
    if (assessmentInPath(c.req.path) !== session.assessmentId) throw new HttpError(404);
    const scope = store.tenant(session.tenantId, { sessionId: session.id });
    c.set('portal', {
      ...session,
      read: (fn) => scope.read(fn),
      write: (fn) => scope.write(fn),
      openContact: (row) => contacts.open(session.tenantId, row),
      digestSecret: () => digestSecretOf(platform, session.tenantId),
    });
    await next();
  };
}
