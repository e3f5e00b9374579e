import type { Server } from 'node:http';
import type { Logger } from '../../http/logger-types.js';
import { answerClientErrors } from './client-error.js';
import { presetHeadersWin } from './preset-headers.js';

/**
 * Limits for one Node HTTP server, chosen rather than inherited. Node's defaults keep a
 * connection that trickles its request for 300 s (and 300 such connections exhaust a small
 * instance); these cut a slow sender within seconds and still let a real upload finish.
 */
export interface NodeServerLimits {
  /**
   * Time to receive the complete request headers. Browsers send them in one packet; 10 s
   * covers the worst mobile link and ends a slowloris that stops halfway. Node: 60 s.
   */
  headersTimeoutMs?: number;
  /**
   * Time to receive the whole request, headers and body. 120 s lets a 25 MiB evidence upload
   * through at 1.7 Mbit/s; a slower body is cut with 408. Node: 300 s.
   */
  requestTimeoutMs?: number;
  /**
   * How long an idle kept-alive connection stays open for the next request: 5 s covers a
   * page's follow-up requests (CSS, scripts, htmx). Behind a proxy that reuses upstream
   * connections, set it above the proxy's idle timeout (65 s for nginx's or an ALB's 60 s).
   */
  keepAliveTimeoutMs?: number;
  /**
   * Largest request line plus headers, in bytes; more is a 431. 16 KiB: a vendor link is about
   * 1 KiB, our cookies are small; Node's default, pinned so a runtime flag cannot raise it.
   */
  maxHeaderBytes?: number;
  /**
   * How often Node checks the two timeouts above. Its default (30 s) would let a slow sender
   * stay up to 30 s past them; 1 s costs one pass over the open connections per second.
   */
  timeoutCheckIntervalMs?: number;
}

export const NODE_SERVER_LIMITS: Required<NodeServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  timeoutCheckIntervalMs: 1_000,
});

export interface HardenNodeServerOptions extends NodeServerLimits {
  logger: Logger;
}

/**
 * Makes a Node server returned by `serve()` (from @hono/node-server) production-ready:
 *
 * - the limits of {@link NodeServerLimits} ({@link NODE_SERVER_LIMITS});
 * - Node's own answers to requests that never reach Hono (malformed, oversized, too slow)
 *   carry the security headers of every other response, and are logged (see `answerClientErrors`);
 * - the header middleware presets its headers on Node's response, so handlers' responses leave
 *   on @hono/node-server's fast path (see `presetHeadersWin`).
 *
 * Call it right after `serve()`, before the server has started listening: the timeout check
 * interval and the header size apply from the next connection on.
 *
 * @example
 * ```ts
 * const server = serve({ fetch: app.fetch, port, hostname }, onListening) as Server;
 * hardenNodeServer(server, { logger });
 * ```
 */
export function hardenNodeServer(server: Server, options: HardenNodeServerOptions): Server {
  const limits = { ...NODE_SERVER_LIMITS, ...withoutUndefined(options) };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError('hardenNodeServer: headersTimeoutMs must not exceed requestTimeoutMs');
  }
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read by Node for each new connection's parser; not in @types/node as a writable property.
  (server as Server & { maxHeaderSize: number }).maxHeaderSize = limits.maxHeaderBytes;
  setCheckInterval(server, limits.timeoutCheckIntervalMs);
  server.on('clientError', answerClientErrors(options.logger));
  presetHeadersWin(server);
  return server;
}

function withoutUndefined(options: HardenNodeServerOptions): NodeServerLimits {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(options)) if (typeof value === 'number') out[key] = value;
  return out;
}

/**
 * Node reads `connectionsCheckingInterval` when the server starts listening (its
 * `setupConnectionsTracking` listener on `listening`). Before that, setting the property is
 * enough; once listening, that same listener is run again, which restarts the check timer.
 */
function setCheckInterval(server: Server, ms: number): void {
  const target = server as Server & { connectionsCheckingInterval: number };
  target.connectionsCheckingInterval = ms;
  if (!server.listening) return;
  const restart = server.listeners('listening').find((fn) => fn.name === 'setupConnectionsTracking');
  restart?.call(server);
}
