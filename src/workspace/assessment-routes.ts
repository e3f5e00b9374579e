/**
 * The assessment pages under /app/assessments: the list (filters, keyset pages), the send form, bulk
 * send (selection or CSV, a per-row report before anything is sent), an assessment's page with its
 * timeline, revoke and re-send. And /app/settings/reminders. Handlers parse, call one domain function,
 * render; every permission is in route-permissions.ts.
 */
import { Hono } from 'hono';
import { can } from '../auth/permissions.js';
import { MAX_UPDATED_MS } from '../db/bind-limits.js';
import { getReminderDays, listAssessmentEvents, saveReminderDays } from '../db/repo/assessment-events.js';
import {
  type AssessmentFilter,
  type AssessmentStatus,
  getAssessment,
  listAssessmentPage,
} from '../db/repo/assessments.js';
import { getQuestionnaireVersion } from '../db/repo/questionnaires.js';
import { getContact } from '../db/repo/vendor-contacts.js';
import { listVendorLinks } from '../db/repo/vendor-links.js';
import { getVendor, listVendors } from '../db/repo/vendors.js';
import { ASSESSMENT_STATUSES } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { contextFromPairs } from '../questionnaire/index.js';
import { contactDataFor } from '../vendor/contact-data.js';
import { MAX_LINK_HOURS } from '../vendor/links.js';
import type { WorkspaceEnv } from './app-routes.js';
import { MAX_BULK_ROWS, rowsFromCsv, rowsFromSelection, sendBulk } from './assessment-bulk.js';
import { deriveStatus, EVENT_LABELS, LIVE_STATUSES, STATUS_LABELS } from './assessment-events.js';
import { resendLink, revokeAssessment } from './assessment-links.js';
import { DEFAULT_REMINDER_DAYS, parseReminderDays } from './assessment-reminders.js';
import {
  checkSendOptions,
  choiceQuestionnaire,
  questionnaireChoices,
  SendError,
  sendAssessment,
  sendDeps,
} from './assessments.js';
import { contextFields, postedContext } from './context-fields.js';

const PAGE_SIZE = 50;
const str = (v: string | string[] | undefined): string => (typeof v === 'string' ? v : (v?.[0] ?? ''));
const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

/** The cursor of a keyset page: `<created ms>.<id>`, opaque to the reader. */
function parseCursor(raw: string | undefined): { createdAt: Date; id: string } | null {
  if (!raw) return null;
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(raw);
  // A time past year 9999 does not round-trip through timestamptz: a 500 on PostgreSQL, not a page.
  if (!m || Number(m[1]) > MAX_UPDATED_MS)
    throw new HttpError(400, 'That page link is not valid. Go back to the first page.');
  return { createdAt: new Date(Number(m[1])), id: m[2]! };
}

const DONE: Readonly<Record<string, string>> = {
  sent: 'The assessment was sent. The invitation is on its way to the contact.',
  revoked: 'The assessment was revoked. Its links and any open vendor session no longer work.',
  resent: 'A new link was sent. Every earlier link of this assessment no longer works.',
};

export function assessmentRoutes(platform: Ports, opts: { baseUrl: string }) {
  const app = new Hono<WorkspaceEnv>();
  const deps = () => sendDeps(platform, opts.baseUrl);
  const contacts = contactDataFor(platform);

  app.get('/', async (c) => {
    const q = c.req.query();
    const filter: AssessmentFilter = {};
    const errors: Record<string, string> = {};
    if (q.status) {
      if ((ASSESSMENT_STATUSES as readonly string[]).includes(q.status))
        filter.status = q.status as AssessmentStatus;
      else throw new HttpError(400, 'That status is not one to filter by.');
    }
    if (q.vendor) {
      if (!/^[0-9a-f-]{36}$/.test(q.vendor)) throw new HttpError(400, 'That vendor is not one to filter by.');
      filter.vendorId = q.vendor;
    }
    if (q.questionnaire) {
      if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(q.questionnaire))
        throw new HttpError(400, 'That questionnaire is not one to filter by.');
      filter.questionnaireId = q.questionnaire;
    }
    if (q.overdue === '1') filter.overdue = true;
    const after = parseCursor(q.after);
    const { rows, vendors, choices } = await c.var.workspace.read(async (ctx) => ({
      rows: await listAssessmentPage(ctx, filter, after, PAGE_SIZE + 1),
      vendors: await listVendors(ctx),
      choices: await questionnaireChoices(platform, ctx),
    }));
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    const next =
      rows.length > PAGE_SIZE && last
        ? `?${new URLSearchParams({
            ...(filter.status ? { status: filter.status } : {}),
            ...(filter.vendorId ? { vendor: filter.vendorId } : {}),
            ...(filter.questionnaireId ? { questionnaire: filter.questionnaireId } : {}),
            ...(filter.overdue ? { overdue: '1' } : {}),
            after: `${last.createdAt.getTime()}.${last.id}`,
          })}`
        : null;
    return render(c, 'workspace/assessments', {
      title: 'Assessments',
      rows: page,
      next,
      filter,
      errors,
      vendors,
      questionnaireIds: [...new Set(choices.map((ch) => ch.id))],
      statuses: ASSESSMENT_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
      labels: STATUS_LABELS,
    });
  });

  // ---- send one -----------------------------------------------------------------------------------

  /**
   * The send forms show one questionnaire's context facts (`contextFor`). "Choose", or a submit after the
   * questionnaire select was changed, must show the chosen one's facts and do nothing else: the facts
   * were not asked for it, and what is sent must be what the form showed. Returns the form's messages
   * for that case (none for "Choose"), or null to go on.
   */
  function questionnaireSwitch(
    form: Record<string, string | string[] | undefined>,
    chosen: string,
    nothingDone: string,
  ): Record<string, string> | null {
    if (str(form.choose) === '1') return {};
    const contextFor = str(form.contextFor);
    if (contextFor === '' || contextFor === chosen) return null;
    return { questionnaire: `You changed the questionnaire: its context facts are below. ${nothingDone}` };
  }

  async function sendForm(
    values: Record<string, string>,
    errors: Record<string, string>,
    contextValues: Record<string, string[]> = {},
  ) {
    return async (ctx: Parameters<Parameters<WorkspaceEnv['Variables']['workspace']['read']>[0]>[0]) => {
      const choices = await questionnaireChoices(platform, ctx);
      const ref = values.questionnaire || choices[0]?.ref || '';
      const q = ref ? await choiceQuestionnaire(platform, ctx, ref) : null;
      return {
        title: 'Send an assessment',
        choices,
        vendors: await listVendors(ctx),
        context: contextFields(q),
        contextValues,
        values: { ...values, questionnaire: ref },
        errors,
        maxLinkHours: MAX_LINK_HOURS,
      };
    };
  }

  app.get('/new', async (c) => {
    const values = {
      questionnaire: c.req.query('questionnaire') ?? '',
      vendorId: c.req.query('vendor') ?? '',
    };
    const data = await c.var.workspace.read(await sendForm(values, {}));
    return render(c, 'workspace/assessment-new', {
      ...data,
      mayAddVendors: can(c.var.workspace.role, 'vendor.write'),
    });
  });

  app.post('/new', async (c) => {
    const form = await readForm(c);
    const ws = c.var.workspace;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) values[k] = str(v);
    const chosen = str(form.questionnaire);
    const switched = questionnaireSwitch(form, chosen, 'Nothing was sent; check them and press Send.');
    if (switched) {
      const data = await ws.read(await sendForm({ ...values, questionnaire: chosen }, switched));
      return render(c, 'workspace/assessment-new', { ...data, mayAddVendors: can(ws.role, 'vendor.write') });
    }
    const linkHoursText = str(form.linkHours).trim();
    const vendorId = str(form.vendorId);
    // The facts are read against the questionnaire the form showed (a multi fact's ticked boxes repeat
    // its field); sendAssessment checks their values.
    const q = await ws.read((ctx) => choiceQuestionnaire(platform, ctx, str(form.questionnaire)));
    const posted = postedContext(q, form);
    try {
      if (posted.problems.length > 0)
        throw new SendError(posted.problems.map((p) => p.message).join('; '), 'context');
      if (linkHoursText !== '' && !/^\d{1,6}$/.test(linkHoursText))
        throw new SendError(
          `link hours must be a whole number from 1 to ${MAX_LINK_HOURS} (14 days)`,
          'linkHours',
        );
      const sent = await sendAssessment(deps(), ws.tenantId, {
        questionnaire: str(form.questionnaire),
        ...(vendorId ? { vendorId } : { vendorName: str(form.vendorName) }),
        contactEmail: str(form.contactEmail),
        contactName: str(form.contactName) || null,
        dueDate: str(form.dueDate) || null,
        otp: str(form.otp) === '1',
        linkHours: linkHoursText === '' ? null : Number(linkHoursText),
        context: posted.pairs,
        actor: `user:${ws.userId}`,
        senderEmail: c.var.viewer?.name ?? null,
        mayAddVendors: can(ws.role, 'vendor.write'),
      });
      return c.redirect(`/app/assessments/${sent.assessmentId}?done=sent`, 303);
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      const data = await ws.read(await sendForm(values, { [err.field]: err.message }, posted.values));
      // 403 when the send needed vendor.write (a new vendor or contact): the form says what is missing.
      return render(
        c,
        'workspace/assessment-new',
        { ...data, mayAddVendors: can(ws.role, 'vendor.write') },
        err.status === 403 ? 403 : 422,
      );
    }
  });

  // ---- bulk ---------------------------------------------------------------------------------------

  /** The bulk page; its context fields are those of the chosen questionnaire (default: the first). */
  async function bulkPage(
    ws: WorkspaceEnv['Variables']['workspace'],
    extra: Record<string, unknown> & { values?: Record<string, string> },
  ) {
    return ws.read(async (ctx) => {
      const choices = await questionnaireChoices(platform, ctx);
      const ref = extra.values?.questionnaire || choices[0]?.ref || '';
      const q = ref ? await choiceQuestionnaire(platform, ctx, ref) : null;
      return {
        title: 'Send to many vendors',
        choices,
        vendors: await listVendors(ctx),
        maxRows: MAX_BULK_ROWS,
        maxLinkHours: MAX_LINK_HOURS,
        selected: [],
        errors: {},
        report: null,
        results: null,
        contextValues: {},
        ...extra,
        values: { ...extra.values, questionnaire: ref },
        context: contextFields(q),
      };
    });
  }

  app.get('/bulk', async (c) =>
    render(
      c,
      'workspace/assessment-bulk',
      await bulkPage(c.var.workspace, { values: { questionnaire: c.req.query('questionnaire') ?? '' } }),
    ),
  );

  app.post('/bulk', async (c) => {
    const ws = c.var.workspace;
    const form = await readForm(c);
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(form))
      if (k !== 'vendorId' && !k.startsWith('ctx.')) values[k] = str(v);
    const selected = list(form.vendorId);
    const csv = str(form.csv);
    const confirm = str(form.confirm) === '1';
    const switched = confirm
      ? null
      : questionnaireSwitch(
          form,
          values.questionnaire ?? '',
          'Nothing was checked or sent; check them and press "Check the rows" again.',
        );
    if (switched)
      return render(
        c,
        'workspace/assessment-bulk',
        await bulkPage(ws, { values, selected, errors: switched }),
      );
    const errors: Record<string, string> = {};
    const { choices, q } = await ws.read(async (ctx) => ({
      choices: await questionnaireChoices(platform, ctx),
      q: await choiceQuestionnaire(platform, ctx, values.questionnaire ?? ''),
    }));
    if (!q || !choices.some((ch) => ch.ref === values.questionnaire))
      errors.questionnaire = 'Choose a questionnaire and version from the list.';
    // The context facts for every row, checked once here: a bad value sends nothing.
    const posted = postedContext(q, form);
    if (q) {
      const checked = contextFromPairs(q, posted.pairs);
      const problems = [...posted.problems, ...(checked.ok ? [] : checked.problems)];
      if (problems.length > 0) errors.context = problems.map((p) => p.message).join('; ');
    }
    const contextValues = posted.values;
    const linkHoursText = (values.linkHours ?? '').trim();
    let options: { dueDate: string | null; linkHours: number | null } = { dueDate: null, linkHours: null };
    try {
      options = checkSendOptions(
        { dueDate: values.dueDate || null, linkHours: linkHoursText === '' ? null : Number(linkHoursText) },
        platform.clock.now(),
      );
      if (linkHoursText !== '' && !/^\d{1,6}$/.test(linkHoursText))
        throw new SendError(
          `link hours must be a whole number from 1 to ${MAX_LINK_HOURS} (14 days)`,
          'linkHours',
        );
    } catch (err) {
      if (!(err instanceof SendError)) throw err;
      errors[err.field] = err.message;
    }
    if (selected.length === 0 && csv.trim() === '')
      errors.csv =
        'Select vendors from the list, or paste CSV lines: vendor name, contact email, contact name.';
    let rows: Awaited<ReturnType<typeof rowsFromSelection>> = [];
    if (Object.keys(errors).length === 0) {
      try {
        rows = [
          ...(selected.length
            ? await rowsFromSelection(
                (fn) => ws.read(fn),
                selected,
                (row) => contacts.open(ws.tenantId, row),
              )
            : []),
          ...(csv.trim() ? rowsFromCsv(csv) : []),
        ];
        if (rows.length > MAX_BULK_ROWS)
          throw new HttpError(422, `Send to at most ${MAX_BULK_ROWS} vendors at once.`);
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 422) throw err;
        errors.csv = err.message;
      }
    }
    if (Object.keys(errors).length > 0)
      return render(
        c,
        'workspace/assessment-bulk',
        await bulkPage(ws, { values, contextValues, selected, errors }),
        422,
      );
    const good = rows.filter((r) => !r.problem).length;
    if (!confirm || good === 0) {
      // The report first: nothing is sent until the same form comes back confirmed.
      return render(
        c,
        'workspace/assessment-bulk',
        await bulkPage(ws, { values, contextValues, selected, report: rows, good }),
      );
    }
    const results = await sendBulk(deps(), ws.tenantId, rows, {
      questionnaire: values.questionnaire!,
      dueDate: options.dueDate,
      linkHours: options.linkHours,
      otp: values.otp === '1',
      context: posted.pairs,
      actor: `user:${ws.userId}`,
      senderEmail: c.var.viewer?.name ?? null,
      mayAddVendors: can(ws.role, 'vendor.write'),
    });
    // A row that failed on our side is reported on the page like any other; its cause goes to the log.
    for (const r of results)
      if (r.error !== undefined) c.var.log.error({ err: r.error, line: r.line }, 'bulk send: a row failed');
    return render(
      c,
      'workspace/assessment-bulk',
      await bulkPage(ws, {
        values,
        contextValues,
        selected,
        results: results.map(({ error: _error, ...r }) => r),
      }),
    );
  });

  // ---- one assessment ----------------------------------------------------------------------------

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    const data = await c.var.workspace.read(async (ctx) => {
      const a = await getAssessment(ctx, id);
      if (!a) return null;
      return {
        a,
        vendor: await getVendor(ctx, a.vendorId),
        contact: await getContact(ctx, a.contactId),
        version: await getQuestionnaireVersion(ctx, a.questionnaireVersionId),
        events: await listAssessmentEvents(ctx, a.id),
        links: await listVendorLinks(ctx, a.id),
      };
    });
    if (!data) throw new HttpError(404, 'We could not find that assessment.');
    const done = DONE[c.req.query('done') ?? ''];
    // The contact's name and email are personal data: opened only for a role with contact.read.
    const personal = can(c.var.workspace.role, 'contact.read');
    const contact =
      data.contact && personal ? await contacts.open(c.var.workspace.tenantId, data.contact) : null;
    return render(c, 'workspace/assessment', {
      title: 'Assessment',
      ...data,
      contact,
      canReadContacts: personal,
      derived: deriveStatus(data.events),
      live: LIVE_STATUSES.includes(data.a.status),
      labels: STATUS_LABELS,
      eventLabels: EVENT_LABELS,
      done: done ?? null,
      now: platform.clock.now(),
    });
  });

  app.post('/:id/revoke', async (c) => {
    const ws = c.var.workspace;
    const id = c.req.param('id');
    await readForm(c);
    await revokeAssessment(platform, ws.tenantId, id, `user:${ws.userId}`);
    return c.redirect(`/app/assessments/${id}?done=revoked`, 303);
  });

  app.post('/:id/resend', async (c) => {
    const ws = c.var.workspace;
    const id = c.req.param('id');
    await readForm(c);
    await resendLink({ ...platform, baseUrl: opts.baseUrl }, ws.tenantId, id, `user:${ws.userId}`);
    return c.redirect(`/app/assessments/${id}?done=resent`, 303);
  });

  return app;
}

/** /app/settings/reminders: the days before the due date reminders go out. */
export function reminderSettingsRoutes(platform: Ports) {
  const app = new Hono<WorkspaceEnv>();
  const page = (days: readonly number[], errors: Record<string, string>, saved = false, text?: string) => ({
    title: 'Reminders',
    value: text ?? days.join(', '),
    defaults: DEFAULT_REMINDER_DAYS.join(', '),
    errors,
    saved,
  });
  app.get('/', async (c) => {
    const days = (await c.var.workspace.read(getReminderDays)) ?? DEFAULT_REMINDER_DAYS;
    return render(c, 'workspace/settings-reminders', page(days, {}, c.req.query('saved') === '1'));
  });
  app.post('/', async (c) => {
    const ws = c.var.workspace;
    const text = str((await readForm(c)).days);
    let days: number[];
    try {
      days = parseReminderDays(text);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 422) throw err;
      return render(c, 'workspace/settings-reminders', page([], { days: err.message }, false, text), 422);
    }
    const now = platform.clock.now();
    await ws.write((tx) => {
      saveReminderDays(tx, days, ws.userId, now);
      tx.audit(
        {
          actor: `user:${ws.userId}`,
          action: 'settings.reminders_changed',
          target: `tenant:${ws.tenantId}`,
          data: { days },
        },
        now,
      );
    });
    return c.redirect('/app/settings/reminders?saved=1', 303);
  });
  return app;
}
