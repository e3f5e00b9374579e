import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/questionnaire/expr/errors.js';
import { MAX_EXPRESSION_LENGTH, tokenize } from '../../src/questionnaire/expr/tokenizer.js';

const kinds = (src: string) => tokenize(src).map((t) => [t.type, t.text]);

describe('tokenizer', () => {
  it('reads dotted references as one name token, so there is no member access', () => {
    expect(kinds("gov.isms == 'yes'")).toEqual([
      ['name', 'gov.isms'],
      ['op', '=='],
      ['string', 'yes'],
      ['eof', ''],
    ]);
  });

  it('reads every operator and punctuation', () => {
    expect(kinds('a == b != c < d <= e > f >= g ( ) [ ] ,').map(([t, x]) => `${t}:${x}`)).toEqual([
      'name:a',
      'op:==',
      'name:b',
      'op:!=',
      'name:c',
      'op:<',
      'name:d',
      'op:<=',
      'name:e',
      'op:>',
      'name:f',
      'op:>=',
      'name:g',
      'punct:(',
      'punct:)',
      'punct:[',
      'punct:]',
      'punct:,',
      'eof:',
    ]);
  });

  it('records 0-based offsets for every token', () => {
    const t = tokenize("  x  ==  'a'");
    expect(t.map((x) => [x.start, x.end])).toEqual([
      [2, 3],
      [5, 7],
      [9, 12],
      [12, 12],
    ]);
  });

  it('reads plain decimals, including a leading minus before a number', () => {
    const t = tokenize('0 3 0.5 12.25 x > -3 and -1 or -2 in [-4] contains -5 not -6 (-7, -8)');
    expect(t.filter((x) => x.type === 'number').map((x) => x.number)).toEqual([
      0, 3, 0.5, 12.25, -3, -1, -2, -4, -5, -6, -7, -8,
    ]);
  });

  it.each([
    ['1e5', 1],
    ['0x10', 1],
    ['1.', 1],
    ['3abc', 1],
    ['1.2.3', 1],
  ])('rejects the non-decimal number %s', (src, column) => {
    expect(() => tokenize(src)).toThrowError(ExpressionError);
    try {
      tokenize(src);
    } catch (e) {
      expect((e as ExpressionError).column).toBe(column);
      expect((e as ExpressionError).code).toBe('expression-syntax');
    }
  });

  it('rejects numbers too large to be finite', () => {
    expect(() => tokenize('9'.repeat(400))).toThrow(/too large/);
  });

  it('treats a minus after a value as arithmetic, which the language does not have', () => {
    expect(() => tokenize('x -3')).toThrow(/arithmetic/);
  });

  it('decodes the two string escapes and nothing else', () => {
    expect(tokenize("'it\\'s a \\\\ path'")[0]!.text).toBe("it's a \\ path");
    expect(() => tokenize("'a\\nb'")).toThrow(/Unknown escape at column 3/);
  });

  it('reports an unclosed string at its opening quote', () => {
    try {
      tokenize("x == 'abc");
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionError).column).toBe(6);
      expect((e as ExpressionError).message).toMatch(/not closed/);
    }
  });

  it.each([
    ['x = 1', 3, /use "=="/],
    ['a && b', 3, /use "and"/],
    ['a || b', 3, /use "or"/],
    ['!a', 1, /use "not"/],
    ['x == "yes"', 6, /single quotes/],
    ["'a' + 'b'", 5, /arithmetic/],
    ['a * 2', 3, /arithmetic/],
    ['{gov.isms}', 1, /without braces/],
    ['x == @', 6, /Unexpected character "@"/],
  ])('explains the foreign syntax in %s', (src, column, message) => {
    try {
      tokenize(src);
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionError).column).toBe(column);
      expect((e as ExpressionError).message).toMatch(message);
    }
  });

  it('rejects property-access shapes: a trailing dot and a leading dot', () => {
    expect(() => tokenize('gov.')).toThrow(/cannot end with "."/);
    expect(() => tokenize('a..b')).toThrow(/cannot end with "."/);
    expect(() => tokenize('x == .5')).toThrow(/no property access/);
  });

  it(`limits expressions to ${MAX_EXPRESSION_LENGTH} characters`, () => {
    expect(() => tokenize('a'.repeat(MAX_EXPRESSION_LENGTH))).not.toThrow();
    try {
      tokenize(`${'a'.repeat(MAX_EXPRESSION_LENGTH)} `);
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionError).message).toMatch(/2001 characters long; the limit is 2000/);
      expect((e as ExpressionError).column).toBe(2001);
    }
  });

  it('accepts tabs and newlines as whitespace (block scalars in YAML)', () => {
    expect(kinds('a\n\tand\r\nb').map(([, x]) => x)).toEqual(['a', 'and', 'b', '']);
  });
});
