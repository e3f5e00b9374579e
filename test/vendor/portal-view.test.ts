/**
 * The autosave fragment's marks (src/vendor/portal-view.ts): `plainMarks` builds a question's marks
 * without the rest of its view, and must give what `marksOf(questionView(…))` gives for every question,
 * in every state a save can leave it in; `changedQuestions` compares messages by identity first and must
 * find the same questions as comparing them as JSON.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type AnswerValue, evaluate, type Questionnaire } from '../../src/questionnaire/index.js';
import type { PortalState } from '../../src/vendor/answers.js';
import { changedQuestions, marksOf, plainMarks, questionView } from '../../src/vendor/portal-view.js';
import { baseline, compileOk, SAMPLE_ANSWERS, SAMPLE_TODAY } from '../questionnaire/evaluate-helpers.js';

// The shipped DORA questionnaire has a warning-level rule (an expired certificate date); the baseline has none.
const dora = () =>
  compileOk(readFileSync(new URL('../../questionnaires/dora-ict-provider.yaml', import.meta.url), 'utf8'));
const EXPIRED: Record<string, AnswerValue> = {
  'gov.standards': ['iso27001'],
  'gov.cert_expiry': '2020-01-01',
};

function stateOf(q: Questionnaire, answers: Record<string, AnswerValue>): PortalState {
  const rows = Object.fromEntries(
    Object.entries(answers).map(([key, value]) => [
      key,
      { key, value, revision: 1, updatedAt: new Date(0), updatedBy: null },
    ]),
  );
  return {
    q,
    rows,
    answers,
    context: {},
    evidence: [],
    evaluation: evaluate(q, answers, SAMPLE_TODAY),
    changeRequests: {},
  } as unknown as PortalState;
}

// Empty, the sample, the sample with values the engine refuses, an expired certificate (a warning).
function states(q: Questionnaire): PortalState[] {
  const broken: Record<string, AnswerValue> = { ...SAMPLE_ANSWERS, ...EXPIRED };
  for (const question of q.questions.values()) {
    if (question.type === 'number') broken[question.id] = -1e12;
    if (question.type === 'text') broken[question.id] = 'x'.repeat(20_000);
    if (question.comment) broken[`${question.id}#comment`] = 'x'.repeat(20_000);
  }
  return [
    stateOf(q, {}),
    stateOf(q, { ...SAMPLE_ANSWERS }),
    stateOf(q, { ...SAMPLE_ANSWERS, ...EXPIRED }),
    stateOf(q, broken),
  ];
}

it('plainMarks gives the marks of the whole question view, for every question and language', () => {
  let errors = 0;
  let warnings = 0;
  for (const q of [baseline(), dora()])
    for (const state of states(q))
      for (const question of q.questions.values())
        for (const locale of q.locales) {
          const whole = marksOf(questionView(state, question, locale), '/reload');
          expect(plainMarks(state, question, locale), question.id).toEqual(whole);
          if (whole.some((m) => m.error)) errors++;
          if (whole.some((m) => m.warnings.length)) warnings++;
        }
  // The comparison covered marks with errors and with warnings, not only empty ones.
  expect({ errors: errors > 0, warnings: warnings > 0 }).toEqual({ errors: true, warnings: true });
});

it('changedQuestions finds the questions whose marks changed, as comparing their messages as JSON does', () => {
  let found = 0;
  for (const q of [baseline(), dora()]) {
    const all = states(q);
    for (const before of all)
      for (const after of all)
        for (const section of q.sections) {
          const got = changedQuestions(after, before.evaluation, section.id);
          const marked = section.questions.filter((question) => {
            const a = before.evaluation.questions[question.id]!;
            const b = after.evaluation.questions[question.id]!;
            return (
              a.visible === b.visible &&
              (a.required !== b.required ||
                a.commentRequired !== b.commentRequired ||
                JSON.stringify(a.messages) !== JSON.stringify(b.messages))
            );
          });
          expect(got.marked.map((x) => x.id)).toEqual(marked.map((x) => x.id));
          found += marked.length;
        }
  }
  expect(found).toBeGreaterThan(0);
});
