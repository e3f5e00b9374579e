/** Codes an expression can fail with; they become the `code` of a lint Problem. */
export type ExpressionErrorCode = 'expression-syntax' | 'unknown-function' | 'argument-count';

/** A tokenizer or parser error. `column` is 1-based inside the expression text. */
export class ExpressionError extends Error {
  readonly code: ExpressionErrorCode;
  readonly column: number;
  constructor(code: ExpressionErrorCode, column: number, message: string) {
    super(message);
    this.name = 'ExpressionError';
    this.code = code;
    this.column = column;
  }
}
