/**
 * What the shared HTTP layer refuses with (forms, bodies, cross-site requests, rate limits), in English,
 * by key: the one source of these sentences. Each error carries its key and parameters (`said`), so a
 * part that speaks other languages (the vendor portal, src/vendor/words.ts) can say it in its own.
 */
import { fill, HttpError, type HttpErrorOptions, type MessageParams } from '../errors.js';

const UNSTORABLE =
  'contains a character that cannot be stored (a NUL byte or an unpaired surrogate). Remove it and try again.';

export const HTTP_MESSAGES = {
  'http.tooManyFields': 'The form has more than {max} fields.',
  'http.nameTooLong': 'A field name is longer than {max} characters.',
  'http.nameUnstorable': `A field name ${UNSTORABLE}`,
  'http.fieldUnstorable': `The field "{name}" ${UNSTORABLE}`,
  'http.fileNameUnstorable': `The file name in the field "{name}" ${UNSTORABLE}`,
  'http.removeUnstorable': 'Remove the NUL byte or unpaired surrogate from this value.',
  'http.fieldTooLong': 'The field "{name}" is longer than {max} characters.',
  'http.useAtMost': 'Use at most {max} characters.',
  'http.noFiles': 'This form does not accept file uploads.',
  'http.formTypes':
    'Send this form as application/x-www-form-urlencoded or multipart/form-data, encoded as UTF-8.',
  'http.formUnreadable': 'The form data could not be read. Submit the form again.',
  'http.tooLarge': 'The request is too large. The limit here is {limit}.',
  'http.fragmented':
    'The request body arrived in too many small pieces. Send it with a Content-Length header, or in chunks of at least {chunk}.',
  'http.badLength': 'The Content-Length header is not a valid number.',
  'http.crossSite':
    'This request came from another website and was refused. Go back to the page, reload it and try again.',
  'http.tooManyAttempts': 'Too many attempts. Wait a little and try again.',
  'http.unidentified':
    'This request could not be attributed to a client address, so it was refused. If you are behind a proxy, ask your administrator to check TRUST_PROXY.',
} as const;

export type HttpMessage = keyof typeof HTTP_MESSAGES;

export const httpText = (key: HttpMessage, params?: MessageParams): string =>
  fill(HTTP_MESSAGES[key], params);

/** An HttpError that says `key` (English as its message; `said` for other languages). */
export function httpError(
  status: number,
  key: HttpMessage,
  params?: MessageParams,
  options: Omit<HttpErrorOptions, 'said'> = {},
): HttpError {
  return new HttpError(status, httpText(key, params), {
    ...options,
    said: params ? { key, params } : { key },
  });
}
