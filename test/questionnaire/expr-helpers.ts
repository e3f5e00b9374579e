import type { Value } from '../../src/questionnaire/expr/ast.js';
import { compileExpression } from '../../src/questionnaire/expr/compile.js';
import { parseExpression } from '../../src/questionnaire/expr/parser.js';

/** Parses and runs one expression against named values, the way the engine does with answer slots. */
export function run(src: string, values: Record<string, Value> = {}, today = '2025-06-20'): Value {
  const names = new Map(Object.entries(values).map(([k], i) => [k, i] as const));
  const vals = Object.values(values);
  const fn = compileExpression(parseExpression(src), (name) => names.get(name));
  return fn({ vals, today });
}

/** The error an expression fails to parse with, as { code, column, message }. */
export function parseError(src: string): { code: string; column: number; message: string } {
  try {
    parseExpression(src);
  } catch (e) {
    const err = e as { code: string; column: number; message: string };
    return { code: err.code, column: err.column, message: err.message };
  }
  throw new Error(`expected ${JSON.stringify(src)} not to parse`);
}
