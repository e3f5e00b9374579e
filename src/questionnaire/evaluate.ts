import { Invalid, normalizeAnswer, normalizeEvidence, textLength } from './answers.js';
import { dayNumber, fromDayNumber } from './dates.js';
import type { Value } from './expr/ast.js';
import type { EvalContext } from './expr/functions.js';
import { isTrue } from './expr/values.js';
import { DEFAULT_COMMENT_MAX_LENGTH, MAX_FILES } from './load/questions.js';
import { MESSAGES } from './messages.js';
import { planOf, type QuestionPlan } from './plan.js';
import type {
  Answers,
  Band,
  Evaluation,
  Issue,
  Questionnaire,
  QuestionResult,
  RaisedFinding,
  ScoringPolicy,
  SectionResult,
} from './types.js';

/**
 * Reads an answer by key. Every key is a question id (`section.name`: the compiler requires the dot)
 * or a side key (`id#comment`, `id#evidence`). When nothing on the answers' prototype chain has such
 * a name — the normal case, including null-prototype and JSON-parsed objects — a plain read cannot
 * reach an inherited value, so it skips the Object.hasOwn check, which cost a quarter of evaluate's
 * time on 200-key answer objects (V8 keeps them in dictionary mode). A polluted or custom prototype
 * with such names switches back to own-property reads.
 */
function answerReader(answers: Answers): (answers: Answers, key: string) => unknown {
  for (let p = Object.getPrototypeOf(answers); p !== null; p = Object.getPrototypeOf(p)) {
    if (Object.getOwnPropertyNames(p).some((k) => k.includes('.') || k.includes('#'))) return ownRead;
  }
  return plainRead;
}
const plainRead = (answers: Answers, key: string): unknown => answers[key];
const noSideKeys = (): unknown => undefined;

/** Whether any key names a comment or evidence; only used when the prototype chain holds no such names. */
function hasSideKeys(answers: Answers): boolean {
  for (const key in answers) if (key.includes('#')) return true;
  return false;
}
const ownRead = (answers: Answers, key: string): unknown =>
  Object.hasOwn(answers, key) ? answers[key] : undefined;

/** Percentage rounded to one decimal, the precision every score is reported and banded at. */
const percent = (num: number, den: number): number | null =>
  den > 0 ? Math.round((1000 * num) / den) / 10 : null;

function ratingFor(bands: readonly Band[], value: number): string | null {
  for (const b of bands) if (value >= b.min) return b.rating;
  return null;
}

/**
 * Evaluates one response: visibility, requirements, validation, scores, band and findings. A pure
 * function of (questionnaire, answers, today); stored values of the wrong shape never throw and
 * never score — they count as unanswered and produce an 'invalid' issue.
 */
export function evaluate(q: Questionnaire, answers: Answers, today: string): Evaluation {
  const plan = planOf(q);
  const todayDay = typeof today === 'string' ? dayNumber(today) : null;
  if (todayDay === null) {
    throw new RangeError(`evaluate: today must be a date as YYYY-MM-DD, not ${JSON.stringify(today)}.`);
  }
  if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) {
    throw new TypeError('evaluate: answers must be an object of answer keys to values.');
  }
  const own = answerReader(answers);
  // Comments and evidence live under '<id>#comment' / '<id>#evidence'. One pass over the keys says whether
  // there are any, which saves two missed look-ups per question for responses without them.
  const sides = own === ownRead ? own : hasSideKeys(answers) ? plainRead : noSideKeys;

  // Pass 1, in dependency order: visibility, then the value expressions see (null when hidden/invalid).
  const vals: Value[] = new Array(plan.slots).fill(null);
  const ctx: EvalContext = { vals, today };
  const sectionVisible: boolean[] = new Array(q.sections.length).fill(true);
  const visible: boolean[] = new Array(plan.questions.length).fill(false);
  const invalid: Array<Invalid | undefined> = new Array(plan.questions.length);
  for (const step of plan.steps) {
    if (step.kind === 'section') {
      sectionVisible[step.index] = step.visible === null || isTrue(step.visible(ctx));
    } else if (step.kind === 'question') {
      const p = step.plan;
      const vis = sectionVisible[p.section]! && (p.visible === null || isTrue(p.visible(ctx)));
      visible[p.slot] = vis;
      if (vis) {
        const v = normalizeAnswer(p.q, own(answers, p.q.id), p.options);
        if (v instanceof Invalid) invalid[p.slot] = v;
        else vals[p.slot] = v;
      }
    } else {
      vals[step.slot] = step.fn(ctx);
    }
  }

  // Pass 2, in document order: requirements, validation, scores and findings.
  // A null-prototype record: V8 builds one of a few hundred keys about twice as fast as a plain object
  // (which turns into a dictionary part-way through), and no key is ever inherited.
  const questions: Record<string, QuestionResult> = Object.create(null);
  const issues: Issue[] = [];
  const findings: RaisedFinding[] = [];
  const sections: SectionResult[] = [];
  const due = new DueDates(todayDay);
  let num = 0;
  let den = 0;
  for (let si = 0; si < plan.sectionQuestions.length; si++) {
    const plans = plan.sectionQuestions[si]!;
    let sNum = 0;
    let sDen = 0;
    let answered = 0;
    let requiredOpen = 0;
    for (const p of plans) {
      const result = evaluateQuestion(
        p,
        visible[p.slot]!,
        vals,
        invalid[p.slot],
        ctx,
        answers,
        sides,
        q.scoring,
        issues,
      );
      questions[p.q.id] = result;
      if (result.answered) answered++;
      if (result.required && !result.answered) requiredOpen++;
      if (result.score !== null && result.weight > 0) {
        sNum += result.weight * result.score;
        sDen += result.weight;
      }
      if (result.visible) raiseFindings(p, q, ctx, due, findings);
    }
    num += sNum;
    den += sDen;
    sections.push({
      id: q.sections[si]!.id,
      visible: sectionVisible[si]!,
      score: percent(sNum, sDen),
      answered,
      requiredOpen,
    });
  }

  const score = percent(num, den);
  return {
    score,
    band: score === null ? null : ratingFor(q.scoring.bands, score),
    sections,
    questions,
    issues,
    canSubmit: issues.length === 0,
    findings,
  };
}

function evaluateQuestion(
  p: QuestionPlan,
  vis: boolean,
  vals: readonly Value[],
  bad: Invalid | undefined,
  ctx: EvalContext,
  answers: Answers,
  /** Reads the side keys (comments, evidence). */
  own: (answers: Answers, key: string) => unknown,
  scoring: ScoringPolicy,
  issues: Issue[],
): QuestionResult {
  const question = p.q;
  const result: QuestionResult = {
    visible: vis,
    required: false,
    answered: false,
    score: null,
    weight: 0,
    commentRequired: false,
    evidenceRequired: false,
    messages: [],
  };
  // Hidden questions keep their stored answers but are not checked, required, scored or flagged.
  if (!vis) return result;
  const id = question.id;
  const value = vals[p.slot] ?? null;
  result.answered = value !== null;
  result.required = question.required || (p.requiredIf !== null && isTrue(p.requiredIf(ctx)));
  if (bad !== undefined) {
    result.messages.push({ level: 'error', message: bad.message });
    issues.push({ questionId: id, kind: 'invalid', message: bad.message });
  } else if (result.required && !result.answered) {
    issues.push({ questionId: id, kind: 'required', message: MESSAGES.required });
  }
  if (result.answered) {
    for (const v of p.validate) {
      if (isTrue(v.rule(ctx))) continue;
      result.messages.push({ level: v.level, message: v.message });
      if (v.level === 'error') issues.push({ questionId: id, kind: 'invalid', message: v.message });
    }
  }

  const comment = question.comment;
  result.commentRequired =
    comment !== null &&
    (comment.required || (p.commentRequiredIf !== null && isTrue(p.commentRequiredIf(ctx))));
  const rawComment = own(answers, p.commentKey);
  const commentMax = comment?.maxLength ?? DEFAULT_COMMENT_MAX_LENGTH;
  if (rawComment !== undefined && rawComment !== null && typeof rawComment !== 'string') {
    result.messages.push({ level: 'error', message: MESSAGES.commentNotText });
    issues.push({ questionId: id, kind: 'invalid', message: MESSAGES.commentNotText });
  } else if (typeof rawComment === 'string' && textLength(rawComment) > commentMax) {
    const m = MESSAGES.commentTooLong(commentMax);
    result.messages.push({ level: 'error', message: m });
    issues.push({ questionId: id, kind: 'invalid', message: m });
  } else if (result.commentRequired && (typeof rawComment !== 'string' || rawComment.trim() === '')) {
    issues.push({ questionId: id, kind: 'comment-required', message: MESSAGES.commentRequired });
  }

  const evidence = question.evidence;
  result.evidenceRequired =
    evidence !== null &&
    (evidence.required || (p.evidenceRequiredIf !== null && isTrue(p.evidenceRequiredIf(ctx))));
  const ev = normalizeEvidence(
    own(answers, p.evidenceKey),
    evidence?.maxFiles ?? MAX_FILES,
    MESSAGES.evidenceNotFiles,
  );
  if (ev instanceof Invalid) {
    result.messages.push({ level: 'error', message: ev.message });
    issues.push({ questionId: id, kind: 'invalid', message: ev.message });
  } else if (result.evidenceRequired && ev === null) {
    issues.push({ questionId: id, kind: 'evidence-required', message: MESSAGES.evidenceRequired });
  }

  if (p.weight > 0) scoreQuestion(p, value, ctx, scoring, result);
  return result;
}

/** Sets score and effective weight per the scoring policy (docs/questionnaire-format.md, "Scoring"). */
function scoreQuestion(
  p: QuestionPlan,
  value: Value,
  ctx: EvalContext,
  scoring: ScoringPolicy,
  result: QuestionResult,
): void {
  const question = p.q;
  let s: number | null;
  if (value === null) {
    s = scoring.unansweredPolicy === 'zero' ? 0 : null;
  } else if (question.type === 'yes_no_na' && value === 'na') {
    s = scoring.naPolicy === 'exclude' ? null : scoring.naPolicy === 'zero' ? 0 : 1;
  } else if (p.scoreExpr !== null) {
    const v = p.scoreExpr(ctx);
    // A score_expr that yields no number (null) leaves the question out of the score.
    s = typeof v === 'number' && !Number.isNaN(v) ? Math.min(1, Math.max(0, v)) : null;
  } else {
    s = staticScore(p, value);
  }
  if (s === null) return;
  result.score = s;
  result.weight = p.weight;
}

function staticScore(p: QuestionPlan, value: Value): number | null {
  const question = p.q;
  switch (question.type) {
    case 'yes_no_na':
      return value === 'yes' ? question.scores!.yes : value === 'no' ? question.scores!.no : null;
    case 'single':
      return p.options!.get(value as string)?.score ?? null;
    case 'multi': {
      const selected = value as readonly string[];
      let acc = 0;
      if (question.scoringMode === 'sum_capped') {
        // Added in option order, as written in the file, so the float sum never depends on answer order.
        for (const o of question.options!) if (o.score !== null && selected.includes(o.value)) acc += o.score;
      } else {
        for (const v of selected) acc = Math.max(acc, p.options!.get(v)?.score ?? 0);
      }
      return Math.min(1, acc);
    }
    default:
      return null;
  }
}

/** Due dates of one evaluation: the evaluation day is parsed once, each distinct due_days formatted once. */
class DueDates {
  private readonly cache = new Map<number, string>();
  constructor(private readonly today: number) {}
  after(days: number): string {
    let d = this.cache.get(days);
    if (d === undefined) {
      d = fromDayNumber(this.today + days);
      this.cache.set(days, d);
    }
    return d;
  }
}

function raiseFindings(
  p: QuestionPlan,
  q: Questionnaire,
  ctx: EvalContext,
  due: DueDates,
  out: RaisedFinding[],
): void {
  for (const f of p.findings) {
    if (!isTrue(f.when(ctx))) continue;
    const def = f.def;
    const escalated = f.escalate !== null && isTrue(f.escalate(ctx));
    const impact = escalated ? Math.min(5, def.impact + 1) : def.impact;
    const riskScore = def.likelihood * impact;
    out.push({
      id: def.id,
      questionId: def.questionId,
      title: def.title,
      remediation: def.remediation,
      likelihood: def.likelihood,
      impact,
      escalated,
      riskScore,
      // The loader guarantees a risk table whose last entry starts at 1 whenever findings exist.
      rating: ratingFor(q.risk?.rating ?? [], riskScore) ?? 'unrated',
      dueDate: def.dueDays === null ? null : due.after(def.dueDays),
      controls: [...def.controls],
    });
  }
}
