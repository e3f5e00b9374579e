/**
 * The evidence table is the one record of which files a question has: the engine's answer keys for them
 * (`<qid>` of a file question, `<qid>#evidence` of a question with an evidence rule; docs/engine-contract.md)
 * are derived from it whenever answers are evaluated, frozen or exported, never stored separately, so an
 * upload or removal cannot leave the two disagreeing.
 */
import type { Answers, AnswerValue, Questionnaire } from '../questionnaire/index.js';

/**
 * Each question's derived file key (`<qid>` of a file question, else `<qid>#evidence`), by question id,
 * and the set of those keys: once per questionnaire.
 */
interface FileKeys {
  byQuestion: ReadonlyMap<string, string>;
  keys: ReadonlySet<string>;
}
const fileKeys = new WeakMap<Questionnaire, FileKeys>();
function fileKeysOf(q: Questionnaire): FileKeys {
  let keys = fileKeys.get(q);
  if (!keys) {
    const byQuestion = new Map<string, string>();
    for (const question of q.questions.values()) {
      byQuestion.set(question.id, question.type === 'file' ? question.id : `${question.id}#evidence`);
    }
    keys = { byQuestion, keys: new Set(byQuestion.values()) };
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
  const { byQuestion: keyOf, keys } = fileKeysOf(q);
  // Evaluated twice on every autosave: walk the answers and the files, not every question of the
  // questionnaire. A stored value under a file key never counts (the evidence table is the record);
  // `delete` only what is there (it turns the object into a slow dictionary).
  for (const key in out) if (keys.has(key)) delete out[key];
  for (const f of files) {
    const key = keyOf.get(f.questionId);
    if (key === undefined) continue;
    const ids = out[key];
    if (Array.isArray(ids)) (ids as string[]).push(f.id);
    else out[key] = [f.id];
  }
  return out;
}
