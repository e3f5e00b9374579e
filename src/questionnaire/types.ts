import type { Expression } from './expr/ast.js';

export type { Expression } from './expr/ast.js';

/** Translatable text: `{ en: '…', de: '…' }`. A plain string in YAML becomes `{ [default_locale]: s }`. */
export type Text = Readonly<Record<string, string>>;

/**
 * A stored answer. Per question type: yes_no_na 'yes' | 'no' | 'na'; single: the option value; multi:
 * string[] of option values; text: string; number: number; date: 'YYYY-MM-DD'; file: string[] of
 * evidence ids. Side keys: '<qid>#comment' (string), '<qid>#evidence' (string[] of evidence ids).
 */
export type AnswerValue = string | number | boolean | readonly string[] | null;
export type Answers = Readonly<Record<string, AnswerValue>>;

/** One lint/compile problem, positioned at the offending YAML node. */
export interface Problem {
  file?: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Document path such as 'sections[2].questions[0].visible_if'; '' for the file as a whole. */
  path: string;
  /** Stable kebab-case id, documented in docs/questionnaire-format.md. */
  code: string;
  severity: 'error' | 'warning';
  /** A plain sentence. */
  message: string;
}

export type QuestionType = 'yes_no_na' | 'single' | 'multi' | 'text' | 'number' | 'date' | 'file';
export type Status = 'draft' | 'published' | 'retired';

export interface Option {
  readonly value: string;
  readonly label: Text;
  /** 0..1, or null when the question's options carry no scores. */
  readonly score: number | null;
  /** Selecting it in a multi question excludes every other option ("None of the above"). */
  readonly exclusive: boolean;
}

/** A requirement that is either fixed (`required: true`) or conditional (`required_if`). */
export interface Requirement {
  readonly required: boolean;
  readonly requiredIf: Expression | null;
}

export interface CommentRule extends Requirement {
  readonly label: Text | null;
  readonly maxLength: number;
}

export interface EvidenceRule extends Requirement {
  /** Accepted file extensions, lower case, without dot; empty = anything the portal accepts. */
  readonly accept: readonly string[];
  readonly maxFiles: number;
}

export interface ValidationRule {
  /** Must be true for a valid answer; checked only on visible, answered questions. */
  readonly rule: Expression;
  readonly message: Text;
  readonly level: 'error' | 'warning';
}

/**
 * How a question treats "not applicable" (vrq/1.1): `allowed` (scored per scoring.na_policy), `justify`
 * (allowed with a comment), `forbidden` (an N/A answer is invalid), `scores_zero` (allowed, scores 0).
 */
export type NaPolicy = 'allowed' | 'justify' | 'forbidden' | 'scores_zero';

export interface FindingDef {
  readonly id: string;
  readonly questionId: string;
  /** 'file' for findings written in the file; 'na-claim' for the automatic finding on an N/A must-have. */
  readonly origin: 'file' | 'na-claim';
  /** A knock-out control (vrq/1.1): while raised, the headline rating is at least rating.knockout. */
  readonly knockout: boolean;
  readonly when: Expression;
  readonly title: Text;
  readonly likelihood: number;
  readonly impact: number;
  readonly escalateIf: Expression | null;
  readonly remediation: Text;
  readonly dueDays: number | null;
  /** The finding's own controls, or the question's when it declares none. */
  readonly controls: readonly string[];
}

export interface Question extends Requirement {
  readonly id: string;
  readonly sectionId: string;
  readonly type: QuestionType;
  /** A fact the requester sets when sending (vrq/1.1); the vendor sees it and cannot change it. */
  readonly context: boolean;
  /** The question's N/A policy, its own or scoring.na's (vrq/1.1; 'allowed' before). */
  readonly na: NaPolicy;
  /** Whether the question can be answered N/A at all: yes_no_na, or a choice with an option 'na'. */
  readonly hasNa: boolean;
  /** A control that must be in place (vrq/1.1): an N/A answer raises the automatic 'N/A claimed' finding. */
  readonly mustHave: boolean;
  /** While hidden and this is true, the question counts with score 0 at its weight (vrq/1.1). */
  readonly hiddenZeroIf: Expression | null;
  readonly text: Text;
  readonly help: Text | null;
  readonly visibleIf: Expression | null;
  /** Declared question weight (default 1). */
  readonly weight: number;
  /** Whether any answer can produce a score (static scores or score_expr); unscored questions weigh 0. */
  readonly scored: boolean;
  readonly controls: readonly string[];
  readonly comment: CommentRule | null;
  readonly evidence: EvidenceRule | null;
  readonly validate: readonly ValidationRule[];
  readonly findings: readonly FindingDef[];
  /** single and multi only. */
  readonly options: readonly Option[] | null;
  /** yes_no_na only: scores of 'yes' and 'no' ('na' follows scoring.na_policy). */
  readonly scores: { readonly yes: number; readonly no: number } | null;
  /** multi only, when options carry scores. */
  readonly scoringMode: 'max' | 'sum_capped' | null;
  readonly scoreExpr: Expression | null;
  /** number only. */
  readonly min: number | null;
  readonly max: number | null;
  readonly unit: Text | null;
  /** text only. */
  readonly multiline: boolean;
  readonly maxLength: number | null;
  /** file only. */
  readonly accept: readonly string[];
  readonly maxFiles: number | null;
  /** file only, in bytes. */
  readonly maxSize: number | null;
}

export interface Section {
  readonly id: string;
  readonly title: Text;
  readonly description: Text | null;
  /** Default 1; 0 = not scored. */
  readonly weight: number;
  readonly visibleIf: Expression | null;
  readonly questions: readonly Question[];
}

export interface Framework {
  readonly key: string;
  readonly title: Text;
  readonly ref: string | null;
}

/** A threshold table entry: first entry whose `min` the value reaches wins. */
export interface Band {
  readonly min: number;
  readonly rating: string;
  readonly label: Text | null;
}

export interface ScoringPolicy {
  readonly method: 'weighted_ratio';
  readonly naPolicy: 'exclude' | 'zero' | 'full';
  /** The default N/A policy of the questions (scoring.na, vrq/1.1). */
  readonly na: NaPolicy;
  readonly unansweredPolicy: 'zero' | 'exclude';
  readonly bands: readonly Band[];
}

export interface RiskPolicy {
  /** Labels of likelihood and impact levels 1..5 (keys '1'..'5'), when declared. */
  readonly likelihood: Readonly<Record<string, Text>>;
  readonly impact: Readonly<Record<string, Text>>;
  readonly rating: readonly Band[];
}

/**
 * The headline rating (vrq/1.1 `rating:`): the worse of the score band and what open findings force.
 * Without it the rating is the band.
 */
export interface RatingPolicy {
  /** Every rating, best first; by default the bands' ratings in their order. */
  readonly order: readonly string[];
  /** A raised finding rated `finding` or worse (by the risk table) makes the rating at least `rating`. */
  readonly floors: ReadonlyArray<{ readonly finding: string; readonly rating: string }>;
  /** The least rating while a knock-out finding is raised: the worst rating unless declared. */
  readonly knockout: string;
}

/** Named thresholds the expressions use (vrq/1.1), shipped in the file so its source alone decides scoring. */
export interface Thresholds {
  /** The shared table the values come from, `id@version`, when the file names one. */
  readonly table: string | null;
  readonly values: ReadonlyMap<string, number>;
}

export interface ChangelogEntry {
  readonly version: string;
  readonly date: string;
  readonly note: Text;
}

export interface Migration {
  /** A version or x-range ('2.0.x', '1.x', '*') of earlier versions this migration applies to. */
  readonly from: string;
  /** Old question id → new question id. */
  readonly rename: ReadonlyMap<string, string>;
}

/** A compiled questionnaire: immutable; expressions are kept as source plus AST. */
export interface Questionnaire {
  readonly id: string;
  readonly version: string;
  /** `${id}@${version}`: what a response pins. */
  readonly ref: string;
  readonly status: Status;
  readonly title: Text;
  readonly description: Text | null;
  readonly defaultLocale: string;
  readonly locales: readonly string[];
  readonly frameworks: ReadonlyMap<string, Framework>;
  readonly scoring: ScoringPolicy;
  readonly risk: RiskPolicy | null;
  /** Null when the file declares no `rating:`; then the headline rating is the band. */
  readonly rating: RatingPolicy | null;
  readonly thresholds: Thresholds;
  readonly computed: ReadonlyMap<string, Expression>;
  readonly sections: readonly Section[];
  /** All questions by id, in document order. */
  readonly questions: ReadonlyMap<string, Question>;
  /** All findings by id, in document order, the automatic 'N/A claimed' ones included. */
  readonly findings: ReadonlyMap<string, FindingDef>;
  /** The questions the requester sets when sending (context: true), in document order. */
  readonly contextFacts: readonly Question[];
  readonly changelog: readonly ChangelogEntry[];
  readonly migrations: readonly Migration[];
  /** SHA-256 hex of the source text. */
  readonly sourceHash: string;
  readonly file: string | null;
}

export interface QuestionResult {
  visible: boolean;
  required: boolean;
  /** A valid, non-empty answer is present (an invalid value counts as not answered). */
  answered: boolean;
  /** 0..1 answer score; null if unscored, hidden or excluded by policy. */
  score: number | null;
  /** Effective weight (question × section) used in the total; 0 when not counted. */
  weight: number;
  commentRequired: boolean;
  evidenceRequired: boolean;
  messages: Array<{ level: 'error' | 'warning'; message: Text }>;
}

export type IssueKind = 'required' | 'comment-required' | 'evidence-required' | 'invalid';

export interface Issue {
  questionId: string;
  kind: IssueKind;
  message: Text;
}

export interface SectionResult {
  id: string;
  visible: boolean;
  /** 0..100 rounded to 1 decimal; null when nothing in it is scorable. */
  score: number | null;
  /** Visible questions with a valid answer. */
  answered: number;
  /** Visible required questions still without a valid answer. */
  requiredOpen: number;
}

export interface RaisedFinding {
  id: string;
  questionId: string;
  title: Text;
  remediation: Text;
  likelihood: number;
  impact: number;
  escalated: boolean;
  /** likelihood × impact, after escalation. */
  riskScore: number;
  rating: string;
  /** today + due_days, or null when the finding has no due_days. */
  dueDate: string | null;
  controls: string[];
}

/** The result of `evaluate`: a plain JSON-serialisable object. */
export interface Evaluation {
  /** 0..100 rounded to 1 decimal; null when nothing is scorable. */
  score: number | null;
  band: string | null;
  /**
   * The headline rating: the worse of the band and what raised findings force under the file's `rating:`
   * rule (a critical finding, a knock-out control). Equals `band` when the file declares no rule.
   */
  rating: string | null;
  /** Ids of the raised findings that made `rating` worse than the band; empty when the band decides. */
  ratingDrivers: string[];
  sections: SectionResult[];
  questions: Record<string, QuestionResult>;
  /** Everything that blocks submission. */
  issues: Issue[];
  /** issues.length === 0 */
  canSubmit: boolean;
  findings: RaisedFinding[];
}
