import { Invalid, normalizeAnswer, normalizeEvidence, textLength } from './answers.js';
import { dayNumber, fromDayNumber } from './dates.js';
import type { Value } from './expr/ast.js';
import type { EvalContext } from './expr/functions.js';
import { isTrue } from './expr/values.js';
import { isJustification } from './justification.js';
import { DEFAULT_COMMENT_MAX_LENGTH, MAX_FILES } from './load/questions.js';
import { MESSAGES } from './messages.js';
import { naClaimWeight } from './na-claim.js';
import { type Plan, planOf, type QuestionPlan } from './plan.js';
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

export interface EvaluateOptions {
  /**
   * The values of the context facts (questions with `context: true`), set by the requester when sending.
   * They are read from here only: a vendor answer under the same key is ignored, so the vendor cannot
   * override them.
   */
  context?: Answers;
}

const NO_CONTEXT: Answers = Object.freeze(Object.create(null));

/**
 * Evaluates one response: visibility, requirements, validation, scores, band, findings and rating. A
 * pure function of (questionnaire, answers, today, context); stored values of the wrong shape never
 * throw and never score — they count as unanswered and produce an 'invalid' issue.
 */
export function evaluate(
  q: Questionnaire,
  answers: Answers,
  today: string,
  opts: EvaluateOptions = {},
): Evaluation {
  const plan = planOf(q);
  const context = opts.context ?? NO_CONTEXT;
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw new TypeError('evaluate: context must be an object of question ids to values.');
  }
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
        const raw = p.q.context ? ownRead(context, p.q.id) : own(answers, p.q.id);
        const v = normalizeAnswer(p.q, raw, p.options);
        if (v instanceof Invalid) invalid[p.slot] = p.q.context ? new Invalid(MESSAGES.contextInvalid) : v;
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
  // Ids of raised N/A claims that inherit a knock-out (src/questionnaire/na-claim.ts).
  const naKnockouts = new Set<string>();
  const unknown =
    q.scoring.unansweredPolicy === 'zero'
      ? new UnknownGates(plan, visible, sectionVisible, vals, invalid, ctx)
      : null;
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
        unknown,
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
      if (result.visible) raiseFindings(p, q, ctx, due, findings, naKnockouts);
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
  const band = score === null ? null : ratingFor(q.scoring.bands, score);
  const { rating, drivers } = headlineRating(q, band, findings, naKnockouts);
  return {
    score,
    band,
    rating,
    ratingDrivers: drivers,
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
  /** Set under unanswered_policy: zero, to count a follow-up hidden by a gate still unanswered. */
  unknown: UnknownGates | null,
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
  // Hidden questions keep their stored answers but are not checked, required, scored or flagged; a hidden
  // follow-up of a failed gate (hidden_zero_if) counts as a failed control instead of dropping out, and so
  // does one hidden only while its gate is unanswered or refused (UnknownGates).
  if (!vis) {
    if (
      p.weight > 0 &&
      ((p.hiddenZero !== null && isTrue(p.hiddenZero(ctx))) || unknown?.hides(p) === true)
    ) {
      result.score = 0;
      result.weight = p.weight;
    }
    return result;
  }
  const id = question.id;
  const value = vals[p.slot] ?? null;
  result.answered = value !== null;
  result.required = question.required || (p.requiredIf !== null && isTrue(p.requiredIf(ctx)));
  if (bad !== undefined && question.context) {
    // The requester's value, not the vendor's: shown, but it must not block the vendor's submission.
    result.messages.push({ level: 'error', message: bad.message });
  } else if (bad !== undefined) {
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

  // The vendor never answers a context fact, so nothing is asked of them for it either.
  if (question.context) {
    if (p.weight > 0) scoreQuestion(p, value, ctx, scoring, result);
    return result;
  }
  const comment = question.comment;
  // na: justify — an N/A answer needs its reason in the comment.
  const justify = question.na === 'justify' && value !== null && isNa(question, value);
  result.commentRequired =
    justify ||
    (comment !== null &&
      (comment.required || (p.commentRequiredIf !== null && isTrue(p.commentRequiredIf(ctx)))));
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
    issues.push({
      questionId: id,
      kind: 'comment-required',
      message: justify ? MESSAGES.naJustify : MESSAGES.commentRequired,
    });
  } else if (justify && !isJustification(rawComment as string)) {
    // "x" is not a reason: an N/A justification has some substance or the answer is refused.
    result.messages.push({ level: 'error', message: MESSAGES.naJustifyTooShort });
    issues.push({ questionId: id, kind: 'invalid', message: MESSAGES.naJustifyTooShort });
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
  } else if (question.na === 'scores_zero' && isNa(question, value)) {
    s = 0;
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

/** An answer of "not applicable": 'na' for yes_no_na and single, a selection holding 'na' for multi. */
function isNa(question: QuestionPlan['q'], value: Value): boolean {
  if (!question.hasNa) return false;
  return Array.isArray(value) ? value.includes('na') : value === 'na';
}

/**
 * The worse of the band and what the raised findings force under the file's `rating:` rule: a finding
 * rated at a floor's level or worse (by the risk table's order) makes the rating at least that floor's
 * rating; a knock-out finding makes it at least rating.knockout. Without a rule, the band.
 */
function headlineRating(
  q: Questionnaire,
  band: string | null,
  findings: readonly RaisedFinding[],
  naKnockouts: ReadonlySet<string>,
): { rating: string | null; drivers: string[] } {
  const policy = q.rating;
  if (policy === null) return { rating: band, drivers: [] };
  const rank = (r: string | null): number => (r === null ? -1 : policy.order.indexOf(r));
  // risk.rating is listed worst first: a lower index is a worse finding.
  const riskRank = (r: string): number => q.risk?.rating.findIndex((b) => b.rating === r) ?? -1;
  let rating = band;
  let forced: string | null = null;
  const drivers: Array<{ id: string; rating: string }> = [];
  for (const f of findings) {
    const knockout = q.findings.get(f.id)?.knockout === true || naKnockouts.has(f.id);
    let floor: string | null = knockout ? policy.knockout : null;
    const fr = riskRank(f.rating);
    for (const fl of policy.floors) {
      if (fr >= 0 && fr <= riskRank(fl.finding) && rank(fl.rating) > rank(floor)) floor = fl.rating;
    }
    if (floor === null || rank(floor) <= rank(band)) continue;
    drivers.push({ id: f.id, rating: floor });
    if (rank(floor) > rank(forced)) forced = floor;
  }
  if (forced !== null && rank(forced) > rank(rating)) rating = forced;
  // The drivers are the findings that force the final rating (others may force a lesser one).
  return { rating, drivers: drivers.filter((d) => d.rating === rating).map((d) => d.id) };
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
  naKnockouts: Set<string>,
): void {
  for (const f of p.findings) {
    if (!isTrue(f.when(ctx))) continue;
    const def = f.def;
    let likelihood = def.likelihood;
    let escalated = f.escalate !== null && isTrue(f.escalate(ctx));
    let impact = escalated ? Math.min(5, def.impact + 1) : def.impact;
    let dueDays = def.dueDays;
    // An unconfirmed N/A claim weighs what the control failing would (src/questionnaire/na-claim.ts).
    const inherited = def.origin === 'na-claim' ? naClaimWeight(p, ctx) : null;
    if (inherited !== null && inherited.likelihood * inherited.impact > likelihood * impact) {
      ({ likelihood, impact, escalated, dueDays } = inherited);
    }
    if (inherited?.knockout) naKnockouts.add(def.id);
    const riskScore = likelihood * impact;
    out.push({
      id: def.id,
      questionId: def.questionId,
      title: def.title,
      remediation: def.remediation,
      likelihood,
      impact,
      escalated,
      riskScore,
      // The loader guarantees a risk table whose last entry starts at 1 whenever findings exist.
      rating: ratingFor(q.risk?.rating ?? [], riskScore) ?? 'unrated',
      dueDate: dueDays === null ? null : due.after(dueDays),
      controls: [...def.controls],
    });
  }
}

/**
 * Tells a question hidden because something its visibility reads is still unknown from one hidden by an
 * answer. Unknown: a visible vendor question that blocks submission (required and unanswered, or a value it
 * refuses, which evaluate stores as null), and anything computed from or hidden by an unknown. Until the
 * gate is answered its follow-ups are not "not applicable", they are not answered yet, so under
 * unanswered_policy: zero they count as unanswered and leaving a gate open never scores above answering it.
 * A submittable response has no unknown, so its score is untouched. The check is "reads an unknown", not
 * three-valued logic: a follow-up that the known inputs already hide (`a == 'yes' and b == 'yes'` with a
 * 'no' and b open) counts too, so a draft errs low. The requester's context facts are
 * never unknown: an unset fact is the requester's decision. Worked out on demand for hidden scored questions
 * only (memoised per slot), so a response without such questions pays nothing.
 */
class UnknownGates {
  /** 0 not yet worked out, 1 unknown, 2 known. */
  private readonly memo: Uint8Array;
  constructor(
    private readonly plan: Plan,
    private readonly visible: readonly boolean[],
    private readonly sectionVisible: readonly boolean[],
    private readonly vals: readonly Value[],
    private readonly invalid: ReadonlyArray<Invalid | undefined>,
    private readonly ctx: EvalContext,
  ) {
    this.memo = new Uint8Array(plan.slots);
  }

  /** Whether hidden question `p` is hidden only for want of an answer. */
  hides(p: QuestionPlan): boolean {
    return this.anyUnknown(
      this.sectionVisible[p.section] ? this.plan.refs[p.slot]! : this.plan.sectionRefs[p.section]!,
    );
  }

  /**
   * Only a gate that blocks submission is an open question: required (or required_if) and unanswered, or
   * holding a value it refuses. An optional gate left blank is an answer the response may be submitted
   * with, so what it hides stays out of the score, as before.
   */
  private mustAnswer(p: QuestionPlan): boolean {
    return (
      this.invalid[p.slot] !== undefined ||
      p.q.required ||
      (p.requiredIf !== null && isTrue(p.requiredIf(this.ctx)))
    );
  }

  private anyUnknown(refs: readonly number[]): boolean {
    for (let i = 0; i < refs.length; i++) if (this.isUnknown(refs[i]!)) return true;
    return false;
  }

  private isUnknown(slot: number): boolean {
    const m = this.memo[slot]!;
    if (m !== 0) return m === 1;
    let unknown: boolean;
    const p = this.plan.bySlot[slot];
    if (p === undefined) unknown = this.anyUnknown(this.plan.refs[slot]!);
    else if (this.visible[slot]) unknown = !p.q.context && this.vals[slot] === null && this.mustAnswer(p);
    else unknown = this.hides(p);
    this.memo[slot] = unknown ? 1 : 2;
    return unknown;
  }
}
