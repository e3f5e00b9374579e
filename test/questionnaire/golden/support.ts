/** Helpers shared by the golden tests of the shipped questionnaires. */
import type { Evaluation } from '../../../src/questionnaire/index.js';

/** Raised findings by id: [likelihood, impact, escalated, riskScore, rating, dueDate]. */
export function findingsOf(ev: Evaluation) {
  return Object.fromEntries(
    ev.findings.map((f) => [f.id, [f.likelihood, f.impact, f.escalated, f.riskScore, f.rating, f.dueDate]]),
  );
}

export const issuesOf = (ev: Evaluation): string[] =>
  ev.issues.map((i) => `${i.questionId} ${i.kind}`).sort();
export const visibleIds = (ev: Evaluation): string[] =>
  Object.keys(ev.questions).filter((id) => ev.questions[id]!.visible);
export const sectionScores = (ev: Evaluation) => Object.fromEntries(ev.sections.map((s) => [s.id, s.score]));
