import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/questionnaire/index.js';
import {
  baseline,
  compileOk,
  policyQuestionnaire,
  SAMPLE_ANSWERS,
  SAMPLE_TODAY,
} from './evaluate-helpers.js';

describe('evaluate: the reference sample response', () => {
  const q = baseline();
  const e = evaluate(q, SAMPLE_ANSWERS, SAMPLE_TODAY);

  it('scores 44.9% and rates it "high"', () => {
    // Section weights: scope 0, gov 2, sup 2, ops 3. Effective weight w = question × section weight.
    //   gov.isms           yes                       s = 1    w = 3×2 = 6   w·s = 6
    //   gov.certification  [iso27001], mode max       s = 1    w = 2×2 = 4   w·s = 4
    //   gov.cert_expiry    date without score_expr    unscored
    //   sup.subprocessors  weight 0                   unscored
    //   sup.subprocessor_list  file                   unscored
    //   sup.flowdown       no                         s = 0    w = 3×2 = 6   w·s = 0
    //   ops.mfa            mfa                        s = 0.7  w = 3×3 = 9   w·s = 6.3
    //   ops.pentest_date   2024-03-01, 476 days ago   s = 0    w = 2×3 = 6   w·s = 0
    //   ops.rto_hours      8 (visible: critical)      s = 0.5  w = 2×3 = 6   w·s = 3
    //   ops.incident_notice_hours 96 (> 72)           s = 0    w = 2×3 = 6   w·s = 0
    //   ops.notes          text                       unscored
    // Σw·s = 6 + 4 + 0 + 6.3 + 0 + 3 + 0 = 19.3;  Σw = 6 + 4 + 6 + 9 + 6 + 6 + 6 = 43
    // score = 100 × 19.3 / 43 = 44.88… → 44.9 → band "high" (40 ≤ 44.9 < 65)
    // gov = 10/10 = 100%, sup = 0/6 = 0%, ops = 9.3/27 = 34.44… → 34.4%
    expect(e.score).toBe(44.9);
    expect(e.band).toBe('high');
    expect(e.sections).toEqual([
      { id: 'scope', visible: true, score: null, answered: 3, requiredOpen: 0 },
      { id: 'gov', visible: true, score: 100, answered: 3, requiredOpen: 0 },
      { id: 'sup', visible: true, score: 0, answered: 2, requiredOpen: 1 },
      { id: 'ops', visible: true, score: 34.4, answered: 4, requiredOpen: 0 },
    ]);
  });

  it('reports per-question scores and effective weights', () => {
    const pick = (id: string) => [e.questions[id]!.score, e.questions[id]!.weight];
    expect(pick('gov.isms')).toEqual([1, 6]);
    expect(pick('gov.certification')).toEqual([1, 4]);
    expect(pick('gov.cert_expiry')).toEqual([null, 0]);
    expect(pick('sup.flowdown')).toEqual([0, 6]);
    expect(pick('ops.mfa')).toEqual([0.7, 9]);
    expect(pick('ops.pentest_date')).toEqual([0, 6]);
    expect(pick('ops.rto_hours')).toEqual([0.5, 6]);
    expect(pick('ops.incident_notice_hours')).toEqual([0, 6]);
    expect(pick('scope.criticality')).toEqual([null, 0]);
  });

  it('blocks submission with the three documented issues', () => {
    expect(e.canSubmit).toBe(false);
    expect(e.issues.map((i) => [i.questionId, i.kind])).toEqual([
      ['gov.isms', 'evidence-required'],
      ['sup.subprocessor_list', 'required'],
      ['sup.flowdown', 'comment-required'],
    ]);
    expect(e.issues[1]!.message.en).toBe('An answer is required.');
    expect(e.questions['gov.isms']!.evidenceRequired).toBe(true);
    expect(e.questions['sup.flowdown']!.commentRequired).toBe(true);
  });

  it('raises the four documented findings, escalating SUP-001 for a critical service', () => {
    expect(
      e.findings.map((f) => [f.id, f.likelihood, f.impact, f.riskScore, f.rating, f.escalated, f.dueDate]),
    ).toEqual([
      ['GOV-002', 2, 2, 4, 'low', false, null],
      ['SUP-001', 3, 4, 12, 'high', true, '2025-12-17'],
      ['OPS-002', 3, 3, 9, 'medium', false, null],
      ['OPS-003', 3, 4, 12, 'high', false, null],
    ]);
    const sup = e.findings[1]!;
    expect(sup.questionId).toBe('sup.flowdown');
    expect(sup.title.en).toBe('Security requirements not flowed down to subcontractors');
    expect(sup.controls).toEqual([
      'nis2:21.2.d',
      'iso27001:A.5.19',
      'iso27001:A.5.20',
      'iso27001:A.5.21',
      'caiq:STA-09.1',
    ]);
  });

  it('is a plain JSON value and deterministic', () => {
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
    expect(evaluate(q, SAMPLE_ANSWERS, SAMPLE_TODAY)).toEqual(e);
  });

  it('can be submitted once the issues are resolved', () => {
    const done = evaluate(
      q,
      {
        ...SAMPLE_ANSWERS,
        'gov.isms#evidence': ['ev_1'],
        'sup.subprocessor_list': ['ev_2'],
        'sup.flowdown#comment': 'Annual audits of all subcontractors.',
      },
      SAMPLE_TODAY,
    );
    expect(done.issues).toEqual([]);
    expect(done.canSubmit).toBe(true);
    expect(done.score).toBe(44.9);
  });
});

describe('evaluate: visibility', () => {
  const q = baseline();

  it('hides questions whose visible_if is false and keeps their answers out of everything', () => {
    const answers = { ...SAMPLE_ANSWERS, 'scope.criticality': 'normal', 'ops.rto_hours': 1 };
    const e = evaluate(q, answers, SAMPLE_TODAY);
    expect(e.questions['ops.rto_hours']).toEqual({
      visible: false,
      required: false,
      answered: false,
      score: null,
      weight: 0,
      commentRequired: false,
      evidenceRequired: false,
      messages: [],
    });
    // Without rto (w 6, s 0.5): Σw·s = 16.3, Σw = 37 → 44.05… → 44.1; SUP-001 no longer escalates.
    expect(e.score).toBe(44.1);
    expect(e.findings.find((f) => f.id === 'SUP-001')).toMatchObject({
      impact: 3,
      riskScore: 9,
      rating: 'medium',
      escalated: false,
    });
  });

  it('reads hidden questions as null downstream, so chains collapse', () => {
    const e = evaluate(q, { ...SAMPLE_ANSWERS, 'sup.subprocessors': 'no' }, SAMPLE_TODAY);
    expect(e.questions['sup.flowdown']!.visible).toBe(false);
    // The hidden 'no' raises no finding and needs no comment.
    expect(e.findings.map((f) => f.id)).not.toContain('SUP-001');
    expect(e.issues.map((i) => i.questionId)).toEqual(['gov.isms']);
  });

  it('hides every question of a hidden section', () => {
    const q2 = compileOk(`schema: vrq/1
id: sec
version: 1.0.0
status: draft
default_locale: en
title: T
sections:
  - id: a
    title: A
    questions:
      - { id: a.gate, type: yes_no_na, text: Gate }
  - id: b
    title: B
    visible_if: "a.gate == 'yes'"
    questions:
      - { id: b.x, type: yes_no_na, text: X, required: true, scores: { yes: 1, no: 0 } }
`);
    const hidden = evaluate(q2, { 'a.gate': 'no', 'b.x': 'yes' }, SAMPLE_TODAY);
    expect(hidden.sections[1]).toEqual({
      id: 'b',
      visible: false,
      score: null,
      answered: 0,
      requiredOpen: 0,
    });
    expect(hidden.questions['b.x']!.visible).toBe(false);
    expect(hidden.score).toBe(null);
    expect(hidden.canSubmit).toBe(true);
    const shown = evaluate(q2, { 'a.gate': 'yes' }, SAMPLE_TODAY);
    expect(shown.sections[1]).toMatchObject({ visible: true, requiredOpen: 1 });
    expect(shown.issues).toMatchObject([{ questionId: 'b.x', kind: 'required' }]);
  });
});

describe('evaluate: scoring policies', () => {
  const none = '  bands: [ {min: 50, rating: good}, {min: 0, rating: bad} ]';

  it('weighted ratio with section weight', () => {
    const q = policyQuestionnaire(none);
    // s.a no → 0.25 (w 1×2), s.b yes → 1 (w 3×2): (0.5 + 6) / 8 = 81.25 → 81.3
    const e = evaluate(q, { 's.a': 'no', 's.b': 'yes' }, SAMPLE_TODAY);
    expect(e.score).toBe(81.3);
    expect(e.band).toBe('good');
    expect(e.questions['s.a']).toMatchObject({ score: 0.25, weight: 2 });
  });

  it('unanswered_policy zero counts unanswered visible questions as 0', () => {
    const e = evaluate(
      policyQuestionnaire(`${none}\n  unanswered_policy: zero`),
      { 's.a': 'yes' },
      SAMPLE_TODAY,
    );
    // (1×2) / (2 + 6) = 25%
    expect(e.score).toBe(25);
    expect(e.questions['s.b']).toMatchObject({ score: 0, weight: 6, answered: false });
    expect(e.band).toBe('bad');
  });

  it('unanswered_policy exclude leaves them out', () => {
    const e = evaluate(
      policyQuestionnaire(`${none}\n  unanswered_policy: exclude`),
      { 's.a': 'yes' },
      SAMPLE_TODAY,
    );
    expect(e.score).toBe(100);
    expect(e.questions['s.b']).toMatchObject({ score: null, weight: 0 });
  });

  it.each([
    ['exclude', 100, null, 0],
    ['zero', 25, 0, 6],
    ['full', 100, 1, 6],
  ] as const)('na_policy %s', (policy, score, naScore, naWeight) => {
    const e = evaluate(
      policyQuestionnaire(`${none}\n  na_policy: ${policy}`),
      { 's.a': 'yes', 's.b': 'na' },
      SAMPLE_TODAY,
    );
    expect(e.score).toBe(score);
    expect(e.questions['s.b']).toMatchObject({ score: naScore, weight: naWeight, answered: true });
  });

  it('gives no score and no band when nothing is scorable', () => {
    const e = evaluate(policyQuestionnaire(`${none}\n  unanswered_policy: exclude`), {}, SAMPLE_TODAY);
    expect(e.score).toBe(null);
    expect(e.band).toBe(null);
    expect(e.sections[0]!.score).toBe(null);
  });

  it('bands on the rounded score, so the shown number and band agree', () => {
    const q = policyQuestionnaire(
      none,
      '      - { id: s.c, type: number, text: C, weight: 5, score_expr: "s.c" }',
    );
    // s.a no: 0.25 × 2 = 0.5; s.b unanswered: 0 × 6; s.c: 0.849928 × 10 = 8.49928.
    // 100 × 8.99928 / 18 = 49.996 → shown as 50, so the band must be "good" (min 50), not "bad".
    const e = evaluate(q, { 's.a': 'no', 's.c': 0.849928 }, SAMPLE_TODAY);
    expect(e.score).toBe(50);
    expect(e.band).toBe('good');
  });
});

describe('evaluate: multi scoring and score_expr', () => {
  const q = compileOk(`schema: vrq/1
id: multi
version: 1.0.0
status: draft
default_locale: en
title: M
sections:
  - id: m
    title: M
    questions:
      - id: m.max
        type: multi
        text: Max
        scoring: { mode: max }
        options:
          - { value: a, label: A, score: 0.5 }
          - { value: b, label: B, score: 0.75 }
          - { value: none, label: None, score: 0, exclusive: true }
      - id: m.sum
        type: multi
        text: Sum
        scoring: { mode: sum_capped }
        options:
          - { value: a, label: A, score: 0.5 }
          - { value: b, label: B, score: 0.75 }
          - { value: c, label: C, score: 0.1 }
      - id: m.expr
        type: number
        text: Expr
        score_expr: "m.expr"
      - id: m.zero
        type: yes_no_na
        text: Zero weight
        weight: 0
        scores: { yes: 1, no: 0 }
      - id: m.nullexpr
        type: number
        text: Null score
        score_expr: "iif(m.nullexpr > 10, 1, null)"
`);
  const score = (answers: Record<string, unknown>, id: string) =>
    evaluate(q, answers as never, SAMPLE_TODAY).questions[id]!.score;

  it('mode max takes the best selected option', () => {
    expect(score({ 'm.max': ['a', 'b'] }, 'm.max')).toBe(0.75);
    expect(score({ 'm.max': ['a'] }, 'm.max')).toBe(0.5);
    expect(score({ 'm.max': ['none'] }, 'm.max')).toBe(0);
  });

  it('mode sum_capped adds selected scores up to 1', () => {
    expect(score({ 'm.sum': ['a', 'c'] }, 'm.sum')).toBeCloseTo(0.6, 10);
    expect(score({ 'm.sum': ['a', 'b', 'c'] }, 'm.sum')).toBe(1);
  });

  it('clamps score_expr to 0..1', () => {
    expect(score({ 'm.expr': 7 }, 'm.expr')).toBe(1);
    expect(score({ 'm.expr': -3 }, 'm.expr')).toBe(0);
    expect(score({ 'm.expr': 0.4 }, 'm.expr')).toBe(0.4);
  });

  it('leaves a question out of the score when score_expr gives null', () => {
    const e = evaluate(q, { 'm.nullexpr': 5 }, SAMPLE_TODAY);
    expect(e.questions['m.nullexpr']).toMatchObject({ score: null, weight: 0, answered: true });
    expect(evaluate(q, { 'm.nullexpr': 50 }, SAMPLE_TODAY).questions['m.nullexpr']).toMatchObject({
      score: 1,
      weight: 1,
    });
  });

  it('never scores a weight-0 question', () => {
    expect(evaluate(q, { 'm.zero': 'yes' }, SAMPLE_TODAY).questions['m.zero']).toMatchObject({
      score: null,
      weight: 0,
    });
  });
});

describe('evaluate: invalid stored values', () => {
  const q = baseline();
  const cases: Array<[string, unknown, string]> = [
    ['gov.isms', 'maybe', 'Answer yes, no or not applicable.'],
    ['gov.isms', true, 'Answer yes, no or not applicable.'],
    ['ops.mfa', 'sms', 'Choose one of the listed options.'],
    ['ops.mfa', ['mfa'], 'Choose one of the listed options.'],
    ['gov.certification', 'iso27001', 'Choose only from the listed options, each at most once.'],
    [
      'gov.certification',
      ['iso27001', 'iso27001'],
      'Choose only from the listed options, each at most once.',
    ],
    ['gov.certification', ['iso27001', 7], 'Choose only from the listed options, each at most once.'],
    ['gov.certification', ['iso27001', 'none'], 'This option cannot be combined with other options.'],
    ['ops.incident_notice_hours', '24', 'Enter a number.'],
    ['ops.incident_notice_hours', Number.NaN, 'Enter a number.'],
    ['ops.incident_notice_hours', -1, 'Enter a number of at least 0.'],
    ['ops.rto_hours', 721, 'Enter a number of at most 720.'],
    ['ops.pentest_date', '2024-02-30', 'Enter a valid date (YYYY-MM-DD).'],
    ['ops.pentest_date', '01.03.2024', 'Enter a valid date (YYYY-MM-DD).'],
    ['ops.pentest_date', 20240301, 'Enter a valid date (YYYY-MM-DD).'],
    ['ops.notes', 42, 'Enter text.'],
    ['ops.notes', 'x'.repeat(4001), 'Use at most 4000 characters.'],
    ['sup.subprocessor_list', 'ev_1', 'Attach files as evidence.'],
    ['sup.subprocessor_list', [''], 'Attach files as evidence.'],
    ['sup.subprocessor_list', ['a', 'a'], 'Attach files as evidence.'],
    ['sup.subprocessor_list', ['x'.repeat(201)], 'Attach files as evidence.'],
    ['sup.subprocessor_list', Array.from({ length: 11 }, (_, i) => `ev_${i}`), 'Attach at most 10 files.'],
  ];

  it.each(cases)('%s = %j is not answered, not scored, and an invalid issue', (id, value, message) => {
    const e = evaluate(q, { ...SAMPLE_ANSWERS, [id]: value as never }, SAMPLE_TODAY);
    const r = e.questions[id]!;
    expect(r.answered).toBe(false);
    expect(r.messages).toEqual([{ level: 'error', message: expect.objectContaining({ en: message }) }]);
    expect(e.issues.filter((i) => i.questionId === id)).toEqual([
      expect.objectContaining({ kind: 'invalid', message: expect.objectContaining({ en: message }) }),
    ]);
    expect(e.canSubmit).toBe(false);
    if (r.weight > 0) expect(r.score).toBe(0); // unanswered_policy: zero
  });

  it('an invalid value reads as null in expressions (no finding from a malformed number)', () => {
    const e = evaluate(q, { ...SAMPLE_ANSWERS, 'ops.incident_notice_hours': '96' as never }, SAMPLE_TODAY);
    expect(e.findings.map((f) => f.id)).not.toContain('OPS-003');
  });

  it('counts text length in characters, not UTF-16 units', () => {
    const ok = evaluate(q, { ...SAMPLE_ANSWERS, 'ops.notes': '😀'.repeat(4000) }, SAMPLE_TODAY);
    expect(ok.questions['ops.notes']!.answered).toBe(true);
  });

  it('treats empty values as unanswered, not invalid', () => {
    const e = evaluate(
      q,
      {
        ...SAMPLE_ANSWERS,
        'ops.mfa': '',
        'gov.certification': [],
        'ops.notes': '   ',
        'ops.pentest_date': null,
      },
      SAMPLE_TODAY,
    );
    for (const id of ['ops.mfa', 'gov.certification', 'ops.notes', 'ops.pentest_date']) {
      expect(e.questions[id]!.answered, id).toBe(false);
    }
    expect(e.issues.filter((i) => i.kind === 'invalid')).toEqual([]);
    expect(e.issues.filter((i) => i.kind === 'required').map((i) => i.questionId)).toEqual([
      'gov.certification',
      'sup.subprocessor_list',
      'ops.mfa',
      'ops.pentest_date',
    ]);
  });

  it('ignores invalid values of hidden questions (kept, never checked)', () => {
    const e = evaluate(
      q,
      { ...SAMPLE_ANSWERS, 'scope.criticality': 'normal', 'ops.rto_hours': 'soon' as never },
      SAMPLE_TODAY,
    );
    expect(e.issues.some((i) => i.questionId === 'ops.rto_hours')).toBe(false);
  });

  it('checks comment and evidence side keys', () => {
    const e = evaluate(
      q,
      { ...SAMPLE_ANSWERS, 'sup.flowdown#comment': 5 as never, 'gov.isms#evidence': 'ev_1' as never },
      SAMPLE_TODAY,
    );
    expect(e.issues.filter((i) => i.kind === 'invalid').map((i) => [i.questionId, i.message.en])).toEqual([
      ['gov.isms', 'The evidence must be a list of attached files.'],
      ['sup.flowdown', 'The comment must be text.'],
    ]);
    const long = evaluate(q, { ...SAMPLE_ANSWERS, 'sup.flowdown#comment': 'x'.repeat(4001) }, SAMPLE_TODAY);
    expect(long.issues.find((i) => i.questionId === 'sup.flowdown')!.message.en).toBe(
      'The comment may have at most 4000 characters.',
    );
    const blank = evaluate(q, { ...SAMPLE_ANSWERS, 'sup.flowdown#comment': '   ' }, SAMPLE_TODAY);
    expect(blank.issues.find((i) => i.questionId === 'sup.flowdown')!.kind).toBe('comment-required');
  });

  it('ignores answer keys inherited from the prototype chain', () => {
    const answers = Object.create({ 'gov.isms': 'no' }) as Record<string, never>;
    const e = evaluate(q, answers, SAMPLE_TODAY);
    expect(e.questions['gov.isms']!.answered).toBe(false);
    expect(e.findings).toEqual([]);
  });

  it('ignores answer keys planted on Object.prototype (prototype pollution elsewhere)', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['gov.isms'] = 'no';
    try {
      const e = evaluate(q, { 'ops.mfa': 'password' }, SAMPLE_TODAY);
      expect(e.questions['gov.isms']!.answered).toBe(false);
      expect(e.findings.map((f) => f.id)).toEqual(['OPS-001']);
    } finally {
      delete proto['gov.isms'];
    }
  });

  it('is unaffected by a __proto__ key in parsed JSON answers', () => {
    const answers = JSON.parse('{"__proto__": {"gov.isms": "no"}, "ops.mfa": "password"}');
    const e = evaluate(q, answers, SAMPLE_TODAY);
    expect(e.questions['gov.isms']!.answered).toBe(false);
    expect(e.findings.map((f) => f.id)).toEqual(['OPS-001']);
  });
});

describe('evaluate: validation rules and dates', () => {
  const q = baseline();

  it('raises an error-level validate rule as an invalid issue with its message', () => {
    const e = evaluate(q, { ...SAMPLE_ANSWERS, 'gov.cert_expiry': '2025-06-01' }, SAMPLE_TODAY);
    expect(e.questions['gov.cert_expiry']!.messages).toEqual([
      { level: 'error', message: { en: 'The certificate has expired.' } },
    ]);
    expect(e.issues).toContainEqual({
      questionId: 'gov.cert_expiry',
      kind: 'invalid',
      message: { en: 'The certificate has expired.' },
    });
    // Still answered: the value is well-formed, it just fails a rule.
    expect(e.questions['gov.cert_expiry']!.answered).toBe(true);
  });

  it('keeps warning-level rules out of the issues', () => {
    const q2 = compileOk(`schema: vrq/1
id: warn
version: 1.0.0
status: draft
default_locale: en
title: W
sections:
  - id: w
    title: W
    questions:
      - id: w.n
        type: number
        text: N
        validate:
          - { rule: "w.n < 100", message: Unusually high., level: warning }
`);
    const e = evaluate(q2, { 'w.n': 500 }, SAMPLE_TODAY);
    expect(e.questions['w.n']!.messages).toEqual([{ level: 'warning', message: { en: 'Unusually high.' } }]);
    expect(e.canSubmit).toBe(true);
    expect(evaluate(q2, {}, SAMPLE_TODAY).questions['w.n']!.messages).toEqual([]);
  });

  it('computes due dates from today across month and leap-year boundaries', () => {
    const e = evaluate(q, { ...SAMPLE_ANSWERS, 'gov.isms': 'no', 'ops.mfa': 'password' }, '2024-02-01');
    const due = Object.fromEntries(e.findings.map((f) => [f.id, f.dueDate]));
    expect(due['GOV-001']).toBe('2024-05-01'); // 90 days after 2024-02-01 (29-day February)
    expect(due['OPS-001']).toBe('2024-03-02'); // 30 days
  });

  it('uses today for date scores and findings', () => {
    const recent = evaluate(q, { ...SAMPLE_ANSWERS, 'ops.pentest_date': '2025-01-15' }, SAMPLE_TODAY);
    expect(recent.questions['ops.pentest_date']!.score).toBe(1);
    expect(recent.findings.map((f) => f.id)).not.toContain('OPS-002');
    // Exactly 365 days before today still counts as within a year.
    expect(
      evaluate(q, { ...SAMPLE_ANSWERS, 'ops.pentest_date': '2024-06-20' }, SAMPLE_TODAY).questions[
        'ops.pentest_date'
      ]!.score,
    ).toBe(1);
    expect(
      evaluate(q, { ...SAMPLE_ANSWERS, 'ops.pentest_date': '2024-06-19' }, SAMPLE_TODAY).questions[
        'ops.pentest_date'
      ]!.score,
    ).toBe(0);
  });
});

describe('evaluate: findings', () => {
  it('caps escalated impact at 5 and uses the finding controls when declared', () => {
    const q = compileOk(`schema: vrq/1
id: fx
version: 1.0.0
status: draft
default_locale: en
title: F
frameworks:
  iso27001: { title: ISO }
risk:
  rating: [ {min: 20, rating: critical}, {min: 1, rating: low} ]
sections:
  - id: f
    title: F
    questions:
      - id: f.q
        type: yes_no_na
        text: Q
        controls: ["iso27001:A.1"]
        findings:
          - { id: F-1, when: "f.q == 'no'", title: T, likelihood: 5, impact: 5, escalate_if: "f.q == 'no'", remediation: R }
          - { id: F-2, when: "f.q == 'no'", title: T2, likelihood: 1, impact: 1, remediation: R2, controls: ["iso27001:A.2"], due_days: 0 }
`);
    const e = evaluate(q, { 'f.q': 'no' }, SAMPLE_TODAY);
    expect(e.findings).toEqual([
      {
        id: 'F-1',
        questionId: 'f.q',
        title: { en: 'T' },
        remediation: { en: 'R' },
        likelihood: 5,
        impact: 5,
        escalated: true,
        riskScore: 25,
        rating: 'critical',
        dueDate: null,
        controls: ['iso27001:A.1'],
      },
      {
        id: 'F-2',
        questionId: 'f.q',
        title: { en: 'T2' },
        remediation: { en: 'R2' },
        likelihood: 1,
        impact: 1,
        escalated: false,
        riskScore: 1,
        rating: 'low',
        dueDate: SAMPLE_TODAY,
        controls: ['iso27001:A.2'],
      },
    ]);
    expect(evaluate(q, { 'f.q': 'yes' }, SAMPLE_TODAY).findings).toEqual([]);
  });
});

describe('evaluate: programmer errors', () => {
  const q = baseline();

  it.each(['2025-13-01', '20250620', '', 'today'])('rejects today = %j', (today) => {
    expect(() => evaluate(q, {}, today)).toThrow(RangeError);
  });

  it('rejects answers that are not an object', () => {
    expect(() => evaluate(q, null as never, SAMPLE_TODAY)).toThrow(/answers must be an object/);
    expect(() => evaluate(q, [] as never, SAMPLE_TODAY)).toThrow(/answers must be an object/);
  });

  it('rejects objects that were not compiled by the engine', () => {
    expect(() => evaluate({ ...q }, {}, SAMPLE_TODAY)).toThrow(/Not a compiled questionnaire/);
  });

  it('returns frozen compiled questionnaires', () => {
    expect(Object.isFrozen(q)).toBe(true);
    expect(Object.isFrozen(q.sections[0])).toBe(true);
    expect(Object.isFrozen(q.questions.get('gov.isms'))).toBe(true);
    expect(q.ref).toBe('vendor-baseline@2.1.0');
    expect(q.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
