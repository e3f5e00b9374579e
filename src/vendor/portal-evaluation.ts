/**
 * The engine's evaluation of an assessment's answers, kept per assessment for its next request. An
 * autosave evaluates twice, before and after the new value, and the "after" of one save is the "before"
 * of the next: the same questionnaire, answers, files, context facts and day. Each is compared with
 * what the kept evaluation was made from (the questionnaire by identity: compiled once per source hash;
 * the rest by value), so a hit is an equal input and the same result, whatever wrote in between (another
 * tab, an import, a reviewer's context change, another process on the same database). Evaluations are
 * never changed after they are made (readers only), so one may serve several requests.
 */
import {
  type Answers,
  type AnswerValue,
  type Evaluation,
  evaluate,
  type Questionnaire,
} from '../questionnaire/index.js';
import { withEvidence } from './evidence-answers.js';

interface Kept {
  q: Questionnaire;
  today: string;
  context: string;
  answers: Record<string, AnswerValue>;
  answerCount: number;
  files: string[];
  evaluation: Evaluation;
}

/** Assessments kept (oldest out): a few hundred evaluations of a few hundred questions each. */
const KEPT = 256;
const kept = new Map<string, Kept>();

const sameValue = (a: AnswerValue | undefined, b: AnswerValue | undefined): boolean => {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

function countOf(answers: Readonly<Record<string, AnswerValue>>): number {
  let n = 0;
  for (const _ in answers) n++;
  return n;
}

function sameAnswers(k: Kept, answers: Readonly<Record<string, AnswerValue>>): boolean {
  let n = 0;
  for (const key in answers) {
    n++;
    if (!Object.hasOwn(k.answers, key) || !sameValue(k.answers[key], answers[key])) return false;
  }
  return n === k.answerCount;
}

const fileList = (files: readonly { id: string; questionId: string }[]): string[] =>
  files.map((f) => `${f.questionId}\n${f.id}`);

function sameFiles(k: Kept, files: readonly { id: string; questionId: string }[]): boolean {
  if (k.files.length !== files.length) return false;
  for (let i = 0; i < files.length; i++)
    if (k.files[i] !== `${files[i]!.questionId}\n${files[i]!.id}`) return false;
  return true;
}

/**
 * `evaluate(q, withEvidence(q, answers, files), today, { context })`, or the kept evaluation of
 * assessment `place` when it was made from an equal input. `place` names the assessment (tenant and id).
 */
export function portalEvaluation(
  place: string,
  q: Questionnaire,
  answers: Readonly<Record<string, AnswerValue>>,
  files: readonly { id: string; questionId: string }[],
  today: string,
  context: Answers,
): Evaluation {
  const contextJson = JSON.stringify(context);
  const k = kept.get(place);
  if (
    k !== undefined &&
    k.q === q &&
    k.today === today &&
    k.context === contextJson &&
    sameFiles(k, files) &&
    sameAnswers(k, answers)
  )
    return k.evaluation;
  const evaluation = evaluate(q, withEvidence(q, answers, files), today, { context });
  // A copy: the caller's answers object may be another state's later.
  const own: Record<string, AnswerValue> = Object.assign(Object.create(null), answers);
  if (k === undefined && kept.size >= KEPT) kept.delete(kept.keys().next().value!);
  kept.set(place, {
    q,
    today,
    context: contextJson,
    answers: own,
    answerCount: countOf(own),
    files: fileList(files),
    evaluation,
  });
  return evaluation;
}
