/**
 * The evidence table is the one record of which files a question has: the engine's answer keys for them
 * (`<qid>` of a file question, `<qid>#evidence` of a question with an evidence rule; docs/engine-contract.md)
 * are derived from it whenever answers are evaluated, frozen or exported, never stored separately, so an
 * upload or removal cannot leave the two disagreeing.
 */
import type { Answers, AnswerValue, Questionnaire } from '../questionnaire/index.js';

export function withEvidence(
  q: Questionnaire,
  answers: Answers,
  files: readonly { id: string; questionId: string }[],
): Answers {
  const out: Record<string, AnswerValue> = { ...answers };
  const byQuestion = new Map<string, string[]>();
  for (const f of files) byQuestion.set(f.questionId, [...(byQuestion.get(f.questionId) ?? []), f.id]);
  for (const question of q.questions.values()) {
    const key = question.type === 'file' ? question.id : `${question.id}#evidence`;
    const ids = byQuestion.get(question.id);
    if (ids?.length) out[key] = ids;
    else delete out[key];
  }
  return out;
}
