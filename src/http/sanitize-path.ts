/**
 * A JWS or JWE in compact form: a base64url JSON header (`{"` encodes as `eyJ`, so every real
 * one starts so) of realistic length, then two (JWS, `alg: none` with an empty signature) or
 * four (JWE) more base64url parts. `htmx.min.js` or `v1.2.3` no longer look like one.
 */
const JWT = /^eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){2,4}$/;
/** Long opaque strings (random tokens, signatures); UUIDs are excluded below because ids are not secrets. */
const OPAQUE = /^[A-Za-z0-9_~-]{24,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A readable slug (`security-questionnaire`); a random token of 24+ characters is almost never all lower-case letters. */
const SLUG = /^[a-z]+(?:-[a-z]+)*$/;
/** A route word such as `exchange` or `portal`, as opposed to a token. */
const ROUTE_WORD = /^[a-z][a-z-]{0,31}$/;
/** Path prefixes whose next segment is a secret (the vendor link and the one-time setup link). */
const TOKEN_PREFIXES = new Set(['v', 'setup']);

const MAX_LOGGED_PATH = 256;

/**
 * Paths logged as they are without the walk below (most requests: `/healthz`, `/app/login`): lower-case
 * words only, no query, and short enough that no segment reaches {@link OPAQUE}'s 24 characters. Such a
 * segment is a {@link ROUTE_WORD}, so it is no token, no email and no JWT either.
 */
const PLAIN_PATH = /^(?:\/[a-z][a-z-]*)*\/?$/;
const PLAIN_MAX = 24;

/** A long random-looking string; any dot-separated part of a segment that is one makes it a token. */
function isOpaque(part: string): boolean {
  return OPAQUE.test(part) && !UUID.test(part) && !SLUG.test(part);
}

/**
 * The request path as it may be logged: no query string, and no secrets or contact data.
 *
 * - `/v/<jwt>…` → `/v/:token…` and `/setup/<token>` → `/setup/:token` (a route word such as
 *   `/v/exchange` stays);
 * - any other segment that is a JWT (see {@link JWT}), or has a long opaque token as any of
 *   its dot-separated parts (`v4.local.<random>`), → `:token`; file names stay;
 * - any segment with an `@` (raw or `%40`) → `:email`;
 * - the result is cut at 256 characters.
 *
 * Takes the raw, still percent-encoded path, so it holds no control characters.
 */
export function sanitizePath(rawPath: string): string {
  if (rawPath.length <= PLAIN_MAX && PLAIN_PATH.test(rawPath)) return rawPath;
  const withoutQuery = rawPath.split(/[?#]/, 1)[0] ?? '';
  const segments = withoutQuery.split('/');
  const out = segments.map((segment, index) => {
    if (segment === '') return segment;
    const previous = segments[index - 1];
    if (index === 2 && previous !== undefined && TOKEN_PREFIXES.has(previous) && !ROUTE_WORD.test(segment)) {
      return ':token';
    }
    if (segment.includes('@') || segment.toLowerCase().includes('%40')) return ':email';
    if (JWT.test(segment) || segment.split('.').some(isOpaque)) return ':token';
    return segment;
  });
  const path = out.join('/');
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}
