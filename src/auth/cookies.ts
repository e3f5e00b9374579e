/**
 * Session cookies: `__Host-` prefix (Secure, Path=/, no Domain), HttpOnly, SameSite=Lax, and Max-Age
 * (relative) rather than Expires, so the session's own clock decides, not the browser's.
 */
export const MEMBER_COOKIE = '__Host-assay';

export interface CookieOptions {
  path: '/';
  secure: true;
  httpOnly: true;
  sameSite: 'Lax';
  maxAge: number;
}

export const sessionCookie = (expiresAt: Date, now: Date): CookieOptions => ({
  path: '/',
  secure: true,
  httpOnly: true,
  sameSite: 'Lax',
  maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
});

/** What clears the cookie (the same attributes, or browsers keep it). */
export const clearedCookie = { path: '/', secure: true } as const;
