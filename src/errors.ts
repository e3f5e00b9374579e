/**
 * The one error type that carries an HTTP status and a message that is safe to show. It lives outside
 * src/http so that domain code can throw it without depending on the HTTP layer.
 *
 * This module deliberately imports nothing from Hono, so domain code may throw it without
 * depending on the web framework. `errorHandlers()` turns it into an HTML page, an htmx
 * fragment or a JSON body, depending on who asked.
 */

/** Per-field messages, keyed by form field name (`email`, `answers.q1`). */
export type FieldErrors = Readonly<Record<string, string>>;

/** The values of a message's variable parts, by name (`{max}` in the sentence). */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * Which sentence a message is (its key in a words table) and the values of its variable parts: what a
 * page in another language needs to say the same thing (the vendor portal: src/vendor/words.ts).
 */
export interface Said {
  key: string;
  params?: MessageParams;
}

/**
 * A sentence with its `{name}` parts filled in, in one pass: a value that itself holds `{…}` (a file
 * name, a typed cell) stays as it is. A part with no value is left as written, never an error.
 */
export function fill(sentence: string, params: MessageParams = {}): string {
  return sentence.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export interface HttpErrorOptions {
  /** Field-level messages for forms; rendered next to the fields and in the JSON body. */
  fields?: FieldErrors;
  /** Extra response headers, e.g. `Retry-After` on a 429. */
  headers?: Readonly<Record<string, string>>;
  /** The underlying error, for the server log only; never shown to the client. */
  cause?: unknown;
  /** What the person can do next: a same-site link shown with the message (page and fragment). */
  action?: ErrorAction;
  /** Which sentence `message` is, so a page in another language can say it in that language. */
  said?: Said;
  /** The same for each field message, by field name. */
  fieldsSaid?: Readonly<Record<string, Said>>;
}

/** A link on an error page, e.g. to re-authenticate and come back. `href` must be a path on this site. */
export interface ErrorAction {
  href: string;
  label: string;
}

/** The status codes' own sentences (keys `status.<n>` in a words table; `status.other` for the rest). */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'The request could not be understood.',
  401: 'You need to sign in to do that.',
  403: 'You are not allowed to do that.',
  404: 'We could not find that page.',
  405: 'That method is not allowed here.',
  408: 'The request took too long to arrive.',
  409: 'That conflicts with the current state. Reload the page and try again.',
  410: 'That is no longer available.',
  413: 'The request is too large.',
  415: 'That content type is not accepted here.',
  422: 'Some of the information is not valid.',
  429: 'Too many requests. Wait a moment and try again.',
  500: 'Something went wrong on our side.',
  503: 'The service is temporarily unavailable. Try again shortly.',
};

export const OTHER_STATUS_TEXT = 'The request could not be completed.';

/** A plain-language sentence for a status code; used when no specific message was given. */
export function statusMessage(status: number): string {
  return STATUS_TEXT[status] ?? (status >= 500 ? STATUS_TEXT[500]! : OTHER_STATUS_TEXT);
}

/** Which sentence {@link statusMessage} is. */
export function statusSaid(status: number): Said {
  return { key: STATUS_TEXT[status] ? `status.${status}` : status >= 500 ? 'status.500' : 'status.other' };
}

/**
 * An error whose `message` is written for the person (or program) that sent the request.
 *
 * Only 4xx statuses show `message`; for 5xx the client always gets a generic sentence plus the
 * request id, and `message` goes to the server log.
 *
 * @example
 * ```ts
 * throw new HttpError(404, 'No such assessment.');
 * throw new HttpError(400, 'Check the highlighted fields.', { fields: { email: 'Enter an email address.' } });
 * ```
 */
export class HttpError extends Error {
  readonly status: number;
  readonly fields: FieldErrors | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly action: ErrorAction | undefined;
  /** Which sentence the message is (`status.<n>` when none was given: the status's own sentence). */
  readonly said: Said | undefined;
  readonly fieldsSaid: Readonly<Record<string, Said>> | undefined;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}`);
    }
    super(
      message || statusMessage(status),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'HttpError';
    this.status = status;
    this.fields = options.fields;
    this.headers = options.headers ?? {};
    this.action = options.action;
    this.said = options.said ?? (message ? undefined : statusSaid(status));
    this.fieldsSaid = options.fieldsSaid;
  }

  /**
   * A plain-text response, used by Hono's default error handler (it calls `getResponse()` when
   * present) in an app or test that did not install `errorHandlers()`. The status survives;
   * the 5xx text stays generic.
   */
  getResponse(): Response {
    const text = this.status >= 500 ? statusMessage(this.status) : this.message;
    return new Response(`${text}\n`, {
      status: this.status,
      headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...this.headers },
    });
  }
}
