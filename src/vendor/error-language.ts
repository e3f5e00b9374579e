/**
 * The language of the vendor side's error pages (src/http/error-locale.ts), mounted on `/v/*` and
 * `/files/*` before the request checks, so a refused body or cross-site post is said in it too. Asked
 * only when an error is rendered, it decides as the pages do:
 *
 * 1. the language the route already chose for this request (`localeOf` records it);
 * 2. behind a vendor session: the session's assessment (`?lang=`, remembered, the invitation's, the
 *    questionnaire's default), chosen without refusing an unknown `?lang=` again;
 * 3. on a link (`/v/<token>/…`): the languages of what the link names (no contact decrypted);
 * 4. otherwise (no session: it ended, or the cookie is gone): `?lang=`, the remembered language, the
 *    language of the last session this browser opened (`__Host-assay-vendor-lang`, set when a link or
 *    code opens one), else English.
 *
 * Each step that fails falls to the next; nothing here may turn a 4xx into a 500.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HttpError } from '../errors.js';
import type { AppEnv } from '../http/env.js';
import type { ErrorLocale } from '../http/error-locale.js';
import type { Ports } from '../platform/ports.js';
import { type AccessDeps, linkLanguages } from './access.js';
import { portalState } from './answers.js';
import type { PortalScope } from './require-vendor.js';
import { hasWords, errorLocale as titledLocale } from './words.js';

/** The language of the last vendor session this browser opened: for pages that name no assessment. */
export const VENDOR_LANG_COOKIE = '__Host-assay-vendor-lang';
/** The language a vendor chose with `?lang=` (src/vendor/portal-routes.ts sets it). */
export const LANG_COOKIE = '__Host-assay-lang';

type Languages = { locales: readonly string[]; defaultLocale: string };

/** The portal's languages, for a page that names no questionnaire. */
const ANY = { locales: ['en', 'de', 'fr'], defaultLocale: 'en' };

const decided = new WeakMap<Request, string>();

/** What a route chose for this request (called by `localeOf`). */
export function rememberLanguage(c: Context, lang: string): string {
  decided.set(c.req.raw, lang);
  return lang;
}

/** The choice `localeOf` makes, without side effects and never refusing: an unknown `?lang=` is ignored. */
export function quietLocale(c: Context, q: Languages, stored?: string | null): string {
  const asked = c.req.query('lang');
  if (asked !== undefined && q.locales.includes(asked)) return asked;
  const remembered = getCookie(c, LANG_COOKIE);
  if (remembered && q.locales.includes(remembered)) return remembered;
  return stored && q.locales.includes(stored) ? stored : q.defaultLocale;
}

/** A page that names no assessment: `?lang=`, remembered, the last session's, English. */
export function sessionlessLocale(c: Context, q: Languages = ANY): string {
  return quietLocale(c, q, getCookie(c, VENDOR_LANG_COOKIE));
}

/** `Accept-Language`'s most wanted of `locales` (q=0 refused), or undefined; reads at most 200 characters. */
export function acceptedLanguage(header: string | undefined, locales: readonly string[]): string | undefined {
  if (!header) return undefined;
  let best: { lang: string; q: number } | undefined;
  for (const part of header.slice(0, 200).split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const lang = tag.trim().toLowerCase().split('-')[0] ?? '';
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!locales.includes(lang) || !(q > 0)) continue;
    if (!best || q > best.q) best = { lang, q };
  }
  return best?.lang;
}

/**
 * The language of a refusal that must stay cheap (a rate limit on `/v/<token>/…`): the browser's own
 * hints only (`?lang=`, the remembered language, the last link's or session's language, then
 * `Accept-Language`), never the token: verifying it (RS256) and reading what it names is the work a
 * flood of refused requests must not buy. The route records it (`rememberLanguage`) before refusing.
 */
export function refusalLanguage(c: Context): string {
  const hints = [c.req.query('lang'), getCookie(c, LANG_COOKIE), getCookie(c, VENDOR_LANG_COOKIE)];
  const hinted = hints.find((l) => l !== undefined && ANY.locales.includes(l));
  return hinted ?? acceptedLanguage(c.req.header('Accept-Language'), ANY.locales) ?? ANY.defaultLocale;
}

/**
 * Remembers the language of the session a link or code just opened, or of the link page a POST on a
 * link was just answered with (until the browser closes): what a later refusal that names no
 * assessment, or must not verify the token (a rate limit), is said in.
 */
export function rememberSessionLanguage(c: Context, lang: string): void {
  if (!hasWords(lang)) return;
  setCookie(c, VENDOR_LANG_COOKIE, lang, { path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
}

const TOKEN_IN_PATH = /^\/v\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(?:\/|$)/;

export function vendorErrorLanguage(platform: Ports, opts: { baseUrl: string }): MiddlewareHandler<AppEnv> {
  const deps: AccessDeps = { ...platform, baseUrl: opts.baseUrl };
  const attempt = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch {
      return undefined;
    }
  };
  const resolve = async (c: Context): Promise<ErrorLocale> => {
    // The error being rendered (Hono sets c.error before the error handler runs): its sentence may
    // title the page (errorLocale's TITLED).
    const said = c.error instanceof HttpError ? c.error.said : undefined;
    const errorLocale = (lang: string) => titledLocale(lang, said);
    const known = decided.get(c.req.raw);
    if (known) return errorLocale(known);
    const portal = (c as unknown as Context<{ Variables: { portal?: PortalScope } }>).get('portal');
    if (portal) {
      const state = await attempt(() => portalState(portal, platform.clock.now()));
      if (state) return errorLocale(quietLocale(c, state.q, state.assessment.locale));
    }
    const token = TOKEN_IN_PATH.exec(c.req.path)?.[1];
    if (token) {
      const link = await attempt(() => linkLanguages(deps, token));
      if (link?.locales.length) return errorLocale(quietLocale(c, link, link.assessmentLocale));
    }
    return errorLocale(sessionlessLocale(c));
  };
  return async function vendorErrorLanguageMiddleware(c, next) {
    c.set('errorLocale', resolve);
    await next();
  };
}
