/**
 * The kept evaluation of an assessment (src/vendor/portal-evaluation.ts) is reused only for an equal
 * input: every part that changes (an answer's value, an answer added or removed, a file, a context fact,
 * the day, the questionnaire) evaluates again and gives what a fresh `evaluate` gives.
 */
import { expect, it } from 'vitest';
import { type AnswerValue, evaluate } from '../../src/questionnaire/index.js';
import { withEvidence } from '../../src/vendor/evidence-answers.js';
import { portalEvaluation } from '../../src/vendor/portal-evaluation.js';
import { baseline, SAMPLE_ANSWERS, SAMPLE_TODAY } from '../questionnaire/evaluate-helpers.js';

const answersOf = (a: Record<string, AnswerValue>): Record<string, AnswerValue> =>
  Object.assign(Object.create(null), a);

it('reuses the evaluation only for an equal input, and matches a fresh evaluate otherwise', () => {
  const q = baseline();
  const place = `tenant:${crypto.randomUUID()}`;
  const fresh = (
    answers: Record<string, AnswerValue>,
    files: { id: string; questionId: string }[],
    today: string,
    context: Record<string, AnswerValue>,
    questionnaire = q,
  ) => evaluate(questionnaire, withEvidence(questionnaire, answers, files), today, { context });

  const base = answersOf({ ...SAMPLE_ANSWERS });
  const first = portalEvaluation(place, q, base, [], SAMPLE_TODAY, {});
  expect(first).toEqual(fresh(base, [], SAMPLE_TODAY, {}));
  // Equal input read again (new objects, same values): the kept evaluation itself.
  expect(portalEvaluation(place, q, answersOf({ ...SAMPLE_ANSWERS }), [], SAMPLE_TODAY, {})).toBe(first);

  const steps: Array<{
    name: string;
    answers: Record<string, AnswerValue>;
    files?: { id: string; questionId: string }[];
    today?: string;
    context?: Record<string, AnswerValue>;
  }> = [
    { name: 'a value changed', answers: answersOf({ ...SAMPLE_ANSWERS, 'scope.criticality': 'low' }) },
    {
      name: 'one item of a multi-select changed',
      answers: answersOf({ ...SAMPLE_ANSWERS, 'scope.data_types': ['personal', 'health'] }),
    },
    { name: 'an answer added', answers: answersOf({ ...SAMPLE_ANSWERS, 'ops.notes': 'More.' }) },
    {
      name: 'an answer removed',
      answers: answersOf(Object.fromEntries(Object.entries(SAMPLE_ANSWERS).filter(([k]) => k !== 'ops.mfa'))),
    },
    {
      name: 'a file uploaded',
      answers: answersOf({ ...SAMPLE_ANSWERS }),
      files: [{ id: 'f1', questionId: 'sup.subprocessor_list' }],
    },
    {
      name: 'another file in its place',
      answers: answersOf({ ...SAMPLE_ANSWERS }),
      files: [{ id: 'f2', questionId: 'sup.subprocessor_list' }],
    },
    { name: 'the next day', answers: answersOf({ ...SAMPLE_ANSWERS }), today: '2025-09-01' },
    {
      name: 'a context fact',
      answers: answersOf({ ...SAMPLE_ANSWERS }),
      context: { 'scope.criticality': 'low' },
    },
  ];
  let previous = first;
  for (const s of steps) {
    const files = s.files ?? [];
    const today = s.today ?? SAMPLE_TODAY;
    const context = s.context ?? {};
    const got = portalEvaluation(place, q, s.answers, files, today, context);
    expect(got, s.name).not.toBe(previous);
    expect(got, s.name).toEqual(fresh(s.answers, files, today, context));
    previous = got;
  }
  // The same source compiled again is another questionnaire: evaluated again.
  const q2 = baseline();
  const last = steps.at(-1)!;
  const again = portalEvaluation(place, q2, last.answers, [], SAMPLE_TODAY, last.context!);
  expect(again).not.toBe(previous);
  expect(again).toEqual(fresh(last.answers, [], SAMPLE_TODAY, last.context!, q2));
});

it('keeps one evaluation per assessment: another place with the same input evaluates itself', () => {
  const q = baseline();
  const answers = answersOf({ ...SAMPLE_ANSWERS });
  const a = portalEvaluation(`t:${crypto.randomUUID()}`, q, answers, [], SAMPLE_TODAY, {});
  const b = portalEvaluation(`t:${crypto.randomUUID()}`, q, answers, [], SAMPLE_TODAY, {});
  expect(b).not.toBe(a);
  expect(b).toEqual(a);
});
