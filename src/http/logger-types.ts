/**
 * The logger the app writes to: the structural subset of pino the code uses, so a platform can hand in
 * pino (Node) or a console-JSON logger (Workers) without the core importing either.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/** The fields of the access line (src/http/access-log.ts), in the order they are logged. */
export interface AccessLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  aborted?: true;
  ms: number;
}

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  /**
   * Optional: writes what `info(line, 'request')` would, byte for byte, without the generic
   * pipeline (hooks, formatters, the redaction walk): the line's fields are fixed, flat and none is
   * redacted. Loggers without it get the `info` call.
   */
  access?(line: AccessLine): void;
}
