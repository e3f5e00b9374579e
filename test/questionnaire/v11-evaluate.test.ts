import { describe, expect, it } from 'vitest';
import { checkContext, contextFromPairs, evaluate } from '../../src/questionnaire/index.js';
import { baseline, compileOk, SAMPLE_ANSWERS, SAMPLE_TODAY } from './evaluate-helpers.js';

const TODAY = '2026-01-10';

/** A vrq/1.1 questionnaire: section `s` (weight 1) with the given question lines, a risk table and bands. */
function v11(questions: string, top = '', scoring = '') {
  return compileOk(`schema: vrq/1.1
id: v11
version: 1.0.0
status: draft
default_locale: en
title: V11
scoring:${scoring}
  bands: [ {min: 80, rating: low}, {min: 50, rating: medium}, {min: 25, rating: high}, {min: 0, rating: critical} ]
risk:
  rating: [ {min: 15, rating: critical}, {min: 10, rating: high}, {min: 5, rating: medium}, {min: 1, rating: low} ]
${top}
sections:
  - id: s
    title: S
    questions:
${questions}
`);
}

const finding = (id: string, when: string, l: number, i: number, extra = '') =>
  `{ id: ${id}, when: "${when}", title: T, likelihood: ${l}, impact: ${i}, remediation: R${extra} }`;

describe('headline rating', () => {
  const questions = [
    '      - id: s.mfa',
    '        type: yes_no_na',
    '        text: MFA?',
    '        weight: 1',
    '        scores: { yes: 1, no: 0 }',
    `        findings: [ ${finding('S-1', "s.mfa == 'no'", 4, 4)} ]`,
    '      - id: s.backup',
    '        type: yes_no_na',
    '        text: Backups?',
    '        weight: 20',
    '        scores: { yes: 1, no: 0 }',
    `        findings: [ ${finding('S-2', "s.backup == 'no'", 1, 2, ', knockout: true')} ]`,
  ].join('\n');

  it('is the band when the file declares no rule (every vrq/1 file)', () => {
    const q = baseline();
    const e = evaluate(q, SAMPLE_ANSWERS, SAMPLE_TODAY);
    expect(q.rating).toBe(null);
    expect([e.score, e.band, e.rating, e.ratingDrivers]).toEqual([44.9, 'high', 'high', []]);
  });

  it('cannot hide a critical finding behind a good score', () => {
    const q = v11(
      questions,
      'rating: { floors: [ { finding: critical, rating: high }, { finding: high, rating: medium } ] }',
    );
    // 20/21 = 95.2 → band low, but S-1 is 4×4 = 16, critical.
    const e = evaluate(q, { 's.mfa': 'no', 's.backup': 'yes' }, TODAY);
    expect([e.score, e.band, e.rating, e.ratingDrivers]).toEqual([95.2, 'low', 'high', ['S-1']]);
    // Nothing raised: the band decides.
    expect(evaluate(q, { 's.mfa': 'yes', 's.backup': 'yes' }, TODAY)).toMatchObject({
      band: 'low',
      rating: 'low',
      ratingDrivers: [],
    });
  });

  it('a floor never improves a worse band', () => {
    const q = v11(questions, 'rating: { floors: [ { finding: critical, rating: medium } ] }');
    // 1/21 = 4.8 → critical band; the medium floor of S-1 changes nothing.
    const e = evaluate(q, { 's.mfa': 'no', 's.backup': 'no' }, TODAY);
    expect([e.band, e.rating, e.ratingDrivers]).toEqual(['critical', 'critical', []]);
  });

  it('a raised knock-out finding makes the rating at least rating.knockout (by default the worst)', () => {
    const q = v11(
      questions.replace('weight: 20', 'weight: 1').replace("s.mfa == 'no'", "s.mfa == 'none'"),
      'rating: {}',
    );
    // 1/2 = 50 → medium; S-2 (1×2, low) is a knock-out.
    const e = evaluate(q, { 's.mfa': 'yes', 's.backup': 'no' }, TODAY);
    expect([e.band, e.rating, e.ratingDrivers]).toEqual(['medium', 'critical', ['S-2']]);
    const declared = v11(
      questions.replace('weight: 20', 'weight: 1').replace("s.mfa == 'no'", "s.mfa == 'none'"),
      'rating: { knockout: high }',
    );
    expect(evaluate(declared, { 's.mfa': 'yes', 's.backup': 'no' }, TODAY).rating).toBe('high');
  });
});

describe('N/A policy', () => {
  const q = v11(
    [
      '      - { id: s.allowed, type: yes_no_na, text: A, scores: { yes: 1, no: 0 } }',
      '      - { id: s.justify, type: yes_no_na, text: J, na: justify, scores: { yes: 1, no: 0 } }',
      '      - { id: s.forbidden, type: yes_no_na, text: F, na: forbidden, scores: { yes: 1, no: 0 } }',
      '      - { id: s.zero, type: yes_no_na, text: Z, na: scores_zero, scores: { yes: 1, no: 0 } }',
    ].join('\n'),
  );
  const all = { 's.allowed': 'na', 's.justify': 'na', 's.forbidden': 'na', 's.zero': 'na' };

  it('allowed: scored per na_policy (exclude); scores_zero: 0 at full weight; forbidden: invalid', () => {
    const e = evaluate(q, all, TODAY);
    expect(e.questions['s.allowed']).toMatchObject({ answered: true, score: null, weight: 0 });
    expect(e.questions['s.zero']).toMatchObject({ answered: true, score: 0, weight: 1 });
    expect(e.questions['s.forbidden']).toMatchObject({ answered: false, score: 0, weight: 1 });
    expect(e.issues.map((i) => `${i.questionId} ${i.kind} ${i.message.en}`)).toEqual([
      's.justify comment-required Explain in the comment why this does not apply.',
      's.forbidden invalid Not applicable is not accepted for this question; answer yes or no.',
    ]);
  });

  it('forbidden: any other invalid value names only yes and no', () => {
    const e = evaluate(q, { 's.forbidden': 'maybe', 's.allowed': 'maybe' }, TODAY);
    expect(e.issues.map((i) => `${i.questionId} ${i.message.en} / ${i.message.de}`)).toEqual([
      's.allowed Answer yes, no or not applicable. / Antworten Sie mit Ja, Nein oder Nicht zutreffend.',
      's.forbidden Answer yes or no. / Antworten Sie mit Ja oder Nein.',
    ]);
  });

  it('justify: a reason in the comment satisfies it; a blank one does not', () => {
    expect(
      evaluate(q, { ...all, 's.justify#comment': 'No such system here.' }, TODAY).issues.map(
        (i) => i.questionId,
      ),
    ).toEqual(['s.forbidden']);
    expect(evaluate(q, { ...all, 's.justify#comment': '  ' }, TODAY).issues.map((i) => i.kind)).toContain(
      'comment-required',
    );
    expect(evaluate(q, { 's.justify': 'no' }, TODAY).questions['s.justify']!.commentRequired).toBe(false);
  });

  it('scoring.na sets the policy of every question that declares none', () => {
    const strict = v11(
      '      - { id: s.a, type: yes_no_na, text: A, scores: { yes: 1, no: 0 } }',
      '',
      '\n  na: forbidden',
    );
    expect(strict.questions.get('s.a')!.na).toBe('forbidden');
    expect(evaluate(strict, { 's.a': 'na' }, TODAY).issues[0]!.kind).toBe('invalid');
  });
});

describe('must-have controls answered N/A', () => {
  const q = v11(
    [
      '      - id: s.mfa',
      '        type: yes_no_na',
      '        text: MFA?',
      '        must_have: true',
      '        scores: { yes: 1, no: 0 }',
      '        controls: ["x:1"]',
      '      - { id: s.plain, type: yes_no_na, text: P, scores: { yes: 1, no: 0 } }',
      '      - { id: s.never, type: yes_no_na, text: N, must_have: true, na: forbidden, scores: { yes: 1, no: 0 } }',
    ].join('\n'),
    'frameworks: { x: { title: X } }',
  );

  it('raise the lowest-rated "N/A claimed — reviewer to confirm" finding, with the question\'s controls', () => {
    const e = evaluate(q, { 's.mfa': 'na', 's.plain': 'na' }, TODAY);
    expect(e.findings).toEqual([
      {
        id: 'NA-s_mfa',
        questionId: 's.mfa',
        title: expect.objectContaining({
          en: 'Not applicable claimed for a must-have control — reviewer to confirm',
        }),
        remediation: expect.objectContaining({
          en: 'Confirm that the control does not apply to this service, or ask the vendor to answer the question.',
        }),
        likelihood: 1,
        impact: 1,
        escalated: false,
        riskScore: 1,
        rating: 'low',
        dueDate: null,
        controls: ['x:1'],
      },
    ]);
  });

  it('raise nothing for yes or no, and cannot be claimed where N/A is forbidden', () => {
    expect(evaluate(q, { 's.mfa': 'no' }, TODAY).findings).toEqual([]);
    expect(q.findings.has('NA-s_never')).toBe(false);
  });
});

describe('hidden_zero_if: no inversions', () => {
  const gate = (hiddenZero: string) =>
    v11(
      [
        '      - id: s.backups',
        '        type: single',
        '        text: Backups?',
        '        weight: 3',
        '        options: [ { value: daily, label: D, score: 1 }, { value: weekly, label: W, score: 0.25 }, { value: none, label: N, score: 0 } ]',
        '      - id: s.restore_test',
        '        type: yes_no_na',
        '        text: Restore tested?',
        '        weight: 2',
        `        visible_if: "s.backups != 'none'"`,
        hiddenZero,
        '        scores: { yes: 1, no: 0 }',
      ]
        .filter((l) => l !== '')
        .join('\n'),
    );

  it('without it, having no backups scores better than weak, untested ones (the inversion)', () => {
    const q = gate('');
    const none = evaluate(q, { 's.backups': 'none' }, TODAY).score!;
    const weak = evaluate(q, { 's.backups': 'weekly', 's.restore_test': 'no' }, TODAY).score!;
    expect([none, weak]).toEqual([0, 15]);
    expect(evaluate(gate(''), { 's.backups': 'none' }, TODAY).questions['s.restore_test']!.weight).toBe(0);
  });

  it('with it, the hidden follow-up counts as failed: 0 at its weight, still hidden and unanswered', () => {
    const q = gate(`        hidden_zero_if: "s.backups == 'none'"`);
    const e = evaluate(q, { 's.backups': 'none', 's.restore_test': 'yes' }, TODAY);
    expect(e.questions['s.restore_test']).toMatchObject({
      visible: false,
      answered: false,
      score: 0,
      weight: 2,
    });
    expect(e.score).toBe(0);
    // Hidden while an optional gate is blank: a response may be submitted so, and it stays out.
    expect(evaluate(q, {}, TODAY).questions['s.restore_test']!.weight).toBe(0);
  });

  it('a follow-up hidden while its gate is unanswered or refused counts as unanswered, not as left out', () => {
    // Without hidden_zero_if: answering the gate "weekly" with an untested restore scores 15; leaving the
    // gate open, or storing a value the gate does not offer, must not score better than that.
    const q = v11(
      [
        '      - id: s.backups',
        '        type: single',
        '        text: Backups?',
        '        weight: 3',
        '        required: true',
        '        options: [ { value: daily, label: D, score: 1 }, { value: weekly, label: W, score: 0.25 }, { value: none, label: N, score: 0 } ]',
        '      - id: s.restore_test',
        '        type: yes_no_na',
        '        text: Restore tested?',
        '        weight: 2',
        `        visible_if: "s.backups != 'none'"`,
        '        scores: { yes: 1, no: 0 }',
      ].join('\n'),
    );
    const weak = evaluate(q, { 's.backups': 'weekly', 's.restore_test': 'no' }, TODAY).score!;
    for (const answers of [{}, { 's.backups': 'hourly-ish' }, { 's.backups': null }]) {
      const e = evaluate(q, answers as never, TODAY);
      expect(e.questions['s.restore_test']).toMatchObject({ visible: false, score: 0, weight: 2 });
      expect(e.score!).toBeLessThanOrEqual(weak);
    }
    // An optional gate left blank is an answer a response may be submitted with: what it hides stays out.
    const optional = v11(
      [
        '      - id: s.g',
        '        type: yes_no_na',
        '        text: Optional gate?',
        '        na: forbidden',
        '        weight: 0',
        '      - id: s.f',
        '        type: yes_no_na',
        '        text: Follow-up?',
        '        weight: 1',
        `        visible_if: "s.g == 'yes'"`,
        '        scores: { yes: 1, no: 0 }',
        '      - id: s.o',
        '        type: yes_no_na',
        '        text: Other?',
        '        weight: 1',
        '        required: true',
        '        scores: { yes: 1, no: 0 }',
      ].join('\n'),
    );
    const submittable = evaluate(optional, { 's.o': 'yes' }, TODAY);
    expect([submittable.canSubmit, submittable.score, submittable.questions['s.f']!.weight]).toEqual([
      true,
      100,
      0,
    ]);
    // A gate answered with its failing value still hides it as before (the lint's score-inversion case).
    expect(evaluate(q, { 's.backups': 'none' }, TODAY).questions['s.restore_test']!.weight).toBe(0);
    // Under unanswered_policy: exclude an unanswered gate leaves its follow-ups out, like itself.
    const excl = v11(
      [
        '      - id: s.backups',
        '        type: single',
        '        text: Backups?',
        '        weight: 3',
        '        options: [ { value: daily, label: D, score: 1 }, { value: none, label: N, score: 0 } ]',
        '      - id: s.restore_test',
        '        type: yes_no_na',
        '        text: Restore tested?',
        '        weight: 2',
        `        visible_if: "s.backups != 'none'"`,
        '        scores: { yes: 1, no: 0 }',
      ].join('\n'),
      '',
      '\n  unanswered_policy: exclude',
    );
    expect(evaluate(excl, {}, TODAY).questions['s.restore_test']!.weight).toBe(0);
    expect(evaluate(excl, {}, TODAY).score).toBeNull();
  });
});

describe('context facts', () => {
  const q = v11(
    [
      '      - id: s.tier',
      '        type: single',
      '        text: Criticality',
      '        context: true',
      '        weight: 0',
      '        options: [ { value: critical, label: Critical }, { value: other, label: Other } ]',
      '      - id: s.rto',
      '        type: number',
      '        text: RTO hours',
      `        visible_if: "s.tier == 'critical'"`,
      '        required: true',
      '        score_expr: "iif(s.rto <= rto_hours, 1, 0)"',
    ].join('\n'),
    'thresholds: { table: eu-supplier@1.0.0, values: { rto_hours: 24 } }',
  );

  it("are read from the requester's context only: a vendor answer under the same key changes nothing", () => {
    const vendorSaysOther = { 's.tier': 'other', 's.rto': 48 };
    const e = evaluate(q, vendorSaysOther, TODAY, { context: { 's.tier': 'critical' } });
    expect(e.questions['s.rto']).toMatchObject({ visible: true, score: 0 });
    expect(e.questions['s.tier']).toMatchObject({ visible: true, answered: true, required: false });
    const noContext = evaluate(q, vendorSaysOther, TODAY);
    expect(noContext.questions['s.rto']!.visible).toBe(false);
    expect(noContext.questions['s.tier']!.answered).toBe(false);
  });

  it('an invalid context value shows a message but never blocks the vendor', () => {
    const e = evaluate(q, {}, TODAY, { context: { 's.tier': 'bogus' } });
    expect(e.questions['s.tier']!.messages[0]!.message.en).toMatch(/set by the requester is not valid/);
    expect(e.issues).toEqual([]);
  });

  it('thresholds are constants in expressions', () => {
    expect(evaluate(q, { 's.rto': 12 }, TODAY, { context: { 's.tier': 'critical' } }).score).toBe(100);
  });

  it('checkContext and contextFromPairs accept only context facts and valid values, with a sentence each', () => {
    expect(contextFromPairs(q, ['s.tier=critical'])).toEqual({ ok: true, context: { 's.tier': 'critical' } });
    const bad = contextFromPairs(q, ['s.tier=gold', 's.rto=4', 'nonsense', 's.tier=other']);
    expect(bad).toEqual({
      ok: false,
      problems: [
        { key: 'nonsense', message: '"nonsense" is not KEY=VALUE, like scope.criticality=critical.' },
        { key: 's.tier', message: 's.tier is given twice.' },
        {
          key: 's.tier',
          message: '"gold" is not a valid value for s.tier (single); use critical (Critical), other (Other).',
        },
        { key: 's.rto', message: 's.rto is not a context fact of v11@1.0.0; its context facts are s.tier.' },
      ],
    });
    expect(checkContext(q, { 's.tier': ['critical'] }).ok).toBe(false);
  });
});
