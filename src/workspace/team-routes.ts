/**
 * /app/team: the members of the workspace with their role and status, pending invitations, and the
 * admin's actions on them. Plain forms that post and redirect back (no JavaScript needed); permissions
 * and re-authentication are the route table's (route-permissions.ts), never checked here.
 */
import { type Context, Hono } from 'hono';
import { can } from '../auth/permissions.js';
import { fieldErrorsOf } from '../http/field-errors.js';
import { readForm } from '../http/read-form.js';
import type { FlashMessage } from '../http/views.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from './app-routes.js';
import {
  changeMemberRole,
  inviteMember,
  removeFromTeam,
  setMemberDisabled,
  teamView,
  withdrawInvitation,
} from './team.js';

/** What the page says after each action (the query names one of these, nothing else is shown). */
const DONE: Readonly<Record<string, string>> = {
  invited: 'Invitation sent.',
  revoked: 'Invitation withdrawn.',
  role: 'Role changed.',
  disabled: 'Member disabled. Their sessions have ended.',
  enabled: 'Member re-enabled.',
  removed: 'Member removed.',
};

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function teamRoutes(platform: Ports, opts: { baseUrl: string }) {
  const { store, clock } = platform;
  const app = new Hono<WorkspaceEnv>();
  const deps = { store, clock, templates: platform.templates, mail: platform.mail, baseUrl: opts.baseUrl };

  const page = async (
    c: Context<WorkspaceEnv>,
    extra: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
  ) => {
    const ws = c.var.workspace;
    const team = await ws.read((ctx) => teamView(ctx, ws.userId, clock.now()));
    const done = DONE[c.req.query('done') ?? ''];
    if (done) c.set('flash', [{ kind: 'success', text: done } satisfies FlashMessage]);
    return render(
      c,
      'workspace/team',
      {
        title: 'Team',
        team,
        manage: can(ws.role, 'members.manage'),
        values: extra.values ?? { role: 'viewer' },
        errors: extra.errors ?? {},
      },
      extra.status ?? 200,
    );
  };

  app.get('/', (c) => page(c));

  app.post('/invitations', async (c) => {
    const ws = c.var.workspace;
    const form = await readForm(c);
    try {
      await inviteMember(deps, ws, form);
    } catch (err) {
      const errors = fieldErrorsOf(err);
      if (!errors) throw err;
      return page(c, { values: { email: str(form.email), role: str(form.role) }, errors, status: 422 });
    }
    return c.redirect('/app/team?done=invited', 303);
  });

  app.post('/invitations/:id/revoke', async (c) => {
    await withdrawInvitation(store, c.var.workspace, c.req.param('id'), clock.now());
    return c.redirect('/app/team?done=revoked', 303);
  });

  app.post('/members/:id/role', async (c) => {
    const form = await readForm(c);
    await changeMemberRole(store, c.var.workspace, c.req.param('id'), form, clock.now());
    return c.redirect('/app/team?done=role', 303);
  });

  app.post('/members/:id/disable', async (c) => {
    await setMemberDisabled(store, c.var.workspace, c.req.param('id'), true, clock.now());
    return c.redirect('/app/team?done=disabled', 303);
  });

  app.post('/members/:id/enable', async (c) => {
    await setMemberDisabled(store, c.var.workspace, c.req.param('id'), false, clock.now());
    return c.redirect('/app/team?done=enabled', 303);
  });

  app.post('/members/:id/remove', async (c) => {
    await removeFromTeam(store, c.var.workspace, c.req.param('id'), clock.now());
    return c.redirect('/app/team?done=removed', 303);
  });

  return app;
}
