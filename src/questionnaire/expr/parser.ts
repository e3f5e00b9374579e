import { suggest } from '../suggest.js';
import type { CompareOp, ExprNode, Literal } from './ast.js';
import { ExpressionError } from './errors.js';
import { FUNCTIONS } from './functions.js';
import { type Token, tokenize } from './tokenizer.js';

export const MAX_EXPRESSION_DEPTH = 64;

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null']);
const COMPARE_OPS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);

/** True for words that cannot name a computed value because the grammar reserves them. */
export function isReservedWord(name: string): boolean {
  return KEYWORDS.has(name) || FUNCTIONS.has(name);
}

/**
 * Parses one expression into an AST (grammar in docs/questionnaire-format.md). Function names and
 * arities are checked here against the fixed function table; references are checked by the caller,
 * which knows the questionnaire's ids.
 */
export function parseExpression(src: string): ExprNode {
  const tokens = tokenize(src);
  if (tokens.length === 1) {
    throw new ExpressionError('expression-syntax', 1, 'The expression is empty.');
  }
  const parser = new Parser(tokens);
  const node = parser.expression();
  const rest = parser.peek();
  if (rest.type !== 'eof') {
    if (rest.type === 'op' || rest.text === 'in' || rest.text === 'contains') {
      throw new ExpressionError(
        'expression-syntax',
        rest.start + 1,
        `Comparisons cannot be chained (column ${rest.start + 1}); combine them with "and" or "or".`,
      );
    }
    throw new ExpressionError(
      'expression-syntax',
      rest.start + 1,
      `Unexpected ${describe(rest)} at column ${rest.start + 1}; the expression should end here.`,
    );
  }
  return node;
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'end of the expression';
  if (t.type === 'string') return `string '${t.text}'`;
  return `"${t.text}"`;
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.type === 'name' && t.text === word;
  }

  private expect(text: string, what: string): Token {
    const t = this.peek();
    if (t.type === 'punct' && t.text === text) return this.next();
    throw new ExpressionError(
      'expression-syntax',
      t.start + 1,
      `Expected ${what} at column ${t.start + 1} but found ${describe(t)}.`,
    );
  }

  // Depth counts nested sub-expressions (parentheses, arguments, "not" chains), so a hostile
  // expression cannot exhaust the stack of the parser or of the compiled evaluator.
  private enter(t: Token): void {
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      throw new ExpressionError(
        'expression-syntax',
        t.start + 1,
        `The expression is nested more than ${MAX_EXPRESSION_DEPTH} levels deep (column ${t.start + 1}).`,
      );
    }
  }

  expression(): ExprNode {
    this.enter(this.peek());
    const node = this.or();
    this.depth--;
    return node;
  }

  private or(): ExprNode {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      const right = this.and();
      left = { kind: 'or', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private and(): ExprNode {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      const right = this.not();
      left = { kind: 'and', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private not(): ExprNode {
    if (this.isWord('not')) {
      const t = this.next();
      this.enter(t);
      const operand = this.not();
      this.depth--;
      return { kind: 'not', operand, start: t.start, end: operand.end };
    }
    return this.comparison();
  }

  private comparison(): ExprNode {
    const left = this.primary();
    const t = this.peek();
    let op: CompareOp | null = null;
    if (t.type === 'op' && COMPARE_OPS.has(t.text)) op = t.text as CompareOp;
    else if (this.isWord('in')) op = 'in';
    else if (this.isWord('contains')) op = 'contains';
    if (op === null) return left;
    this.next();
    const right = this.primary();
    return { kind: 'compare', op, left, right, start: left.start, end: right.end };
  }

  private primary(): ExprNode {
    const t = this.peek();
    switch (t.type) {
      case 'number':
        this.next();
        return { kind: 'literal', value: t.number!, start: t.start, end: t.end };
      case 'string':
        this.next();
        return { kind: 'literal', value: t.text, start: t.start, end: t.end };
      case 'punct':
        if (t.text === '(') {
          this.next();
          const inner = this.expression();
          this.expect(')', 'a closing ")"');
          return inner;
        }
        if (t.text === '[') return this.list();
        break;
      case 'name':
        return this.name();
      default:
        break;
    }
    throw new ExpressionError(
      'expression-syntax',
      t.start + 1,
      `Expected a value at column ${t.start + 1} but found ${describe(t)}.`,
    );
  }

  private name(): ExprNode {
    const t = this.next();
    switch (t.text) {
      case 'true':
        return { kind: 'literal', value: true, start: t.start, end: t.end };
      case 'false':
        return { kind: 'literal', value: false, start: t.start, end: t.end };
      case 'null':
        return { kind: 'literal', value: null, start: t.start, end: t.end };
      default:
        break;
    }
    if (KEYWORDS.has(t.text)) {
      throw new ExpressionError(
        'expression-syntax',
        t.start + 1,
        `Expected a value at column ${t.start + 1} but found the operator "${t.text}".`,
      );
    }
    const after = this.peek();
    if (after.type === 'punct' && after.text === '(') return this.call(t);
    return { kind: 'ref', name: t.text, start: t.start, end: t.end };
  }

  private call(nameToken: Token): ExprNode {
    const name = nameToken.text;
    const fn = FUNCTIONS.get(name);
    if (fn === undefined) {
      const column = nameToken.start + 1;
      if (name.includes('.')) {
        throw new ExpressionError(
          'unknown-function',
          column,
          `"${name}" is not a function (column ${column}); there are no method calls, only the functions ${[...FUNCTIONS.keys()].join(', ')}.`,
        );
      }
      const guess = suggest(name, FUNCTIONS.keys());
      throw new ExpressionError(
        'unknown-function',
        column,
        `Unknown function "${name}" at column ${column}${guess ? ` (did you mean "${guess}"?)` : ''}; available: ${[...FUNCTIONS.keys()].join(', ')}.`,
      );
    }
    this.enter(nameToken);
    this.next(); // (
    const args: ExprNode[] = [];
    if (!(this.peek().type === 'punct' && this.peek().text === ')')) {
      for (;;) {
        args.push(this.expression());
        const sep = this.peek();
        if (sep.type === 'punct' && sep.text === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    const close = this.expect(')', `"," or a closing ")" for ${name}(`);
    this.depth--;
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs}`
          : fn.maxArgs === Number.POSITIVE_INFINITY
            ? `at least ${fn.minArgs}`
            : `${fn.minArgs} to ${fn.maxArgs}`;
      throw new ExpressionError(
        'argument-count',
        nameToken.start + 1,
        `${name}() takes ${expected} argument${expected === '1' ? '' : 's'} but got ${args.length} (column ${nameToken.start + 1}).`,
      );
    }
    return { kind: 'call', name, args, start: nameToken.start, end: close.end };
  }

  private list(): ExprNode {
    const open = this.next();
    const items: Literal[] = [];
    if (!(this.peek().type === 'punct' && this.peek().text === ']')) {
      for (;;) {
        items.push(this.literal());
        const sep = this.peek();
        if (sep.type === 'punct' && sep.text === ',') {
          this.next();
          continue;
        }
        break;
      }
    }
    const close = this.expect(']', '"," or a closing "]"');
    return { kind: 'list', items, start: open.start, end: close.end };
  }

  private literal(): Literal {
    const t = this.next();
    if (t.type === 'number') return t.number!;
    if (t.type === 'string') return t.text;
    if (t.type === 'name' && t.text === 'true') return true;
    if (t.type === 'name' && t.text === 'false') return false;
    if (t.type === 'name' && t.text === 'null') return null;
    throw new ExpressionError(
      'expression-syntax',
      t.start + 1,
      `Lists may only contain literal values like 'a', 3 or true; found ${describe(t)} at column ${t.start + 1}.`,
    );
  }
}
