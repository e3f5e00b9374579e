/** Public surface of the questionnaire engine; the contract is docs/engine-contract.md. */
export { checkCompatibility } from './compat.js';
export { type CompileResult, compileQuestionnaire } from './compile.js';
export { evaluate } from './evaluate.js';
export type { ExprNode, Literal, Value } from './expr/ast.js';
export { FUNCTIONS } from './expr/functions.js';
export { formatProblem, LibraryError, lintFiles, loadLibrary } from './library.js';
export { localize } from './localize.js';
export type * from './types.js';
