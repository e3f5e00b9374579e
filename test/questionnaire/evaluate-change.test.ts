/**
 * evaluateChange (src/questionnaire/evaluate.ts) works an evaluation out from the previous one when only
 * an answer nobody else reads changed. Over random responses and random walks of single changes, on every
 * shipped questionnaire and the reference fixture, it must give exactly what a full `evaluate` gives
 * (scores, bands, ratings, issues and findings in order, every question's result), and the short way must
 * be taken often enough for the comparison to mean something.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  type Answers,
  type AnswerValue,
  answerIsUnread,
  evaluate,
  evaluateChange,
  type Question,
  type Questionnaire,
} from '../../src/questionnaire/index.js';
import { baseline, compileOk, policyQuestionnaire } from './evaluate-helpers.js';

const SHIPPED = new URL('../../questionnaires/', import.meta.url);
// Each kind of reader once, with a question read by nothing else: a section's visible_if (s.a), another
// question's required_if (s.b) and validation (u.c), a computed value (u.d), and an unread one (u.e).
const READERS = policyQuestionnaire(
  '  method: weighted_ratio',
  `  - id: u
    title: U
    questions:
      - { id: u.c, type: number, text: C }
      - { id: u.d, type: number, text: D }
      - { id: u.e, type: text, text: E }
  - id: t
    title: T
    weight: 1
    visible_if: "s.a == 'yes'"
    questions:
      - { id: t.x, type: yes_no_na, text: X, weight: 1, scores: { yes: 1, no: 0 }, required_if: "s.b == 'no'" }
      - id: t.y
        type: number
        text: Y
        validate: [{ rule: "t.y < u.c", message: { en: Below C } }]
      - { id: t.z, type: yes_no_na, text: Z, visible_if: "big" }
computed:
  big: "u.d > 10"`,
);

const questionnaires = (): Array<[string, Questionnaire]> => [
  ['readers fixture', READERS],
  ['vendor-baseline fixture', baseline()],
  ...readdirSync(SHIPPED)
    .filter((f) => f.endsWith('.yaml'))
    .map((f): [string, Questionnaire] => [f, compileOk(readFileSync(new URL(f, SHIPPED), 'utf8'))]),
];

// A small deterministic generator (mulberry32), so a failure replays.
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function valueFor(question: Question, r: () => number): AnswerValue | undefined {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (r() < 0.15) return undefined; // unanswered
  if (r() < 0.05) return pick([42, 'odd', ['x'], true] as AnswerValue[]); // the wrong shape: invalid
  const options = (question.options ?? []).map((o) => o.value);
  switch (question.type) {
    case 'yes_no_na':
      return pick(['yes', 'no', 'na']);
    case 'single':
      return pick(options);
    case 'multi':
      return options.filter(() => r() < 0.4);
    case 'number':
      return pick([0, 1, 3.5, 8, 24, 96, 1000, -5, 1e9]);
    case 'date':
      return pick(['2020-01-01', '2025-06-30', '2026-12-31', '2031-02-28']);
    case 'text':
      return pick(['', 'short', 'A longer description of our controls.', 'x'.repeat(6000)]);
    default:
      return undefined;
  }
}

function commentFor(r: () => number): AnswerValue | undefined {
  return r() < 0.5 ? undefined : r() < 0.9 ? 'a reason' : 'x'.repeat(6000);
}

function randomAnswers(q: Questionnaire, r: () => number): Record<string, AnswerValue> {
  const out: Record<string, AnswerValue> = Object.create(null);
  for (const question of q.questions.values()) {
    if (question.context || question.type === 'file') continue;
    const v = valueFor(question, r);
    if (v !== undefined) out[question.id] = v;
    const c = question.comment ? commentFor(r) : undefined;
    if (c !== undefined) out[`${question.id}#comment`] = c;
  }
  return out;
}

function randomContext(q: Questionnaire, r: () => number): Answers {
  const out: Record<string, AnswerValue> = {};
  for (const question of q.questions.values())
    if (question.context) {
      const v = valueFor(question, r);
      if (v !== undefined) out[question.id] = v;
    }
  return out;
}

it('gives what evaluate gives, over random walks of single changes', () => {
  const today = '2026-06-15';
  for (const [name, q] of questionnaires()) {
    const r = rng(name.length * 7919);
    const writable = [...q.questions.values()].filter((x) => !x.context && x.type !== 'file');
    let short = 0;
    let changes = 0;
    for (let walk = 0; walk < 40; walk++) {
      const context = randomContext(q, r);
      const answers = randomAnswers(q, r);
      let prev = evaluate(q, answers, today, { context });
      for (let step = 0; step < 15; step++) {
        // Half the changes on questions nothing else reads (the short way), half anywhere.
        const pool = r() < 0.5 ? writable.filter((x) => answerIsUnread(q, x.id)) : writable;
        if (pool.length === 0) continue;
        const question = pool[Math.floor(r() * pool.length)]!;
        const key = question.comment && r() < 0.3 ? `${question.id}#comment` : question.id;
        const v = key === question.id ? valueFor(question, r) : commentFor(r);
        if (v === undefined) delete answers[key];
        else answers[key] = v;
        const got = evaluateChange(q, prev, answers, key, today, { context });
        expect(got, `${name}: ${key} = ${JSON.stringify(v)?.slice(0, 40)}`).toEqual(
          evaluate(q, answers, today, { context }),
        );
        if (answerIsUnread(q, question.id)) short++;
        changes++;
        prev = got;
      }
    }
    // The short way was taken for a good share of the changes on each questionnaire.
    expect(short, name).toBeGreaterThan(changes / 5);
  }
});

it('evaluates in full for an evaluation it did not make, another day, or a question others read', () => {
  const q = baseline();
  const answers: Record<string, AnswerValue> = Object.create(null);
  const prev = evaluate(q, answers, '2026-06-15');
  // A copy of an evaluation carries nothing of pass 1: evaluated in full, and still right.
  answers['scope.criticality'] = 'critical';
  expect(evaluateChange(q, { ...prev }, answers, 'scope.criticality', '2026-06-15')).toEqual(
    evaluate(q, answers, '2026-06-15'),
  );
  expect(evaluateChange(q, prev, answers, 'scope.criticality', '2026-06-16')).toEqual(
    evaluate(q, answers, '2026-06-16'),
  );
  // scope.criticality is a gate (other questions' rules read it): never the short way.
  expect(answerIsUnread(q, 'scope.criticality')).toBe(false);
  // Read by a section, a required_if, a validation, a computed value; and one read by nothing.
  expect(['s.a', 's.b', 'u.c', 'u.d', 'u.e'].map((id) => answerIsUnread(READERS, id))).toEqual([
    false,
    false,
    false,
    false,
    true,
  ]);
});
