/**
 * /app/login/mfa: the second sign-in step, reached only with the pending cookie a correct password set
 * (src/auth/mfa-sign-in.ts). Limited per address like the password step, and every code tried counts on
 * the account's sign-in limits.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { clearedCookie, MEMBER_COOKIE, sessionCookie } from '../auth/cookies.js';
import { completeSignIn, PENDING_COOKIE, PENDING_GONE, readPendingSignIn } from '../auth/mfa-sign-in.js';
import { SIGN_IN_LIMITS } from '../auth/sign-in-limits.js';
import { HttpError } from '../errors.js';
import { inBackground } from '../http/background.js';
import { ipBucket } from '../http/client-address.js';
import type { AppEnv } from '../http/env.js';
import { fieldErrorsOf } from '../http/field-errors.js';
import { limitByAddress } from '../http/limits.js';
import { UNIDENTIFIED } from '../http/rate-limit.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { logSecurityEvent } from './security-log.js';

export function mfaSignInRoutes(platform: Ports) {
  const { store, master, clock } = platform;
  const app = new Hono<AppEnv>();
  const page = { title: 'Two-step sign-in' };

  const gone = (c: Parameters<typeof render>[0]) => {
    deleteCookie(c, PENDING_COOKIE, clearedCookie);
    return render(
      c,
      'workspace/login',
      { title: 'Sign in', values: {}, errors: { email: PENDING_GONE } },
      401,
    );
  };

  app.get('/', async (c) => {
    const pending = await readPendingSignIn(store, getCookie(c, PENDING_COOKIE), clock.now());
    if (!pending) {
      deleteCookie(c, PENDING_COOKIE, clearedCookie);
      return c.redirect('/app/login', 303);
    }
    return render(c, 'workspace/mfa-sign-in', { ...page, errors: {} });
  });

  app.post(
    '/',
    limitByAddress(
      platform,
      'login-ip',
      SIGN_IN_LIMITS.addressAttempts.limit,
      SIGN_IN_LIMITS.addressAttempts.windowMs,
    ),
    async (c) => {
      const ip = platform.clientAddress(c);
      if (ip === null) throw new HttpError(429, UNIDENTIFIED);
      const form = await readForm(c);
      try {
        const s = await completeSignIn(
          {
            store,
            master,
            limits: platform.rateLimits,
            // Into the tenant's security event log, after the answer (ids and the address only).
            onFailure: (f) =>
              inBackground(c, 'security-log', () =>
                logSecurityEvent(store, f.tenantId, {
                  kind: f.kind,
                  userId: f.userId,
                  address: ip,
                  at: clock.now(),
                  data: { via: 'second_factor' },
                }),
              ),
          },
          {
            token: getCookie(c, PENDING_COOKIE),
            code: form.code,
            address: ipBucket(ip),
            replacing: getCookie(c, MEMBER_COOKIE) ?? null,
          },
          clock.now(),
        );
        deleteCookie(c, PENDING_COOKIE, clearedCookie);
        setCookie(c, MEMBER_COOKIE, s.token, sessionCookie(s.expiresAt, clock.now()));
        return c.redirect('/app', 303);
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        if (err.status === 401 && err.message === PENDING_GONE) return gone(c);
        if (![401, 422, 429].includes(err.status)) throw err;
        for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
        const errors = fieldErrorsOf(err) && err.status !== 401 ? fieldErrorsOf(err)! : { code: err.message };
        return render(c, 'workspace/mfa-sign-in', { ...page, errors }, err.status);
      }
    },
  );

  return app;
}
