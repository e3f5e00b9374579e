/**
 * Comments on every question, when the requesting tenant allows them (tenant setting
 * `vendorComments: 'every'`, pinned on the assessment when it is sent). A questionnaire declares the
 * comments it asks for (`comment:`, and the reason an `na: justify` N/A needs); this gives every other
 * question the vendor answers an optional one, so "see our policy, section 4" always has a place.
 * Scoring is untouched: an optional comment is never required and never scored.
 */
import { DEFAULT_COMMENT_MAX_LENGTH } from './load/questions.js';
import { attachPlan, planOf } from './plan.js';
import type { CommentRule, Question, Questionnaire, Section } from './types.js';

const OPEN_COMMENT: CommentRule = Object.freeze({
  required: false,
  requiredIf: null,
  label: null,
  maxLength: DEFAULT_COMMENT_MAX_LENGTH,
});

// Derived once per compiled questionnaire (itself cached by source hash), so a save costs a lookup.
const derived = new WeakMap<Questionnaire, Questionnaire>();

/** `q` with an optional comment on every question that has none (context facts excepted). */
export function withCommentsEverywhere(q: Questionnaire): Questionnaire {
  const hit = derived.get(q);
  if (hit) return hit;
  const swap = new Map<Question, Question>();
  for (const question of q.questions.values())
    if (!question.comment && !question.context)
      swap.set(question, Object.freeze({ ...question, comment: OPEN_COMMENT }));
  if (swap.size === 0) {
    derived.set(q, q);
    return q;
  }
  const one = (question: Question) => swap.get(question) ?? question;
  const sections: Section[] = q.sections.map((s) =>
    Object.freeze({ ...s, questions: Object.freeze(s.questions.map(one)) }),
  );
  const questions = new Map([...q.questions].map(([id, question]) => [id, one(question)]));
  const out: Questionnaire = Object.freeze({
    ...q,
    sections: Object.freeze(sections),
    questions,
    contextFacts: q.contextFacts,
  });
  // The same evaluation plan: an optional comment of the default length scores and validates exactly as
  // no comment rule does (evaluate() reads the comment under the same key and limit either way).
  attachPlan(out, planOf(q));
  derived.set(q, out);
  return out;
}
