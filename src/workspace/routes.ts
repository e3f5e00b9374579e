/**
 * The tenant workspace under /app and the one-time set-up links under /setup. Handlers parse input,
 * call one domain function, render.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { getTenant, overviewCounts } from '../db/repo/tenants.js';
import { getMembership, getUser } from '../db/repo/users.js';
import type { Store, TenantCtx } from '../db/store.js';
import type { Role } from '../db/tables.js';
import {
  clientIp,
  type FieldErrors,
  HttpError,
  ipBucket,
  type RateLimitStore,
  rateLimit,
  readForm,
  render,
} from '../http/index.js';
import { signIn } from './auth.js';
import { endSession, resolveUserSession, USER_COOKIE } from './sessions.js';
import { completeSetup, inspectSetupToken } from './tenants.js';

export interface WorkspaceSession {
  userId: string;
  tenantId: string;
  role: Role;
  /** Runs a unit of work scoped to the signed-in user's tenant: the only way routes reach tenant data. */
  scope<T>(fn: (ctx: TenantCtx) => Promise<T>): Promise<T>;
}

declare module 'hono' {
  interface ContextVariableMap {
    workspace: WorkspaceSession;
  }
}

export interface WorkspaceDeps {
  store: Store;
  rateLimits: RateLimitStore;
  trustProxy: number;
  now: () => Date;
}

// Max-Age (relative) rather than Expires: the session's own clock decides, not the browser's.
const cookieOptions = (expiresAt: Date, now: Date) =>
  ({
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'Lax',
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)),
  }) as const;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Requires a live session; sets `workspace` and the layout's viewer. */
function requireSession(deps: WorkspaceDeps): MiddlewareHandler {
  return async (c, next) => {
    const session = await resolveUserSession(deps.store, getCookie(c, USER_COOKIE), deps.now());
    if (!session?.userId || !session.tenantId) {
      deleteCookie(c, USER_COOKIE, { path: '/', secure: true });
      if (c.req.method === 'GET' && !c.req.header('HX-Request')) return c.redirect('/app/login', 303);
      throw new HttpError(401);
    }
    const { userId, tenantId } = session;
    const scope = <T>(fn: (ctx: TenantCtx) => Promise<T>) => deps.store.withTenant(tenantId, fn);
    // The membership is re-read on every request, so a removed member loses access at once.
    const found = await scope(async (ctx) => ({
      membership: await getMembership(ctx, userId),
      tenant: await getTenant(ctx, tenantId),
      user: await getUser(ctx, userId),
    }));
    if (!found.membership || !found.tenant || !found.user || found.user.disabledAt) {
      await endSession(deps.store, getCookie(c, USER_COOKIE));
      deleteCookie(c, USER_COOKIE, { path: '/', secure: true });
      throw new HttpError(401);
    }
    c.set('workspace', { userId, tenantId, role: found.membership.role, scope });
    c.set('viewer', { name: found.user.email, tenantName: found.tenant.name });
    await next();
  };
}

export function workspaceRoutes(deps: WorkspaceDeps) {
  const { store, now } = deps;
  const app = new Hono();
  const byIp = (name: string, limit: number, windowMs: number) =>
    rateLimit({
      store: deps.rateLimits,
      name,
      limit,
      windowMs,
      key: (c) => {
        const ip = clientIp(c, { trustProxy: deps.trustProxy });
        return ip && ipBucket(ip);
      },
    });

  // ---- one-time set-up links -------------------------------------------------------------
  // GET is side-effect free: mail scanners fetch links before people do.
  app.get('/setup/:token', async (c) => {
    const view = await inspectSetupToken(store, c.req.param('token'), now());
    if (!view) return render(c, 'workspace/setup-gone', { title: 'Set-up link not valid' }, 410);
    return render(c, 'workspace/setup', { title: 'Set up Assay', view, values: {}, errors: {} });
  });

  app.post('/setup/:token', byIp('setup-ip', 20, 15 * 60_000), async (c) => {
    const token = c.req.param('token');
    const form = await readForm(c);
    try {
      const done = await completeSetup(store, token, form, now());
      if (!done.session) {
        return render(c, 'workspace/login', {
          title: 'Sign in',
          values: {},
          errors: {},
          notice: 'You already have a password: sign in with it to reach the new workspace.',
        });
      }
      setCookie(c, USER_COOKIE, done.session.token, cookieOptions(done.session.expiresAt, now()));
      return c.redirect('/app', 303);
    } catch (err) {
      const fields = fieldErrors(err);
      if (!fields) throw err;
      const view = await inspectSetupToken(store, token, now());
      if (!view) throw err;
      const values = { tenantName: str(form.tenantName), email: str(form.email) };
      return render(c, 'workspace/setup', { title: 'Set up Assay', view, values, errors: fields }, 422);
    }
  });

  // ---- sign-in ---------------------------------------------------------------------------
  app.get('/app/login', (c) => render(c, 'workspace/login', { title: 'Sign in', values: {}, errors: {} }));

  app.post(
    '/app/login',
    byIp('login-ip', 30, 15 * 60_000),
    rateLimit({
      store: deps.rateLimits,
      name: 'login-email',
      limit: 10,
      windowMs: 15 * 60_000,
      key: async (c) => {
        const form = await readForm(c);
        const email = str(form.email).trim().toLowerCase();
        return email || null;
      },
    }),
    async (c) => {
      const form = await readForm(c);
      const email = str(form.email);
      try {
        const s = await signIn(
          store,
          { email, password: str(form.password) },
          getCookie(c, USER_COOKIE) ?? null,
          now(),
        );
        setCookie(c, USER_COOKIE, s.token, cookieOptions(s.expiresAt, now()));
        return c.redirect('/app', 303);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 401) throw err;
        return render(
          c,
          'workspace/login',
          { title: 'Sign in', values: { email }, errors: { email: err.message } },
          401,
        );
      }
    },
  );

  app.post('/app/logout', async (c) => {
    await endSession(store, getCookie(c, USER_COOKIE));
    deleteCookie(c, USER_COOKIE, { path: '/', secure: true });
    return c.redirect('/app/login', 303);
  });

  // ---- the workspace ---------------------------------------------------------------------
  const ws = new Hono();
  ws.use('*', requireSession(deps));
  ws.get('/', async (c) => {
    const overview = await c.var.workspace.scope(overviewCounts);
    return render(c, 'workspace/dashboard', { title: 'Overview', overview, role: c.var.workspace.role });
  });
  app.route('/app', ws);

  app.get('/', (c) => c.redirect('/app', 303));
  return app;
}

/** Field messages from a validation failure, or null for any other error. */
function fieldErrors(err: unknown): FieldErrors | null {
  if (err instanceof HttpError && err.status === 422 && err.fields) return err.fields;
  if (
    err &&
    typeof err === 'object' &&
    'issues' in err &&
    Array.isArray((err as { issues: unknown }).issues)
  ) {
    const out: Record<string, string> = {};
    for (const i of (err as { issues: { path: PropertyKey[]; message: string }[] }).issues) {
      out[String(i.path[0] ?? 'form')] ??= i.message;
    }
    return out;
  }
  return null;
}
