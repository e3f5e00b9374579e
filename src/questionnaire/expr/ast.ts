/** A literal the language can write: the only values a list literal may hold. */
export type Literal = null | boolean | number | string;

/** Any value an expression can produce: answers of multi/file questions are lists of strings. */
export type Value = Literal | readonly Literal[];

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'contains';

/** `start`/`end` are 0-based offsets into the expression source (column = start + 1). */
interface Span {
  readonly start: number;
  readonly end: number;
}

export type ExprNode =
  | (Span & { readonly kind: 'literal'; readonly value: Literal })
  | (Span & { readonly kind: 'list'; readonly items: readonly Literal[] })
  | (Span & { readonly kind: 'ref'; readonly name: string })
  | (Span & { readonly kind: 'call'; readonly name: string; readonly args: readonly ExprNode[] })
  | (Span & { readonly kind: 'not'; readonly operand: ExprNode })
  | (Span & { readonly kind: 'and' | 'or'; readonly left: ExprNode; readonly right: ExprNode })
  | (Span & {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly left: ExprNode;
      readonly right: ExprNode;
    });

/** An expression as it appears in a compiled questionnaire: the source for display, the AST for tools. */
export interface Expression {
  readonly source: string;
  readonly ast: ExprNode;
}
