/**
 * The answering part of the vendor portal, mounted at `/v/a`: `/v/a/:assessmentId/...`. Every route
 * runs behind `requireVendor` (no session: 401) and answers 404 for any assessment but the session's
 * own (SES-05: no oracle for which ids exist). Each handler parses, calls one domain function, renders.
 * Pages work as plain form posts; with htmx each field autosaves and the answer swaps only what changed.
 */
import { type Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { downloadPath } from '../evidence/download.js';
import { readForm } from '../http/read-form.js';
import { render, renderFragment } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { Questionnaire } from '../questionnaire/index.js';
import { type PortalState, parseRevision, portalState, saveOne, saveSection } from './answers.js';
import { LANG_COOKIE, quietLocale, rememberLanguage } from './error-language.js';
import { applyImport, exportCsv, exportXlsx, OFFLINE_MAX_BYTES, previewImport } from './offline.js';
import {
  autosaveView,
  domId,
  type EvidenceFile,
  type EvidenceFiles,
  type Overrides,
  questionView,
  sectionPage,
  words,
} from './portal-view.js';
import { postOnly } from './post-only.js';
import { refuse } from './refusals.js';
import type { PortalEnv } from './require-vendor.js';
import { say } from './words.js';

export { LANG_COOKIE };

const LANG_MAX_AGE = 180 * 24 * 3600;

type C = Context<PortalEnv>;

/** The portal scope (requireVendor has checked that the path names the session's own assessment). */
const scopeOf = (c: C) => c.get('portal');

/**
 * The vendor's language: `?lang=` (one of the questionnaire's locales, then remembered in a cookie), the
 * remembered one, the assessment's own (the invitation's language) when the questionnaire has it, or the
 * questionnaire's default.
 */
export function localeOf(
  c: Context,
  q: Pick<Questionnaire, 'locales' | 'defaultLocale'>,
  stored?: string | null,
): string {
  const asked = c.req.query('lang');
  if (asked !== undefined) {
    if (!q.locales.includes(asked))
      throw refuse(400, 'vendor.langUnavailable', { params: { locales: q.locales.join(', ') } });
    setCookie(c, LANG_COOKIE, asked, {
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: LANG_MAX_AGE,
    });
    return rememberLanguage(c, asked);
  }
  // Recorded, so that an error later in this request is said in the same language.
  return rememberLanguage(c, quietLocale(c, q, stored));
}

function firstSection(state: PortalState): string {
  const visible = state.evaluation.sections.filter((s) => s.visible);
  return (visible[0] ?? state.evaluation.sections[0]!).id;
}

function sectionOf(state: PortalState, id: string) {
  const section = state.q.sections.find((s) => s.id === id);
  if (!section) throw refuse(404, 'vendor.noSection');
  if (!state.evaluation.sections.find((s) => s.id === id)?.visible) throw refuse(404, 'vendor.sectionHidden');
  return section;
}

/** The files of a section's questions, each with a short-lived signed download link. */
async function sectionFiles(platform: Ports, state: PortalState, sectionId: string): Promise<EvidenceFiles> {
  const inSection = new Set(state.q.sections.find((s) => s.id === sectionId)?.questions.map((q) => q.id));
  const out: Record<string, EvidenceFile[]> = {};
  for (const e of state.evidence) {
    if (!inSection.has(e.questionId)) continue;
    const href = await downloadPath(platform, { tenantId: state.assessment.tenantId, evidenceId: e.id });
    const list = out[e.questionId] ?? [];
    list.push({ id: e.id, name: e.name, size: e.size, sha256: e.sha256, href });
    out[e.questionId] = list;
  }
  return out;
}

async function renderSection(
  c: C,
  platform: Ports,
  state: PortalState,
  sectionId: string,
  locale: string,
  status = 200,
  overrides: Overrides = { values: {}, errors: {} },
  notice?: { kind: string; text: string },
) {
  const files = await sectionFiles(platform, state, sectionId);
  const v = sectionPage(state, sectionId, locale, { ...overrides, files });
  return render(
    c,
    'vendor/section',
    { title: `${v.section.title} · ${v.title}`, lang: locale, chrome: v.w, v, notice },
    status,
  );
}

const path = (aid: string, sid: string) => `/v/a/${aid}/s/${encodeURIComponent(sid)}`;

export function portalRoutes(platform: Ports) {
  const { clock } = platform;
  const r = new Hono<PortalEnv>();

  // Where other parts link to one question (evidence without JavaScript): its section, at the question.
  r.get('/:assessmentId/q/:questionId', async (c) => {
    const scope = scopeOf(c);
    const state = await portalState(scope, clock.now());
    const question = state.q.questions.get(c.req.param('questionId'));
    if (!question) throw refuse(404, 'vendor.noQuestion');
    return c.redirect(`${path(scope.assessmentId, question.sectionId)}#q-${domId(question.id)}`, 303);
  });

  r.get('/:assessmentId', async (c) => {
    const scope = scopeOf(c);
    const state = await portalState(scope, clock.now());
    return c.redirect(path(scope.assessmentId, firstSection(state)), 303);
  });

  r.get('/:assessmentId/s/:sectionId', async (c) => {
    const scope = scopeOf(c);
    const state = await portalState(scope, clock.now());
    const locale = localeOf(c, state.q, state.assessment.locale);
    const section = sectionOf(state, c.req.param('sectionId'));
    return renderSection(c, platform, state, section.id, locale);
  });

  // "Save and continue" without JavaScript: the whole section as one form.
  r.post('/:assessmentId/s/:sectionId', async (c) => {
    const scope = scopeOf(c);
    const fields = await readForm(c);
    const now = clock.now();
    const first = await portalState(scope, now);
    const locale = localeOf(c, first.q, first.assessment.locale);
    const sectionId = c.req.param('sectionId');
    sectionOf(first, sectionId);
    const result = await saveSection(scope, first, sectionId, fields, locale, now);
    const w = words(locale);
    if (result.kind === 'invalid')
      return renderSection(
        c,
        platform,
        result.state,
        sectionId,
        locale,
        422,
        { values: result.values, errors: result.errors },
        { kind: 'error', text: w.fixErrors },
      );
    if (result.kind === 'conflict')
      return renderSection(
        c,
        platform,
        result.state,
        sectionId,
        locale,
        409,
        { values: {}, errors: {}, conflict: result.conflict },
        { kind: 'warning', text: w.conflict },
      );
    const state = result.state;
    if (fields.go === 'stay') return c.redirect(path(scope.assessmentId, sectionId), 303);
    const visible = state.evaluation.sections.filter((s) => s.visible);
    const at = visible.findIndex((s) => s.id === sectionId);
    const next = at >= 0 ? visible[at + 1] : visible[0];
    return c.redirect(next ? path(scope.assessmentId, next.id) : `/v/a/${scope.assessmentId}/review`, 303);
  });

  // Autosave of one field (htmx, urlencoded). The answer carries only out-of-band swaps.
  r.post('/:assessmentId/answer/:key', async (c) => {
    const scope = scopeOf(c);
    const key = c.req.param('key');
    const fields = await readForm(c);
    const seen = parseRevision(fields[`_rev.${key}`]);
    const result = await saveOne(
      scope,
      key,
      fields[key],
      seen,
      (q, stored) => localeOf(c, q, stored),
      clock.now(),
    );
    const status = result.kind === 'invalid' ? 422 : result.kind === 'conflict' ? 409 : 200;
    return renderFragment(c, 'vendor/autosave', autosaveView(result, key, result.locale), status);
  });

  // ---- offline answering --------------------------------------------------------------------------

  r.get('/:assessmentId/offline', async (c) => {
    const scope = scopeOf(c);
    const state = await portalState(scope, clock.now());
    const locale = localeOf(c, state.q, state.assessment.locale);
    const v = sectionPage(state, firstSection(state), locale);
    return render(c, 'vendor/offline', {
      title: v.w.offline,
      lang: locale,
      chrome: v.w,
      v,
      maxBytes: OFFLINE_MAX_BYTES,
    });
  });

  const download = (kind: 'xlsx' | 'csv') => async (c: C) => {
    const scope = scopeOf(c);
    const now = clock.now();
    const state = await portalState(scope, now);
    const locale = localeOf(c, state.q, state.assessment.locale);
    const name = `${state.q.id}-${state.assessment.id.slice(0, 8)}.${kind}`;
    c.header('Content-Disposition', `attachment; filename="${name}"`);
    c.header('X-Content-Type-Options', 'nosniff');
    if (kind === 'csv') {
      c.header('Content-Type', 'text/csv; charset=utf-8');
      return c.body(await exportCsv(state, locale, now));
    }
    c.header('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    return c.body((await exportXlsx(state, locale, now)) as Uint8Array<ArrayBuffer>);
  };
  r.get('/:assessmentId/export.xlsx', download('xlsx'));
  r.get('/:assessmentId/export.csv', download('csv'));

  // The upload is previewed only: the report, and an Apply form carrying the accepted values.
  r.post('/:assessmentId/offline', async (c) => {
    const scope = scopeOf(c);
    const now = clock.now();
    const state = await portalState(scope, now);
    if (!state.editable) throw refuse(409, 'vendor.submittedShort');
    const locale = localeOf(c, state.q, state.assessment.locale);
    const bytes = await uploadedBytes(c);
    const preview = await previewImport(state, bytes, locale, platform.zipArchive);
    const v = sectionPage(state, firstSection(state), locale);
    if (!preview.ok)
      return render(
        c,
        'vendor/offline',
        {
          title: v.w.offline,
          lang: locale,
          chrome: v.w,
          v,
          maxBytes: OFFLINE_MAX_BYTES,
          error: say(locale, preview.said, preview.message),
        },
        422,
      );
    // Each rejection's reason in the vendor's language (the import gives it by key and parameters).
    const rejected = preview.rejected.map((r) => ({ ...r, reason: say(locale, r.said, r.reason) }));
    return render(c, 'vendor/offline-report', {
      title: v.w.checkImport,
      lang: locale,
      chrome: v.w,
      v,
      preview: { ...preview, rejected },
      json: JSON.stringify,
    });
  });

  r.post('/:assessmentId/offline/apply', async (c) => {
    const scope = scopeOf(c);
    const fields = await readForm(c);
    const now = clock.now();
    const state = await portalState(scope, now);
    if (!state.editable) throw refuse(409, 'vendor.submittedShort');
    const locale = localeOf(c, state.q, state.assessment.locale);
    const result = await applyImport(scope, state, fields, locale, now);
    const after = await portalState(scope, clock.now());
    const v = sectionPage(after, firstSection(after), locale);
    const conflicts = result.conflicts.map((cf) => {
      const target = state.q.questions.get(cf.key.replace(/#comment$/, ''))!;
      const qv = questionView(state, target, locale, { values: {}, errors: {}, conflict: cf });
      return {
        key: cf.key,
        question: qv.text,
        shown: qv.conflict?.shown ?? '',
        by: cf.by,
        when: qv.conflict?.when ?? '',
      };
    });
    return render(
      c,
      'vendor/offline-applied',
      { title: v.w.importApplied, lang: locale, chrome: v.w, v, saved: result.saved.length, conflicts },
      conflicts.length ? 409 : 200,
    );
  });

  // The autosave and the import's apply take POST only (the handlers above are not changed by it).
  postOnly(r, '/:assessmentId/answer/:key', '/:assessmentId/offline/apply');
  return r;
}

/** The uploaded file: a multipart form's `file` field, or the request body itself (a spreadsheet type). */
async function uploadedBytes(c: C): Promise<Uint8Array> {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const form = await readForm(c, { allowFiles: true, maxFields: 5 });
    const file = form.file;
    if (!(file instanceof File))
      throw refuse(400, 'vendor.chooseSpreadsheet', { fields: { file: 'vendor.chooseFile' } });
    if (file.size > OFFLINE_MAX_BYTES) throw refuse(413, 'vendor.fileTooLarge');
    return new Uint8Array(await file.arrayBuffer());
  }
  if (
    type === 'text/csv' ||
    type === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' ||
    type === 'application/octet-stream'
  ) {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > OFFLINE_MAX_BYTES) throw refuse(413, 'vendor.fileTooLarge');
    return body;
  }
  throw refuse(415, 'vendor.spreadsheetType');
}
