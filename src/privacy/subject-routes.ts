/**
 * Data subjects under /app/privacy/subjects (privacy.manage; export and erasure need a recent
 * re-authentication: src/workspace/route-permissions.ts). Find by email (a POST, so the address never
 * lands in a URL), export (zip), erase. An htmx request gets the results fragment alone; a plain
 * request the whole page.
 */
import { type Context, Hono } from 'hono';
import { HttpError } from '../errors.js';
import { readForm } from '../http/read-form.js';
import { render, renderFragment } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from '../workspace/app-routes.js';
import {
  eraseSubject,
  exportSubject,
  type FoundSubjects,
  findSubjects,
  type SubjectType,
} from './subjects.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function subjectRoutes(platform: Pick<Ports, 'store' | 'master' | 'clock'>) {
  const app = new Hono<WorkspaceEnv>();
  const actor = (c: Context<WorkspaceEnv>) => `user:${c.var.workspace.userId}`;

  const page = (
    c: Context<WorkspaceEnv>,
    data: { email: string; found?: FoundSubjects | null; errors?: Record<string, string>; notice?: string },
    status = 200,
  ) => {
    const view = {
      title: 'Data subjects',
      email: data.email,
      found: data.found ?? null,
      errors: data.errors ?? {},
      notice: data.notice ?? null,
      selfId: c.var.workspace.userId,
    };
    return c.req.header('HX-Request')
      ? renderFragment(c, 'workspace/privacy-subjects-results', view, status)
      : render(c, 'workspace/privacy-subjects', view, status);
  };

  /**
   * Looks up after a change too, so the page shows what is left (there `email` may be empty: the form is
   * shown again); the look-up form itself needs one (`required`). A bad address is a 422 with the form.
   */
  const lookUp = async (
    c: Context<WorkspaceEnv>,
    email: string,
    notice?: string,
    status = 200,
    required = false,
  ) => {
    if (email === '' && !required) return page(c, { email, notice }, status);
    try {
      const found = await findSubjects(platform, c.var.workspace.tenantId, email);
      return page(c, { email, found, notice }, status);
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return page(c, { email, errors: { ...err.fields } }, err.status);
      throw err;
    }
  };

  // The look-up is a POST: the address stays out of the URL (access logs, history, Referer). A GET shows
  // the empty form and ignores any query string.
  app.get('/', (c) => page(c, { email: '' }));
  app.post('/', async (c) => lookUp(c, str((await readForm(c)).email).slice(0, 400), undefined, 200, true));

  const exportRoute = (type: SubjectType) => async (c: Context<WorkspaceEnv>) => {
    const ws = c.var.workspace;
    const archive = await exportSubject(
      platform,
      ws.tenantId,
      type,
      c.req.param('id') ?? '',
      actor(c),
      platform.clock.now(),
    );
    return c.body(archive.bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${archive.fileName}"`,
      'Cache-Control': 'no-store',
    });
  };
  app.post('/contacts/:id/export', exportRoute('contact'));
  app.post('/members/:id/export', exportRoute('member'));

  const eraseRoute = (type: SubjectType) => async (c: Context<WorkspaceEnv>) => {
    const ws = c.var.workspace;
    const form = await readForm(c);
    const confirm = str(form.confirm);
    const email = str(form.email).slice(0, 400);
    try {
      const done = await eraseSubject(
        platform,
        ws.tenantId,
        type,
        c.req.param('id') ?? '',
        confirm,
        actor(c),
        platform.clock.now(),
      );
      const notice =
        type === 'contact'
          ? 'The contact’s personal data was erased.'
          : done.identity === 'kept'
            ? 'The member was erased from this workspace. They belong to other workspaces too, so their sign-in identity stays there.'
            : 'The member’s personal data was erased and their account closed.';
      return lookUp(c, email, notice);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) {
        const found = await findSubjects(platform, ws.tenantId, email).catch(() => null);
        // Keyed by the subject: each erase form has its own confirmation field (and the summary links to it).
        const errors: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields ?? { confirm: err.message }))
          errors[k === 'confirm' ? `confirm-${c.req.param('id')}` : k] = v;
        return page(c, { email, found, errors }, err.status);
      }
      throw err;
    }
  };
  app.post('/contacts/:id/erase', eraseRoute('contact'));
  app.post('/members/:id/erase', eraseRoute('member'));

  return app;
}
