import type { MiddlewareHandler } from 'hono';
import { httpError, httpText } from './messages.js';

export interface CrossSiteGuardOptions {
  /** The site's own origin (`BASE_URL`), e.g. `https://assay.example.com`. Extra origins may be listed. */
  origin: string | readonly string[];
}

/** Methods that must never change state; routing rule: no GET/HEAD/OPTIONS handler writes anything. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CROSS_SITE_MESSAGE = httpText('http.crossSite');

/** `new URL(x).origin`, or null when `x` is not an absolute http(s) URL. */
function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * Refuses every state-changing request (any method but GET, HEAD, OPTIONS) that a browser
 * sent on behalf of another site, whatever its content type. Hono's `csrf()` checks form
 * encodings only and lets a cross-site `application/json` POST through; this guard does not
 * look at the body at all.
 *
 * Decision order:
 * 1. `Sec-Fetch-Site` (every current browser): `same-origin` or `none` (typed URL, bookmark)
 *    pass; anything else is refused. When present it alone decides.
 * 2. `Origin`, unless it is `null`: must equal one of the configured origins.
 * 3. `Referer`: its origin must equal one of the configured origins. Our pages send
 *    `Referrer-Policy: same-origin`, so a browser that sends `Origin: null` for our own form
 *    (older ones did under `no-referrer`; a redirect through another origin does) still sends
 *    our page as the Referer, and a foreign or unparseable Referer is refused.
 * 4. `Origin: null` with no Referer (a sandboxed frame, a `data:` URL, a browser that hides
 *    both): refused, unless the request carries `HX-Request`. That is not a CORS-safelisted
 *    header, so a browser sends it cross-origin only after a preflight we never grant: it
 *    proves the request came from our own htmx. (Mount no CORS middleware that allows it.)
 * 5. No provenance header at all: allowed. Browsers always send at least one of these on a
 *    cross-site POST, so such a request comes from a non-browser client (curl, the CLI),
 *    which CSRF cannot forge.
 *
 * So `Origin: null` is never the only signal either way: alone it is refused, and it defers
 * to the Referer or the htmx header when they are there.
 *
 * Refusal throws `HttpError(403)`, rendered by `errorHandlers()` as a page, fragment or JSON.
 *
 * Routing rule this guard relies on: a GET or HEAD handler never changes state (mail
 * scanners and prefetchers fetch links freely). Anything that writes is a POST (or
 * PUT/PATCH/DELETE) behind this guard.
 *
 * @throws {Error} at construction if `origin` is not an absolute http(s) URL.
 */
export function crossSiteGuard(options: CrossSiteGuardOptions): MiddlewareHandler {
  const configured = typeof options.origin === 'string' ? [options.origin] : options.origin;
  const allowed = new Set<string>();
  for (const value of configured) {
    const origin = originOf(value);
    if (origin === null)
      throw new Error(`crossSiteGuard: origin must be an absolute http(s) URL, got "${value}"`);
    allowed.add(origin);
  }
  if (allowed.size === 0) throw new Error('crossSiteGuard: at least one origin is required');

  return async function crossSiteGuardMiddleware(c, next) {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (!isSameSite(c.req.raw.headers, allowed)) throw httpError(403, 'http.crossSite');
    return next();
  };
}

/** Whether the request's provenance headers say it came from one of `allowed` (or no browser). */
export function isSameSite(headers: Headers, allowed: ReadonlySet<string>): boolean {
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite !== null) return fetchSite === 'same-origin' || fetchSite === 'none';
  const origin = headers.get('origin');
  if (origin !== null && origin !== 'null') return isAllowed(origin, allowed);
  const referer = headers.get('referer');
  if (referer !== null) return isAllowed(referer, allowed);
  if (origin === null) return true;
  return headers.has('hx-request');
}

function isAllowed(url: string, allowed: ReadonlySet<string>): boolean {
  const parsed = originOf(url);
  return parsed !== null && allowed.has(parsed);
}
