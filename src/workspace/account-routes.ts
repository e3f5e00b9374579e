/**
 * The member's own account (/app/account), their second factor (/app/account/mfa), re-authentication
 * (/app/reauth) and the tenant's sign-in rule (/app/settings/security). Every route is listed in
 * route-permissions.ts; the MFA changes and the tenant rule are marked `reauth`.
 */
import { type Context, Hono } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { changePassword, signOutEverywhere } from '../auth/account.js';
import { clearedCookie, MEMBER_COOKIE } from '../auth/cookies.js';
import {
  confirmEnrolment,
  disableMfa,
  type Member,
  mfaStatus,
  regenerateRecoveryCodes,
  startEnrolment,
} from '../auth/mfa.js';
import { readRequireMfa, setRequireMfa } from '../auth/mfa-policy.js';
import { REAUTH_WINDOW_MS, reauthenticate, safeNext } from '../auth/reauth.js';
import { HttpError } from '../errors.js';
import { fieldErrorsOf } from '../http/field-errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from './app-routes.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Notices after a redirect, by key: never text from the query string. */
const NOTICES: Readonly<Record<string, string>> = {
  password: 'Your password is changed. Every other session of your account has been signed out.',
  'mfa-disabled': 'Two-step sign-in is off. Your recovery codes no longer work.',
  'security-saved': 'The security settings are saved.',
};

const member = (c: Context<WorkspaceEnv>): Member => {
  const w = c.var.workspace;
  return { userId: w.userId, tenantId: w.tenantId, sessionId: w.sessionId };
};

const isStatus = (err: unknown, ...statuses: number[]): err is HttpError =>
  err instanceof HttpError && statuses.includes(err.status);

export function accountRoutes(platform: Ports) {
  const { store, master, passwords, clock } = platform;
  const deps = { store, master, passwords, limits: platform.rateLimits };
  const app = new Hono<WorkspaceEnv>();

  const accountPage = async (c: Context<WorkspaceEnv>, extra: Record<string, unknown> = {}, status = 200) => {
    const mfa = await mfaStatus(deps, member(c));
    return render(
      c,
      'workspace/account',
      {
        title: 'Your account',
        email: c.var.workspace.email,
        mfa,
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        errors: {},
        ...extra,
      },
      status,
    );
  };

  app.get('/account', (c) => accountPage(c));

  app.post('/account/password', async (c) => {
    const form = await readForm(c);
    const w = c.var.workspace;
    try {
      await changePassword(deps, { ...member(c), tenantName: w.tenantName }, form, clock.now());
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (!fields && !isStatus(err, 429)) throw err;
      const errors = fields ?? { currentPassword: (err as HttpError).message };
      return accountPage(c, { errors }, fields ? 422 : 429);
    }
    return c.redirect('/app/account?done=password', 303);
  });

  app.post('/account/sign-out-everywhere', async (c) => {
    await signOutEverywhere(store, member(c), clock.now());
    deleteCookie(c, MEMBER_COOKIE, clearedCookie);
    return c.redirect('/app/login?done=everywhere', 303);
  });

  const mfaPage = async (c: Context<WorkspaceEnv>, extra: Record<string, unknown> = {}, status = 200) => {
    const mfa = await mfaStatus(deps, member(c));
    return render(
      c,
      'workspace/mfa',
      { title: 'Two-step sign-in', mfa, errors: {}, mustEnrol: mfa.required && !mfa.enabled, ...extra },
      status,
    );
  };

  app.get('/account/mfa', (c) => mfaPage(c));

  app.post('/account/mfa/setup', async (c) => {
    await startEnrolment(deps, member(c));
    return c.redirect('/app/account/mfa', 303);
  });

  app.post('/account/mfa/confirm', async (c) => {
    const form = await readForm(c);
    try {
      const codes = await confirmEnrolment(deps, member(c), form.code, clock.now());
      return render(c, 'workspace/mfa-codes', { title: 'Your recovery codes', codes, fresh: true });
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (!fields) throw err;
      return mfaPage(c, { errors: fields }, 422);
    }
  });

  app.get('/account/mfa/recovery-codes', (c) =>
    render(c, 'workspace/mfa-regenerate', { title: 'New recovery codes' }),
  );
  app.post('/account/mfa/recovery-codes', async (c) => {
    const codes = await regenerateRecoveryCodes(deps, member(c), clock.now());
    return render(c, 'workspace/mfa-codes', { title: 'Your recovery codes', codes, fresh: false });
  });

  app.get('/account/mfa/disable', async (c) => {
    const mfa = await mfaStatus(deps, member(c));
    return render(c, 'workspace/mfa-disable', { title: 'Turn off two-step sign-in', mfa });
  });
  app.post('/account/mfa/disable', async (c) => {
    await disableMfa(deps, member(c), clock.now());
    return c.redirect('/app/account?done=mfa-disabled', 303);
  });

  // Re-authentication. The form posts `next` back; it is validated on the way in and on the way out.
  const reauthPage = (
    c: Context<WorkspaceEnv>,
    next: string,
    errors: Record<string, string> = {},
    status = 200,
  ) =>
    render(
      c,
      'workspace/reauth',
      {
        title: 'Confirm it is you',
        next,
        errors,
        mfaEnabled: c.var.workspace.mfaEnabled,
        minutes: REAUTH_WINDOW_MS / 60_000,
      },
      status,
    );

  app.get('/reauth', (c) => reauthPage(c, safeNext(c.req.query('next'))));

  app.post('/reauth', async (c) => {
    const form = await readForm(c);
    const next = safeNext(str(form.next));
    try {
      await reauthenticate(deps, member(c), { password: form.password, code: form.code }, clock.now());
    } catch (err) {
      if (!isStatus(err, 401, 422, 429)) throw err;
      const fields = err.fields ?? { password: err.message };
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
      const status = err.status;
      return reauthPage(c, next, fields, status);
    }
    return c.redirect(next, 303);
  });

  const securityPage = async (
    c: Context<WorkspaceEnv>,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const policy = await readRequireMfa(deps, member(c));
    return render(
      c,
      'workspace/settings-security',
      {
        title: 'Security settings',
        policy,
        errors: {},
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        ...extra,
      },
      status,
    );
  };

  app.get('/settings/security', (c) => securityPage(c));

  app.post('/settings/security', async (c) => {
    const form = await readForm(c);
    const raw = form.requireMfa;
    // A checkbox: present with "on" or absent (a hidden field says the form was really sent).
    if (form.sent !== '1' || (raw !== undefined && raw !== 'on')) {
      return securityPage(c, { errors: { requireMfa: 'Choose whether to require two-step sign-in.' } }, 422);
    }
    try {
      await setRequireMfa(deps, member(c), raw === 'on', clock.now());
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      return securityPage(c, { errors: { requireMfa: err.message } }, 409);
    }
    return c.redirect('/app/settings/security?done=security-saved', 303);
  });

  return app;
}
