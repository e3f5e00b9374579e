/**
 * The language of the pages a link opens before any session (interstitial, used or expired link, fresh
 * access): `?lang=`, the remembered one, the invitation's language, or the questionnaire's default, as
 * on the portal's own pages (localeOf); and what those pages show in it.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { type LinkView, titleIn } from './access.js';
import { VENDOR_LANG_COOKIE } from './error-language.js';
import { localeOf } from './portal-routes.js';
import { localeSwitch, words } from './words.js';

/** The languages of the portal's own words: what a link that names no questionnaire can offer. */
const PORTAL_LOCALES = { locales: ['en', 'de'], defaultLocale: 'en' };

/** The data every link page takes: lang, words, the switch, and the view with its title in that language. */
export function linkPage(c: Context, view: LinkView) {
  const q = view.locales.length ? view : PORTAL_LOCALES;
  const lang = localeOf(c, q, view.assessmentLocale);
  return {
    lang,
    w: words(lang),
    locales: localeSwitch(q.locales, lang),
    view: { ...view, questionnaireTitle: titleIn(view, lang) },
  };
}

/** A link that names nothing: the portal's own languages (the last session's, when this browser had one). */
export function invalidLinkPage(c: Context) {
  const lang = localeOf(c, PORTAL_LOCALES, getCookie(c, VENDOR_LANG_COOKIE));
  return { lang, w: words(lang), locales: localeSwitch(PORTAL_LOCALES.locales, lang) };
}
