import type { Context } from 'hono';

/** Who is asking, which decides the shape of an error (or other negotiated) response. */
export type ClientKind = 'page' | 'htmx' | 'json';

/**
 * - `json`: the path is under `/api/`, or `Accept` prefers `application/json` to `text/html`;
 * - `htmx`: an htmx request (`HX-Request: true`) that is not a history restore (which wants a page);
 * - `page`: everything else, a person in a browser.
 */
export function clientKind(c: Context): ClientKind {
  if (c.req.path === '/api' || c.req.path.startsWith('/api/')) return 'json';
  const isHtmx =
    c.req.header('HX-Request') === 'true' && c.req.header('HX-History-Restore-Request') !== 'true';
  if (isHtmx) return 'htmx';
  return prefersJson(c.req.header('Accept')) ? 'json' : 'page';
}

/**
 * Whether an `Accept` header ranks `application/json` above `text/html`, honouring q-values
 * and wildcards (RFC 9110 §12.5.1). On equal q-values the more specific match wins, so
 * `application/json` next to the any-type wildcard (what fetch libraries send) means JSON;
 * a full tie means HTML.
 * A missing or unparseable header means HTML.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = match(accept, 'application', 'json');
  const html = match(accept, 'text', 'html');
  if (json.q <= 0) return false;
  if (json.q !== html.q) return json.q > html.q;
  return json.specificity > html.specificity;
}

/** The q-value the header gives `type/subtype`, from its most specific matching range. */
function match(accept: string, type: string, subtype: string): { q: number; specificity: number } {
  let best = { q: 0, specificity: -1 };
  for (const part of accept.slice(0, 4096).split(',')) {
    const [range = '', ...params] = part.split(';');
    const [t, s] = range.trim().toLowerCase().split('/');
    if (t === undefined || s === undefined) continue;
    let specificity: number;
    if (t === type && s === subtype) specificity = 2;
    else if (t === type && s === '*') specificity = 1;
    else if (t === '*' && s === '*') specificity = 0;
    else continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=');
      if (name?.trim().toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value.trim());
        q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
      }
    }
    if (specificity > best.specificity) best = { q, specificity };
  }
  return best;
}
