/**
 * createApp(deps): the one Hono app. Runtime-agnostic: entry points (src/server.ts for Node) open
 * the store and pass it in; tests call `app.request()` on it directly.
 */
import { Hono } from 'hono';
import type { Config } from './config.js';
import type { Store } from './db/store.js';
import {
  accessLog,
  bodyLimit,
  createLogger,
  createViews,
  crossSiteGuard,
  errorBoundary,
  errorHandlers,
  MemoryRateLimitStore,
  provideViews,
  type RateLimitStore,
  requestId,
  securityHeaders,
  staticFiles,
} from './http/index.js';
import { systemRoutes } from './system/routes.js';
import { workspaceRoutes } from './workspace/routes.js';

export type Logger = ReturnType<typeof createLogger>;

export interface AppDeps {
  config: Pick<Config, 'baseUrl' | 'origin' | 'env' | 'trustProxy'>;
  store: Store;
  logger?: Logger;
  rateLimits?: RateLimitStore;
  /** The clock; tests move it. */
  now?: () => Date;
}

export function createApp(deps: AppDeps) {
  const { config, store } = deps;
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger ?? createLogger({ level: 'silent' });
  const views = createViews({ cache: config.env !== 'development' });
  const rateLimits = deps.rateLimits ?? new MemoryRateLimitStore();

  const app = new Hono();
  const { onError, notFound } = errorHandlers({ logger, views });
  app.onError(onError);
  app.notFound(notFound);
  app.use(requestId());
  app.use(accessLog(logger));
  app.use(securityHeaders());
  app.use(provideViews(views));
  app.use('/static/*', staticFiles(views.assets));
  app.use(bodyLimit());
  app.use(crossSiteGuard({ origin: config.origin }));
  app.use(errorBoundary());

  app.route('/', systemRoutes({ store, baseUrl: config.baseUrl, now }));
  app.route('/', workspaceRoutes({ store, rateLimits, trustProxy: config.trustProxy, now }));
  return app;
}
