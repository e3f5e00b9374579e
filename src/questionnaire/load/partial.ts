import type { ExprNode, Value } from '../expr/ast.js';
import { FUNCTIONS } from '../expr/functions.js';
import { contains, equals, isIn, isTrue, order } from '../expr/values.js';

/*
 * Partial evaluation for lint: what an expression gives when some answers are fixed and every other one is
 * unknown. "Does answering the gate 'no' hide this follow-up?" is `partialTruth(visible_if, {gate: 'no'})`
 * being false, whatever the other answers are. Unknown propagates (Kleene logic for and/or/not), so the
 * result is only definite when the fixed answers alone decide it.
 */

const UNKNOWN: unique symbol = Symbol('unknown');
type Partial = Value | typeof UNKNOWN;

export interface PartialScope {
  /** Answers fixed for this question: the value expressions would see. */
  readonly fixed: ReadonlyMap<string, Value>;
  /** Computed values and thresholds by name, evaluated on demand. */
  readonly computed: ReadonlyMap<string, { readonly expr: { readonly ast: ExprNode } | null }>;
}

/** What computed values gave under one set of fixed answers; reuse it only with the same `fixed`. */
export type PartialMemo = Map<string, unknown>;

/**
 * true or false when the fixed answers decide the condition, null when it depends on other answers. Pass
 * the same `memo` for every condition checked under the same fixed answers, so a long chain of computed
 * values is walked once, not once per condition.
 */
export function partialTruth(
  ast: ExprNode,
  scope: PartialScope,
  memo: PartialMemo = new Map(),
): boolean | null {
  const v = evalPartial(ast, scope, memo as Map<string, Partial>, 0);
  return v === UNKNOWN ? null : isTrue(v);
}

const MAX_DEPTH = 256;

function evalPartial(
  node: ExprNode,
  scope: PartialScope,
  memo: Map<string, Partial>,
  depth: number,
): Partial {
  if (depth > MAX_DEPTH) return UNKNOWN;
  const sub = (n: ExprNode): Partial => evalPartial(n, scope, memo, depth + 1);
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'list':
      return node.items;
    case 'ref': {
      if (scope.fixed.has(node.name)) return scope.fixed.get(node.name)!;
      const entry = scope.computed.get(node.name);
      if (entry?.expr) {
        if (memo.has(node.name)) return memo.get(node.name)!;
        memo.set(node.name, UNKNOWN); // a cycle reads as unknown; the analyzer reports cycles
        const v = sub(entry.expr.ast);
        memo.set(node.name, v);
        return v;
      }
      return UNKNOWN;
    }
    case 'not': {
      const o = sub(node.operand);
      return o === UNKNOWN ? UNKNOWN : !isTrue(o);
    }
    case 'and': {
      const l = sub(node.left);
      if (l !== UNKNOWN && !isTrue(l)) return false;
      const r = sub(node.right);
      if (r !== UNKNOWN && !isTrue(r)) return false;
      return l === UNKNOWN || r === UNKNOWN ? UNKNOWN : true;
    }
    case 'or': {
      const l = sub(node.left);
      if (l !== UNKNOWN && isTrue(l)) return true;
      const r = sub(node.right);
      if (r !== UNKNOWN && isTrue(r)) return true;
      return l === UNKNOWN || r === UNKNOWN ? UNKNOWN : false;
    }
    case 'compare': {
      const a = sub(node.left);
      const b = sub(node.right);
      const nullTest =
        (node.op === '==' || node.op === '!=') &&
        ((node.left.kind === 'literal' && node.left.value === null) ||
          (node.right.kind === 'literal' && node.right.value === null));
      if (nullTest) {
        const other = node.left.kind === 'literal' && node.left.value === null ? b : a;
        if (other === UNKNOWN) return UNKNOWN;
        return node.op === '==' ? other === null : other !== null;
      }
      // Any null side makes a comparison false, whatever the other side is.
      if (a === null || b === null) return false;
      if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
      switch (node.op) {
        case '==':
          return equals(a, b);
        case '!=':
          return !equals(a, b);
        case '<':
          return (order(a, b) ?? 0) < 0;
        case '<=': {
          const o = order(a, b);
          return o !== null && o <= 0;
        }
        case '>':
          return (order(a, b) ?? 0) > 0;
        case '>=': {
          const o = order(a, b);
          return o !== null && o >= 0;
        }
        case 'in':
          return isIn(a, b);
        case 'contains':
          return contains(a, b);
      }
      return UNKNOWN;
    }
    case 'call': {
      if (node.name === 'iif') {
        const c = sub(node.args[0]!);
        if (c === UNKNOWN) return UNKNOWN;
        return sub(isTrue(c) ? node.args[1]! : node.args[2]!);
      }
      if (node.name === 'today') return UNKNOWN;
      const args = node.args.map(sub);
      if (args.some((a) => a === UNKNOWN)) return UNKNOWN;
      const fn = FUNCTIONS.get(node.name);
      if (fn === undefined) return UNKNOWN;
      return fn.build(args.map((a) => () => a as Value))({ vals: [], today: '' });
    }
  }
}
