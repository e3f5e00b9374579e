/**
 * The tenant workspace under /app: sign-in, sign-out and the pages behind a member session. Handlers
 * parse input, call one domain function, render.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { auditRoutes } from '../audit/routes.js';
import { clearedCookie, MEMBER_COOKIE, sessionCookie } from '../auth/cookies.js';
import { endMemberSession, resolveMemberSession } from '../auth/member-sessions.js';
import { PENDING_COOKIE } from '../auth/mfa-sign-in.js';
import { can } from '../auth/permissions.js';
import { isRecentReauth } from '../auth/reauth.js';
import { type SignInFailure, signIn } from '../auth/sign-in.js';
import { SIGN_IN_LIMITS } from '../auth/sign-in-limits.js';
import type { TenantReadCtx, TenantWriteCtx } from '../db/store.js';
import type { Role } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { inBackground } from '../http/background.js';
import { ipBucket } from '../http/client-address.js';
import type { AppEnv } from '../http/env.js';
import { limitByAddress } from '../http/limits.js';
import { UNIDENTIFIED } from '../http/rate-limit.js';
import { readForm } from '../http/read-form.js';
import { render, renderKept, renderMemoOf } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { privacyRoutes } from '../privacy/routes.js';
import { subjectRoutes } from '../privacy/subject-routes.js';
import { pendingDeletionGate, tenantExitRoutes } from '../privacy/tenant-exit-routes.js';
import { reopenExpiredAcceptances } from '../risk/acceptance.js';
import { type DashboardInput, dashboardOf, readDashboardInput } from '../risk/dashboard.js';
import { RATING_LABELS, RATINGS } from '../risk/scale.js';
import { accountRoutes } from './account-routes.js';
import { assessmentRoutes, reminderSettingsRoutes } from './assessment-routes.js';
import { authorize, type OnDenied } from './authorize.js';
import { requireMfaEnrolment } from './mfa-enrolment-gate.js';
import { mfaSignInRoutes } from './mfa-sign-in-routes.js';
import { navFor } from './nav.js';
import { reviewRoutes } from './review-routes.js';
import { riskRoutes } from './risk-routes.js';
import { logSecurityEvent, logSignInEvent } from './security-log.js';
import { securityLogRoutes } from './security-log-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { teamRoutes } from './team-routes.js';
import { reviewSettingsRoutes, vendorRoutes } from './vendor-routes.js';

export interface WorkspaceSession {
  userId: string;
  tenantId: string;
  role: Role;
  /** SHA-256 of the session cookie (what account changes keep or end). */
  sessionId: string;
  email: string;
  tenantName: string;
  /** Re-authenticated within REAUTH_WINDOW_MS (routes marked `reauth` need it: authorize.ts). */
  reauthRecent: boolean;
  /** The member has a confirmed second factor; the tenant requires one (mfa-enrolment-gate.ts). */
  mfaEnabled: boolean;
  mfaRequired: boolean;
  /** Set while the tenant is pending deletion (src/privacy/tenant-exit-routes.ts closes the rest). */
  deletionDueAt: Date | null;
  /** Read-only units of work in the member's tenant: the only way routes reach tenant data. */
  read<T>(fn: (ctx: TenantReadCtx) => Promise<T> | T): Promise<T>;
  write<T>(fn: (tx: TenantWriteCtx) => Promise<T> | T): Promise<T>;
}

export type WorkspaceEnv = AppEnv & { Variables: { workspace: WorkspaceSession } };

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Requires a live member session (one statement: session, user, tenant and membership). */
function requireSession(platform: Ports): MiddlewareHandler<WorkspaceEnv> {
  const { store, clock } = platform;
  return async (c, next) => {
    const token = getCookie(c, MEMBER_COOKIE);
    const now = clock.now();
    const session = await resolveMemberSession(store, token, now);
    if (!session) {
      deleteCookie(c, MEMBER_COOKIE, clearedCookie);
      if (c.req.method === 'GET' && !c.req.header('HX-Request')) return c.redirect('/app/login', 303);
      throw new HttpError(401);
    }
    const scope = store.tenant(session.tenantId);
    c.set('workspace', {
      userId: session.userId,
      tenantId: session.tenantId,
      role: session.role,
      // The row's id is the token's SHA-256 (it was read by it): no second hash.
      sessionId: session.id,
      email: session.email,
      tenantName: session.tenantName,
      reauthRecent: isRecentReauth(session.reauthAt, now),
      mfaEnabled: session.mfaEnabledAt !== null,
      mfaRequired: session.tenantSettings?.requireMfa === true,
      deletionDueAt: session.tenantDeletionDueAt,
      read: (fn) => scope.read(fn),
      write: (fn) => scope.write(fn),
    });
    c.set('viewer', { name: session.email, tenantName: session.tenantName, nav: navFor(session.role) });
    await next();
  };
}

/** The overview's page data from what it is kept on (renderMemoOf): a pure function of its input. */
function dashboardPage(input: { today: string; input: DashboardInput; canRisks: boolean }) {
  return {
    title: 'Overview',
    today: input.today,
    dashboard: dashboardOf(input.input),
    ratings: RATINGS,
    ratingLabels: RATING_LABELS,
    canRisks: input.canRisks,
  };
}

export function appRoutes(platform: Ports, opts: { baseUrl: string }) {
  const { store, passwords, clock } = platform;
  const { baseUrl } = opts;
  const app = new Hono<WorkspaceEnv>();

  // The empty sign-in page is the same for every request but its nonce: rendered once per variant.
  app.get('/login', (c) => {
    const everywhere = c.req.query('done') === 'everywhere';
    return renderKept(c, everywhere ? 'everywhere' : 'plain', 'workspace/login', {
      title: 'Sign in',
      values: {},
      errors: {},
      notice: everywhere ? 'You are signed out on every device.' : undefined,
    });
  });

  app.post(
    '/login',
    limitByAddress(
      platform,
      'login-ip',
      SIGN_IN_LIMITS.addressAttempts.limit,
      SIGN_IN_LIMITS.addressAttempts.windowMs,
    ),
    async (c) => {
      const ip = platform.clientAddress(c);
      // limitByAddress has refused an unknown address already; this keeps the handler closed on its own.
      if (ip === null) throw new HttpError(429, UNIDENTIFIED);
      const form = await readForm(c);
      const email = str(form.email);
      try {
        // Failures go to the security log of the tenants the email belongs to, after the answer.
        const onFailure: SignInFailure = (f) =>
          inBackground(c, 'security-log', () =>
            logSignInEvent(store, { ...f, address: ip, at: clock.now() }),
          );
        const s = await signIn(
          { store, passwords, limits: platform.rateLimits, onFailure },
          { email, password: str(form.password), address: ipBucket(ip) },
          getCookie(c, MEMBER_COOKIE) ?? null,
          clock.now(),
        );
        if (s.secondStep) {
          setCookie(c, PENDING_COOKIE, s.token, sessionCookie(s.expiresAt, clock.now()));
          return c.redirect('/app/login/mfa', 303);
        }
        setCookie(c, MEMBER_COOKIE, s.token, sessionCookie(s.expiresAt, clock.now()));
        return c.redirect('/app', 303);
      } catch (err) {
        if (!(err instanceof HttpError) || (err.status !== 401 && err.status !== 429)) throw err;
        // The form again, with the one sentence for the failure; a throttled answer says how long to wait.
        for (const [name, value] of Object.entries(err.headers)) c.header(name, value);
        return render(
          c,
          'workspace/login',
          { title: 'Sign in', values: { email }, errors: { email: err.message } },
          err.status,
        );
      }
    },
  );

  // The second sign-in step (TOTP or a recovery code): no session yet, only the pending state.
  app.route('/login/mfa', mfaSignInRoutes(platform));

  app.post('/logout', async (c) => {
    await endMemberSession(store, getCookie(c, MEMBER_COOKIE));
    deleteCookie(c, MEMBER_COOKIE, clearedCookie);
    return c.redirect('/app/login', 303);
  });

  // Everything below needs a live member session and the route's permission (route-permissions.ts).
  const ws = new Hono<WorkspaceEnv>();
  // Each refusal goes to the security log without holding up or failing the 403.
  const onDenied: OnDenied = (info, c) =>
    inBackground(c, 'security-log', () =>
      logSecurityEvent(store, info.tenantId, {
        kind: 'permission_denied',
        userId: info.userId,
        address: platform.clientAddress(c),
        at: clock.now(),
        data: { permission: info.permission, method: c.req.method, path: c.req.path.slice(0, 200) },
      }),
    );
  ws.use('*', requireSession(platform), requireMfaEnrolment(), authorize(onDenied), pendingDeletionGate());
  ws.get('/', async (c) => {
    const now = clock.now();
    const today = now.toISOString().slice(0, 10);
    let input = await c.var.workspace.read((ctx) => readDashboardInput(ctx, today));
    // The counts also tell whether an acceptance has ended: then its risk re-opens (src/risk/acceptance.ts)
    // and the counts are read again, so the page never shows an ended acceptance as accepted.
    if (input.counts.expiredAcceptances > 0) {
      await reopenExpiredAcceptances(c.var.workspace, now);
      input = await c.var.workspace.read((ctx) => readDashboardInput(ctx, today));
    }
    // Between two changes of the tenant's data the page is the same: kept, keyed on what was read (the
    // counts and rows), the day and the permission, from which dashboardPage makes the rest.
    return renderMemoOf(
      c,
      'workspace/dashboard',
      { today, input, canRisks: can(c.var.workspace.role, 'risk.read') },
      dashboardPage,
    );
  });
  // One router per domain, each under its own prefix (one line each, so branches do not collide):
  // team: account, MFA, members, invitations
  ws.route('/', accountRoutes(platform)); // account, MFA, re-authentication, settings/security
  ws.route('/team', teamRoutes(platform, { baseUrl }));
  ws.route('/security-log', securityLogRoutes());
  ws.route('/settings', settingsRoutes(platform));
  ws.route('/vendors', vendorRoutes(platform)).route('/settings/reviews', reviewSettingsRoutes(platform)); // vendors
  // assessments
  ws.route('/assessments', assessmentRoutes(platform, opts));
  ws.route('/settings/reminders', reminderSettingsRoutes(platform));
  ws.route('/assessments', reviewRoutes(platform, opts)); // review
  ws.route('/risks', riskRoutes(platform));
  ws.route('/', auditRoutes(platform));
  ws.route('/', privacyRoutes(platform)); // privacy: /settings/retention, /privacy/*
  ws.route('/privacy/subjects', subjectRoutes(platform)); // GDPR Art. 15/17/20
  ws.route('/settings/exit', tenantExitRoutes(platform)); // privacy: tenant exit
  app.route('/', ws);
  return app;
}
