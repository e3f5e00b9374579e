import { ExpressionError } from './errors.js';

export type TokenType = 'number' | 'string' | 'name' | 'op' | 'punct' | 'eof';

/** One token; `start`/`end` are 0-based offsets into the expression. */
export interface Token {
  readonly type: TokenType;
  /** Source text for names/operators/punctuation; the decoded text for strings. */
  readonly text: string;
  readonly number?: number;
  readonly start: number;
  readonly end: number;
}

export const MAX_EXPRESSION_LENGTH = 2000;

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isNameStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isNameChar = (c: string): boolean => isNameStart(c) || isDigit(c);

// Characters people reach for from other languages; each gets a specific hint instead of "unexpected".
const HINTS: Readonly<Record<string, string>> = {
  '=': 'use "==" to compare; there is no assignment',
  '&': 'use "and"',
  '|': 'use "or"',
  '!': 'use "not", or "!=" to compare',
  '"': "strings use single quotes, like 'yes'",
  '+': 'arithmetic is not part of the expression language',
  '-': 'arithmetic is not part of the expression language; a minus sign is only allowed directly before a number',
  '*': 'arithmetic is not part of the expression language',
  '/': 'arithmetic is not part of the expression language',
  '%': 'arithmetic is not part of the expression language',
  '{': 'answers are referenced by their id without braces, like gov.isms',
  '}': 'answers are referenced by their id without braces, like gov.isms',
  $: 'answers are referenced by their id, like gov.isms',
};

/**
 * Splits an expression into tokens. Names may contain dots (`gov.isms`): a reference is one token,
 * so there is no member-access operator anywhere in the language.
 */
export function tokenize(src: string): Token[] {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      'expression-syntax',
      MAX_EXPRESSION_LENGTH + 1,
      `The expression is ${src.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}.`,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === '-' && isDigit(src[i + 1] ?? '') && !endsValue(tokens))) {
      i = readNumber(src, i, tokens);
      continue;
    }
    if (c === "'") {
      i = readString(src, i, tokens);
      continue;
    }
    if (isNameStart(c)) {
      i++;
      while (i < src.length) {
        if (isNameChar(src[i]!)) {
          i++;
        } else if (src[i] === '.') {
          if (!isNameStart(src[i + 1] ?? '') && !isDigit(src[i + 1] ?? '')) {
            throw new ExpressionError(
              'expression-syntax',
              i + 1,
              `A reference cannot end with "." (column ${i + 1}); write a full question id like gov.isms.`,
            );
          }
          i++;
        } else {
          break;
        }
      }
      tokens.push({ type: 'name', text: src.slice(start, i), start, end: i });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '==' || two === '!=' || two === '<=' || two === '>=') {
      tokens.push({ type: 'op', text: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>') {
      tokens.push({ type: 'op', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']' || c === ',') {
      tokens.push({ type: 'punct', text: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '.') {
      throw new ExpressionError(
        'expression-syntax',
        i + 1,
        `Unexpected "." at column ${i + 1}; numbers are written like 0.5 and there is no property access.`,
      );
    }
    const hint = Object.hasOwn(HINTS, c) ? `; ${HINTS[c]}` : '';
    throw new ExpressionError(
      'expression-syntax',
      i + 1,
      `Unexpected character ${JSON.stringify(c)} at column ${i + 1}${hint}.`,
    );
  }
  tokens.push({ type: 'eof', text: '', start: src.length, end: src.length });
  return tokens;
}

const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'in', 'contains']);

/** A minus directly after a value would be subtraction, which the language does not have. */
function endsValue(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!last) return false;
  return (
    last.type === 'number' ||
    last.type === 'string' ||
    (last.type === 'name' && !OPERATOR_WORDS.has(last.text)) ||
    last.text === ')' ||
    last.text === ']'
  );
}

function readNumber(src: string, start: number, tokens: Token[]): number {
  let i = start;
  if (src[i] === '-') i++;
  while (isDigit(src[i] ?? '')) i++;
  if (src[i] === '.') {
    i++;
    if (!isDigit(src[i] ?? '')) {
      throw new ExpressionError(
        'expression-syntax',
        start + 1,
        `Malformed number at column ${start + 1}; write plain decimals like 3 or 0.5.`,
      );
    }
    while (isDigit(src[i] ?? '')) i++;
  }
  const next = src[i] ?? '';
  if (isNameChar(next) || next === '.') {
    throw new ExpressionError(
      'expression-syntax',
      start + 1,
      `Malformed number at column ${start + 1}; only plain decimals like 3 or 0.5 are allowed (no exponents, hex or suffixes).`,
    );
  }
  const text = src.slice(start, i);
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new ExpressionError(
      'expression-syntax',
      start + 1,
      `The number at column ${start + 1} is too large.`,
    );
  }
  tokens.push({ type: 'number', text, number: value, start, end: i });
  return i;
}

function readString(src: string, start: number, tokens: Token[]): number {
  let i = start + 1;
  let out = '';
  for (;;) {
    if (i >= src.length) {
      throw new ExpressionError(
        'expression-syntax',
        start + 1,
        `The string starting at column ${start + 1} is not closed with a single quote.`,
      );
    }
    const c = src[i]!;
    if (c === "'") break;
    if (c === '\\') {
      const n = src[i + 1];
      if (n !== "'" && n !== '\\') {
        throw new ExpressionError(
          'expression-syntax',
          i + 1,
          `Unknown escape at column ${i + 1}; inside a string only \\' and \\\\ are escapes.`,
        );
      }
      out += n;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  tokens.push({ type: 'string', text: out, start, end: i + 1 });
  return i + 1;
}
