/**
 * What a re-assessment carries over of the previous answers (carriedAnswers, src/workspace/review.ts):
 * comments cut by code points as every limit counts them (a UTF-16 cut left half a surrogate pair,
 * which PostgreSQL's jsonb refuses), and comments on file questions carried too.
 */
import { expect, it } from 'vitest';
import { withCommentsEverywhere } from '../../src/questionnaire/index.js';
import { carriedAnswers } from '../../src/workspace/review.js';
import { shippedLibrary } from '../support/assessments.js';

const dora = () =>
  [...shippedLibrary().values()].find((q) => q.id === 'dora-ict-provider' && q.version === '3.0.0')!;

it('cuts a carried comment by code points, never inside a surrogate pair', () => {
  const q = dora();
  const key = 'gov.risk_framework#comment';
  const max = q.questions.get('gov.risk_framework')!.comment!.maxLength;
  const fits = `a${'😀'.repeat(max - 1)}`;
  expect(carriedAnswers(q, q, { [key]: { value: fits } })[key]).toBe(fits);
  const long = '😀'.repeat(max + 5);
  const cut = carriedAnswers(q, q, { [key]: { value: long } })[key] as string;
  expect(Array.from(cut)).toHaveLength(max);
  expect(cut).toBe('😀'.repeat(max));
  // No lone surrogate: every code unit pair is whole.
  expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(cut)).toBe(false);
});

it('carries a comment on a file question (comments on every question), not its files', () => {
  const q = withCommentsEverywhere(dora());
  const out = carriedAnswers(q, q, {
    'sub.list#comment': { value: 'The list is in our trust centre.' },
    'sub.list': { value: ['ev_1'] },
  });
  expect(out['sub.list#comment']).toBe('The list is in our trust centre.');
  expect(out).not.toHaveProperty('sub.list');
});
