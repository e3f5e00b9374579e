/**
 * The risk register under /app/risks (permissions in route-permissions.ts): the filterable, sortable,
 * keyset-paginated register, a risk's page with its history and forms, manual risks, the acceptance
 * workflow, the heat map and trend, a per-vendor summary fragment, and the exports. Handlers parse
 * input, call one domain function (src/risk/), render.
 */
import { type Context, Hono } from 'hono';
import { can } from '../auth/permissions.js';
import { sha256Hex } from '../crypto/hash.js';
import { vendorChoices } from '../db/repo/dashboard.js';
import { countsByStatus, getRisk, listAcceptances, listHistory } from '../db/repo/risks.js';
import { listMembers } from '../db/repo/users.js';
import { getVendor } from '../db/repo/vendors.js';
import { RISK_STATUSES, RISK_TREATMENTS } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { readForm } from '../http/read-form.js';
import { render, renderFragment } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import {
  decideProposal,
  effectiveStatus,
  proposeAcceptance,
  reopenExpiredAcceptances,
  today,
} from '../risk/acceptance.js';
import { readHeatMap, readTrend, readVendorRiskSummary } from '../risk/charts.js';
import { assessmentsTable, registerTable, type Table, toCsv, toXlsx } from '../risk/export.js';
import { SETTABLE_STATUSES } from '../risk/forms.js';
import { parseRegisterParams, queryString, readRegister, toPageQuery } from '../risk/register.js';
import { IMPACT_LABELS, LIKELIHOOD_LABELS, RATING_LABELS, RATINGS } from '../risk/scale.js';
import { createManualRisk, updateRiskForm } from '../risk/treatment.js';
import type { WorkspaceEnv } from './app-routes.js';

type Fields = Record<string, string | string[] | undefined>;
type Ctx = Context<WorkspaceEnv, string>;
const textFields = (form: Record<string, unknown>): Fields => {
  const out: Fields = {};
  for (const [k, v] of Object.entries(form))
    if (typeof v === 'string' || Array.isArray(v)) out[k] = v as string | string[];
  return out;
};

/** The query string as sent (URLSearchParams keeps a malformed escape as text, so the parser can refuse it). */
function queryOf(c: Ctx): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URL(c.req.url).searchParams) {
    out[k] ??= [];
    out[k].push(v);
  }
  return out;
}

const VOCAB = {
  statuses: RISK_STATUSES,
  settableStatuses: SETTABLE_STATUSES,
  treatments: RISK_TREATMENTS,
  ratings: RATINGS,
  ratingLabels: RATING_LABELS,
  likelihoodLabels: LIKELIHOOD_LABELS,
  impactLabels: IMPACT_LABELS,
};

export function riskRoutes(platform: Ports) {
  const { clock } = platform;
  const app = new Hono<WorkspaceEnv>();

  app.get('/', async (c) => {
    const ws = c.var.workspace;
    const params = parseRegisterParams(queryOf(c));
    const now = clock.now();
    await reopenExpiredAcceptances(ws, now);
    const data = await ws.read(async (ctx) => {
      const [page, vendors, members, vendor] = await Promise.all([
        readRegister(ctx, params),
        vendorChoices(ctx, 201),
        listMembers(ctx),
        params.vendor ? getVendor(ctx, params.vendor) : Promise.resolve(null),
      ]);
      const summary = vendor
        ? { vendor, heat: await readHeatMap(ctx, vendor.id), statuses: await countsByStatus(ctx, vendor.id) }
        : null;
      return { page, vendors, members, summary };
    });
    if (params.vendor && !data.summary) throw new HttpError(404, 'No such vendor.');
    return render(c, 'workspace/risks', {
      title: data.summary ? `Risks of ${data.summary.vendor.name}` : 'Risk register',
      ...VOCAB,
      params,
      page: data.page,
      vendors: data.vendors.slice(0, 200),
      manyVendors: data.vendors.length > 200,
      members: data.members,
      summary: data.summary,
      qs: (change: Record<string, string | undefined>) => queryString(params, change),
      canWrite: can(ws.role, 'risk.write'),
      canExport: can(ws.role, 'export.register'),
    });
  });

  app.get('/charts', async (c) => {
    const ws = c.var.workspace;
    const now = clock.now();
    await reopenExpiredAcceptances(ws, now);
    const [heat, trend] = await ws.read((ctx) => Promise.all([readHeatMap(ctx), readTrend(ctx, now)]));
    return render(c, 'workspace/risk-charts', { title: 'Risk heat map and trend', heat, trend, ...VOCAB });
  });

  app.get('/vendor/:vendorId/summary', async (c) => {
    const ws = c.var.workspace;
    const vendorId = c.req.param('vendorId');
    await reopenExpiredAcceptances(ws, clock.now());
    const data = await ws.read((ctx) => readVendorRiskSummary(ctx, vendorId));
    if (!data) throw new HttpError(404, 'No such vendor.');
    return renderFragment(c, 'workspace/risk-vendor-summary', { summary: data, ...VOCAB });
  });

  const newForm = async (c: Ctx, values: Fields, errors: Record<string, string>, status = 200) => {
    const ws = c.var.workspace;
    const [vendors, members] = await ws.read((ctx) =>
      Promise.all([vendorChoices(ctx, 1000), listMembers(ctx)]),
    );
    return render(
      c,
      'workspace/risk-new',
      { title: 'Add a risk', vendors, members, values, errors, ...VOCAB },
      status,
    );
  };
  app.get('/new', (c) =>
    newForm(c, { vendor: c.req.query('vendor') ?? '', likelihood: '3', impact: '3' }, {}),
  );
  app.post('/new', async (c) => {
    const ws = c.var.workspace;
    const form = textFields(await readForm(c));
    try {
      const id = await createManualRisk(ws, ws.userId, form, clock.now());
      return c.redirect(`/app/risks/${id}`, 303);
    } catch (err) {
      if (err instanceof HttpError && err.status === 422) return newForm(c, form, { ...err.fields }, 422);
      throw err;
    }
  });

  const exporter =
    (build: (c: Ctx) => Promise<{ table: Table; name: string; scope: string }>, format: 'csv' | 'xlsx') =>
    async (c: Ctx) => {
      const ws = c.var.workspace;
      const { table, name, scope } = await build(c);
      const now = clock.now();
      const body = format === 'csv' ? new TextEncoder().encode(toCsv(table)) : await toXlsx(table);
      await ws.write((tx) =>
        tx.audit(
          {
            actor: `user:${ws.userId}`,
            action: 'register.exported',
            target: `tenant:${ws.tenantId}`,
            data: { what: scope, format, rows: table.rows.length, sha256: sha256Hex(body) },
          },
          now,
        ),
      );
      const file = `${name}-${today(now)}.${format}`;
      return c.body(body as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type':
          format === 'csv'
            ? 'text/csv; charset=utf-8'
            : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': `attachment; filename="${file}"`,
        'Cache-Control': 'no-store',
      });
    };
  const registerExport = async (c: Ctx) => {
    const ws = c.var.workspace;
    const params = parseRegisterParams(queryOf(c));
    // The export is the whole filtered register; a page token is still checked, never ignored silently.
    toPageQuery(params);
    const now = clock.now();
    await reopenExpiredAcceptances(ws, now);
    const table = await ws.read((ctx) =>
      registerTable(ctx, params, { withOwner: can(ws.role, 'export.personal'), now }),
    );
    return { table, name: 'risk-register', scope: 'risks' };
  };
  const assessmentsExport = async (c: Ctx) => {
    const table = await c.var.workspace.read(assessmentsTable);
    return { table, name: 'assessments', scope: 'assessments' };
  };
  app.get('/export.csv', exporter(registerExport, 'csv'));
  app.get('/export.xlsx', exporter(registerExport, 'xlsx'));
  app.get('/export/assessments.csv', exporter(assessmentsExport, 'csv'));
  app.get('/export/assessments.xlsx', exporter(assessmentsExport, 'xlsx'));

  const riskPage = async (
    c: Ctx,
    opts: { values?: Fields; errors?: Record<string, string>; status?: number; formError?: string } = {},
  ) => {
    const ws = c.var.workspace;
    const id = c.req.param('id') ?? '';
    const now = clock.now();
    await reopenExpiredAcceptances(ws, now);
    const data = await ws.read(async (ctx) => {
      const risk = await getRisk(ctx, id);
      if (!risk) return null;
      const [vendor, history, acceptances, members] = await Promise.all([
        getVendor(ctx, risk.vendorId),
        listHistory(ctx, risk.id),
        listAcceptances(ctx, risk.id),
        listMembers(ctx),
      ]);
      return { risk, vendor, history, acceptances, members };
    });
    if (!data) throw new HttpError(404, 'No such risk.');
    const { risk } = data;
    const values: Fields = opts.values ?? {
      title: risk.title,
      description: risk.description,
      likelihood: String(risk.likelihood),
      impact: String(risk.impact),
      residual_likelihood: risk.residualLikelihood === null ? '' : String(risk.residualLikelihood),
      residual_impact: risk.residualImpact === null ? '' : String(risk.residualImpact),
      owner: risk.ownerUserId ?? '',
      treatment: risk.treatment ?? '',
      plan: risk.treatmentPlan,
      due: risk.dueDate ?? '',
      status: effectiveStatus(risk, now),
      version: String(risk.version),
    };
    const emails = new Map(data.members.map((m) => [m.userId, m.email]));
    return render(
      c,
      'workspace/risk',
      {
        title: risk.title,
        ...VOCAB,
        risk: { ...risk, status: effectiveStatus(risk, now) },
        vendor: data.vendor,
        history: data.history,
        acceptances: data.acceptances.map((a: (typeof data.acceptances)[number]) => ({
          ...a,
          proposer: emails.get(a.proposedBy) ?? 'a former member',
          decider: a.decidedBy ? (emails.get(a.decidedBy) ?? 'a former member') : null,
          mine: a.proposedBy === ws.userId,
        })),
        members: data.members,
        values,
        errors: opts.errors ?? {},
        formError: opts.formError,
        canWrite: can(ws.role, 'risk.write'),
        canPropose: can(ws.role, 'risk.accept_propose'),
        canApprove: can(ws.role, 'risk.accept_approve'),
        today: today(now),
      },
      opts.status ?? 200,
    );
  };
  app.get('/:id', (c) => riskPage(c));
  app.post('/:id', async (c) => {
    const ws = c.var.workspace;
    const form = textFields(await readForm(c));
    try {
      await updateRiskForm(ws, ws.userId, c.req.param('id'), form, clock.now());
      return c.redirect(`/app/risks/${c.req.param('id')}`, 303);
    } catch (err) {
      if (err instanceof HttpError && err.status === 422)
        return riskPage(c, { values: form, errors: { ...err.fields }, status: 422 });
      throw err;
    }
  });
  app.post('/:id/acceptance', async (c) => {
    const ws = c.var.workspace;
    const form = textFields(await readForm(c));
    try {
      await proposeAcceptance(ws, ws.userId, c.req.param('id'), form, clock.now());
      return c.redirect(`/app/risks/${c.req.param('id')}#acceptance`, 303);
    } catch (err) {
      if (err instanceof HttpError && err.status === 422)
        return riskPage(c, { errors: { ...err.fields }, status: 422, formError: 'acceptance' });
      throw err;
    }
  });
  for (const [path, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    app.post(`/:id/acceptance/:aid/${path}`, async (c) => {
      const ws = c.var.workspace;
      const form = textFields(await readForm(c));
      await decideProposal(ws, ws.userId, c.req.param('id'), c.req.param('aid'), decision, form, clock.now());
      return c.redirect(`/app/risks/${c.req.param('id')}#acceptance`, 303);
    });
  }
  return app;
}
