import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';
import { mutableHeaders, type PresetTarget, presetTarget } from './response-headers.js';

export interface SecurityHeadersOptions {
  /**
   * Path prefix of the static files. Responses under it keep the `Cache-Control` that the
   * static middleware chose; every other response is `no-store`. Default `/static/`.
   */
  staticPrefix?: string;
}

/** Features no page of ours uses; denying them limits what injected content could reach. */
const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'usb=()',
].join(', ');

/**
 * The headers every response carries, whatever produced it (a page, an error, a static file, a
 * redirect, Node's own answer to a malformed request). The CSP, which carries a nonce, and
 * `Cache-Control` are added per response: see {@link securityHeaderSet}.
 *
 * - HSTS for a year, with subdomains (ASVS 3.4.1);
 * - `nosniff`; COOP and CORP `same-origin`; frame denial for browsers without CSP level 2;
 *   a deny-all Permissions-Policy;
 * - `Referrer-Policy: same-origin`: no Referer ever leaves for another site (so no vendor-link
 *   token leaks through one), while our own forms keep a real `Origin` and `Referer`, which the
 *   cross-site guard needs on browsers without `Sec-Fetch-Site` (`no-referrer` made them send
 *   `Origin: null`).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': PERMISSIONS_POLICY,
});

/** `Cache-Control` of every response outside the static files. */
export const NO_STORE = 'no-store';

/**
 * The Content-Security-Policy around its nonce, joined once: per response only the nonce is put
 * between the two halves.
 */
const [CSP_BEFORE_NONCE, CSP_AFTER_NONCE] = [
  "default-src 'self'",
  "script-src 'self' 'nonce-\0'",
  // htmx 4 would add its indicator rules as a constructed stylesheet; the layout turns that
  // off (`includeIndicatorCSS: false`) and app.css carries the rules, so no inline style is needed.
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
]
  .join('; ')
  .split('\0') as [string, string];

/** The Content-Security-Policy for one response. */
function contentSecurityPolicy(nonce: string): string {
  return CSP_BEFORE_NONCE + nonce + CSP_AFTER_NONCE;
}

/** {@link SECURITY_HEADERS} as name/value pairs, for the per-response loop. */
const SECURITY_HEADER_ENTRIES: readonly (readonly [string, string])[] = Object.entries(SECURITY_HEADERS);

/** Everything a non-static response carries: {@link SECURITY_HEADERS}, the CSP and `no-store`. */
export function securityHeaderSet(nonce: string = newNonce()): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'Cache-Control': NO_STORE,
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Random bytes fetched 4 KiB at a time: one CSPRNG call per 256 nonces instead of one each. */
const pool = new Uint8Array(4096);
let poolUsed = pool.length;

/**
 * A fresh 128-bit nonce, base64. The bytes come from `crypto.getRandomValues` (every runtime
 * has it; no `node:crypto`), drawn from a pool that is refilled when spent and never reused:
 * per-nonce `randomBytes(16)` cost about 8 µs, a pooled draw well under one.
 */
function newNonce(): string {
  if (poolUsed + 16 > pool.length) {
    crypto.getRandomValues(pool);
    poolUsed = 0;
  }
  const at = poolUsed;
  poolUsed += 16;
  let out = '';
  for (let i = at; i < at + 15; i += 3) {
    const n = (pool[i]! << 16) | (pool[i + 1]! << 8) | pool[i + 2]!;
    out += BASE64[n >> 18]! + BASE64[(n >> 12) & 63]! + BASE64[(n >> 6) & 63]! + BASE64[n & 63]!;
  }
  const last = pool[at + 15]!;
  return `${out}${BASE64[last >> 2]}${BASE64[(last & 3) << 4]}==`;
}

/**
 * Sets the security headers on every response that passes through it: pages, htmx fragments,
 * JSON, static files, 404s and errors raised further down (Hono turns those into responses
 * before control returns here, so mount this before everything that can fail).
 *
 * - a fresh CSP nonce per request, exposed as `c.get('nonce')`;
 * - CSP (see {@link contentSecurityPolicy}); a CSP a route set itself (for example a `sandbox`
 *   policy on a download) is kept and ours is added, so both apply;
 * - {@link SECURITY_HEADERS}, which win over any a route set;
 * - `Cache-Control: no-store` on everything except files under `staticPrefix`.
 *
 * Two ways, one result on the wire. Behind `hardenNodeServer()` the headers are preset on
 * Node's response before the handler runs and the handler's Response stays untouched (see
 * `PRESET_HEADERS_WIN`); everywhere else they are written into the Response after `next()`.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler<AppEnv> {
  const staticPrefix = options.staticPrefix ?? '/static/';
  return async function securityHeadersMiddleware(c, next) {
    const isStatic = c.req.path.startsWith(staticPrefix);
    const target = presetTarget(c);
    const csp = startSecurityHeaders(c, isStatic, target);
    await next();
    finishSecurityHeaders(c, csp, isStatic, target);
  };
}

/**
 * The part of {@link securityHeaders} before `next()`, shared with `requestBasics()`: a fresh nonce
 * on the context and, with a preset `target`, every header preset on it. Returns the CSP for
 * {@link finishSecurityHeaders}.
 */
export function startSecurityHeaders(
  c: Context<AppEnv>,
  isStatic: boolean,
  target: PresetTarget | null,
): string {
  const nonce = newNonce();
  c.set('nonce', nonce);
  const csp = contentSecurityPolicy(nonce);
  if (target !== null) {
    for (const [name, value] of SECURITY_HEADER_ENTRIES) target.setHeader(name, value);
    target.setHeader('Content-Security-Policy', csp);
    if (!isStatic) target.setHeader('Cache-Control', NO_STORE);
  }
  return csp;
}

/** The part of {@link securityHeaders} after a `next()` that returned. */
export function finishSecurityHeaders(
  c: Context<AppEnv>,
  csp: string,
  isStatic: boolean,
  target: PresetTarget | null,
): void {
  if (target !== null) {
    // Preset headers win, so a static file's own Cache-Control must not meet one: add ours
    // only where the response has none (a 404 under the prefix). Such responses carry a
    // Headers object already, so the look costs nothing extra.
    if (isStatic && !c.res.headers.has('Cache-Control')) target.setHeader('Cache-Control', NO_STORE);
    return;
  }
  const headers = mutableHeaders(c);
  headers.append('Content-Security-Policy', csp);
  for (const [name, value] of SECURITY_HEADER_ENTRIES) headers.set(name, value);
  if (!(isStatic && headers.has('Cache-Control'))) headers.set('Cache-Control', NO_STORE);
}
