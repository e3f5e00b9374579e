/**
 * The logger the app writes to: the structural subset of pino the code uses, so a platform can hand in
 * pino (Node) or a console-JSON logger (Workers) without the core importing either.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
