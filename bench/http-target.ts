import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import {
  type AppEnv,
  accessLog,
  bodyLimit,
  createViews,
  crossSiteGuard,
  errorBoundary,
  errorHandlers,
  provideViews,
  requestId,
  securityHeaders,
  staticFiles,
} from '../src/http/index.js';
import { hardenNodeServer } from '../src/platform/node/http-server.js';
import { createLogger } from '../src/platform/node/logger.js';
import { nodeAssets, nodeTemplates } from '../src/platform/node/views.js';

/*
 * One HTTP server for bench/http.bench.ts, run in its own process so the load generator does not share
 * its event loop: `node --import tsx bench/http-target.ts bare|hono|stack`. Prints `{"port":N}` once
 * listening.
 *
 * - bare: node:http answering `ok` (the ceiling);
 * - hono: a Hono app with no middleware on @hono/node-server (the framework's own cost);
 * - stack: the full middleware stack in the order src/http/index.ts documents, with the access log
 *   written to /dev/null through pino's asynchronous destination (what production pays), on a
 *   server passed through `hardenNodeServer()` as the Node entry does;
 * - stack-unhardened: the same without `hardenNodeServer()`, so the header middleware edits each
 *   Response after the handler (the path every other runtime takes).
 */

const variant = process.argv[2] ?? 'stack';

function announce(server: Server): void {
  const print = () =>
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  if (server.listening) print();
  else server.once('listening', print);
}

/** Listens through @hono/node-server, as src/server.ts does. */
function serveApp(app: Hono<AppEnv>, harden?: (server: Server) => void): void {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  harden?.(server);
  announce(server);
}

if (variant === 'bare') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  announce(server);
} else if (variant === 'hono') {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.text('ok'));
  serveApp(app);
} else {
  const logger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: false }) });
  const views = createViews({ engine: nodeTemplates({ dev: false }), assets: nodeAssets({ dev: false }) });
  const app = new Hono<AppEnv>();
  const { onError, notFound } = errorHandlers({ logger, views });
  app.onError(onError);
  app.notFound(notFound);
  app.use(requestId());
  app.use(accessLog(logger));
  app.use(securityHeaders());
  app.use(provideViews(views));
  app.use('/static/*', staticFiles(views.assets));
  app.use(bodyLimit());
  app.use(crossSiteGuard({ origin: 'http://127.0.0.1' }));
  app.use(errorBoundary());
  app.get('/healthz', (c) => c.text('ok'));
  serveApp(app, variant === 'stack' ? (server) => hardenNodeServer(server, { logger }) : undefined);
}
