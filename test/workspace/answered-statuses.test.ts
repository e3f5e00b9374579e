/**
 * touchAnswers leaves the first-answer event and the status move out for an assessment it read as
 * answered (src/db/repo/assessments.ts). That is only right while no status move leads from an
 * answered status back to an unanswered one: this holds the event rules to it.
 */
import { expect, it } from 'vitest';
import { ANSWERED_OR_CLOSED, NOT_YET_ANSWERED } from '../../src/db/repo/assessments.js';
import { ASSESSMENT_STATUSES } from '../../src/db/tables.js';
import { EVENT_RULES } from '../../src/workspace/assessment-events.js';

it('no event rule moves an answered assessment back to an unanswered status', () => {
  for (const [kind, rule] of Object.entries(EVENT_RULES)) {
    if (rule.to === null) continue;
    const fromAnswered = rule.from.filter((s) => ANSWERED_OR_CLOSED.includes(s));
    if (fromAnswered.length)
      expect(ANSWERED_OR_CLOSED, `${kind}: ${fromAnswered} → ${rule.to}`).toContain(rule.to);
  }
});

it('answered and unanswered statuses are apart, and draft is neither', () => {
  expect(ANSWERED_OR_CLOSED.filter((s) => NOT_YET_ANSWERED.includes(s))).toEqual([]);
  expect([...ANSWERED_OR_CLOSED, ...NOT_YET_ANSWERED, 'draft'].sort()).toEqual(
    [...ASSESSMENT_STATUSES].sort(),
  );
});
