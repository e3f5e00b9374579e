/**
 * The evidence table is the one record of which files a question has: the engine's answer keys for them
 * (`<qid>` of a file question, `<qid>#evidence` of a question with an evidence rule; docs/engine-contract.md)
 * are derived from it whenever answers are evaluated, frozen or exported, never stored separately, so an
 * upload or removal cannot leave the two disagreeing.
 */
import type { Answers, AnswerValue, Questionnaire } from '../questionnaire/index.js';

/** Each question's derived file key (`<qid>` of a file question, else `<qid>#evidence`), once per questionnaire. */
const fileKeys = new WeakMap<Questionnaire, ReadonlyArray<readonly [questionId: string, key: string]>>();
function fileKeysOf(q: Questionnaire) {
  let keys = fileKeys.get(q);
  if (!keys) {
    keys = [...q.questions.values()].map(
      (question) =>
        [question.id, question.type === 'file' ? question.id : `${question.id}#evidence`] as const,
    );
    fileKeys.set(q, keys);
  }
  return keys;
}

export function withEvidence(
  q: Questionnaire,
  answers: Answers,
  files: readonly { id: string; questionId: string }[],
): Answers {
  const out: Record<string, AnswerValue> = { ...answers };
  const byQuestion = new Map<string, string[]>();
  for (const f of files) {
    const ids = byQuestion.get(f.questionId);
    if (ids) ids.push(f.id);
    else byQuestion.set(f.questionId, [f.id]);
  }
  // Evaluated on every autosave: `delete` only what is there (it turns the object into a slow dictionary).
  for (const [questionId, key] of fileKeysOf(q)) {
    const ids = byQuestion.get(questionId);
    if (ids) out[key] = ids;
    else if (Object.hasOwn(out, key)) delete out[key];
  }
  return out;
}
