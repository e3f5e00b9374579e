import type { AnswerValue, Questionnaire } from '../src/questionnaire/types.js';

/**
 * A complete, plausible response to any questionnaire: the first option of every choice (the first two for
 * multi, unless the first is exclusive), the midpoint of number ranges, a recent date and short text. Files
 * and evidence get one made-up evidence id each, so evidence rules are exercised too.
 */
export function sampleAnswers(q: Questionnaire, today: string): Record<string, AnswerValue> {
  const answers: Record<string, AnswerValue> = {};
  for (const question of q.questions.values()) {
    const options = question.options ?? [];
    switch (question.type) {
      case 'yes_no_na':
        answers[question.id] = 'yes';
        break;
      case 'single':
        if (options[0]) answers[question.id] = options[0].value;
        break;
      case 'multi': {
        const first = options[0];
        if (!first) break;
        const second = options[1];
        answers[question.id] =
          first.exclusive || !second || second.exclusive ? [first.value] : [first.value, second.value];
        break;
      }
      case 'number': {
        const min = question.min ?? 0;
        const max = question.max ?? min + 48;
        answers[question.id] = Math.round((min + max) / 2);
        break;
      }
      case 'date':
        answers[question.id] = today;
        break;
      case 'text':
        answers[question.id] = 'Described in our security policy, section 4.';
        break;
      case 'file':
        answers[question.id] = [`ev_${question.id}`];
        break;
    }
    if (question.evidence) answers[`${question.id}#evidence`] = [`ev_${question.id}_evidence`];
    if (question.comment) answers[`${question.id}#comment`] = 'Compensating control documented.';
  }
  return answers;
}
