/**
 * Public surface of the questionnaire engine; the contract is docs/engine-contract.md. Pure and
 * runtime-agnostic: no node:* module, no file access (files: src/platform/node/questionnaire-files.ts),
 * no spreadsheets (their own entry: ./spreadsheet/index.ts).
 */
export { withCommentsEverywhere } from './comment-policy.js';
export { checkCompatibility } from './compat.js';
export { type CompileOptions, type CompileResult, compileQuestionnaire } from './compile.js';
export { type ContextProblem, type ContextResult, checkContext, contextFromPairs } from './context.js';
export { type EvaluateOptions, evaluate } from './evaluate.js';
export type { ExprNode, Literal, Value } from './expr/ast.js';
export {
  formatProblem,
  LibraryError,
  type LibrarySource,
  type LintReport,
  lintSources,
  loadLibraryFromSources,
} from './library.js';
export { localize } from './localize.js';
export type * from './types.js';
