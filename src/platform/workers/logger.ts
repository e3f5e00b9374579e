/**
 * JSON lines on the console, which Workers' log pipeline (wrangler tail, Logpush) collects. The same
 * shape as the Node logger (level, time, msg, bindings); errors are reduced to name, code and a stack
 * without the message, because messages of driver errors may carry query parameters.
 */
import type { Logger } from '../../http/logger-types.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 } as const;
export type LevelName = keyof typeof LEVELS;

function safe(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { type: value.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => safe(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safe(v, depth + 1)]));
}

export function consoleLogger(level: LevelName = 'info', bindings: Record<string, unknown> = {}): Logger {
  const min = LEVELS[level] ?? LEVELS.info;
  const at =
    (name: Exclude<LevelName, 'silent'>) =>
    (objOrMsg: object | string, msg?: string): void => {
      if (LEVELS[name] < min) return;
      const fields = typeof objOrMsg === 'string' ? {} : (safe(objOrMsg) as object);
      const line = {
        level: LEVELS[name],
        time: new Date().toISOString(),
        ...bindings,
        ...fields,
        msg: typeof objOrMsg === 'string' ? objOrMsg : msg,
      };
      (name === 'error' || name === 'fatal' ? console.error : console.log)(JSON.stringify(line));
    };
  return {
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    child: (more) => consoleLogger(level, { ...bindings, ...more }),
  } as Logger;
}
