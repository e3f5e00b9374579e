/**
 * Evidence files in the portal: `POST /v/a/<assessment>/evidence/<question>` uploads one file (multipart,
 * streamed through src/evidence with its own limits: the app-wide 1 MiB body limit does not apply
 * here), `POST …/evidence/<question>/<file>/remove` removes one before submission. With htmx the answer
 * is the question's file list; without JavaScript a redirect back to the question.
 */
import { Hono } from 'hono';
import { HttpError } from '../errors.js';
import { downloadPath } from '../evidence/download.js';
import { listEvidence, removeEvidence, storeEvidence } from '../evidence/evidence.js';
import { renderFragment } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { portalState } from './answers.js';
import { localeOf } from './portal-routes.js';
import { postOnly } from './post-only.js';
import type { PortalEnv } from './require-vendor.js';
import { type Words, words } from './words.js';

/** Paths whose bodies src/evidence reads and limits itself (see src/app.ts). */
export const UPLOAD_PATH = /^\/v\/a\/[^/]+\/evidence\/[^/]+$/;

const questionPath = (aid: string, qid: string) =>
  `/v/a/${aid}/q/${encodeURIComponent(qid)}#q-${encodeURIComponent(qid)}`;

export function evidencePortalRoutes(platform: Ports) {
  const app = new Hono<PortalEnv>();

  const answer = async (
    c: Parameters<typeof renderFragment<PortalEnv>>[0],
    qid: string,
    notice: (w: Words) => string,
  ) => {
    const { tenantId, assessmentId } = c.var.portal;
    if (!c.req.header('HX-Request')) return c.redirect(questionPath(assessmentId, qid), 303);
    const state = await portalState(c.var.portal, platform.clock.now());
    const w = words(localeOf(c, state.q, state.assessment.locale));
    const files = await listEvidence(platform, { tenantId, assessmentId, questionId: qid });
    const withLinks = await Promise.all(
      files.map(async (f) => ({ ...f, href: await downloadPath(platform, { tenantId, evidenceId: f.id }) })),
    );
    return renderFragment(c, 'vendor/evidence-list', {
      aid: assessmentId,
      w,
      qid,
      files: withLinks,
      notice: notice(w),
      open: true,
    });
  };

  app.post('/:aid/evidence/:qid', async (c) => {
    const { tenantId, assessmentId, contactId } = c.var.portal;
    const qid = c.req.param('qid');
    let stored: Awaited<ReturnType<typeof storeEvidence>>;
    try {
      stored = await storeEvidence(
        platform,
        {
          tenantId,
          assessmentId,
          questionId: qid,
          uploadedBy: `vendor:${contactId}`,
          // `?replaces=<file id>`: the upload is the next version of that file.
          ...(c.req.query('replaces') ? { replaces: c.req.query('replaces') } : {}),
        },
        c.req.raw,
      );
    } catch (err) {
      // A refused file (too large, wrong type, too many): the page says why and leads back to the question.
      if (!(err instanceof HttpError) || err.status >= 500) throw err;
      const state = await portalState(c.var.portal, platform.clock.now());
      const w = words(localeOf(c, state.q, state.assessment.locale));
      throw new HttpError(err.status, err.message, {
        ...(err.fields ? { fields: err.fields } : {}),
        ...(err.said ? { said: err.said } : {}),
        ...(err.fieldsSaid ? { fieldsSaid: err.fieldsSaid } : {}),
        headers: err.headers,
        cause: err,
        action: { href: questionPath(assessmentId, qid), label: w.back },
      });
    }
    return answer(c, qid, (w) => `${w.uploaded} ${stored.name}.`);
  });

  app.post('/:aid/evidence/:qid/:eid/remove', async (c) => {
    const { tenantId, assessmentId, contactId } = c.var.portal;
    const qid = c.req.param('qid');
    await removeEvidence(platform, {
      tenantId,
      assessmentId,
      evidenceId: c.req.param('eid'),
      removedBy: `vendor:${contactId}`,
    });
    return answer(c, qid, (w) => w.removed);
  });

  postOnly(app, '/:aid/evidence/:qid', '/:aid/evidence/:qid/:eid/remove');
  return app;
}
