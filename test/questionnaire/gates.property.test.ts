import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHIPPED_QUESTIONNAIRES } from '../../src/platform/node/questionnaire-files.js';
import {
  type Answers,
  type AnswerValue,
  compileQuestionnaire,
  evaluate,
  type Question,
  type Questionnaire,
} from '../../src/questionnaire/index.js';

/*
 * Issue #10, "no inversions": over every questionnaire in questionnaires/, a gate's failing answer never
 * yields a higher total than any of its passing answers with the follow-ups it reveals at their worst.
 *
 * A gate is a scored choice (yes_no_na with scores, or a single with option scores) that the visibility of a
 * scored question reads. Its failing answers are those that score lowest; its passing answers are the others.
 * For random responses (biased towards good answers, where an inversion shows), the total with the gate
 * failing is compared with the total for each passing answer after every question that this reveals is set
 * to its worst answer (the one that lowers the total most).
 *
 * The gate's failing answers include leaving it unanswered and a value it refuses (both count as unanswered),
 * and a justified N/A where its N/A policy accepts one (the N/A-claim audit of 2.0.0: N/A must never beat
 * "no"). So are scored controls that are not gates but accept an N/A: a justified N/A counts as failing them,
 * and must not score above any passing answer either. Separately, a justified N/A never scores, bands or
 * rates better than the control's failing answer (na_policy and src/questionnaire/na-claim.ts), on the same
 * random responses, under every context value.
 *
 * Each gate is checked without context and under every value of each context fact the requester sets (a
 * supporting service, a non-critical function, ...), since those facts show, hide and escalate questions.
 *
 * KNOWN_INVERSIONS lists the gates of the shipped files that invert today (content review X3, the two it
 * measured: no backups scoring above weekly untested ones, never pen-tested above an old test with open
 * criticals). They are expected to fail: the test checks that they still do, so an entry must be removed once
 * its file is fixed (the content engineer's work), and every other gate must hold. Empty the list; never add
 * to it. The other X3 gates (a yes/no gate whose follow-ups weigh no more than the gate) hide scored
 * questions too, which lint reports (score-inversion), but cannot raise the total this way.
 */
const KNOWN_INVERSIONS: Readonly<Record<string, readonly string[]>> = {};

/**
 * Released files that still leave a justified N/A out of the score (na_policy: exclude), so an N/A can lift
 * the total and band above the failing answer. Checked only for the rating floors the N/A claim's finding
 * forces (the rule before na-band); a test checks each still excludes, so remove an entry once its next
 * version scores N/A as 0. Never add to it: every 3.0.0 file holds the full property.
 */
const NA_EXCLUDED: Readonly<Record<string, string>> = {
  'security-baseline.yaml': '2.0.1 is released; its next version moves to na_policy: zero',
};

const TODAY = '2026-12-02';
/** A justification of the minimum substance (2 words, 15 characters), so the N/A is accepted, not refused. */
const JUSTIFIED_NA = '__justified_na__';
const JUSTIFICATION = 'Not used for this service.';

/** Whether a justified N/A is an answer the question accepts (anything but na: forbidden). */
const acceptsNa = (q: Question) => q.hasNa && q.na !== 'forbidden' && !q.context;

/** The answers with `id` set to `value`, a justified N/A written as 'na' with its comment. */
function answer(answers: Answers, id: string, value: AnswerValue | typeof JUSTIFIED_NA): Answers {
  if (value === JUSTIFIED_NA) return { ...answers, [id]: 'na', [`${id}#comment`]: JUSTIFICATION };
  return { ...answers, [id]: value };
}

function scoredChoices(q: Question): Array<[string, number]> {
  if (q.type === 'yes_no_na' && q.scores) {
    return [
      ['yes', q.scores.yes],
      ['no', q.scores.no],
    ];
  }
  if (q.type === 'single' && q.options?.every((o) => o.score !== null))
    return q.options.map((o) => [o.value, o.score!]);
  return [];
}

/** Answers a question can take in these tests: every choice, a spread of numbers and dates, and unanswered. */
function candidates(q: Question): AnswerValue[] {
  switch (q.type) {
    case 'yes_no_na':
      return ['yes', 'no', 'na'];
    case 'single':
      return q.options!.map((o) => o.value);
    case 'multi':
      return q.options!.map((o) => [o.value]);
    case 'number': {
      const lo = q.min ?? 0;
      const hi = q.max ?? 100_000;
      return [
        lo,
        hi,
        Math.min(hi, Math.max(lo, 1)),
        Math.min(hi, Math.max(lo, 24)),
        Math.min(hi, Math.max(lo, 720)),
      ];
    }
    case 'date':
      return [TODAY, '2026-06-01', '2024-01-01', '2000-01-01', '2030-01-01'];
    case 'text':
      return ['Described in our policy.'];
    case 'file':
      return [['ev_1']];
  }
}

/** The best-scoring answer of a choice, else the first candidate: most generated answers are good ones. */
function best(q: Question): AnswerValue {
  const scored = scoredChoices(q);
  if (scored.length > 0) return scored.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  if (q.type === 'multi' && q.options?.some((o) => o.score !== null)) {
    return [q.options.reduce((a, b) => ((b.score ?? 0) > (a.score ?? 0) ? b : a)).value];
  }
  return candidates(q)[0]!;
}

function responses(q: Questionnaire): fc.Arbitrary<Answers> {
  const entries = [...q.questions.values()]
    .filter((question) => !question.context)
    .map((question) => {
      const all = candidates(question);
      const answer = fc.oneof(
        { weight: 6, arbitrary: fc.constant(best(question)) },
        { weight: 3, arbitrary: fc.constantFrom(...all) },
        { weight: 1, arbitrary: fc.constant(null) },
      );
      return [question.id, answer] as const;
    });
  return fc.record(Object.fromEntries(entries)) as fc.Arbitrary<Answers>;
}

/** Sets every question that is visible here but was hidden in `before` to the answer that lowers the total most. */
function worstFollowUps(
  q: Questionnaire,
  answers: Answers,
  hiddenBefore: ReadonlySet<string>,
  context: Answers,
): Answers {
  let current: Record<string, AnswerValue> = { ...answers };
  const done = new Set<string>();
  for (let round = 0; round < 5; round++) {
    const e = evaluate(q, current, TODAY, { context });
    const revealed = Object.keys(e.questions).filter(
      (id) => e.questions[id]!.visible && hiddenBefore.has(id) && !done.has(id),
    );
    if (revealed.length === 0) break;
    for (const id of revealed) {
      done.add(id);
      let worst: { value: AnswerValue; total: number } | null = null;
      for (const value of [...candidates(q.questions.get(id)!), null]) {
        const total = evaluate(q, { ...current, [id]: value }, TODAY, { context }).score ?? 100;
        if (worst === null || total < worst.total) worst = { value, total };
      }
      current = { ...current, [id]: worst!.value };
    }
  }
  return current;
}

/** The gates of a questionnaire: scored choices that the visibility of a scored question depends on. */
function gatesOf(q: Questionnaire): Question[] {
  const gates = new Map<string, Question>();
  for (const section of q.sections) {
    for (const f of section.questions) {
      if (f.visibleIf === null || !f.scored || f.weight * section.weight === 0) continue;
      for (const g of q.questions.values()) {
        if (g === f || g.context || scoredChoices(g).length < 2) continue;
        if (
          new RegExp(`(^|[^a-z0-9_.])${g.id.replaceAll('.', '\\.')}($|[^a-z0-9_.])`).test(f.visibleIf.source)
        ) {
          gates.set(g.id, g);
        }
      }
    }
  }
  return [...gates.values()];
}

/** Scored controls that are not gates but accept a justified N/A: the N/A must not beat a passing answer. */
function naControlsOf(q: Questionnaire, gates: readonly Question[]): Question[] {
  const weighted = new Set(
    q.sections.flatMap((s) =>
      s.questions.filter((x) => x.scored && x.weight * s.weight > 0).map((x) => x.id),
    ),
  );
  return [...q.questions.values()].filter(
    (x) => weighted.has(x.id) && acceptsNa(x) && scoredChoices(x).length >= 2 && !gates.includes(x),
  );
}

function gateProperty(q: Questionnaire, gate: Question, context: Answers = {}) {
  const scored = scoredChoices(gate);
  const min = Math.min(...scored.map(([, s]) => s));
  const failing = scored.filter(([, s]) => s === min).map(([v]) => v);
  const passing = scored.filter(([, s]) => s > min).map(([v]) => v);
  // Leaving the gate open, or a value it refuses (an N/A where N/A is forbidden, a value it does not offer),
  // must not score above answering it either: such follow-ups count as unanswered, not as left out.
  const open: Array<AnswerValue | typeof JUSTIFIED_NA> = [
    null,
    '__refused__',
    ...(gate.type === 'yes_no_na' && gate.na === 'forbidden' ? ['na'] : []),
    // A justified N/A is a failing answer too: until a reviewer confirms it, it must not beat "no".
    ...(acceptsNa(gate) ? [JUSTIFIED_NA] : []),
  ];
  return fc.property(responses(q), fc.constantFrom(...failing, ...open), (base, fail) => {
    const failed = evaluate(q, answer(base, gate.id, fail), TODAY, { context });
    if (failed.score === null || !failed.questions[gate.id]!.visible) return true;
    const hidden = new Set(Object.keys(failed.questions).filter((id) => !failed.questions[id]!.visible));
    for (const pass of passing) {
      const answers = worstFollowUps(q, { ...base, [gate.id]: pass }, hidden, context);
      const total = evaluate(q, answers, TODAY, { context }).score;
      if (total !== null && failed.score > total) return false;
    }
    return true;
  });
}

/**
 * A justified N/A on `control` never yields a better headline than the control's failing answer, until a
 * reviewer treats the claim (issue #10, "N/A that is not free"; content review, na-band): for each failing
 * answer, the N/A's score is no higher, its band no better and its rating no better. The band is part of it:
 * an N/A left out of the score (na_policy: exclude) lifts the total above a "no" scored 0, and can lift the
 * band, hence the rating, past the "no" (nis2-supplier 3.0.0 before na_policy: zero, supporting service:
 * gov.owner_reporting "no" 84.5 medium, N/A 85.3 low).
 */
function naRatingProperty(q: Questionnaire, control: Question, context: Answers = {}) {
  const order = q.rating!.order;
  const rank = (r: string | null) => (r === null ? -1 : order.indexOf(r));
  const scored = scoredChoices(control);
  const min = Math.min(...scored.map(([, s]) => s));
  const failing = scored.filter(([, s]) => s === min).map(([v]) => v);
  return fc.property(responses(q), (base) => {
    const claimed = evaluate(q, answer(base, control.id, JUSTIFIED_NA), TODAY, { context });
    if (!claimed.questions[control.id]!.visible) return true;
    for (const fail of failing) {
      const failed = evaluate(q, { ...base, [control.id]: fail }, TODAY, { context });
      if (failed.score !== null && (claimed.score === null || claimed.score > failed.score)) return false;
      if (rank(claimed.band) < rank(failed.band)) return false;
      if (rank(claimed.rating) < rank(failed.rating)) return false;
    }
    return true;
  });
}

/** The rule before na-band, kept for NA_EXCLUDED: the N/A rates no better than the failing answer's findings force. */
function naFloorProperty(q: Questionnaire, control: Question, context: Answers = {}) {
  const policy = q.rating!;
  const rank = (r: string | null) => (r === null ? -1 : policy.order.indexOf(r));
  const riskRank = (r: string) => q.risk?.rating.findIndex((b) => b.rating === r) ?? -1;
  const floorOf = (e: ReturnType<typeof evaluate>) => {
    let floor = -1;
    for (const f of e.findings) {
      if (q.findings.get(f.id)?.knockout) floor = Math.max(floor, rank(policy.knockout));
      for (const fl of policy.floors)
        if (riskRank(f.rating) >= 0 && riskRank(f.rating) <= riskRank(fl.finding))
          floor = Math.max(floor, rank(fl.rating));
    }
    return floor;
  };
  const scored = scoredChoices(control);
  const min = Math.min(...scored.map(([, s]) => s));
  const failing = scored.filter(([, s]) => s === min).map(([v]) => v);
  return fc.property(responses(q), (base) => {
    const claimed = evaluate(q, answer(base, control.id, JUSTIFIED_NA), TODAY, { context });
    if (!claimed.questions[control.id]!.visible) return true;
    return failing.every(
      (fail) =>
        rank(claimed.rating) >= floorOf(evaluate(q, { ...base, [control.id]: fail }, TODAY, { context })),
    );
  });
}

/**
 * The requester's context facts (vrq/1.1 `context: true`) change what is shown and escalated, so each gate is
 * also checked under every value of each fact on its own (the others unset, which opens questions): a
 * supporting service, a function that is not critical, no special-category data.
 */
function contextsOf(q: Questionnaire): Array<[string, Answers]> {
  const out: Array<[string, Answers]> = [['no context', {}]];
  for (const fact of q.contextFacts) {
    const question = q.questions.get(fact.id)!;
    const values: AnswerValue[] =
      question.type === 'multi'
        ? question.options!.map((o) => [o.value])
        : question.type === 'yes_no_na'
          ? ['yes', 'no']
          : (question.options ?? []).map((o) => o.value);
    for (const value of values) out.push([`${fact.id} = ${JSON.stringify(value)}`, { [fact.id]: value }]);
  }
  return out;
}

const files = readdirSync(SHIPPED_QUESTIONNAIRES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('no inversions in the shipped questionnaires', () => {
  it('finds the shipped files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    const { questionnaire: q } = compileQuestionnaire(
      readFileSync(join(SHIPPED_QUESTIONNAIRES, file), 'utf8'),
      {
        file,
      },
    );
    const known = new Set(KNOWN_INVERSIONS[file] ?? []);
    const gates = q ? gatesOf(q) : [];

    // One file carries every locale: the German questionnaire a vendor answers is this compiled file, and
    // evaluate() reads answer values, never texts, so the property holds for the German edition too. This
    // checks that each shipped file is that German edition (declares de, and no text lacks it).
    it(`${file}: is also the German edition (locales en and de, no text without de)`, () => {
      const full = compileQuestionnaire(readFileSync(join(SHIPPED_QUESTIONNAIRES, file), 'utf8'), {
        file,
        completeLocales: true,
      });
      expect(full.questionnaire!.locales).toEqual(['en', 'de']);
      expect(full.problems.filter((p) => p.code === 'missing-translation')).toEqual([]);
    });

    it(`${file}: compiles and lists only gates it has as known inversions`, () => {
      expect(q).not.toBe(null);
      expect([...known].filter((id) => !gates.some((g) => g.id === id))).toEqual([]);
    });

    const naControls = q ? naControlsOf(q, gates) : [];
    for (const control of naControls) {
      it(`${file}: a justified N/A on ${control.id} never scores above passing it`, () => {
        fc.assert(gateProperty(q!, control), { numRuns: 40 });
      });
    }
    const excluded = NA_EXCLUDED[file] !== undefined;
    if (excluded) {
      it(`${file}: still leaves N/A out of the score (listed in NA_EXCLUDED: remove it once that changes)`, () => {
        expect(q!.scoring.naPolicy).toBe('exclude');
      });
    }
    for (const control of q?.rating ? [...gates, ...naControls].filter(acceptsNa) : []) {
      for (const [label, context] of contextsOf(q!)) {
        if (excluded) {
          it(`${file} (${label}): a justified N/A on ${control.id} never rates below what failing it forces (NA_EXCLUDED)`, () => {
            fc.assert(naFloorProperty(q!, control, context), { numRuns: 40 });
          });
          continue;
        }
        it(`${file} (${label}): a justified N/A on ${control.id} never scores, bands or rates better than failing it`, () => {
          fc.assert(naRatingProperty(q!, control, context), { numRuns: 40 });
        });
      }
    }

    for (const gate of gates) {
      if (known.has(gate.id)) {
        it(`${file}: ${gate.id} still inverts (known failure, content review X3: remove it from KNOWN_INVERSIONS once fixed)`, () => {
          const result = fc.check(gateProperty(q!, gate), { numRuns: 300, seed: 42 });
          expect(result.failed, `${gate.id} no longer inverts: remove it from KNOWN_INVERSIONS`).toBe(true);
        });
      } else {
        for (const [label, context] of contextsOf(q!)) {
          it(`${file} (${label}): failing ${gate.id} never scores above passing it with the follow-ups at their worst`, () => {
            fc.assert(gateProperty(q!, gate, context), { numRuns: 60 });
          });
        }
      }
    }
  }
});
