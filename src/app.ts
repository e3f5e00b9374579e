/**
 * createApp(platform, deps): the one Hono app, web-standard code that runs unchanged on Node and on
 * Workers. A platform entry (src/platform/node/server.ts, src/platform/workers/worker.ts) builds the
 * ports — store, passwords, clock, client address, rate limits, templates, assets, logger — and passes
 * them in; tests call `app.request()` on it directly. One router per prefix.
 */
import { Hono } from 'hono';
import { AuditClient } from './audit/client.js';
import { evidenceRoutes } from './evidence/routes.js';
import { staticFiles } from './http/assets.js';
import { bodyLimit } from './http/body-limit.js';
import { crossSiteGuard } from './http/cross-site-guard.js';
import type { AppEnv } from './http/env.js';
import { errorHandlers } from './http/error-handler.js';
import { requestBasics, requestChecks } from './http/request-basics.js';
import { createViews } from './http/views.js';
import { devOutboxRoutes } from './mail/outbox-routes.js';
import type { Ports } from './platform/ports.js';
import { systemRoutes } from './system/routes.js';
import { vendorErrorLanguage } from './vendor/error-language.js';
import { evidencePortalRoutes, UPLOAD_PATH } from './vendor/evidence-routes.js';
import { portalRoutes } from './vendor/portal-routes.js';
import { requireVendor } from './vendor/require-vendor.js';
import { vendorRoutes } from './vendor/routes.js';
import { submitRoutes } from './vendor/submit-routes.js';
import { appRoutes } from './workspace/app-routes.js';
import { setupRoutes } from './workspace/setup-routes.js';

/** What the app needs to know of the configuration (the rest belongs to the platform entry). */
export interface AppConfig {
  /** Public origin used in links and for the cross-site check. */
  baseUrl: string;
  env: 'development' | 'production' | 'test';
}

export function createApp(platform: Ports, deps: { config: AppConfig }) {
  const { config } = deps;
  const { logger } = platform;
  const views = createViews({ engine: platform.templates, assets: platform.assets });

  const app = new Hono<AppEnv>();
  const { onError, notFound } = errorHandlers({ logger: logger as never, views });
  app.onError(onError);
  app.notFound(notFound);
  // requestId, accessLog, securityHeaders and provideViews, in that order, as one middleware; inside it
  // every request's client, once, for the audit entries its units append (hashed only if one is).
  const audit = platform.audit;
  app.use(
    requestBasics({
      logger: logger as never,
      views,
      around: audit
        ? (c, next) =>
            audit.clients.run(
              new AuditClient(audit.key, platform.clientAddress(c), c.req.header('user-agent') ?? null),
              next,
            )
        : undefined,
    }),
  );
  // The vendor side's error pages in the vendor's language: before the checks, so theirs are too.
  const vendorLanguage = vendorErrorLanguage(platform, { baseUrl: config.baseUrl });
  app.use('/v/*', vendorLanguage);
  app.use('/files/*', vendorLanguage);
  // bodyLimit, crossSiteGuard and errorBoundary as one. Evidence uploads are read and limited by
  // src/evidence while streaming; everything else gets 1 MiB. Both checks pass GET and HEAD, the
  // only methods the static files answer, so those may come after them.
  app.use(
    requestChecks({
      bodyLimit: bodyLimit(),
      crossSiteGuard: crossSiteGuard({ origin: new URL(config.baseUrl).origin }),
      exempt: UPLOAD_PATH,
    }),
  );
  app.use('/static/*', staticFiles(platform.assets));

  app.route('/', systemRoutes(platform, { baseUrl: config.baseUrl }));
  app.route('/setup', setupRoutes(platform));
  app.route('/app', appRoutes(platform, { baseUrl: config.baseUrl }));
  // The development outbox shows live links: never in production, where the path is a plain 404.
  if (config.env !== 'production') app.route('/dev/outbox', devOutboxRoutes(platform.mail.outbox));
  app.route('/v', vendorRoutes(platform, { baseUrl: config.baseUrl }));
  // One session check for every portal route: a vendor session, scoped to the assessment in the path.
  app.use('/v/a/*', requireVendor(platform));
  app.route('/v/a', submitRoutes(platform, { baseUrl: config.baseUrl }));
  app.route('/v/a', evidencePortalRoutes(platform));
  app.route('/v/a', portalRoutes(platform));
  app.route('/files', evidenceRoutes(platform));
  app.get('/', (c) => c.redirect('/app', 303));
  return app;
}

export type App = ReturnType<typeof createApp>;
