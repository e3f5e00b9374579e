/**
 * The HTTP layer: security middleware, errors, rendering and static files.
 *
 * Mount in this order (each needs what the ones before it set up):
 *
 * ```ts
 * const logger = createLogger({ level });
 * const views = createViews({ cache: !dev });
 * const { onError, notFound } = errorHandlers({ logger, views });
 * app.onError(onError);
 * app.notFound(notFound);
 * app.use(requestId());                              // 1. id for logs, headers, error pages
 * app.use(accessLog(logger));                        // 2. one line per request, sanitised
 * app.use(securityHeaders());                        // 3. CSP nonce + headers on every response
 * app.use(provideViews(views));                      //    render() / renderFragment() need it
 * app.use('/static/*', staticFiles(views.assets));   //    GET only; before the body limit
 * app.use(except(UPLOAD_PATHS, bodyLimit()));        // 4. 1 MiB (`except` from hono/combine); uploads mount their own
 * app.use(crossSiteGuard({ origin: baseUrl }));      // 5. refuse cross-site writes
 * app.use(errorBoundary());                          //    innermost: a thrown non-Error still gets onError
 * app.route('/app', workspace);                      // 6. routes (rateLimit() per route)
 * ```
 *
 * src/app.ts mounts the same steps in fewer hops: `requestBasics()` for 1–3 and the views,
 * `requestChecks()` for 4, 5 and the error boundary, then the static files.
 *
 * Routing rule: GET and HEAD handlers never change state (mail scanners follow links; the
 * cross-site guard only covers other methods). Handlers read forms with `readForm(c)` and
 * JSON with `readJson(c)`, and throw `HttpError` (or let a `ZodError` escape) for bad input.
 */

export { type FieldErrors, HttpError, type HttpErrorOptions, statusMessage } from '../errors.js';
export { accessLog } from './access-log.js';
export {
  type AssetManifest,
  type Assets,
  IMMUTABLE_CACHE,
  manifestAssets,
  REVALIDATE_CACHE,
  STATIC_PREFIX,
  staticFiles,
} from './assets.js';
export { type BodyLimitOptions, bodyLimit, DEFAULT_BODY_LIMIT, formatBytes } from './body-limit.js';
export { forwardedAddress, ipBucket, ipVersion, normaliseIp } from './client-address.js';
export { type ClientKind, clientKind, prefersJson } from './client-kind.js';
export {
  CROSS_SITE_MESSAGE,
  type CrossSiteGuardOptions,
  crossSiteGuard,
  isSameSite,
} from './cross-site-guard.js';
export type { AppEnv, AppVariables } from './env.js';
export { errorBoundary } from './error-boundary.js';
export {
  type ErrorBody,
  type ErrorHandlersOptions,
  errorHandlers,
  HTMX_ALERT_TARGET,
  type PublicError,
  toPublicError,
} from './error-handler.js';
export { fieldErrorsOf, fieldName } from './field-errors.js';
export { REDACT_DEPTH, REDACTED_KEYS, redact } from './logger.js';
export type { Logger } from './logger-types.js';
export {
  type ClaimResult,
  type Exemption,
  type Gate,
  MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
  RATE_KEY_PURPOSE,
  type RateCounter,
  type RateKey,
  type RateKeyHasher,
  type RateLimitOptions,
  type RateLimitStore,
  rateKeyHasher,
  rateLimit,
  retryAfterSeconds,
  type Settlement,
  UNIDENTIFIED,
} from './rate-limit.js';
export {
  DEFAULT_MAX_FIELDS,
  DEFAULT_MAX_VALUE_LENGTH,
  type FormFields,
  type FormFieldsWithFiles,
  MAX_NAME_LENGTH,
  type ReadFormOptions,
  readForm,
} from './read-form.js';
export { readJson } from './read-json.js';
export { type RequestBasicsOptions, requestBasics, requestChecks } from './request-basics.js';
export { REQUEST_ID_PATTERN, type RequestIdOptions, requestId } from './request-id.js';
export { mutableHeaders } from './response-headers.js';
export { sanitizePath } from './sanitize-path.js';
export { type SecurityHeadersOptions, securityHeaders } from './security-headers.js';
export { precompiledEngine, type TemplateEngine, type TemplateFn } from './templates.js';
export {
  BASE_LAYOUT,
  type CommonData,
  commonData,
  createViews,
  type FlashMessage,
  type PageData,
  provideViews,
  render,
  renderFragment,
  type Viewer,
  type Views,
  type ViewsOptions,
} from './views.js';
