import { Writable } from 'node:stream';
import { Hono } from 'hono';
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
  type Views,
} from '../../src/http/index.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { nodeAssets, nodeTemplates } from '../../src/platform/node/views.js';

/** The views a built app renders with: precompiled templates and the static/ manifest. */
export function testViews(options: { productName?: string; dev?: boolean } = {}): Views {
  const dev = options.dev ?? false;
  return createViews({
    engine: nodeTemplates({ dev }),
    assets: nodeAssets({ dev }),
    productName: options.productName,
  });
}

export const ORIGIN = 'https://assay.example';

/** A pino destination that keeps every line, parsed. */
export function captureLog(): {
  stream: Writable;
  lines: string[];
  records: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(line);
      callback();
    },
  });
  return { stream, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/**
 * An app wired exactly as src/http/index.ts documents, with a captured log. Tests add routes
 * with `setup(app)` before the 404 applies; `outermost(app)` mounts middleware before all of
 * ours (to look at the final response).
 */
export function buildApp(
  setup: (app: Hono<AppEnv>) => void = () => {},
  outermost: (app: Hono<AppEnv>) => void = () => {},
) {
  const log = captureLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  const views = testViews();
  const app = new Hono<AppEnv>();
  const { onError, notFound } = errorHandlers({ logger, views });
  app.onError(onError);
  app.notFound(notFound);
  outermost(app);
  app.use(requestId());
  app.use(accessLog(logger));
  app.use(securityHeaders());
  app.use(provideViews(views));
  app.use('/static/*', staticFiles(views.assets));
  app.use(bodyLimit());
  app.use(crossSiteGuard({ origin: ORIGIN }));
  app.use(errorBoundary());
  setup(app);
  return { app, log, logger, views };
}

export const HTMX = { 'HX-Request': 'true' } as const;
export const JSON_ACCEPT = { Accept: 'application/json' } as const;
