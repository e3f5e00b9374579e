import { Invalid, normalizeAnswer } from './answers.js';
import { localize } from './localize.js';
import type { Answers, AnswerValue, Question, Questionnaire } from './types.js';

/*
 * Context facts (vrq/1.1 `context: true`): what the requester knows better than the vendor — the service's
 * criticality, a DORA function classification, the data categories. The requester sets them when sending
 * (CLI `--context key=value`, the send form, the API); evaluate() reads them only from its `context` option,
 * so a vendor's answer under the same key changes nothing.
 */

export interface ContextProblem {
  /** The key as given. */
  key: string;
  /** A plain sentence for the sender. */
  message: string;
}

export type ContextResult = { ok: true; context: Answers } | { ok: false; problems: ContextProblem[] };

function choices(q: Questionnaire, question: Question): string {
  if (question.type === 'yes_no_na') return question.na === 'forbidden' ? 'yes, no' : 'yes, no, na';
  return (question.options ?? [])
    .map((o) => `${o.value} (${localize(o.label, q.defaultLocale, q)})`)
    .join(', ');
}

/**
 * Checks typed context values (the API's JSON, a stored assessment's context): every key must be a context
 * fact of the questionnaire and every value valid for it. Returns the values to store, or every problem.
 */
export function checkContext(q: Questionnaire, values: Readonly<Record<string, unknown>>): ContextResult {
  const problems: ContextProblem[] = [];
  const context: Record<string, AnswerValue> = Object.create(null);
  for (const key of Object.keys(values)) {
    const question = q.questions.get(key);
    if (question === undefined || !question.context) {
      const facts = q.contextFacts.map((f) => f.id);
      problems.push({
        key,
        message: `${key} is not a context fact of ${q.ref}; ${facts.length > 0 ? `its context facts are ${facts.join(', ')}` : 'it has none'}.`,
      });
      continue;
    }
    const options =
      question.options === null ? null : new Map(question.options.map((o) => [o.value, o] as const));
    const v = normalizeAnswer(question, values[key], options);
    if (v instanceof Invalid || v === null) {
      const allowed =
        question.type === 'yes_no_na' || question.options ? `; use ${choices(q, question)}` : '';
      problems.push({
        key,
        message: `${JSON.stringify(values[key])} is not a valid value for ${key} (${question.type})${allowed}.`,
      });
      continue;
    }
    context[key] = v as AnswerValue;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, context };
}

/**
 * Reads `key=value` pairs as the CLI takes them (`--context scope.criticality=critical`): a multi
 * question takes comma-separated values, a number question a number; then checks them like checkContext.
 */
export function contextFromPairs(q: Questionnaire, pairs: readonly string[]): ContextResult {
  const values: Record<string, unknown> = Object.create(null);
  const problems: ContextProblem[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push({ key: pair, message: `"${pair}" is not KEY=VALUE, like scope.criticality=critical.` });
      continue;
    }
    const key = pair.slice(0, eq).trim();
    const text = pair.slice(eq + 1).trim();
    if (Object.hasOwn(values, key)) {
      problems.push({ key, message: `${key} is given twice.` });
      continue;
    }
    const type = q.questions.get(key)?.type;
    values[key] =
      type === 'multi'
        ? text
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : type === 'number' && text !== '' && Number.isFinite(Number(text))
          ? Number(text)
          : text;
  }
  const checked = checkContext(q, values);
  if (problems.length === 0) return checked;
  return { ok: false, problems: [...problems, ...(checked.ok ? [] : checked.problems)] };
}
