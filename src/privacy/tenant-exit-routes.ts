/**
 * /app/settings/exit (admins, `tenant.exit`): the whole-tenant export (a streamed ZIP), the deletion
 * request (re-authentication and the workspace's name typed) and its cancel. While the tenant is pending
 * deletion `pendingDeletionGate` closes every other workspace page to the admins who stay signed in.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { makeCheckpoint } from '../audit/checkpoints.js';
import * as repo from '../db/repo/index.js';
import { HttpError } from '../errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from '../workspace/app-routes.js';
import {
  cancelTenantDeletion,
  DELETION_WINDOW_DAYS,
  requestTenantDeletion,
  TenantDeletionError,
} from './tenant-deletion.js';
import { tenantExportZip } from './tenant-export.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Pages an admin may still open while the tenant is pending deletion (sign-out is outside the workspace). */
const OPEN_WHILE_PENDING = /^\/app\/(settings\/exit(\/.*)?|reauth)$/;

export const PENDING_DELETION =
  'This workspace is scheduled for deletion. An admin can export its data or cancel the deletion under Settings, Export or delete.';

export function pendingDeletionGate(): MiddlewareHandler<WorkspaceEnv> {
  return async (c, next) => {
    if (c.var.workspace.deletionDueAt && !OPEN_WHILE_PENDING.test(c.req.path)) {
      if (c.req.method === 'GET' && !c.req.header('HX-Request')) return c.redirect('/app/settings/exit', 303);
      throw new HttpError(409, PENDING_DELETION);
    }
    await next();
  };
}

export function tenantExitRoutes(
  platform: Pick<Ports, 'store' | 'master' | 'blobs' | 'clock' | 'keys' | 'baseUrl'>,
) {
  const { clock } = platform;
  const app = new Hono<WorkspaceEnv>();

  const page = async (
    c: Parameters<typeof render<WorkspaceEnv>>[0],
    extra: { error?: string; notice?: string; typed?: string } = {},
    status = 200,
  ) => {
    const { tenant, deletion } = await c.var.workspace.read(async (ctx) => ({
      tenant: await repo.currentTenant(ctx),
      deletion: await repo.getTenantDeletion(ctx),
    }));
    return render(
      c,
      'workspace/tenant-exit',
      {
        title: 'Export or delete',
        tenantName: tenant?.name ?? '',
        deletion,
        windowDays: DELETION_WINDOW_DAYS,
        error: extra.error ?? null,
        notice: extra.notice ?? null,
        typed: extra.typed ?? '',
      },
      status,
    );
  };

  app.get('/', (c) => {
    const done = c.req.query('done');
    return page(c, {
      notice:
        done === 'requested'
          ? 'The workspace is scheduled for deletion. Everyone else has been signed out.'
          : done === 'cancelled'
            ? 'The deletion is cancelled: the workspace is back as it was.'
            : undefined,
    });
  });

  // A POST (behind the cross-site guard): it writes the audit entry, so a GET (a prefetch, a link from
  // elsewhere) must not start it.
  app.post('/export', async (c) => {
    await readForm(c);
    const { workspace } = c.var;
    const now = clock.now();
    // The ZIP's audit part ends at a checkpoint signed below: without an audit key, no export (nothing
    // written yet), rather than one whose log stops at an old checkpoint.
    await platform.keys.signer('audit').catch((err: unknown) => {
      if (err instanceof Error && /no active audit signing key/.test(err.message))
        throw new HttpError(409, 'The export cannot be made yet: this server has no audit key.');
      throw err;
    });
    await workspace.write((tx) =>
      tx.audit(
        { actor: `user:${workspace.userId}`, action: 'tenant.exported', target: `tenant:${tx.tenantId}` },
        now,
      ),
    );
    // A checkpoint at the head, this export's entry included, so the ZIP's checkpoints cover its log.
    await makeCheckpoint(
      { store: platform.store, keys: platform.keys, baseUrl: platform.baseUrl ?? '', clock },
      workspace.tenantId,
      'on-demand',
    );
    const stamp = now.toISOString().slice(0, 10);
    return new Response(tenantExportZip(platform, workspace.tenantId, now), {
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="assay-tenant-${stamp}.zip"`,
        'cache-control': 'no-store',
      },
    });
  });

  app.post('/delete', async (c) => {
    const form = await readForm(c);
    const typed = str(form.confirmName);
    try {
      await requestTenantDeletion(
        c.var.workspace,
        {
          typedName: typed,
          actor: `user:${c.var.workspace.userId}`,
          keepSessionId: c.var.workspace.sessionId,
        },
        clock.now(),
      );
    } catch (err) {
      if (!(err instanceof TenantDeletionError)) throw err;
      return page(c, { error: err.message, typed }, err.status);
    }
    return c.redirect('/app/settings/exit?done=requested', 303);
  });

  app.post('/cancel', async (c) => {
    try {
      await cancelTenantDeletion(c.var.workspace, `user:${c.var.workspace.userId}`, clock.now());
    } catch (err) {
      if (!(err instanceof TenantDeletionError)) throw err;
      return page(c, { error: err.message }, err.status);
    }
    return c.redirect('/app/settings/exit?done=cancelled', 303);
  });

  return app;
}
