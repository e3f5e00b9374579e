/**
 * /app/vendors: the vendor list, records, contacts, import and the supplier register export; and
 * /app/settings/reviews (review intervals per tier). Handlers parse input, call one domain function
 * (src/workspace/vendors.ts, vendor-import.ts, vendor-register.ts), render. Permissions are in
 * route-permissions.ts.
 */
import { type Context, Hono } from 'hono';
import { can } from '../auth/permissions.js';
import { base64UrlToBytes, bytesToBase64Url, utf8 } from '../crypto/encoding.js';
import { hasControlChar, MAX_UPDATED_MS } from '../db/bind-limits.js';
import { isId } from '../db/ids.js';
import * as repo from '../db/repo/index.js';
import {
  VENDOR_SORTS,
  VENDOR_STATUSES,
  VENDOR_TIERS,
  type VendorSort,
  type VendorStatus,
  type VendorTier,
} from '../db/repo/vendors.js';
import { RISK_STATUSES } from '../db/tables.js';
import { HttpError } from '../errors.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { reopenExpiredAcceptances } from '../risk/acceptance.js';
import { readVendorRiskSummary } from '../risk/charts.js';
import { RATING_LABELS } from '../risk/scale.js';
import type { WorkspaceEnv } from './app-routes.js';
import {
  DATA_CATEGORIES,
  parseContactFields,
  parseVendorFields,
  type RawFields,
  vendorFormValues,
} from './vendor-fields.js';
import {
  confirmImport,
  IMPORT_MAX_ROWS,
  importTemplateCsv,
  importTemplateXlsx,
  previewImport,
} from './vendor-import.js';
import { exportRegister } from './vendor-register.js';
import { MAX_REVIEW_MONTHS } from './vendor-review.js';
import { INTAKE_OPTIONS } from './vendor-tier.js';
import {
  acceptReviewDate,
  addContact,
  archiveVendor,
  createVendor,
  editContact,
  editVendor,
  getVendorContact,
  removeContact,
  saveReviewIntervals,
  type VendorActor,
  vendorPage,
} from './vendors.js';

type C = Context<WorkspaceEnv>;
const PAGE_SIZE = 50;

const formOptions = {
  intake: INTAKE_OPTIONS,
  dataCategories: DATA_CATEGORIES,
  tiers: VENDOR_TIERS,
  statuses: VENDOR_STATUSES,
};

function fieldsOf(form: Record<string, unknown>): RawFields {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form))
    if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) out[k] = v;
  return out;
}

/** A list query from the URL: allow-listed values only, anything else is a 400 that names the parameter. */
function listQuery(c: C) {
  const q = c.req.query();
  const bad = (name: string) => {
    throw new HttpError(400, `The ${name} in the address is not one that is offered.`);
  };
  const search = (q.q ?? '').trim();
  if (search.length > 200 || hasControlChar(search)) bad('search');
  const tier = q.tier || undefined;
  if (tier && !(VENDOR_TIERS as readonly string[]).includes(tier)) bad('tier filter');
  const status = q.status || undefined;
  if (status && !(VENDOR_STATUSES as readonly string[]).includes(status)) bad('status filter');
  const sort = (q.sort || 'name') as VendorSort;
  if (!VENDOR_SORTS.includes(sort)) bad('sort');
  let after: { key: string; id: string } | null = null;
  if (q.after) {
    try {
      const parsed = JSON.parse(new TextDecoder().decode(base64UrlToBytes(q.after))) as unknown;
      if (
        Array.isArray(parsed) &&
        parsed.length === 2 &&
        typeof parsed[0] === 'string' &&
        isId(parsed[1]) &&
        parsed[0].length <= 400 &&
        // No vendor name holds a control character, and PostgreSQL refuses NUL in a bound text (a 500).
        !hasControlChar(parsed[0])
      )
        after = { key: parsed[0], id: parsed[1] };
    } catch {}
    if (!after || !cursorKeyOk(sort, after.key)) bad('page');
  }
  return {
    search,
    tier: tier as VendorTier | undefined,
    status: status as VendorStatus | undefined,
    sort,
    after,
  };
}

/** A cursor key has the shape of its sort's column; a change time is one a Date and timestamptz round-trip. */
function cursorKeyOk(sort: VendorSort, key: string): boolean {
  if (sort === 'next_review') return /^\d{4}-\d{2}-\d{2}$/.test(key);
  if (sort === 'updated') return /^\d{1,15}$/.test(key) && Number(key) <= MAX_UPDATED_MS;
  return true;
}

const cursorParam = (cur: { key: string; id: string }) =>
  bytesToBase64Url(utf8(JSON.stringify([cur.key, cur.id])));

export function vendorRoutes(platform: Ports) {
  const app = new Hono<WorkspaceEnv>();
  const actor = (c: C): VendorActor => ({
    store: platform.store,
    master: platform.master,
    tenantId: c.var.workspace.tenantId,
    userId: c.var.workspace.userId,
    now: platform.clock.now(),
  });
  const canWrite = (c: C) => can(c.var.workspace.role, 'vendor.write');

  const formPage = (
    c: C,
    values: RawFields,
    errors: Record<string, string>,
    vendorId: string | null,
    status = 200,
  ) =>
    render(
      c,
      'workspace/vendor-form',
      { title: vendorId ? 'Edit vendor' : 'New vendor', values, errors, vendorId, options: formOptions },
      status,
    );

  app.get('/', async (c) => {
    const query = listQuery(c);
    const page = await c.var.workspace.read((ctx) =>
      repo.queryVendors(ctx, {
        ...(query.search ? { search: query.search } : {}),
        ...(query.tier ? { tier: query.tier } : {}),
        ...(query.status ? { status: query.status } : {}),
        sort: query.sort,
        after: query.after,
        limit: PAGE_SIZE,
      }),
    );
    const last = page.rows.at(-1);
    const base = new URLSearchParams();
    if (query.search) base.set('q', query.search);
    if (query.tier) base.set('tier', query.tier);
    if (query.status) base.set('status', query.status);
    if (query.sort !== 'name') base.set('sort', query.sort);
    let next: string | null = null;
    if (page.more && last) {
      const p = new URLSearchParams(base);
      p.set('after', cursorParam(repo.vendorCursor(last, query.sort)));
      next = `/app/vendors?${p}`;
    }
    return render(c, 'workspace/vendors', {
      title: 'Vendors',
      vendors: page.rows,
      query,
      next,
      first: query.after ? `/app/vendors${base.size ? `?${base}` : ''}` : null,
      tiers: VENDOR_TIERS,
      statuses: VENDOR_STATUSES,
      sorts: VENDOR_SORTS,
      canWrite: canWrite(c),
      canExport: can(c.var.workspace.role, 'export.register'),
      canImport: can(c.var.workspace.role, 'vendor.import'),
    });
  });

  app.get('/new', (c) => formPage(c, { status: 'active' }, {}, null));

  app.post('/', async (c) => {
    const values = fieldsOf(await readForm(c));
    const parsed = parseVendorFields(values);
    if (!parsed.ok) return formPage(c, values, { ...parsed.errors }, null, 422);
    try {
      const v = await createVendor(actor(c), parsed.value);
      return c.redirect(`/app/vendors/${v.id}`, 303);
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return formPage(c, values, { ...err.fields }, null, err.status);
      throw err;
    }
  });

  // ---- import -----------------------------------------------------------------------------------------
  app.get('/import', (c) =>
    render(c, 'workspace/vendor-import', {
      title: 'Import vendors',
      errors: {},
      preview: null,
      maxRows: IMPORT_MAX_ROWS,
    }),
  );
  app.get('/import/template.csv', (c) => {
    c.header('Content-Disposition', 'attachment; filename="vendor-import-template.csv"');
    return c.body(importTemplateCsv(), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  });
  app.get('/import/template.xlsx', async (c) => {
    c.header('Content-Disposition', 'attachment; filename="vendor-import-template.xlsx"');
    return c.body((await importTemplateXlsx()) as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
  });
  app.post('/import', async (c) => {
    const form = await readForm(c, { allowFiles: true, maxFields: 5 });
    const file = form.file;
    const page = (errors: Record<string, string>, preview: unknown, status: number) =>
      render(
        c,
        'workspace/vendor-import',
        { title: 'Import vendors', errors, preview, maxRows: IMPORT_MAX_ROWS },
        status,
      );
    if (!(file instanceof File) || file.size === 0)
      return page({ file: 'Choose a CSV or XLSX file to import.' }, null, 422);
    try {
      const preview = await previewImport(
        actor(c),
        { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) },
        platform.zipArchive,
      );
      return page({}, preview, 200);
    } catch (err) {
      if (err instanceof HttpError && err.fields) return page({ ...err.fields }, null, err.status);
      throw err;
    }
  });
  app.post('/import/confirm', async (c) => {
    const form = await readForm(c, { maxFields: 5, maxValueLength: 1_000_000 });
    const token = typeof form.token === 'string' ? form.token : '';
    const sha = typeof form.fileSha256 === 'string' ? form.fileSha256 : '';
    const { created } = await confirmImport(actor(c), token, sha);
    return render(c, 'workspace/vendor-imported', { title: 'Vendors imported', created });
  });

  // ---- supplier register ---------------------------------------------------------------------------------
  app.post('/register', async (c) => {
    const form = await readForm(c, { maxFields: 5 });
    const format = form.format === 'xlsx' ? 'xlsx' : form.format === 'csv' ? 'csv' : null;
    if (!format) throw new HttpError(400, 'Choose CSV or XLSX.');
    const file = await exportRegister(actor(c), format);
    c.header('Content-Disposition', `attachment; filename="${file.fileName}"`);
    c.header('Cache-Control', 'no-store');
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': file.contentType });
  });

  // ---- one vendor ---------------------------------------------------------------------------------------
  app.get('/:id', async (c) => {
    const ws = c.var.workspace;
    // Contacts are personal data: opened only for a role with contact.read (executives and viewers see
    // how many there are, not who).
    const personal = can(ws.role, 'contact.read');
    const page = await vendorPage(actor(c), c.req.param('id'), { personal });
    // The per-vendor risk summary, inline (no script needed), only for roles that may read risks.
    let riskSummary = null;
    if (can(ws.role, 'risk.read')) {
      await reopenExpiredAcceptances(ws, platform.clock.now());
      riskSummary = await ws.read((ctx) => readVendorRiskSummary(ctx, page.vendor.id));
    }
    return render(c, 'workspace/vendor', {
      title: page.vendor.name,
      ...page,
      riskSummary,
      canReadContacts: personal,
      riskStatuses: RISK_STATUSES,
      ratingLabels: RATING_LABELS,
      canWrite: canWrite(c),
      dataCategories: DATA_CATEGORIES,
      intake: INTAKE_OPTIONS,
    });
  });

  app.get('/:id/edit', async (c) => {
    const page = await vendorPage(actor(c), c.req.param('id'));
    return formPage(c, vendorFormValues(page.vendor), {}, page.vendor.id);
  });

  app.post('/:id', async (c) => {
    const id = c.req.param('id');
    const values = fieldsOf(await readForm(c));
    const parsed = parseVendorFields(values);
    if (!parsed.ok) {
      await vendorPage(actor(c), id); // 404 for a vendor that is not this tenant's
      return formPage(c, values, { ...parsed.errors }, id, 422);
    }
    try {
      await editVendor(actor(c), id, parsed.value);
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return formPage(c, values, { ...err.fields }, id, err.status);
      throw err;
    }
    return c.redirect(`/app/vendors/${id}`, 303);
  });

  app.post('/:id/archive', async (c) => {
    const id = c.req.param('id');
    await archiveVendor(actor(c), id);
    return c.redirect(`/app/vendors/${id}`, 303);
  });

  app.post('/:id/review-date', async (c) => {
    const id = c.req.param('id');
    const form = await readForm(c, { maxFields: 5 });
    await acceptReviewDate(actor(c), id, typeof form.date === 'string' ? form.date : '');
    return c.redirect(`/app/vendors/${id}`, 303);
  });

  // ---- contacts -------------------------------------------------------------------------------------
  const contactForm = (
    c: C,
    vendorId: string,
    vendorName: string,
    contactId: string | null,
    values: RawFields,
    errors: Record<string, string>,
    status = 200,
  ) =>
    render(
      c,
      'workspace/vendor-contact',
      {
        title: contactId ? 'Edit contact' : 'Add a contact',
        vendorId,
        vendorName,
        contactId,
        values,
        errors,
      },
      status,
    );
  const vendorName = async (c: C, id: string) => (await vendorPage(actor(c), id)).vendor.name;

  app.get('/:id/contacts/new', async (c) => {
    const id = c.req.param('id');
    return contactForm(c, id, await vendorName(c, id), null, {}, {});
  });
  app.post('/:id/contacts', async (c) => {
    const id = c.req.param('id');
    const values = fieldsOf(await readForm(c, { maxFields: 10 }));
    const parsed = parseContactFields(values);
    const name = await vendorName(c, id);
    if (!parsed.ok) return contactForm(c, id, name, null, values, { ...parsed.errors }, 422);
    try {
      await addContact(actor(c), id, parsed.value);
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return contactForm(c, id, name, null, values, { ...err.fields }, err.status);
      throw err;
    }
    return c.redirect(`/app/vendors/${id}#contacts`, 303);
  });
  app.get('/:id/contacts/:contact/edit', async (c) => {
    const id = c.req.param('id');
    const name = await vendorName(c, id);
    const contact = await getVendorContact(actor(c), id, c.req.param('contact'));
    return contactForm(
      c,
      id,
      name,
      contact.id,
      {
        name: contact.name ?? '',
        email: contact.email ?? '',
        phone: contact.phone ?? '',
        role: contact.role ?? '',
      },
      {},
    );
  });
  app.post('/:id/contacts/:contact', async (c) => {
    const id = c.req.param('id');
    const contactId = c.req.param('contact');
    const values = fieldsOf(await readForm(c, { maxFields: 10 }));
    const parsed = parseContactFields(values);
    const name = await vendorName(c, id);
    await getVendorContact(actor(c), id, contactId);
    if (!parsed.ok) return contactForm(c, id, name, contactId, values, { ...parsed.errors }, 422);
    try {
      await editContact(actor(c), id, contactId, parsed.value);
    } catch (err) {
      if (err instanceof HttpError && err.fields)
        return contactForm(c, id, name, contactId, values, { ...err.fields }, err.status);
      throw err;
    }
    return c.redirect(`/app/vendors/${id}#contacts`, 303);
  });
  app.post('/:id/contacts/:contact/remove', async (c) => {
    const id = c.req.param('id');
    await removeContact(actor(c), id, c.req.param('contact'));
    return c.redirect(`/app/vendors/${id}#contacts`, 303);
  });

  return app;
}

/** /app/settings/reviews: how many months apart vendor reviews fall, per tier (admins). */
export function reviewSettingsRoutes(platform: Ports) {
  const app = new Hono<WorkspaceEnv>();
  const page = (
    c: C,
    values: Record<string, string | number>,
    errors: Record<string, string>,
    status = 200,
    saved = false,
  ) =>
    render(
      c,
      'workspace/settings-reviews',
      { title: 'Review intervals', values, errors, tiers: VENDOR_TIERS, saved },
      status,
    );
  app.get('/', async (c) => {
    const months = await c.var.workspace.read((ctx) => repo.getReviewIntervals(ctx));
    return page(c, months, {}, 200, c.req.query('saved') === '1');
  });
  app.post('/', async (c) => {
    const form = await readForm(c, { maxFields: 10 });
    const values: Record<string, string> = {};
    const errors: Record<string, string> = {};
    const months = {} as repo.ReviewIntervals;
    for (const tier of VENDOR_TIERS) {
      const raw = typeof form[tier] === 'string' ? (form[tier] as string).trim() : '';
      values[tier] = raw;
      if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_REVIEW_MONTHS)
        errors[tier] = `Enter a whole number of months from 1 to ${MAX_REVIEW_MONTHS}.`;
      else months[tier] = Number(raw);
    }
    if (Object.keys(errors).length > 0) return page(c, values, errors, 422);
    await saveReviewIntervals(
      {
        store: platform.store,
        master: platform.master,
        tenantId: c.var.workspace.tenantId,
        userId: c.var.workspace.userId,
        now: platform.clock.now(),
      },
      months,
    );
    return c.redirect('/app/settings/reviews?saved=1', 303);
  });
  return app;
}
