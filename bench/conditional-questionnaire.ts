import { stringify } from 'yaml';

/*
 * One generator, two definitions of the same questionnaire: a vrq/1 YAML source for our engine and a
 * SurveyJS JSON model, plus the same answers in both shapes. The pattern is the one measured in
 * docs/reference questionnaire-format.md §1.9: groups of five questions (gate, boolean, checkbox, dropdown,
 * comment); the four followers are visible only when their gate is 'yes'; each comment is required when its
 * gate is 'yes' and the dropdown before it says 'never'; gates from q10 on are visible when the gate ten
 * questions back is 'yes' or 'na', or the previous gate is answered.
 */

export const GATE_SCORES = { yes: 1, no: 0 } as const;
export const CHECKBOX_OPTIONS = [
  { value: 'full', score: 1 },
  { value: 'partial', score: 0.5 },
  { value: 'planned', score: 0.25 },
] as const;
export const DROPDOWN_OPTIONS = [
  { value: 'always', score: 1 },
  { value: 'usually', score: 0.6 },
  { value: 'sometimes', score: 0.3 },
  { value: 'never', score: 0 },
] as const;
/** Weights per position in a group of five; the comment (position 4) is unscored. */
export const WEIGHTS = [2, 1, 1, 1, 0] as const;
const PER_SECTION = 20;

export type Kind = 'gate' | 'boolean' | 'checkbox' | 'dropdown' | 'comment';
const KINDS: readonly Kind[] = ['gate', 'boolean', 'checkbox', 'dropdown', 'comment'];

export interface GeneratedQuestion {
  index: number;
  /** vrq/1 id, prefixed with its section as the format requires. */
  id: string;
  /** SurveyJS name; SurveyJS reads dots in names as paths into object values, so it gets a plain one. */
  name: string;
  kind: Kind;
  gate: number;
  weight: number;
}

export interface GeneratedQuestionnaire {
  questions: GeneratedQuestion[];
  yaml: string;
  surveyJson: Record<string, unknown>;
  /** Answers keyed by vrq id. */
  answers: Record<string, string | string[]>;
  /** The same answers keyed by SurveyJS name. */
  surveyData: Record<string, string | string[]>;
}

export function generateConditionalQuestionnaire(count = 200): GeneratedQuestionnaire {
  if (!Number.isInteger(count) || count < 5 || count % 5 !== 0) {
    throw new RangeError('count must be a positive multiple of 5');
  }
  const questions: GeneratedQuestion[] = [];
  for (let i = 0; i < count; i++) {
    const position = i % 5;
    questions.push({
      index: i,
      id: `s${Math.floor(i / PER_SECTION)}.q${i}`,
      name: `q${i}`,
      kind: KINDS[position]!,
      gate: i - position,
      weight: WEIGHTS[position]!,
    });
  }
  const byIndex = (i: number) => questions[i]!;

  const sections: Array<Record<string, unknown>> = [];
  const pages: Array<Record<string, unknown>> = [];
  for (let s = 0; s * PER_SECTION < count; s++) {
    const members = questions.slice(s * PER_SECTION, (s + 1) * PER_SECTION);
    sections.push({
      id: `s${s}`,
      title: { en: `Section ${s}` },
      weight: 1,
      questions: members.map((q) => vrqQuestion(q, byIndex)),
    });
    pages.push({ name: `page${s}`, elements: members.map((q) => surveyQuestion(q, byIndex)) });
  }

  const definition = {
    schema: 'vrq/1',
    id: 'bench-conditional',
    version: '1.0.0',
    status: 'published',
    default_locale: 'en',
    locales: ['en'],
    title: { en: `Generated ${count}-question benchmark questionnaire` },
    scoring: {
      method: 'weighted_ratio',
      answer_score_range: [0, 1],
      na_policy: 'exclude',
      unanswered_policy: 'zero',
      hidden_policy: 'exclude',
      bands: [
        { min: 85, rating: 'low' },
        { min: 65, rating: 'medium' },
        { min: 40, rating: 'high' },
        { min: 0, rating: 'critical' },
      ],
    },
    risk: {
      likelihood: { 1: 'rare', 2: 'unlikely', 3: 'possible', 4: 'likely', 5: 'almost_certain' },
      impact: { 1: 'negligible', 2: 'minor', 3: 'moderate', 4: 'major', 5: 'severe' },
      rating: [
        { min: 15, rating: 'critical' },
        { min: 10, rating: 'high' },
        { min: 5, rating: 'medium' },
        { min: 1, rating: 'low' },
      ],
    },
    sections,
  };

  const answers: Record<string, string | string[]> = {};
  const surveyData: Record<string, string | string[]> = {};
  for (const q of questions) {
    const value = answerFor(q);
    if (value === undefined) continue;
    answers[q.id] = value;
    surveyData[q.name] = value;
  }

  return {
    questions,
    yaml: stringify(definition, { lineWidth: 0 }),
    surveyJson: { pages, clearInvisibleValues: 'none', checkErrorsMode: 'onComplete' },
    answers,
    surveyData,
  };
}

function gateRule(
  q: GeneratedQuestion,
  ref: (i: number) => GeneratedQuestion,
): { vrq: string; survey: string } | null {
  if (q.index < 10) return null;
  const back10 = ref(q.index - 10);
  const back5 = ref(q.index - 5);
  return {
    vrq: `${back10.id} in ['yes', 'na'] or ${back5.id} != null`,
    survey: `{${back10.name}} anyof ['yes', 'na'] or {${back5.name}} notempty`,
  };
}

function vrqQuestion(q: GeneratedQuestion, ref: (i: number) => GeneratedQuestion): Record<string, unknown> {
  const gate = ref(q.gate);
  const base: Record<string, unknown> = { id: q.id, text: { en: `Question ${q.index}` }, weight: q.weight };
  if (q.kind === 'gate') {
    const rule = gateRule(q, ref);
    return {
      ...base,
      type: 'yes_no_na',
      required: true,
      scores: { ...GATE_SCORES },
      ...(rule ? { visible_if: rule.vrq } : {}),
    };
  }
  const visible = `${gate.id} == 'yes'`;
  switch (q.kind) {
    case 'boolean':
      return { ...base, type: 'yes_no_na', visible_if: visible, scores: { yes: 1, no: 0 } };
    case 'checkbox':
      return {
        ...base,
        type: 'multi',
        visible_if: visible,
        scoring: { mode: 'max' },
        options: [
          ...CHECKBOX_OPTIONS.map((o) => ({ value: o.value, label: { en: o.value }, score: o.score })),
          { value: 'none', label: { en: 'None' }, score: 0, exclusive: true },
        ],
      };
    case 'dropdown':
      return {
        ...base,
        type: 'single',
        visible_if: visible,
        options: DROPDOWN_OPTIONS.map((o) => ({ value: o.value, label: { en: o.value }, score: o.score })),
        findings: [
          {
            id: `F-${q.index}`,
            when: `${q.id} == 'never'`,
            title: { en: `Control ${q.index} never applied` },
            likelihood: 3,
            impact: 3,
            remediation: { en: 'Apply the control.' },
            due_days: 90,
          },
        ],
      };
    case 'comment': {
      const previous = ref(q.index - 1);
      return {
        ...base,
        type: 'text',
        multiline: true,
        max_length: 2000,
        visible_if: visible,
        required_if: `${gate.id} == 'yes' and ${previous.id} == 'never'`,
      };
    }
    default:
      throw new Error(`unexpected kind ${q.kind}`);
  }
}

function surveyQuestion(
  q: GeneratedQuestion,
  ref: (i: number) => GeneratedQuestion,
): Record<string, unknown> {
  const gate = ref(q.gate);
  const base: Record<string, unknown> = { name: q.name, title: `Question ${q.index}` };
  if (q.kind === 'gate') {
    const rule = gateRule(q, ref);
    return {
      ...base,
      type: 'radiogroup',
      isRequired: true,
      choices: [
        { value: 'yes', score: GATE_SCORES.yes },
        { value: 'no', score: GATE_SCORES.no },
        { value: 'na' },
      ],
      ...(rule ? { visibleIf: rule.survey } : {}),
    };
  }
  const visibleIf = `{${gate.name}} = 'yes'`;
  switch (q.kind) {
    case 'boolean':
      return { ...base, type: 'boolean', visibleIf, valueTrue: 'yes', valueFalse: 'no' };
    case 'checkbox':
      return {
        ...base,
        type: 'checkbox',
        visibleIf,
        choices: CHECKBOX_OPTIONS.map((o) => ({ value: o.value, score: o.score })),
        showNoneItem: true,
      };
    case 'dropdown':
      return {
        ...base,
        type: 'dropdown',
        visibleIf,
        choices: DROPDOWN_OPTIONS.map((o) => ({ value: o.value, score: o.score })),
      };
    case 'comment': {
      const previous = ref(q.index - 1);
      return {
        ...base,
        type: 'comment',
        maxLength: 2000,
        visibleIf,
        requiredIf: `{${gate.name}} = 'yes' and {${previous.name}} = 'never'`,
      };
    }
    default:
      throw new Error(`unexpected kind ${q.kind}`);
  }
}

/** Every gate is 'yes' except every third one (q0, q15, q30, …); the followers get varied answers. */
function answerFor(q: GeneratedQuestion): string | string[] | undefined {
  const group = q.gate / 5;
  switch (q.kind) {
    case 'gate':
      return q.index % 15 === 0 ? 'no' : 'yes';
    case 'boolean':
      return group % 4 === 3 ? 'no' : 'yes';
    case 'checkbox':
      if (group % 5 === 4) return ['none'];
      return group % 3 === 2
        ? [CHECKBOX_OPTIONS[2].value]
        : [CHECKBOX_OPTIONS[group % 3]!.value, CHECKBOX_OPTIONS[2].value];
    case 'dropdown':
      return DROPDOWN_OPTIONS[group % 4]!.value;
    case 'comment':
      // Answered exactly where it is required (dropdown 'never'), so the answers are complete.
      return group % 4 === 3 ? `Compensating control for group ${group}` : undefined;
    default:
      return undefined;
  }
}
