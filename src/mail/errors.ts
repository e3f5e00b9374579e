/**
 * What a mail transport throws. The sender loop decides by `kind`: a transient failure is retried with
 * backoff, a permanent one (the server refused the recipient or the message with a 5xx) fails the message
 * at once. `scope: 'server'` means the server could not be reached or refused us as a whole (outage, TLS,
 * authentication): it says nothing about the message, so such failures never use up its attempts.
 * `code` is what gets stored and logged: a short code and the SMTP reply code, never the server's text
 * (which often quotes the recipient's address).
 */
export type MailFailureKind = 'transient' | 'permanent';
export type MailFailureScope = 'server' | 'message';

export class MailSendError extends Error {
  constructor(
    readonly kind: MailFailureKind,
    readonly scope: MailFailureScope,
    readonly code: string,
  ) {
    super(`mail not sent (${kind}, ${scope}): ${code}`);
    this.name = 'MailSendError';
  }
}

export class TransientMailError extends MailSendError {
  constructor(code: string, scope: MailFailureScope = 'server') {
    super('transient', scope, code);
    this.name = 'TransientMailError';
  }
}

export class PermanentMailError extends MailSendError {
  constructor(code: string) {
    super('permanent', 'message', code);
    this.name = 'PermanentMailError';
  }
}
