import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../src/questionnaire/expr/compile.js';
import { FUNCTIONS } from '../../src/questionnaire/expr/functions.js';
import { parseExpression } from '../../src/questionnaire/expr/parser.js';
import { run } from './expr-helpers.js';

describe('interpreter: equality', () => {
  it('is strict: no type coercion', () => {
    expect(run("x == '1'", { x: 1 })).toBe(false);
    expect(run('x == 1', { x: 1 })).toBe(true);
    expect(run('x == true', { x: 'true' })).toBe(false);
    expect(run("x != '1'", { x: 1 })).toBe(true);
    expect(run('0 == false')).toBe(false);
  });

  it('compares lists as sets', () => {
    expect(run("x == ['a', 'b']", { x: ['b', 'a'] })).toBe(true);
    expect(run("x == ['a']", { x: ['a', 'b'] })).toBe(false);
    expect(run("x == 'a'", { x: ['a'] })).toBe(false);
    expect(run("x != ['a']", { x: ['a', 'b'] })).toBe(true);
  });
});

describe('interpreter: null semantics', () => {
  it('makes every comparison with null false, both ways', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=', 'in', 'contains']) {
      expect(run(`x ${op} 'a'`, { x: null }), `x ${op} 'a'`).toBe(false);
      expect(run(`'a' ${op} x`, { x: null }), `'a' ${op} x`).toBe(false);
      expect(run(`x ${op} y`, { x: null, y: null }), `x ${op} y`).toBe(false);
    }
  });

  it('lets == null and != null test for a missing value', () => {
    expect(run('x == null', { x: null })).toBe(true);
    expect(run('null == x', { x: null })).toBe(true);
    expect(run('x != null', { x: null })).toBe(false);
    expect(run('x == null', { x: 'a' })).toBe(false);
    expect(run('x != null', { x: 'a' })).toBe(true);
    expect(run('null == null')).toBe(true);
    expect(run('null != null')).toBe(false);
  });

  it('treats only true as a satisfied condition', () => {
    expect(run('x and true', { x: null })).toBe(false);
    expect(run('not x', { x: null })).toBe(true);
    expect(run('not x', { x: 'yes' })).toBe(true);
    expect(run('x or false', { x: 1 })).toBe(false);
    expect(run('iif(x, 1, 2)', { x: null })).toBe(2);
  });
});

describe('interpreter: ordering', () => {
  it('orders numbers', () => {
    expect(run('x < 3', { x: 2 })).toBe(true);
    expect(run('x <= 3', { x: 3 })).toBe(true);
    expect(run('x > 3', { x: 3 })).toBe(false);
    expect(run('x >= 3', { x: 3 })).toBe(true);
    expect(run('x > -1', { x: 0 })).toBe(true);
  });

  it('orders texts, so ISO dates compare chronologically', () => {
    expect(run("x < '2025-01-01'", { x: '2024-12-31' })).toBe(true);
    expect(run("x >= '2025-01-01'", { x: '2024-12-31' })).toBe(false);
  });

  it('is false across types and for lists or booleans', () => {
    expect(run("x < 'a'", { x: 1 })).toBe(false);
    expect(run("x >= 'a'", { x: 1 })).toBe(false);
    expect(run('x > 0', { x: ['a'] })).toBe(false);
    expect(run('true > false')).toBe(false);
    expect(run('true <= true')).toBe(false);
  });
});

describe('interpreter: in and contains', () => {
  it('in: membership of a value in a list', () => {
    expect(run("x in ['yes', 'na']", { x: 'na' })).toBe(true);
    expect(run("x in ['yes', 'na']", { x: 'no' })).toBe(false);
    expect(run('x in [1, 2]', { x: 2 })).toBe(true);
    expect(run('x in [1, 2]', { x: '2' })).toBe(false);
  });

  it('in: a list intersecting a list', () => {
    expect(run("x in ['a', 'b']", { x: ['c', 'b'] })).toBe(true);
    expect(run("x in ['a', 'b']", { x: ['c'] })).toBe(false);
  });

  it('in: false when the right side is not a list', () => {
    expect(run("x in 'abc'", { x: 'a' })).toBe(false);
  });

  it('contains: a list contains a value, or every element of a list', () => {
    expect(run("x contains 'iso27001'", { x: ['soc2', 'iso27001'] })).toBe(true);
    expect(run("x contains 'iso27001'", { x: ['soc2'] })).toBe(false);
    expect(run("x contains ['a', 'b']", { x: ['a', 'b', 'c'] })).toBe(true);
    expect(run("x contains ['a', 'd']", { x: ['a', 'b', 'c'] })).toBe(false);
  });

  it('contains: substring of a text', () => {
    expect(run("x contains 'cloud'", { x: 'a cloud service' })).toBe(true);
    expect(run("x contains 'Cloud'", { x: 'a cloud service' })).toBe(false);
    expect(run('x contains 1', { x: 'a1' })).toBe(false);
    expect(run("x contains 'a'", { x: 1 })).toBe(false);
  });
});

describe('interpreter: logic', () => {
  it('evaluates and/or/not', () => {
    expect(run('a and b', { a: true, b: true })).toBe(true);
    expect(run('a and b', { a: true, b: false })).toBe(false);
    expect(run('a or b', { a: false, b: true })).toBe(true);
    expect(run('a or b', { a: false, b: false })).toBe(false);
    expect(run('not a', { a: true })).toBe(false);
    expect(run('not not a', { a: true })).toBe(true);
  });
});

describe('interpreter: functions', () => {
  it('has exactly the documented functions', () => {
    expect([...FUNCTIONS.keys()].sort()).toEqual(
      ['answered', 'coalesce', 'count', 'days_between', 'iif', 'len', 'max', 'min', 'today'].sort(),
    );
  });

  it('answered', () => {
    expect(run('answered(x)', { x: 'a' })).toBe(true);
    expect(run('answered(x)', { x: 0 })).toBe(true);
    expect(run('answered(x)', { x: null })).toBe(false);
    expect(run('answered(x)', { x: [] })).toBe(false);
    expect(run("answered('')")).toBe(false);
  });

  it('count: list elements plus other non-null arguments', () => {
    expect(run('count(x)', { x: ['a', 'b'] })).toBe(2);
    expect(run('count(x)', { x: null })).toBe(0);
    expect(run('count(a, b, c)', { a: 'yes', b: null, c: 3 })).toBe(2);
    expect(run('count(a, b)', { a: ['x'], b: 'y' })).toBe(2);
  });

  it('iif is lazy: the branch not taken is never evaluated', () => {
    const reads: number[] = [];
    const slots = new Map([
      ['c', 0],
      ['a', 1],
      ['b', 2],
    ]);
    const fn = compileExpression(parseExpression('iif(c, a, b)'), (n) => slots.get(n));
    const vals = new Proxy([true, 'A', 'B'], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    expect(fn({ vals, today: '2025-06-20' })).toBe('A');
    expect(reads).toEqual([0, 1]);
    reads.length = 0;
    vals[0] = false;
    reads.length = 0;
    expect(fn({ vals, today: '2025-06-20' })).toBe('B');
    expect(reads).toEqual([0, 2]);
  });

  it('and/or short-circuit', () => {
    const reads: number[] = [];
    const slots = new Map([
      ['a', 0],
      ['b', 1],
    ]);
    const vals = new Proxy([false, true], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
        return Reflect.get(target, key, receiver);
      },
    });
    expect(
      compileExpression(parseExpression('a and b'), (n) => slots.get(n))({ vals, today: '2025-06-20' }),
    ).toBe(false);
    expect(reads).toEqual([0]);
  });

  it('today returns the evaluation date', () => {
    expect(run('today()', {}, '2024-02-29')).toBe('2024-02-29');
  });

  it('days_between counts whole days from the first date to the second', () => {
    expect(run("days_between('2025-01-01', '2025-03-01')")).toBe(59);
    expect(run("days_between('2024-01-01', '2024-03-01')")).toBe(60);
    expect(run("days_between('2025-03-01', '2025-01-01')")).toBe(-59);
    expect(run('days_between(today(), x)', { x: '2025-07-31' })).toBe(41);
    expect(run("days_between('2025-02-30', '2025-03-01')")).toBe(null);
    expect(run("days_between('soon', '2025-03-01')")).toBe(null);
    expect(run('days_between(x, today())', { x: null })).toBe(null);
    expect(run('days_between(x, today())', { x: 5 })).toBe(null);
  });

  it('min and max ignore nulls and give null for no numbers or non-numbers', () => {
    expect(run('min(3, x, 1)', { x: null })).toBe(1);
    expect(run('max(3, x, 1)', { x: 7 })).toBe(7);
    expect(run('max(x)', { x: null })).toBe(null);
    expect(run("min(1, 'a')")).toBe(null);
  });

  it('len counts characters (code points) or list elements', () => {
    expect(run('len(x)', { x: 'héllo' })).toBe(5);
    expect(run('len(x)', { x: '😀😀' })).toBe(2);
    expect(run('len(x)', { x: ['a', 'b'] })).toBe(2);
    expect(run('len(x)', { x: null })).toBe(null);
    expect(run('len(x)', { x: 3 })).toBe(null);
  });

  it('coalesce picks the first non-null argument', () => {
    expect(run("coalesce(a, b, 'z')", { a: null, b: 'b' })).toBe('b');
    expect(run('coalesce(a, b)', { a: null, b: null })).toBe(null);
  });
});

describe('interpreter: data is only data', () => {
  it('treats hostile-looking strings as plain text', () => {
    expect(run("x == '__proto__'", { x: '__proto__' })).toBe(true);
    expect(run("x contains 'constructor'", { x: ['constructor', 'toString'] })).toBe(true);
    expect(run("x in ['__proto__']", { x: 'constructor' })).toBe(false);
    expect(run('len(x)', { x: 'constructor' })).toBe(11);
  });

  it('resolves references that look like object members only through the slot table', () => {
    // JSON.parse makes __proto__ an own key, as an attacker-controlled answer map would.
    expect(run('__proto__ == null', JSON.parse('{"__proto__": null}'))).toBe(true);
    expect(run("constructor == 'x'", { constructor: 'x' })).toBe(true);
    expect(run("toString == 'y'", { toString: 'y' } as never)).toBe(true);
  });
});
