/**
 * The trail in the workspace: `/app/audit` (filters, keyset pages, each entry's hash, the latest
 * checkpoint, "verify now", an on-demand checkpoint, the export as a tar download, every checkpoint as
 * text) and `/app/settings/audit` (where the latest checkpoint is mailed each day). Permissions and the
 * export's re-authentication come from src/workspace/route-permissions.ts.
 */
import { type Context, Hono } from 'hono';
import { sha256Hex } from '../crypto/hash.js';
import { hasControlChar } from '../db/bind-limits.js';
import {
  getCheckpointRecipients,
  latestCheckpoint,
  listCheckpoints,
  searchAudit,
  setCheckpointRecipients,
} from '../db/repo/audit.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import { parseMailAddress } from '../mail/address.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from '../workspace/app-routes.js';
import { makeCheckpoint } from './checkpoints.js';
import { buildExport, tarOf } from './export.js';
import { describeReport, verifyTenantTrail } from './verify.js';

const PAGE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_RECIPIENTS = 10;

interface Filters {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}

/** The filters from the query string, or the message that says which one is wrong. */
function filtersOf(q: Record<string, string>): { filters: Filters; before?: number; error?: string } {
  const filters: Filters = {
    actor: (q.actor ?? '').trim(),
    action: (q.action ?? '').trim(),
    target: (q.target ?? '').trim(),
    from: (q.from ?? '').trim(),
    to: (q.to ?? '').trim(),
  };
  for (const k of ['actor', 'action', 'target'] as const)
    if (filters[k].length > 200)
      return { filters, error: `The ${k} filter is too long (200 characters at most).` };
  // No actor, action or target holds a control character; PostgreSQL refuses NUL in a bound text (a 500).
  for (const k of ['actor', 'action', 'target'] as const)
    if (hasControlChar(filters[k]))
      return { filters, error: `The ${k} filter holds a control character; remove it.` };
  for (const k of ['from', 'to'] as const)
    if (filters[k] && (!DAY.test(filters[k]) || Number.isNaN(Date.parse(filters[k]))))
      return { filters, error: `The "${k}" date must be a date like 2025-01-31.` };
  let before: number | undefined;
  if (q.before) {
    // seq is a 32-bit integer column: PostgreSQL refuses a larger bound value (a 500), SQLite would page nothing.
    if (!/^[1-9][0-9]{0,9}$/.test(q.before) || Number(q.before) > 2 ** 31 - 1)
      return { filters, error: 'That page does not exist.' };
    before = Number(q.before);
  }
  return { filters, before };
}

const nextDay = (d: string) => new Date(Date.parse(d) + 86_400_000).toISOString().slice(0, 10);

export function auditRoutes(platform: Ports) {
  const app = new Hono<WorkspaceEnv>();
  const deps = () => ({
    store: platform.store,
    keys: platform.keys,
    baseUrl: platform.baseUrl ?? '',
    clock: platform.clock,
  });

  async function page(c: Context<WorkspaceEnv>, extra: Record<string, unknown> = {}, status = 200) {
    const q = c.req.query();
    const { filters, before, error } = filtersOf(q);
    const ws = c.var.workspace;
    const found = await ws.read(async (ctx) => ({
      entries: error
        ? []
        : await searchAudit(ctx, {
            ...(filters.actor ? { actor: filters.actor } : {}),
            ...(filters.action ? { action: filters.action } : {}),
            ...(filters.target ? { target: filters.target } : {}),
            ...(filters.from ? { from: filters.from } : {}),
            ...(filters.to ? { to: nextDay(filters.to) } : {}),
            ...(before ? { beforeSeq: before } : {}),
            limit: PAGE + 1,
          }),
      latest: await latestCheckpoint(ctx),
    }));
    const more = found.entries.length > PAGE;
    const entries = found.entries.slice(0, PAGE);
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    if (more) query.set('before', String(entries[entries.length - 1]!.seq));
    return render(
      c,
      'workspace/audit',
      {
        title: 'Audit trail',
        filters,
        error,
        entries: entries.map((e) => ({ ...e, dataText: JSON.stringify(e.data) })),
        nextPage: more ? `/app/audit?${query}` : null,
        latest: found.latest,
        ...extra,
      },
      error ? 400 : status,
    );
  }

  app.get('/audit', (c) => page(c));

  app.post('/audit/verify', async (c) => {
    const report = await verifyTenantTrail(platform.store, c.var.workspace.tenantId);
    return page(c, { verified: { ok: report.ok, text: describeReport(report) } });
  });

  app.post('/audit/checkpoint', async (c) => {
    let made: Awaited<ReturnType<typeof makeCheckpoint>>;
    try {
      made = await makeCheckpoint(deps(), c.var.workspace.tenantId, 'on-demand');
    } catch (err) {
      // No audit key yet (a server that never ran its key set-up): say so on the page.
      if (!(err instanceof Error && /no active audit signing key/.test(err.message))) throw err;
      return page(c, { notice: 'Checkpoints cannot be signed yet: this server has no audit key.' });
    }
    return page(c, {
      notice: made ? `Checkpoint of ${made.treeSize} entries signed.` : 'The trail has no entries yet.',
    });
  });

  // Every checkpoint of the tenant, one signed note after another (what the daily mail carries).
  app.get('/audit/checkpoints.txt', async (c) => {
    const all = await c.var.workspace.read((ctx) => listCheckpoints(ctx));
    return c.text(all.map((x) => x.note).join('\n'), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });

  app.get('/audit/export', async (c) => {
    const ws = c.var.workspace;
    let files: Awaited<ReturnType<typeof buildExport>>;
    try {
      // Signs a checkpoint at the head first, so the download's checkpoints cover every line it holds.
      files = await buildExport(deps(), ws.tenantId);
    } catch (err) {
      if (!(err instanceof Error && /no active audit signing key/.test(err.message))) throw err;
      return page(c, { notice: 'The trail cannot be exported yet: this server has no audit key.' }, 409);
    }
    const now = platform.clock.now();
    const name = `audit-${ws.tenantId}-${now.toISOString().slice(0, 10)}`;
    const tar = tarOf(name, files, now);
    await ws.write((tx) =>
      tx.audit(
        {
          actor: `user:${ws.userId}`,
          action: 'audit.exported',
          target: `tenant:${ws.tenantId}`,
          data: { archive_sha256: sha256Hex(tar), entries: files[0]!.content.split('\n').length - 1 },
        },
        now,
      ),
    );
    return c.body(tar as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/x-tar',
      'Content-Disposition': `attachment; filename="${name}.tar"`,
      'Cache-Control': 'no-store',
    });
  });

  const settings = async (
    c: Context<WorkspaceEnv>,
    values?: { mailTo: string },
    errors: Record<string, string> = {},
    notice?: string,
  ) => {
    const current = await c.var.workspace.read((ctx) => getCheckpointRecipients(ctx));
    return render(
      c,
      'workspace/audit-settings',
      { title: 'Audit settings', values: values ?? { mailTo: current.join('\n') }, errors, notice },
      Object.keys(errors).length ? 422 : 200,
    );
  };

  app.get('/settings/audit', (c) => settings(c));

  app.post('/settings/audit', async (c) => {
    const form = await readForm(c);
    const raw = typeof form.mailTo === 'string' ? form.mailTo : '';
    if (raw.length > 4000) return settings(c, { mailTo: '' }, { mailTo: 'That is too long.' });
    const list: string[] = [];
    for (const item of raw.split(/[\s,;]+/).filter(Boolean)) {
      const parsed = parseMailAddress(item);
      if (!parsed.ok)
        return settings(c, { mailTo: raw }, { mailTo: `"${item.slice(0, 100)}": ${parsed.message}` });
      if (!list.includes(parsed.address)) list.push(parsed.address);
    }
    if (list.length > MAX_RECIPIENTS)
      return settings(c, { mailTo: raw }, { mailTo: `At most ${MAX_RECIPIENTS} addresses.` });
    const ws = c.var.workspace;
    const now = platform.clock.now();
    await ws.write((tx) => {
      setCheckpointRecipients(tx, list, now);
      tx.audit(
        {
          actor: `user:${ws.userId}`,
          action: 'audit.recipients_changed',
          target: `tenant:${ws.tenantId}`,
          data: { count: list.length, list_sha256: sha256Hex(list.join('\n')) },
        },
        now,
      );
    });
    return settings(
      c,
      undefined,
      {},
      list.length
        ? `The latest checkpoint will be mailed daily to ${list.length} address${list.length === 1 ? '' : 'es'}.`
        : 'Checkpoints will not be mailed.',
    );
  });

  return app;
}
