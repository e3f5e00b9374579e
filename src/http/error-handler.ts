import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { isPasswordsBusy } from '../auth/passwords.js';
import {
  type ErrorAction,
  type FieldErrors,
  HttpError,
  type Said,
  statusMessage,
  statusSaid,
} from '../errors.js';
import { CLIENT_CLOSED_REQUEST, clientAborted } from './access-log.js';
import { type ClientKind, clientKind } from './client-kind.js';
import type { AppEnv } from './env.js';
import { ENGLISH_ERROR_CHROME, type ErrorLocale } from './error-locale.js';
import { fieldName } from './field-errors.js';
import type { Logger } from './logger-types.js';
import { commonData, type Views } from './views.js';

/** Where htmx puts an error fragment: the layout's alert region, not the element that asked. */
export const HTMX_ALERT_TARGET = '#htmx-alerts';

export interface ErrorHandlersOptions {
  logger: Logger;
  views: Views;
}

/** What the client is told; never more than this. */
export interface PublicError {
  status: number;
  message: string;
  fields?: FieldErrors;
  headers: Readonly<Record<string, string>>;
  /** A link to what the person can do next (4xx only). */
  action?: ErrorAction;
  /** Which sentences `message` and the field messages are (for a page in another language). */
  said?: Said;
  fieldsSaid?: Readonly<Record<string, Said>>;
}

/** JSON shape of every error: `{ error: { status, message, requestId, fields? } }`. */
export interface ErrorBody {
  error: { status: number; message: string; requestId: string; fields?: FieldErrors };
}

/**
 * Maps anything thrown to what the client may see. Only known 4xx errors keep their own
 * message; everything else becomes a generic 500 sentence (the request id is added by the
 * renderers).
 */
export function toPublicError(err: unknown): PublicError {
  // Every route that hashes a password (sign-in, set-up, later password changes) answers alike.
  if (isPasswordsBusy(err)) {
    return {
      status: 503,
      message: 'We are handling many sign-ins right now. Try again in a moment.',
      headers: { 'Retry-After': String(err.retryAfterSeconds) },
    };
  }
  if (err instanceof HttpError) {
    if (err.status >= 500)
      return {
        status: err.status,
        message: statusMessage(err.status),
        headers: err.headers,
        said: statusSaid(err.status),
      };
    return {
      status: err.status,
      message: err.message,
      fields: err.fields,
      headers: err.headers,
      ...(err.action ? { action: err.action } : {}),
      ...(err.said ? { said: err.said } : {}),
      ...(err.fieldsSaid ? { fieldsSaid: err.fieldsSaid } : {}),
    };
  }
  if (err instanceof ZodError) {
    const fields: Record<string, string> = {};
    for (const issue of err.issues) {
      const name = fieldName(issue.path);
      fields[name] ??= issue.message;
    }
    return {
      status: 400,
      message: 'Some of the information is not valid. Check the fields listed.',
      fields,
      headers: {},
    };
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Raised by Hono's own middleware (validators, auth helpers) with developer-written text.
    return {
      status: err.status,
      message: err.message || statusMessage(err.status),
      headers: {},
      ...(err.message ? {} : { said: statusSaid(err.status) }),
    };
  }
  return { status: 500, message: statusMessage(500), headers: {}, said: statusSaid(500) };
}

/**
 * The app's `onError` and `notFound` handlers. Every error reaches the client in the shape
 * it can use:
 *
 * - a person gets an HTML page in the site layout (`views/errors/error.eta`);
 * - an htmx request gets a small fragment (`views/errors/fragment.eta`) with
 *   `HX-Retarget: #htmx-alerts` and `HX-Reswap: innerHTML`. htmx 4 swaps 4xx responses by
 *   default, so without the retarget an error would replace whatever the request targeted
 *   (a form, a table row). A route that wants its own 4xx swap (a form re-rendered with its
 *   errors, status 422) renders that fragment itself instead of throwing. 5xx responses are
 *   not swapped at all (`noSwap` in the layout's htmx config); `static/js/app.js` then shows
 *   a generic message with the request id;
 * - an API client gets `{ error: { status, message, requestId, fields? } }`.
 *
 * 5xx responses never carry the internal message or a stack trace: the client sees a generic
 * sentence and the request id; the error, with its stack, goes to the log. 4xx errors are
 * logged at `info` without a stack. An error caused by the client going away (see
 * `clientAborted`) is logged at `info` as `status: 499, aborted: true`, without a stack.
 *
 * @example
 * ```ts
 * const { onError, notFound } = errorHandlers({ logger, views });
 * app.onError(onError);
 * app.notFound(notFound);
 * ```
 */
export function errorHandlers(options: ErrorHandlersOptions): {
  onError: ErrorHandler;
  notFound: NotFoundHandler;
} {
  const { logger, views } = options;

  const onError: ErrorHandler = (err, c) => {
    const requestId = c.get('requestId') ?? '';
    if (clientAborted(c, err)) {
      // The client went away (mid-body, or while we worked): nothing failed on our side and no
      // one will read an answer. One info line, no stack; the access log says 499 too.
      c.set('aborted', true);
      logger.info(
        { requestId, status: CLIENT_CLOSED_REQUEST, aborted: true },
        'request aborted by the client',
      );
      return new Response(null, { status: CLIENT_CLOSED_REQUEST });
    }
    const publicError = toPublicError(err);
    if (publicError.status >= 500) {
      logger.error({ err, requestId, status: publicError.status }, 'request failed');
    } else {
      // The message is not logged: domain code may have put the visitor's input in it.
      logger.info({ requestId, status: publicError.status, error: err.name }, 'request refused');
    }
    return localized(c, publicError);
  };

  const notFound: NotFoundHandler = (c) =>
    localized(c, { status: 404, message: statusMessage(404), headers: {}, said: statusSaid(404) });

  /**
   * The error in the language of the part that asked (src/http/error-locale.ts): its messages, and
   * the page's words. Without a resolver (the workspace), English and no waiting. A resolver that
   * fails leaves the page English: it must never turn a 4xx into a 500.
   */
  function localized(c: Context, error: PublicError): Response | Promise<Response> {
    const resolver = (c as Context<AppEnv>).get('errorLocale');
    if (!resolver || clientKind(c) === 'json') return respond(c, error);
    const fallback = (err: unknown) => {
      logger.warn({ err, requestId: c.get('requestId') ?? '' }, 'error page language not resolved');
      return undefined;
    };
    let pending: ReturnType<typeof resolver>;
    try {
      pending = resolver(c);
    } catch (err) {
      pending = fallback(err);
    }
    return Promise.resolve(pending)
      .catch(fallback)
      .then((locale) => respond(c, locale ? inLocale(error, locale) : error, locale));
  }

  function respond(c: Context, error: PublicError, locale?: ErrorLocale): Response {
    const kind = clientKind(c);
    const requestId = c.get('requestId') ?? '';
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    // The body depends on these request headers; caches (none should store it) must know.
    c.header('Vary', 'Accept, HX-Request', { append: true });
    const status = error.status as ContentfulStatusCode;
    if (kind === 'json') {
      const body: ErrorBody = { error: { status: error.status, message: error.message, requestId } };
      if (error.fields !== undefined) body.error.fields = error.fields;
      return c.json(body, status);
    }
    try {
      return c.html(renderError(c, kind, error, locale), status);
    } catch (renderFailure) {
      // A broken error template must not turn into an unhandled rejection; plain text still informs.
      logger.error({ err: renderFailure, requestId }, 'error page could not be rendered');
      return c.text(`${error.message}\nReference: ${requestId}\n`, status);
    }
  }

  function renderError(
    c: Context,
    kind: Exclude<ClientKind, 'json'>,
    error: PublicError,
    locale: ErrorLocale | undefined,
  ): string {
    const e = locale?.chrome ?? ENGLISH_ERROR_CHROME;
    const data = {
      title: error.status === 404 ? e.notFoundTitle : e.errorTitle,
      status: error.status,
      message: error.message,
      fields: error.fields ?? {},
      action: error.action ?? null,
      e,
      // The layout's language and its own words (skip link, footer) follow the page's.
      ...(locale ? { lang: locale.lang, chrome: locale.chrome } : {}),
      ...commonData(c, views),
    };
    if (kind === 'htmx') {
      c.header('HX-Retarget', HTMX_ALERT_TARGET);
      c.header('HX-Reswap', 'innerHTML');
      return views.fragment('errors/fragment', data);
    }
    return views.page('errors/error', data);
  }

  return { onError, notFound };
}

/** The error's messages said in `locale` where it has them; each other one stays as it was. */
function inLocale(error: PublicError, locale: ErrorLocale): PublicError {
  const say = (said: Said | undefined, text: string) => {
    if (!said) return text;
    const t = locale.say(said);
    return t === undefined ? text : t;
  };
  const fields = error.fields
    ? Object.fromEntries(
        Object.entries(error.fields).map(([name, text]) => [name, say(error.fieldsSaid?.[name], text)]),
      )
    : undefined;
  return {
    ...error,
    message: say(error.said, error.message),
    ...(fields ? { fields } : {}),
  };
}
