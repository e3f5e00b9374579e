import { type ItemValue, Model, type Question, Serializer } from 'survey-core';
import type { GeneratedQuestion } from './conditional-questionnaire.js';

/*
 * The SurveyJS side of the engine benchmark: a stateful model kept in memory, as a SurveyJS server would
 * have to keep it to avoid rebuilding it per request. SurveyJS has no weighted score, so the score uses the
 * vrq/1 formula over the same per-choice scores: Σ weight·score / Σ weight over visible scored questions,
 * N/A excluded, unanswered visible questions counting 0.
 */

if (!Serializer.findProperty('itemvalue', 'score')) Serializer.addProperty('itemvalue', 'score:number');

export interface SurveyState {
  visible: number;
  score: number | null;
  valid: boolean;
}

export class SurveyPeer {
  readonly model: Model;
  private readonly byName: Map<string, GeneratedQuestion>;

  constructor(json: Record<string, unknown>, data: Record<string, unknown>, questions: GeneratedQuestion[]) {
    this.model = new Model(json);
    this.model.data = data;
    this.byName = new Map(questions.map((q) => [q.name, q]));
  }

  /** One answer change followed by everything a server needs afterwards: visibility, validation, score. */
  change(name: string, value: unknown): SurveyState {
    this.model.setValue(name, value);
    return this.read();
  }

  read(): SurveyState {
    const visible = this.model.getAllQuestions(true);
    const valid = this.model.validate(false, false);
    return { visible: visible.length, score: this.score(visible), valid };
  }

  private score(visible: Question[]): number | null {
    let weighted = 0;
    let total = 0;
    for (const question of visible) {
      const meta = this.byName.get(question.name);
      if (!meta || meta.weight === 0) continue;
      const s = answerScore(question);
      if (s === 'excluded') continue;
      total += meta.weight;
      weighted += meta.weight * s;
    }
    return total === 0 ? null : Math.round((1000 * weighted) / total) / 10;
  }
}

function choiceScore(question: Question, value: unknown): number | 'excluded' {
  const choices = (question as unknown as { choices: ItemValue[] }).choices;
  const choice = choices.find((c) => c.value === value);
  const score = (choice as unknown as { score?: number } | undefined)?.score;
  return typeof score === 'number' ? score : 'excluded';
}

function answerScore(question: Question): number | 'excluded' {
  const value = question.value;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return 0;
  switch (question.getType()) {
    case 'boolean':
      return value === 'yes' ? 1 : 0;
    case 'checkbox': {
      let best = 0;
      for (const v of value as unknown[]) {
        const s = v === 'none' ? 0 : choiceScore(question, v);
        if (typeof s === 'number' && s > best) best = s;
      }
      return best;
    }
    default:
      return choiceScore(question, value);
  }
}
