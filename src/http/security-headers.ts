import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { mutableHeaders } from './response-headers.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** Per-request CSP nonce (base64, 128 bits); put it on every `<script>` the page loads. */
    nonce: string;
  }
}

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

/** The Content-Security-Policy for one response. Exported for tests and documentation. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // htmx 4 would add its indicator rules as a constructed stylesheet; the layout turns that
    // off (`includeIndicatorCSS: false`) and app.css carries the rules, so no inline style is needed.
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * Sets the security headers on every response that passes through it: pages, htmx fragments,
 * JSON, static files, 404s and errors raised further down (Hono turns those into responses
 * before control returns here, so mount this before everything that can fail).
 *
 * - a fresh CSP nonce per request, exposed as `c.get('nonce')`;
 * - CSP (see {@link contentSecurityPolicy}); a CSP a route set itself (for example a `sandbox`
 *   policy on a download) is kept and ours is added as a second header, so both apply;
 * - HSTS for a year, nosniff, COOP/CORP same-origin, frame denial, a deny-all Permissions-Policy;
 * - `Referrer-Policy: same-origin`: no Referer ever leaves for another site (so no vendor-link
 *   token leaks through one), while our own forms keep a real `Origin` and `Referer`, which
 *   the cross-site guard needs on browsers without `Sec-Fetch-Site` (`no-referrer` made them
 *   send `Origin: null`);
 * - `Cache-Control: no-store` on everything except files under `staticPrefix`.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}): MiddlewareHandler {
  const staticPrefix = options.staticPrefix ?? '/static/';
  return async function securityHeadersMiddleware(c, next) {
    const nonce = randomBytes(16).toString('base64');
    c.set('nonce', nonce);
    await next();
    const headers = mutableHeaders(c);
    headers.append('Content-Security-Policy', contentSecurityPolicy(nonce));
    headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Permissions-Policy', PERMISSIONS_POLICY);
    const isStatic = c.req.path.startsWith(staticPrefix);
    if (!(isStatic && headers.has('Cache-Control'))) headers.set('Cache-Control', 'no-store');
  };
}
