import type { ExprNode, Value } from './ast.js';
import { type EvalContext, type Evaluator, FUNCTIONS } from './functions.js';
import { contains, equals, isIn, isTrue, order } from './values.js';

/**
 * Turns an AST into a tree of closures (the interpreter): references become array reads by slot,
 * resolved once here, so evaluating allocates nothing and never looks anything up by name.
 * `slotOf` must know every reference (the loader has checked them); an unknown one is a bug.
 */
export function compileExpression(node: ExprNode, slotOf: (name: string) => number | undefined): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const v = node.value;
      return () => v;
    }
    case 'list': {
      const v = Object.freeze([...node.items]);
      return () => v;
    }
    case 'ref': {
      const slot = slotOf(node.name);
      if (slot === undefined) throw new Error(`internal: unresolved reference ${node.name}`);
      return (ctx) => ctx.vals[slot] ?? null;
    }
    case 'call': {
      const fn = FUNCTIONS.get(node.name);
      if (fn === undefined) throw new Error(`internal: unknown function ${node.name}`);
      return fn.build(node.args.map((a) => compileExpression(a, slotOf)));
    }
    case 'not': {
      const o = compileExpression(node.operand, slotOf);
      return (ctx) => !isTrue(o(ctx));
    }
    case 'and': {
      const l = compileExpression(node.left, slotOf);
      const r = compileExpression(node.right, slotOf);
      return (ctx) => isTrue(l(ctx)) && isTrue(r(ctx));
    }
    case 'or': {
      const l = compileExpression(node.left, slotOf);
      const r = compileExpression(node.right, slotOf);
      return (ctx) => isTrue(l(ctx)) || isTrue(r(ctx));
    }
    case 'compare':
      return compileComparison(node.op, node.left, node.right, slotOf);
  }
}

const isNullLiteral = (n: ExprNode): boolean => n.kind === 'literal' && n.value === null;

function compileComparison(
  op: string,
  leftNode: ExprNode,
  rightNode: ExprNode,
  slotOf: (name: string) => number | undefined,
): Evaluator {
  // `x == null` / `x != null` are the only comparisons that can see a null: they test for it.
  if ((op === '==' || op === '!=') && (isNullLiteral(leftNode) || isNullLiteral(rightNode))) {
    const other = compileExpression(isNullLiteral(leftNode) ? rightNode : leftNode, slotOf);
    return op === '==' ? (ctx) => other(ctx) === null : (ctx) => other(ctx) !== null;
  }
  const l = compileExpression(leftNode, slotOf);
  const r = compileExpression(rightNode, slotOf);
  const both =
    (test: (a: Value, b: Value) => boolean): Evaluator =>
    (ctx: EvalContext) => {
      const a = l(ctx);
      if (a === null) return false;
      const b = r(ctx);
      if (b === null) return false;
      return test(a, b);
    };
  switch (op) {
    case '==':
      return both(equals);
    case '!=':
      return both((a, b) => !equals(a, b));
    case '<':
      return both((a, b) => (order(a, b) ?? 0) < 0);
    case '<=':
      return both((a, b) => {
        const o = order(a, b);
        return o !== null && o <= 0;
      });
    case '>':
      return both((a, b) => (order(a, b) ?? 0) > 0);
    case '>=':
      return both((a, b) => {
        const o = order(a, b);
        return o !== null && o >= 0;
      });
    case 'in':
      return both(isIn);
    case 'contains':
      return both(contains);
    default:
      throw new Error(`internal: unknown operator ${op}`);
  }
}
