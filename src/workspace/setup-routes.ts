/** The one-time set-up links under /setup: the first tenant's admin, and admins invited by the CLI. */
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { MEMBER_COOKIE, sessionCookie } from '../auth/cookies.js';
import { ipBucket } from '../http/client-address.js';
import type { AppEnv } from '../http/env.js';
import { fieldErrorsOf } from '../http/field-errors.js';
import { limitByAddress } from '../http/limits.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { completeSetup, inspectSetupToken } from './tenants.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function setupRoutes(platform: Ports) {
  const { store, passwords, clock } = platform;
  const app = new Hono<AppEnv>();

  // GET is side-effect free: mail scanners fetch links before people do.
  app.get('/:token', async (c) => {
    const view = await inspectSetupToken(store, c.req.param('token'), clock.now());
    if (!view) return render(c, 'workspace/setup-gone', { title: 'Set-up link not valid' }, 410);
    return render(c, 'workspace/setup', { title: 'Set up Assay', view, values: {}, errors: {} });
  });

  app.post('/:token', limitByAddress(platform, 'setup-ip', 20, 15 * 60_000), async (c) => {
    const token = c.req.param('token');
    const form = await readForm(c);
    const ip = platform.clientAddress(c);
    // An invited member who already has a password signs in here: counted as sign-ins are.
    const limiting = ip ? { limits: platform.rateLimits, address: ipBucket(ip) } : undefined;
    try {
      const done = await completeSetup(store, passwords, token, form, clock.now(), limiting);
      if (!done.session) {
        return render(c, 'workspace/login', {
          title: 'Sign in',
          values: {},
          errors: {},
          notice: 'You already have a password: sign in with it to reach the new workspace.',
        });
      }
      setCookie(c, MEMBER_COOKIE, done.session.token, sessionCookie(done.session.expiresAt, clock.now()));
      return c.redirect('/app', 303);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      if (!fields) throw err;
      const view = await inspectSetupToken(store, token, clock.now());
      if (!view) throw err;
      const values = { tenantName: str(form.tenantName), email: str(form.email) };
      return render(c, 'workspace/setup', { title: 'Set up Assay', view, values, errors: fields }, 422);
    }
  });

  return app;
}
