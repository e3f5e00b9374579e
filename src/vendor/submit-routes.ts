/**
 * Review, submission and the receipt, under /v/a/<assessment>/: behind a vendor session whose assessment
 * is the one in the path (anything else is 404: SES-05).
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { clearedCookie } from '../auth/cookies.js';
import { HttpError } from '../errors.js';
import { inBackground } from '../http/background.js';
import { ipBucket } from '../http/client-address.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { localize } from '../questionnaire/index.js';
import { logVendorSecurityEvent, type ReportSecurityEvent } from '../workspace/security-log.js';
import { sessionlessLocale, VENDOR_LANG_COOKIE } from './error-language.js';
import { localeOf } from './portal-routes.js';
import { postOnly } from './post-only.js';
import { refuse } from './refusals.js';
import type { PortalEnv } from './require-vendor.js';
import { endVendorSession, VENDOR_COOKIE } from './sessions.js';
import { loadReview, requestSubmitCode, type SubmissionDeps, submit } from './submission.js';
import { localeSwitch, sayFields, type Words, words } from './words.js';

export function submitRoutes(platform: Ports, opts: { baseUrl: string }) {
  const deps: SubmissionDeps = { ...platform, baseUrl: opts.baseUrl };
  const app = new Hono<PortalEnv>();
  // Failed and throttled codes go to the tenant's security log after the answer (src/http/background.ts).
  const reporter =
    (c: Parameters<typeof render<PortalEnv>>[0]): ReportSecurityEvent =>
    (e) =>
      inBackground(c, 'security-log', () => {
        const ip = platform.clientAddress(c);
        return logVendorSecurityEvent(platform, {
          ...e,
          address: ip && ipBucket(ip),
          at: platform.clock.now(),
        });
      });

  const reviewPage = async (
    c: Parameters<typeof render<PortalEnv>>[0],
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const review = await loadReview(c.var.portal, platform.clock.now());
    const q = review.questionnaire;
    const locale = localeOf(c, q, review.assessment.locale);
    const sectionOf = new Map<string, string>();
    for (const s of q.sections) for (const question of s.questions) sectionOf.set(question.id, s.id);
    const issues = review.evaluation.issues.map((i) => ({
      questionId: i.questionId,
      section: sectionOf.get(i.questionId) ?? '',
      text: localize(q.questions.get(i.questionId)?.text, locale, q),
      message: localize(i.message, locale, q),
    }));
    const w = words(locale);
    return render(
      c,
      'vendor/review',
      {
        title: w.review,
        lang: locale,
        w,
        chrome: w,
        locales: localeSwitch(q.locales, locale),
        aid: review.assessment.id,
        questionnaireTitle: localize(q.title, locale, q),
        tenantName: review.tenantName,
        status: review.assessment.status,
        otp: review.assessment.otpRequired,
        issues,
        answered: review.evaluation.sections.reduce((n, s) => n + s.answered, 0),
        evidence: review.evidence,
        errors: {},
        notice: null,
        ...extra,
        ...(typeof extra.notice === 'function' ? { notice: extra.notice(w) } : {}),
        ...(typeof extra.errors === 'function' ? { errors: extra.errors(locale) } : {}),
      },
      status,
    );
  };

  app.get('/:aid/review', (c) => reviewPage(c));

  // Signing out on a shared computer: the session record goes (not only the cookie), and so does the
  // remembered language of the session. The answers stay; the link or fresh access opens a new session.
  app.post('/:aid/sign-out', async (c) => {
    const lang = sessionlessLocale(c);
    await endVendorSession(platform.store, getCookie(c, VENDOR_COOKIE));
    deleteCookie(c, VENDOR_COOKIE, clearedCookie);
    deleteCookie(c, VENDOR_LANG_COOKIE, clearedCookie);
    const w = words(lang);
    return render(c, 'vendor/signed-out', { title: w.signedOutTitle, lang, chrome: w, w, locales: [] });
  });

  app.post('/:aid/submit-code', async (c) => {
    await requestSubmitCode(deps, c.var.portal, reporter(c));
    return reviewPage(c, { notice: (w: Words) => w.codeSent });
  });

  app.post('/:aid/submit', async (c) => {
    const form = await readForm(c);
    try {
      await submit(deps, c.var.portal, typeof form.code === 'string' ? form.code : '', reporter(c));
    } catch (err) {
      if (err instanceof HttpError && (err.status === 422 || err.status === 400) && err.fields) {
        const refused = err;
        return reviewPage(
          c,
          { errors: (locale: string) => sayFields(locale, refused.fields, refused.fieldsSaid) },
          err.status,
        );
      }
      throw err;
    }
    return c.redirect(`/v/a/${c.var.portal.assessmentId}/receipt`, 303);
  });

  app.get('/:aid/receipt', async (c) => {
    const review = await loadReview(c.var.portal, platform.clock.now());
    const receipt = review.assessment.receipt;
    if (!receipt) throw refuse(404, 'vendor.notSubmittedYet');
    const q = review.questionnaire;
    const locale = localeOf(c, q, review.assessment.locale);
    const w = words(locale);
    return render(c, 'vendor/receipt', {
      title: w.receiptTitle,
      lang: locale,
      w,
      chrome: w,
      locales: localeSwitch(q.locales, locale),
      aid: review.assessment.id,
      questionnaireTitle: localize(q.title, locale, q),
      questionnaireRef: q.ref,
      tenantName: review.tenantName,
      submittedAt: review.assessment.submittedAt?.toISOString() ?? '',
      answersHash: review.assessment.answersHash,
      evidence: review.evidence,
      receipt,
      baseUrl: opts.baseUrl,
    });
  });

  app.get('/:aid/receipt.jws', async (c) => {
    const review = await loadReview(c.var.portal, platform.clock.now());
    if (!review.assessment.receipt) throw refuse(404, 'vendor.notSubmittedYet');
    return c.body(`${review.assessment.receipt}\n`, 200, {
      'Content-Type': 'application/jose; charset=us-ascii',
      'Content-Disposition': `attachment; filename="receipt-${review.assessment.id}.jws"`,
    });
  });

  postOnly(app, '/:aid/sign-out', '/:aid/submit-code', '/:aid/submit');
  return app;
}
