import pino, { type DestinationStream, type Level, type Logger } from 'pino';

/**
 * Field names whose values never reach a log line, wherever they appear (top level or up to
 * two objects deep): credentials, one-time codes, link tokens, contact data and answer text.
 */
export const REDACTED_KEYS = [
  'password',
  'newPassword',
  'currentPassword',
  'passphrase',
  'token',
  'jwt',
  'link',
  'secret',
  'code',
  'otp',
  'email',
  'contactEmail',
  'adminEmail',
  'authorization',
  'cookie',
  'set-cookie',
  'answer',
  'answers',
  'comment',
  'body',
] as const;

/** The redact paths for {@link REDACTED_KEYS}: `key`, `*.key`, `*.*.key` (bracketed, so `set-cookie` works). */
export function redactPaths(keys: readonly string[] = REDACTED_KEYS): string[] {
  return keys.flatMap((key) => {
    const k = `["${key}"]`;
    return [k, `*${k}`, `*.*${k}`];
  });
}

export interface LoggerOptions {
  /** Minimum level; `silent` for tests. Default `info`. */
  level?: Level | 'silent';
  /** Where lines go. Default stdout. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
}

/**
 * A pino logger writing one JSON object per line. JSON string encoding escapes control
 * characters, so CR/LF in a logged value cannot forge a second line; values under the
 * {@link REDACTED_KEYS} are replaced by `[redacted]`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
