import type { ExprNode } from './expr/ast.js';
import { compileExpression } from './expr/compile.js';
import type { Evaluator } from './expr/functions.js';
import type { Step } from './load/analyze.js';
import type { Loc } from './load/context.js';
import type { Expression, FindingDef, Option, Question, Questionnaire, Text } from './types.js';

export interface QuestionPlan {
  readonly q: Question;
  /** Answer keys of the side values, built once rather than on every evaluation. */
  readonly commentKey: string;
  readonly evidenceKey: string;
  readonly slot: number;
  readonly section: number;
  /** single and multi: options by value, so checking and scoring an answer never scans the list. */
  readonly options: ReadonlyMap<string, Option> | null;
  readonly visible: Evaluator | null;
  readonly requiredIf: Evaluator | null;
  readonly commentRequiredIf: Evaluator | null;
  readonly evidenceRequiredIf: Evaluator | null;
  readonly scoreExpr: Evaluator | null;
  /** hidden_zero_if: while hidden and true, the question counts with score 0. */
  readonly hiddenZero: Evaluator | null;
  readonly validate: ReadonlyArray<{
    readonly rule: Evaluator;
    readonly message: Text;
    readonly level: 'error' | 'warning';
  }>;
  readonly findings: ReadonlyArray<{
    readonly def: FindingDef;
    readonly when: Evaluator;
    readonly escalate: Evaluator | null;
  }>;
  /** Question weight × section weight, or 0 when the question cannot be scored. */
  readonly weight: number;
}

export type PlanStep =
  | { readonly kind: 'section'; readonly index: number; readonly visible: Evaluator | null }
  | { readonly kind: 'question'; readonly plan: QuestionPlan }
  | { readonly kind: 'computed'; readonly slot: number; readonly fn: Evaluator };

/** Everything `evaluate` needs, precomputed once per questionnaire. */
export interface Plan {
  readonly slots: number;
  readonly steps: readonly PlanStep[];
  readonly questions: readonly QuestionPlan[];
  readonly sectionQuestions: ReadonlyArray<readonly QuestionPlan[]>;
  /** Source positions of ids, options and fields, for compatibility reports. */
  readonly locs: ReadonlyMap<string, Loc>;
  /**
   * The slots each slot's value depends on: a question's `visible_if`, a computed value's expression (none for
   * thresholds). With `sectionRefs` (each section's `visible_if`), what tells a hidden question whose gate is
   * still unanswered from one its gate has hidden (evaluate's `unknownGate`).
   */
  readonly refs: ReadonlyArray<readonly number[]>;
  /** The question of each question slot (the slots after them hold computed values and thresholds). */
  readonly bySlot: ReadonlyArray<QuestionPlan>;
  readonly sectionRefs: ReadonlyArray<readonly number[]>;
}

const PLANS = new WeakMap<Questionnaire, Plan>();

export function attachPlan(q: Questionnaire, plan: Plan): void {
  PLANS.set(q, plan);
}

export function planOf(q: Questionnaire): Plan {
  const plan = PLANS.get(q);
  if (plan === undefined) {
    throw new TypeError(
      'Not a compiled questionnaire: pass the object returned by compileQuestionnaire or loadLibrary.',
    );
  }
  return plan;
}

/** `named` holds the computed values and the thresholds (constant expressions), each with a slot. */
export function buildPlan(
  q: Questionnaire,
  order: readonly Step[],
  locs: ReadonlyMap<string, Loc>,
  named: ReadonlyMap<string, Expression>,
): Plan {
  const slotOf = new Map<string, number>();
  let n = 0;
  for (const id of q.questions.keys()) slotOf.set(id, n++);
  for (const name of named.keys()) slotOf.set(name, n++);
  const compile = (e: { ast: Parameters<typeof compileExpression>[0] } | null): Evaluator | null =>
    e === null ? null : compileExpression(e.ast, (name) => slotOf.get(name));
  const refsOf = (e: { ast: ExprNode } | null): number[] => {
    const out = new Set<number>();
    const walk = (node: ExprNode): void => {
      if (node.kind === 'ref') {
        const slot = slotOf.get(node.name);
        if (slot !== undefined) out.add(slot);
      } else if (node.kind === 'call') node.args.forEach(walk);
      else if (node.kind === 'not') walk(node.operand);
      else if (node.kind === 'and' || node.kind === 'or' || node.kind === 'compare') {
        walk(node.left);
        walk(node.right);
      }
    };
    if (e !== null) walk(e.ast);
    return [...out];
  };
  const refs: number[][] = new Array(n);
  for (const question of q.questions.values()) refs[slotOf.get(question.id)!] = refsOf(question.visibleIf);
  for (const [name, expr] of named) refs[slotOf.get(name)!] = refsOf(expr);

  const byId = new Map<string, QuestionPlan>();
  const sectionQuestions = q.sections.map((section, index) =>
    section.questions.map((question) => {
      const plan: QuestionPlan = {
        q: question,
        commentKey: `${question.id}#comment`,
        evidenceKey: `${question.id}#evidence`,
        slot: slotOf.get(question.id)!,
        section: index,
        options: question.options === null ? null : new Map(question.options.map((o) => [o.value, o])),
        visible: compile(question.visibleIf),
        requiredIf: compile(question.requiredIf),
        commentRequiredIf: compile(question.comment?.requiredIf ?? null),
        evidenceRequiredIf: compile(question.evidence?.requiredIf ?? null),
        scoreExpr: compile(question.scoreExpr),
        hiddenZero: compile(question.hiddenZeroIf),
        validate: question.validate.map((v) => ({
          rule: compile(v.rule)!,
          message: v.message,
          level: v.level,
        })),
        findings: question.findings.map((def) => ({
          def,
          when: compile(def.when)!,
          escalate: compile(def.escalateIf),
        })),
        weight: question.scored ? question.weight * section.weight : 0,
      };
      byId.set(question.id, plan);
      return plan;
    }),
  );
  const steps: PlanStep[] = order.map((s): PlanStep => {
    if (s.kind === 'section')
      return { kind: 'section', index: s.index, visible: compile(q.sections[s.index]!.visibleIf) };
    if (s.kind === 'question') return { kind: 'question', plan: byId.get(s.id)! };
    return { kind: 'computed', slot: slotOf.get(s.name)!, fn: compile(named.get(s.name)!)! };
  });
  return {
    slots: n,
    steps,
    questions: sectionQuestions.flat(),
    sectionQuestions,
    locs,
    refs,
    bySlot: [...byId.values()].sort((a, b) => a.slot - b.slot),
    sectionRefs: q.sections.map((section) => refsOf(section.visibleIf)),
  };
}
