import { describe, expect, it } from 'vitest';
import type { ExprNode } from '../../src/questionnaire/expr/ast.js';
import {
  isReservedWord,
  MAX_EXPRESSION_DEPTH,
  parseExpression,
} from '../../src/questionnaire/expr/parser.js';
import { parseError } from './expr-helpers.js';

/** A compact rendering of the tree, to assert structure and precedence. */
function show(n: ExprNode): string {
  switch (n.kind) {
    case 'literal':
      return JSON.stringify(n.value);
    case 'list':
      return JSON.stringify(n.items);
    case 'ref':
      return n.name;
    case 'call':
      return `${n.name}(${n.args.map(show).join(', ')})`;
    case 'not':
      return `(not ${show(n.operand)})`;
    case 'and':
    case 'or':
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case 'compare':
      return `(${show(n.left)} ${n.op} ${show(n.right)})`;
  }
}
const p = (src: string) => show(parseExpression(src));

describe('parser', () => {
  it('parses literals', () => {
    expect(p('true')).toBe('true');
    expect(p('false')).toBe('false');
    expect(p('null')).toBe('null');
    expect(p('42')).toBe('42');
    expect(p("'x'")).toBe('"x"');
    expect(p("['a', 1, true, null]")).toBe('["a",1,true,null]');
    expect(p('[]')).toBe('[]');
  });

  it('gives "and" precedence over "or", and "not" over both', () => {
    expect(p('a or b and c')).toBe('(a or (b and c))');
    expect(p('not a and b')).toBe('((not a) and b)');
    expect(p('not a or not b')).toBe('((not a) or (not b))');
    expect(p('(a or b) and c')).toBe('((a or b) and c)');
  });

  it('binds comparisons tighter than "not", so not x == y negates the comparison', () => {
    expect(p("not x == 'a'")).toBe('(not (x == "a"))');
    expect(p("a == 'x' and b != 'y' or c < 3")).toBe('(((a == "x") and (b != "y")) or (c < 3))');
  });

  it('is left-associative for chains of and/or', () => {
    expect(p('a and b and c')).toBe('((a and b) and c)');
    expect(p('a or b or c')).toBe('((a or b) or c)');
  });

  it.each(['==', '!=', '<', '<=', '>', '>=', 'in', 'contains'])('parses the %s comparison', (op) => {
    expect(p(`x ${op} y`)).toBe(`(x ${op} y)`);
  });

  it('parses calls, including nested and zero-argument calls', () => {
    expect(p('iif(days_between(x, today()) <= 365, 1, 0)')).toBe(
      'iif((days_between(x, today()) <= 365), 1, 0)',
    );
    expect(p('count(a, b, c)')).toBe('count(a, b, c)');
  });

  it('keeps source offsets on nodes', () => {
    const n = parseExpression("  gov.isms == 'no'");
    expect(n.start).toBe(2);
    expect(n.end).toBe(18);
  });

  it('rejects chained comparisons with a hint', () => {
    expect(parseError('a == b == c')).toMatchObject({ code: 'expression-syntax', column: 8 });
    expect(parseError('a == b == c').message).toMatch(/cannot be chained/);
    expect(parseError('a < b in c').message).toMatch(/cannot be chained/);
  });

  it.each([
    ['', 1, /empty/],
    ['   ', 1, /empty/],
    ['a ==', 5, /Expected a value at column 5 but found end of the expression/],
    ['(a', 3, /closing "\)"/],
    ['a)', 2, /should end here/],
    ['a b', 3, /Unexpected "b" at column 3/],
    ['and', 1, /operator "and"/],
    ['x in [a]', 7, /Lists may only contain literal values/],
    ["x in ['a' 'b']", 11, /"," or a closing "\]"/],
    ['count(a b)', 9, /"," or a closing "\)"/],
    ['a.b.c(', 1, /not a function/],
    ['not', 4, /Expected a value/],
  ])('reports %j as a syntax error at column %i', (src, column, message) => {
    const e = parseError(src);
    expect(e.column).toBe(column);
    expect(e.message).toMatch(message);
  });

  it('rejects unknown functions, including inherited object members, with a suggestion', () => {
    expect(parseError('constructor(1)')).toMatchObject({ code: 'unknown-function', column: 1 });
    expect(parseError('__proto__(1)').code).toBe('unknown-function');
    expect(parseError('toString()').code).toBe('unknown-function');
    expect(parseError('process.exit()').message).toMatch(/"process.exit" is not a function/);
    expect(parseError('x == coalesc(a)').message).toMatch(/did you mean "coalesce"/);
    expect(parseError('x == coalesc(a)').column).toBe(6);
  });

  it.each([
    ['answered()', /answered\(\) takes 1 argument but got 0/],
    ['answered(a, b)', /takes 1 argument but got 2/],
    ['iif(a, b)', /iif\(\) takes 3 arguments but got 2/],
    ['today(1)', /today\(\) takes 0 arguments but got 1/],
    ['days_between(a)', /takes 2 arguments/],
    ['min()', /takes at least 1 argument/],
    ['count()', /takes at least 1 argument/],
    ['len(a, b)', /takes 1 argument/],
  ])('checks function arity: %s', (src, message) => {
    const e = parseError(src);
    expect(e.code).toBe('argument-count');
    expect(e.message).toMatch(message);
  });

  it(`allows nesting up to ${MAX_EXPRESSION_DEPTH} levels and rejects deeper`, () => {
    const nest = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(() => parseExpression(nest(MAX_EXPRESSION_DEPTH - 1))).not.toThrow();
    expect(parseError(nest(MAX_EXPRESSION_DEPTH + 1)).message).toMatch(/nested more than 64 levels/);
    expect(parseError(`${'not '.repeat(MAX_EXPRESSION_DEPTH + 1)}a`).message).toMatch(/nested more than 64/);
    expect(
      parseError(`${'len('.repeat(MAX_EXPRESSION_DEPTH + 1)}a${')'.repeat(MAX_EXPRESSION_DEPTH + 1)}`)
        .message,
    ).toMatch(/nested more than 64/);
  });

  it('handles a long flat chain without deep recursion', () => {
    const src = Array.from({ length: 400 }, () => 'a').join(' or ');
    expect(() => parseExpression(src)).not.toThrow();
  });

  it('parses a bare __proto__ as an ordinary reference (the loader then rejects it as unknown)', () => {
    expect(parseExpression('__proto__')).toMatchObject({ kind: 'ref', name: '__proto__' });
  });

  it('knows its reserved words', () => {
    expect(isReservedWord('and')).toBe(true);
    expect(isReservedWord('count')).toBe(true);
    expect(isReservedWord('null')).toBe(true);
    expect(isReservedWord('critical_service')).toBe(false);
  });
});
