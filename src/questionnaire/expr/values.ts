import type { Literal, Value } from './ast.js';

/** Conditions hold only for the value `true`; null, numbers, text and lists never satisfy one. */
export const isTrue = (v: Value): boolean => v === true;

function listHas(list: readonly Literal[], v: Literal): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

/**
 * Strict equality of two non-null values: same type and same value; lists are equal when they hold
 * the same elements regardless of order (a multi answer is a set of options).
 */
export function equals(a: Value, b: Value): boolean {
  if (a === null || b === null) return false;
  const al = Array.isArray(a);
  const bl = Array.isArray(b);
  if (al || bl) {
    if (!al || !bl) return false;
    const x = a as readonly Literal[];
    const y = b as readonly Literal[];
    for (let i = 0; i < x.length; i++) if (!listHas(y, x[i]!)) return false;
    for (let i = 0; i < y.length; i++) if (!listHas(x, y[i]!)) return false;
    return true;
  }
  return a === b;
}

/** Ordering of two numbers or two strings (ISO dates order correctly as strings); anything else is false. */
export function order(a: Value, b: Value): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return null;
}

/** `a in b`: b is a list and a is one of its elements, or a is a list sharing at least one element with b. */
export function isIn(a: Value, b: Value): boolean {
  if (a === null || !Array.isArray(b)) return false;
  const list = b as readonly Literal[];
  if (Array.isArray(a)) {
    for (const x of a as readonly Literal[]) if (listHas(list, x)) return true;
    return false;
  }
  return listHas(list, a as Literal);
}

/**
 * `a contains b`: a list contains the value b (or every element of a list b); a string contains b as
 * a substring.
 */
export function contains(a: Value, b: Value): boolean {
  if (a === null || b === null) return false;
  if (Array.isArray(a)) {
    const list = a as readonly Literal[];
    if (Array.isArray(b)) {
      for (const x of b as readonly Literal[]) if (!listHas(list, x)) return false;
      return true;
    }
    return listHas(list, b as Literal);
  }
  if (typeof a === 'string' && typeof b === 'string') return a.includes(b);
  return false;
}
