import { type IncomingMessage, type OutgoingHttpHeaders, type Server, ServerResponse } from 'node:http';
import { PRESET_HEADERS_WIN } from '../../http/response-headers.js';

/**
 * Lets the header middleware (`securityHeaders()`, `requestId()`) preset their headers on
 * Node's `ServerResponse` before the handler runs, instead of editing the handler's Response
 * afterwards. Editing it makes @hono/node-server turn its lightweight response's headers into a
 * WHATWG `Headers` object (undici's costs about 1 µs per operation) and iterate it; preset on
 * Node's response they cost a `setHeader` each, and the Response goes out as it was built.
 *
 * Node merges headers set with `setHeader()` with those passed to `writeHead()`, and the
 * latter win. Ours must win (a route cannot weaken them), except the CSP, where a route's own
 * policy (a `sandbox` on a download) is kept and ours added, as the Response path does. So
 * every response on `server` gets a `writeHead` that drops the handler's value of any preset
 * header (joining the CSPs first) and is marked with {@link PRESET_HEADERS_WIN}, which the
 * middleware looks for; without the mark it edits the Response, with the same result.
 *
 * One difference follows from leaving the Response alone: a handler that builds
 * `new Response(text, { headers: { …no Content-Type… } })` gets no `Content-Type`, which is
 * what @hono/node-server sends for such a response whenever nobody reads its headers (editing
 * them used to add `text/plain`). Hono's `c.text()`, `c.html()`, `c.json()` always set one.
 */
export function presetHeadersWin(server: Server): void {
  // Prepended, so it runs before @hono/node-server's request listener.
  server.prependListener('request', markResponse);
}

function markResponse(_req: IncomingMessage, res: ServerResponse): void {
  // HTTP/2 compatibility responses have another writeHead; they keep the Response path.
  if (!(res instanceof ServerResponse)) return;
  res.writeHead = writeHeadPresetsWin as ServerResponse['writeHead'];
  (res as unknown as Record<symbol, unknown>)[PRESET_HEADERS_WIN] = true;
}

const nodeWriteHead = ServerResponse.prototype.writeHead;

/** `writeHead(status, headers?)` or `writeHead(status, reason, headers?)`, with preset headers winning. */
function writeHeadPresetsWin(this: ServerResponse, status: number, ...rest: unknown[]): ServerResponse {
  const at = typeof rest[0] === 'string' ? 1 : 0;
  const headers = rest[at];
  if (headers !== null && typeof headers === 'object' && !Array.isArray(headers)) {
    rest[at] = withoutPreset(this, headers as OutgoingHttpHeaders);
  }
  return (nodeWriteHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
}

/** `headers` without the names already set on `res` (a copy only when there is a clash). */
function withoutPreset(res: ServerResponse, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  let out = headers;
  for (const name of Object.keys(headers)) {
    if (!res.hasHeader(name)) continue;
    // The object may be the handler's own (a constant even): never edit it in place.
    if (out === headers) out = { ...headers };
    if (name.toLowerCase() === 'content-security-policy') {
      const theirs = headers[name];
      const joined = Array.isArray(theirs) ? theirs.join(', ') : String(theirs);
      // Their policy first, then ours: the bytes the Response path sends (Headers.append).
      res.setHeader('Content-Security-Policy', `${joined}, ${String(res.getHeader(name))}`);
    }
    delete out[name];
  }
  return out;
}
