/**
 * The review of a submission, under /app/assessments/:id/review (permissions in route-permissions.ts:
 * reading needs assessment.read, acting assessment.review, sending again assessment.send, and the
 * evidence download links are minted only for roles with evidence.read). Handlers parse, call one
 * function of review.ts, render; a refused action shows the page again with the reason (4xx).
 */
import { type Context, Hono } from 'hono';
import { can } from '../auth/permissions.js';
import { HttpError } from '../errors.js';
import { downloadPath } from '../evidence/download.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import type { WorkspaceEnv } from './app-routes.js';
import {
  addReviewNote,
  type ChangeRequestInput,
  COMMENT_MAX,
  loadAssessmentReview,
  markReviewed,
  NOTE_MAX,
  type ReviewDeps,
  requestChanges,
  sendAgain,
} from './review.js';
import { CONTEXT_EDITABLE, changeContext } from './review-context.js';

type C = Context<WorkspaceEnv>;

/** What the page says after an action redirected back to it (a fixed sentence, never the query text). */
const DONE: Record<string, string> = {
  note: 'Note added. Notes are internal: the vendor never sees them.',
  changes:
    'Changes requested. The vendor has been sent a new link and sees your comments next to those questions.',
  reviewed: 'Marked reviewed.',
  sent: 'Sent again. The vendor has been sent a new link; the previous answers are filled in for them to confirm or change.',
  context: 'Context facts changed. The reason is kept as an internal note.',
  rerated:
    'Context facts changed and the submission rated again under them. The reason is kept as an internal note.',
  reopened:
    'Context facts changed and the submission rated again under them. The new facts leave required questions unanswered, so the assessment is back to Submitted: request changes on them, then mark it reviewed again.',
};

const reviewPath = (id: string) => `/app/assessments/${id}/review`;

export function reviewRoutes(platform: Ports, opts: { baseUrl: string }) {
  const deps: ReviewDeps = {
    store: platform.store,
    master: platform.master,
    keys: platform.keys,
    clock: platform.clock,
    templates: platform.templates,
    mail: platform.mail,
    baseUrl: opts.baseUrl,
  };
  const r = new Hono<WorkspaceEnv>();

  async function page(
    c: C,
    status = 200,
    extra: { error?: string; notice?: string; values?: Record<string, unknown> } = {},
  ) {
    const ws = c.var.workspace;
    const loaded = await loadAssessmentReview(ws, c.req.param('id') ?? '', platform.clock.now());
    // The answer text (answers, the vendor's comments, what changed, what was asked back, and the team's
    // notes about them) is for roles with answers.read: the others get the rating, the score by section
    // and the findings, and the template never receives the text.
    const canReadAnswers = can(ws.role, 'answers.read');
    const review = canReadAnswers
      ? loaded
      : { ...loaded, notes: [], sections: loaded.sections.map((s) => ({ ...s, questions: [] })) };
    const links: Record<string, string> = {};
    if (can(ws.role, 'evidence.read'))
      for (const s of review.sections)
        for (const q of s.questions)
          for (const f of q.files)
            links[f.id] = await downloadPath(platform, { tenantId: ws.tenantId, evidenceId: f.id });
    return render(
      c,
      'workspace/review',
      {
        title: `Review · ${review.vendorName}`,
        r: review,
        links,
        canReadAnswers,
        canReview: can(ws.role, 'assessment.review'),
        canSend: can(ws.role, 'assessment.send'),
        canChangeContext:
          can(ws.role, 'assessment.review') && CONTEXT_EDITABLE.includes(review.assessment.status),
        noteMax: NOTE_MAX,
        commentMax: COMMENT_MAX,
        error: extra.error ?? null,
        notice: extra.notice ?? DONE[c.req.query('done') ?? ''] ?? null,
        values: extra.values ?? {},
      },
      status,
    );
  }

  /** Runs an action; a refusal (4xx other than 404) renders the page again with the reason. */
  async function act(c: C, values: Record<string, unknown>, fn: () => Promise<string>) {
    try {
      const done = await fn();
      return c.redirect(done, 303);
    } catch (err) {
      if (err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 404)
        return page(c, err.status, { error: err.message, values });
      throw err;
    }
  }

  r.get('/:id/review', (c) => page(c));

  r.post('/:id/review/notes', async (c) => {
    const form = await readForm(c);
    const id = c.req.param('id');
    return act(c, { note: form.note }, async () => {
      await addReviewNote(deps, c.var.workspace, id, form.note);
      return `${reviewPath(id)}?done=note#notes`;
    });
  });

  // The reviewer ticks questions (`pick`) and writes a comment for each (`comment.<question id>`).
  r.post('/:id/review/changes', async (c) => {
    const form = await readForm(c);
    const id = c.req.param('id');
    const picked = form.pick === undefined ? [] : Array.isArray(form.pick) ? form.pick : [form.pick];
    const requests: ChangeRequestInput[] = picked.map((questionId) => ({
      questionId,
      comment: form[`comment.${questionId}`],
    }));
    return act(c, form, async () => {
      await requestChanges(deps, c.var.workspace, id, requests);
      return `${reviewPath(id)}?done=changes`;
    });
  });

  // The context facts as `ctx.<fact id>` (a multi fact's ticked values repeated; empty: not set) and the
  // reason for the change; a fact the form did not post is left as it was.
  r.post('/:id/review/context', async (c) => {
    const form = await readForm(c);
    const id = c.req.param('id');
    return act(c, form, async () => {
      const done = await changeContext(deps, c.var.workspace, id, form, form.reason);
      const said = done.reopened.length > 0 ? 'reopened' : done.rerated ? 'rerated' : 'context';
      return `${reviewPath(id)}?done=${said}#context`;
    });
  });

  r.post('/:id/review/reviewed', async (c) => {
    const id = c.req.param('id');
    return act(c, {}, async () => {
      await markReviewed(deps, c.var.workspace, id);
      return `${reviewPath(id)}?done=reviewed`;
    });
  });

  r.post('/:id/review/send-again', async (c) => {
    const form = await readForm(c);
    const id = c.req.param('id');
    return act(c, form, async () => {
      const sent = await sendAgain(deps, c.var.workspace, id, { version: form.version, dueDate: form.due });
      return `${reviewPath(sent.assessmentId)}?done=sent`;
    });
  });

  return r;
}
