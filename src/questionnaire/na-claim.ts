import type { Value } from './expr/ast.js';
import type { EvalContext } from './expr/functions.js';
import { isTrue } from './expr/values.js';
import type { QuestionPlan } from './plan.js';

/*
 * What an unconfirmed "N/A claimed" finding weighs (issue 10, content review X1/X2). An N/A on a must-have
 * control is a claim the reviewer has not checked yet; until they have, it must not rate better than the
 * control failing would. So the automatic finding takes the weight of the worst finding that the question's
 * own real answers (everything but N/A) raise in this response: its likelihood, impact, escalation and due
 * date, and its knock-out flag, which the headline rating then reads like any other knock-out. A control
 * whose real answers raise nothing worse keeps the claim at the lowest rating (1 × 1).
 *
 * Only the question's own findings are tried, with the other answers as given; values computed from the
 * question (`computed:`) keep the N/A they were computed from, and follow-ups the N/A hides stay hidden.
 * Worked out only when a claim is raised, so a response without one pays nothing.
 */

export interface NaClaimWeight {
  likelihood: number;
  impact: number;
  escalated: boolean;
  dueDays: number | null;
  knockout: boolean;
}

/** Every answer but N/A the question can take: yes/no, each option, or each single option and none. */
function realAnswers(p: QuestionPlan): Value[] {
  const q = p.q;
  if (q.type === 'yes_no_na') return ['yes', 'no'];
  const values = (q.options ?? []).map((o) => o.value).filter((v) => v !== 'na');
  return q.type === 'multi' ? [[], ...values.map((v) => [v])] : values;
}

/** The weight an N/A claim on `p` inherits, or null when no real answer raises a finding of its own. */
export function naClaimWeight(p: QuestionPlan, ctx: EvalContext): NaClaimWeight | null {
  const own = p.findings.filter((f) => f.def.origin !== 'na-claim');
  if (own.length === 0) return null;
  const vals = [...ctx.vals];
  const tried: EvalContext = { vals, today: ctx.today };
  let worst: NaClaimWeight | null = null;
  let worstScore = 0;
  let knockout = false;
  for (const answer of realAnswers(p)) {
    vals[p.slot] = answer;
    for (const f of own) {
      if (!isTrue(f.when(tried))) continue;
      const escalated = f.escalate !== null && isTrue(f.escalate(tried));
      const impact = escalated ? Math.min(5, f.def.impact + 1) : f.def.impact;
      const score = f.def.likelihood * impact;
      knockout ||= f.def.knockout;
      if (score > worstScore) {
        worstScore = score;
        worst = { likelihood: f.def.likelihood, impact, escalated, dueDays: f.def.dueDays, knockout: false };
      }
    }
  }
  if (worst !== null) worst.knockout = knockout;
  return worst;
}
