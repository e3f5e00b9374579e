/**
 * Vendor sessions: what a redeemed link or a typed access code opens. The cookie `__Host-assay-vendor`
 * holds a 256-bit random token; the `sessions` row (kind `vendor`) holds only its SHA-256, the tenant,
 * the one assessment it may reach and the contact who opened it. A vendor has no account: the session
 * is a short-lived capability (security.md §3.2: email is not an authenticator), so idle and absolute
 * timeouts are short, and every redemption ends the session the browser brought (no fixation, SES-01).
 */

import { hashToken, isSecretShape, newSecret } from '../auth/tokens.js';
import { deleteSession, getSession, insertVendorSession, touchSession } from '../db/repo/sessions.js';
import type { Store, TenantWriteCtx } from '../db/store.js';

export const VENDOR_COOKIE = '__Host-assay-vendor';
/** Autosave keeps a working vendor's session alive; a tab left alone for an hour must sign in again. */
export const VENDOR_IDLE_MS = 60 * 60_000;
/** However active, a session ends after 12 hours; a new link or code opens the next one. */
export const VENDOR_ABSOLUTE_MS = 12 * 60 * 60_000;
const TOUCH_EVERY_MS = 60_000;

export interface VendorSession {
  /** SHA-256 of the cookie value (the row id). */
  id: string;
  tenantId: string;
  assessmentId: string;
  contactId: string;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Starts a vendor session inside the caller's unit (a unit of the assessment's tenant), ending the one
 * the browser brought, whoever's it was. Returns the cookie value.
 */
export function startVendorSession(
  tx: TenantWriteCtx,
  scope: { assessmentId: string; contactId: string },
  now: Date,
  replacing?: string | null,
): { token: string; expiresAt: Date } {
  if (isSecretShape(replacing ?? undefined)) deleteSession(tx, hashToken(replacing!));
  const token = newSecret();
  const expiresAt = new Date(now.getTime() + VENDOR_ABSOLUTE_MS);
  insertVendorSession(tx, {
    id: hashToken(token),
    assessmentId: scope.assessmentId,
    contactId: scope.contactId,
    expiresAt,
    now,
  });
  return { token, expiresAt };
}

/**
 * The live vendor session behind a cookie value; null when there is none, it is a member's session, or
 * it went idle or expired (then the row is deleted: SES-03).
 */
export async function resolveVendorSession(
  store: Store,
  token: string | undefined,
  now: Date,
): Promise<VendorSession | null> {
  if (!isSecretShape(token)) return null;
  const id = hashToken(token);
  const scope = store.as({ sessionId: id });
  const s = await scope.read((ctx) => getSession(ctx, id));
  if (s?.kind !== 'vendor' || !s.tenantId || !s.assessmentId || !s.contactId) return null;
  const t = now.getTime();
  if (s.expiresAt.getTime() <= t || s.lastSeenAt.getTime() + VENDOR_IDLE_MS <= t) {
    await scope.write((tx) => deleteSession(tx, id));
    return null;
  }
  if (t - s.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await scope.write((tx) => touchSession(tx, id, now));
  return {
    id,
    tenantId: s.tenantId,
    assessmentId: s.assessmentId,
    contactId: s.contactId,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
  };
}

export async function endVendorSession(store: Store, token: string | undefined): Promise<void> {
  if (!isSecretShape(token)) return;
  const id = hashToken(token);
  await store.as({ sessionId: id }).write((tx) => deleteSession(tx, id));
}
