/**
 * The typed Hono environment every router of the app shares (instead of a global ContextVariableMap):
 * what the middleware puts on the context, and what the session middleware adds.
 */

import type { ErrorLocaleResolver } from './error-locale.js';
import type { Logger } from './logger-types.js';
import type { FlashMessage, Viewer, Views } from './views.js';

export interface AppVariables {
  /** Id of this request: in the `X-Request-Id` response header, every log line and error pages. */
  requestId: string;
  /** Per-request CSP nonce (base64, 128 bits); put it on every `<script>` the page loads. */
  nonce: string;
  /** The request's logger: every line carries the request id. */
  log: Logger;
  /** Set by the error handler when a failure was the client going away (see clientAborted in access-log.ts). */
  aborted: boolean;
  /** The template renderer. */
  views: Views;
  /** Set by a session middleware; the layout shows it when present. */
  viewer: Viewer | undefined;
  /** Messages for the layout's flash area. */
  flash: readonly FlashMessage[] | undefined;
  /** Set by a part that speaks other languages (the vendor portal): the language of its error pages. */
  errorLocale: ErrorLocaleResolver | undefined;
}

export interface AppEnv {
  Variables: AppVariables;
}
