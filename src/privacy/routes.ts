/**
 * Retention settings (`/app/settings/retention`, admins) and legal holds (`/app/privacy/holds`,
 * privacy.manage). Permissions are in src/workspace/route-permissions.ts.
 */
import { Hono } from 'hono';
import * as repo from '../db/repo/index.js';
import { HttpError } from '../errors.js';
import { fieldErrorsOf } from '../http/field-errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from '../workspace/app-routes.js';
import { holdInput, placeLegalHold, releaseLegalHold } from './legal-holds.js';
import { MIN_SECURITY_EVENT_DAYS, retentionInput, retentionPolicy, setRetentionPolicy } from './retention.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function privacyRoutes(platform: Pick<Ports, 'clock'>) {
  const app = new Hono<WorkspaceEnv>();
  const actor = (c: { var: { workspace: { userId: string } } }) => `user:${c.var.workspace.userId}`;

  const retentionPage = async (
    c: Parameters<typeof render<WorkspaceEnv>>[0],
    extra: { values?: Record<string, string>; errors?: Record<string, string>; notice?: string } = {},
    status = 200,
  ) => {
    const policy = await c.var.workspace.read(retentionPolicy);
    return render(
      c,
      'workspace/privacy-retention',
      {
        title: 'Retention',
        values: extra.values ?? {
          assessmentYears: String(policy.assessmentYears),
          securityEventDays: String(policy.securityEventDays),
        },
        errors: extra.errors ?? {},
        notice: extra.notice ?? null,
        minDays: MIN_SECURITY_EVENT_DAYS,
      },
      status,
    );
  };

  app.get('/settings/retention', (c) => retentionPage(c));
  app.post('/settings/retention', async (c) => {
    const form = await readForm(c);
    const values = {
      assessmentYears: str(form.assessmentYears),
      securityEventDays: str(form.securityEventDays),
    };
    const parsed = retentionInput.safeParse(values);
    if (!parsed.success) return retentionPage(c, { values, errors: fieldErrorsOf(parsed.error) ?? {} }, 422);
    const now = platform.clock.now();
    await c.var.workspace.write((tx) => setRetentionPolicy(tx, parsed.data, actor(c), now));
    return retentionPage(c, { notice: 'Retention periods saved.' });
  });

  const holdsPage = async (
    c: Parameters<typeof render<WorkspaceEnv>>[0],
    extra: { values?: Record<string, string>; errors?: Record<string, string>; notice?: string } = {},
    status = 200,
  ) => {
    const holds = await c.var.workspace.read(repo.listLegalHolds);
    return render(
      c,
      'workspace/privacy-holds',
      {
        title: 'Legal holds',
        holds,
        values: extra.values ?? { targetType: 'vendor', targetId: '', reference: '' },
        errors: extra.errors ?? {},
        notice: extra.notice ?? null,
      },
      status,
    );
  };

  app.get('/privacy/holds', (c) => holdsPage(c));
  app.post('/privacy/holds', async (c) => {
    const form = await readForm(c);
    const values = {
      targetType: str(form.targetType),
      targetId: str(form.targetId),
      reference: str(form.reference),
    };
    const parsed = holdInput.safeParse(values);
    if (!parsed.success) return holdsPage(c, { values, errors: fieldErrorsOf(parsed.error) ?? {} }, 422);
    try {
      await placeLegalHold(c.var.workspace, parsed.data, actor(c), platform.clock.now());
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return holdsPage(c, { values, errors: { ...err.fields } }, err.status);
      throw err;
    }
    return holdsPage(c, { notice: `Legal hold placed on the ${parsed.data.targetType}.` });
  });
  app.post('/privacy/holds/:id/release', async (c) => {
    await releaseLegalHold(c.var.workspace, c.req.param('id'), actor(c), platform.clock.now());
    return holdsPage(c, { notice: 'Legal hold released.' });
  });

  return app;
}
