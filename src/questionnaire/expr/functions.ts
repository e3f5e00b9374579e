import { dayNumber } from '../dates.js';
import type { Value } from './ast.js';
import { isTrue } from './values.js';

/** What a compiled expression reads: effective answer values by slot, and the evaluation date. */
export interface EvalContext {
  readonly vals: readonly Value[];
  readonly today: string;
}

export type Evaluator = (ctx: EvalContext) => Value;

/** Static types as a bit set, used by the linter to catch comparisons that can never be true. */
export const T = { NULL: 1, BOOL: 2, NUM: 4, STR: 8, LIST: 16, ANY: 31 } as const;

export interface FunctionDef {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Types the result can have. */
  readonly returns: number;
  /** Accepted (non-null) types of each argument; the last entry repeats for variadic functions. */
  readonly args: readonly number[];
  /** Builds the evaluator from argument evaluators, so calls allocate nothing at run time. */
  readonly build: (args: readonly Evaluator[]) => Evaluator;
  readonly doc: string;
}

function numbersOf(
  args: readonly Evaluator[],
  ctx: EvalContext,
  pick: (a: number, b: number) => number,
): Value {
  let acc: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!(ctx);
    if (v === null) continue;
    if (typeof v !== 'number') return null;
    acc = acc === null ? v : pick(acc, v);
  }
  return acc;
}

function lengthOf(v: Value): number | null {
  if (typeof v === 'string') {
    let n = 0;
    for (const _ of v) n++;
    return n;
  }
  if (Array.isArray(v)) return v.length;
  return null;
}

/**
 * The complete function table. A `Map`, never an object: a lookup of `constructor` or `__proto__`
 * must find nothing rather than something inherited from Object.prototype.
 */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map<string, FunctionDef>([
  [
    'answered',
    {
      minArgs: 1,
      maxArgs: 1,
      returns: T.BOOL,
      args: [T.ANY],
      build:
        ([a]) =>
        (ctx) => {
          const v = a!(ctx);
          return v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
        },
      doc: 'true when the value is present (not null, not an empty text, not an empty list)',
    },
  ],
  [
    'count',
    {
      minArgs: 1,
      maxArgs: Number.POSITIVE_INFINITY,
      returns: T.NUM,
      args: [T.ANY],
      build: (args) => (ctx) => {
        let n = 0;
        for (let i = 0; i < args.length; i++) {
          const v = args[i]!(ctx);
          if (Array.isArray(v)) n += v.length;
          else if (v !== null) n += 1;
        }
        return n;
      },
      doc: 'number of elements of the lists plus the number of other non-null arguments',
    },
  ],
  [
    'iif',
    {
      minArgs: 3,
      maxArgs: 3,
      returns: T.ANY,
      args: [T.ANY, T.ANY, T.ANY],
      // Lazy: only the chosen branch is evaluated.
      build:
        ([c, a, b]) =>
        (ctx) =>
          isTrue(c!(ctx)) ? a!(ctx) : b!(ctx),
      doc: 'the second argument when the first is true, else the third; only the chosen one is evaluated',
    },
  ],
  [
    'today',
    {
      minArgs: 0,
      maxArgs: 0,
      returns: T.STR,
      args: [],
      build: () => (ctx) => ctx.today,
      doc: 'the evaluation date as YYYY-MM-DD',
    },
  ],
  [
    'days_between',
    {
      minArgs: 2,
      maxArgs: 2,
      returns: T.NUM | T.NULL,
      args: [T.STR, T.STR],
      build:
        ([a, b]) =>
        (ctx) => {
          const x = a!(ctx);
          const y = b!(ctx);
          if (typeof x !== 'string' || typeof y !== 'string') return null;
          const dx = dayNumber(x);
          const dy = dayNumber(y);
          return dx === null || dy === null ? null : dy - dx;
        },
      doc: 'whole days from the first date to the second (negative when the second is earlier); null unless both are valid dates',
    },
  ],
  [
    'min',
    {
      minArgs: 1,
      maxArgs: Number.POSITIVE_INFINITY,
      returns: T.NUM | T.NULL,
      args: [T.NUM],
      build: (args) => (ctx) => numbersOf(args, ctx, Math.min),
      doc: 'smallest of the numeric arguments, ignoring nulls; null if none or if any is not a number',
    },
  ],
  [
    'max',
    {
      minArgs: 1,
      maxArgs: Number.POSITIVE_INFINITY,
      returns: T.NUM | T.NULL,
      args: [T.NUM],
      build: (args) => (ctx) => numbersOf(args, ctx, Math.max),
      doc: 'largest of the numeric arguments, ignoring nulls; null if none or if any is not a number',
    },
  ],
  [
    'len',
    {
      minArgs: 1,
      maxArgs: 1,
      returns: T.NUM | T.NULL,
      args: [T.STR | T.LIST],
      build:
        ([a]) =>
        (ctx) =>
          lengthOf(a!(ctx)),
      doc: 'characters in a text or elements in a list; null otherwise',
    },
  ],
  [
    'coalesce',
    {
      minArgs: 1,
      maxArgs: Number.POSITIVE_INFINITY,
      returns: T.ANY,
      args: [T.ANY],
      build: (args) => (ctx) => {
        for (let i = 0; i < args.length; i++) {
          const v = args[i]!(ctx);
          if (v !== null) return v;
        }
        return null;
      },
      doc: 'the first argument that is not null, else null',
    },
  ],
]);
