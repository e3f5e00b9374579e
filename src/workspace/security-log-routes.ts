/** /app/security-log: the tenant's security events, filtered and paged, and their CSV export. */
import { Hono } from 'hono';
import { SECURITY_EVENT_KINDS } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { render } from '../http/views.js';
import type { WorkspaceEnv } from './app-routes.js';
import {
  parseFilters,
  SECURITY_EVENT_LABELS,
  type SecurityLogFilters,
  securityLogCsv,
  securityLogPage,
} from './security-log.js';

const KINDS = SECURITY_EVENT_KINDS.map((k) => ({ value: k, label: SECURITY_EVENT_LABELS[k] }));

export function securityLogRoutes() {
  const app = new Hono<WorkspaceEnv>();

  app.get('/', async (c) => {
    const raw = c.req.query();
    let filters: SecurityLogFilters;
    try {
      filters = parseFilters(raw);
    } catch (err) {
      if (!(err instanceof HttpError) || !err.fields) throw err;
      const errors = err.fields;
      const values = { kind: raw.kind ?? '', from: raw.from ?? '', to: raw.to ?? '' };
      return render(
        c,
        'workspace/security-log',
        { title: 'Security log', kinds: KINDS, values, errors, page: { events: [], next: null }, query: '' },
        400,
      );
    }
    const page = await c.var.workspace.read((ctx) => securityLogPage(ctx, filters));
    const keep = new URLSearchParams();
    for (const k of ['kind', 'from', 'to'] as const) if (filters[k]) keep.set(k, filters[k]);
    return render(c, 'workspace/security-log', {
      title: 'Security log',
      kinds: KINDS,
      values: filters,
      errors: {},
      page,
      query: keep.toString(),
    });
  });

  app.get('/export', async (c) => {
    const filters = parseFilters({ ...c.req.query(), after: undefined });
    const csv = await c.var.workspace.read((ctx) => securityLogCsv(ctx, filters));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="security-log.csv"');
    return c.body(csv);
  });

  return app;
}
