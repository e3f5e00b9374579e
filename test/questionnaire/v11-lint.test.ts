import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from '../../src/questionnaire/index.js';
import { HEADER, lint, problemsOf, withQuestions } from './lint-helpers.js';

/** The lint helpers' questionnaire as vrq/1.1, so the new fields are allowed (questions from line 19). */
const v11 = (...lines: string[]): string =>
  withQuestions(...lines).replace('schema: vrq/1\n', 'schema: vrq/1.1\n');
const codes = (source: string): string[] => lint(source).map((p) => `${p.severity} ${p.code}`);

describe('vrq/1.1 fields need schema: vrq/1.1', () => {
  it('refuses a 1.1 field in a vrq/1 file at the field, and accepts it under vrq/1.1', () => {
    const line = '      - { id: a.x, type: yes_no_na, text: X, na: justify }';
    expect(problemsOf(withQuestions(line), 'needs-schema')).toEqual([
      {
        line: 19,
        column: 46,
        path: 'sections[0].questions[1].na',
        severity: 'error',
        message: '"na" is part of format vrq/1.1; declare schema: vrq/1.1 to use it.',
      },
    ]);
    expect(lint(v11(line))).toEqual([]);
  });

  it('covers the top-level and scoring fields too', () => {
    const source = withQuestions().replace(
      'computed:',
      'scoring: { na: justify }\nthresholds: { values: { notice_hours: 24 } }\ncomputed:',
    );
    expect(lint(source).map((p) => [p.code, p.path, p.line])).toEqual([
      ['needs-schema', 'scoring.na', 12],
      ['needs-schema', 'thresholds', 13],
    ]);
  });
});

describe('N/A policy', () => {
  it('refuses an unknown policy and one on a question that cannot be answered N/A', () => {
    expect(problemsOf(v11('      - { id: a.x, type: yes_no_na, text: X, na: maybe }'), 'bad-value')).toEqual([
      {
        line: 19,
        column: 50,
        path: 'sections[0].questions[1].na',
        severity: 'error',
        message: 'na must be allowed, justify, forbidden, scores_zero, not "maybe".',
      },
    ]);
    expect(problemsOf(v11('      - { id: a.n, type: number, text: N, na: justify }'), 'bad-value')).toEqual([
      {
        line: 19,
        column: 47,
        path: 'sections[0].questions[1].na',
        severity: 'error',
        message:
          'na has no effect: a.n cannot be answered "not applicable" (only yes_no_na questions and choices with an option \'na\' can).',
      },
    ]);
  });

  it("refuses an option 'na' on a question whose N/A policy is forbidden, at the option", () => {
    const source = v11(
      '      - id: a.s',
      '        type: single',
      '        text: S',
      '        na: forbidden',
      '        options:',
      '          - { value: yes, label: Yes }',
      '          - { value: na, label: Not applicable }',
    );
    expect(problemsOf(source, 'na-forbidden')).toEqual([
      {
        line: 25,
        column: 22,
        path: 'sections[0].questions[1].options[1].value',
        severity: 'error',
        message:
          "Question a.s offers an option 'na' but its N/A policy is forbidden; remove the option or allow N/A with na: justify.",
      },
    ]);
    // The questionnaire-level default forbids it just the same.
    const byDefault = v11(
      '      - { id: a.s, type: single, text: S, options: [ { value: na, label: N } ] }',
    ).replace('computed:', 'scoring: { na: forbidden }\ncomputed:');
    expect(codes(byDefault)).toEqual(['error na-forbidden']);
  });

  it('names the automatic finding of a must-have NA-<id> and refuses a clash with a declared finding', () => {
    const { questionnaire } = compileQuestionnaire(
      v11('      - { id: a.x, type: yes_no_na, text: X, must_have: true }'),
    );
    expect(questionnaire!.findings.get('NA-a_x')).toMatchObject({ questionId: 'a.x', origin: 'na-claim' });
    const clash = v11(
      '      - id: a.x',
      '        type: yes_no_na',
      '        text: X',
      '        must_have: true',
      '        findings: [ { id: NA-a_x, when: "a.x == \'no\'", title: T, likelihood: 1, impact: 1, remediation: R } ]',
    );
    expect(problemsOf(clash, 'duplicate-id')).toEqual([
      {
        line: 22,
        column: 9,
        path: 'sections[0].questions[1].must_have',
        severity: 'error',
        message:
          'The automatic finding of must-have a.x is called NA-a_x, which another finding already uses.',
      },
    ]);
  });
});

describe('context facts', () => {
  it('refuses what the vendor would have to answer, a file type and scoring', () => {
    const source = v11(
      '      - id: a.c',
      '        type: yes_no_na',
      '        text: C',
      '        context: true',
      '        required: true',
      '        visible_if: "crit"',
      '        scores: { yes: 1, no: 0 }',
    );
    expect(problemsOf(source, 'context-fact').map((p) => [p.line, p.column, p.path])).toEqual([
      [22, 9, 'sections[0].questions[1].context'],
      [23, 9, 'sections[0].questions[1].required'],
      [24, 9, 'sections[0].questions[1].visible_if'],
    ]);
    expect(problemsOf(source, 'context-fact')[0]!.message).toMatch(/context fact and scored/);
    expect(codes(v11('      - { id: a.f, type: file, text: F, weight: 0, context: true }'))).toEqual([
      'error context-fact',
    ]);
  });

  it('lists the context facts with their options, in document order', () => {
    const { questionnaire } = compileQuestionnaire(
      v11(
        '      - { id: a.tier, type: single, text: Tier, weight: 0, context: true, options: [ { value: critical, label: Critical }, { value: other, label: Other } ] }',
        '      - { id: a.dora, type: yes_no_na, text: DORA?, context: true }',
      ),
    );
    expect(questionnaire!.contextFacts.map((f) => [f.id, f.options?.map((o) => o.value) ?? f.type])).toEqual([
      ['a.tier', ['critical', 'other']],
      ['a.dora', 'yes_no_na'],
    ]);
  });
});

describe('scope switches and inversions', () => {
  const sectioned = (switchFields: string, schema = 'vrq/1.1'): string =>
    [
      ...HEADER.slice(0, 14).map((l) => (l === 'schema: vrq/1' ? `schema: ${schema}` : l)),
      '  - id: a', // 15
      '    title: A', // 16
      '    questions:', // 17
      `      - { id: a.uses, type: yes_no_na, text: Uses?${switchFields} }`, // 18
      '      - { id: a.crit, type: yes_no_na, text: Critical? }', // 19
      '  - id: b', // 20
      '    title: B', // 21
      '    visible_if: "a.uses == \'yes\'"', // 22
      '    questions:', // 23
      '      - { id: b.x, type: yes_no_na, text: X, scores: { yes: 1, no: 0 } }', // 24
      '',
    ].join('\n');

  it('refuses an N/A that hides a section without a reason (vrq/1.1), at the section condition', () => {
    expect(problemsOf(sectioned(''), 'scope-switch-na')).toEqual([
      {
        line: 22,
        column: 17,
        path: 'sections[1].visible_if',
        severity: 'error',
        message:
          'Answering a.uses N/A hides section b without an explanation; make a.uses a plain yes/no (na: forbidden), ask for a reason (na: justify), or let the requester set it (context: true).',
      },
    ]);
    for (const ok of [', na: justify', ', na: forbidden', ', context: true']) {
      expect(problemsOf(sectioned(ok), 'scope-switch-na'), ok).toEqual([]);
    }
  });

  it('leaves a vrq/1 file alone when loading, and warns when linting (advisory)', () => {
    const old = sectioned('', 'vrq/1');
    expect(lint(old)).toEqual([]);
    const advised = compileQuestionnaire(old, { file: 'q.yaml', advisory: true }).problems;
    expect(advised.map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`)).toEqual([
      'warning scope-switch-na 22:17',
    ]);
  });

  const gated = (followUp: string) =>
    v11(
      '      - { id: a.pentest, type: yes_no_na, text: Pentest?, scores: { yes: 1, no: 0 } }', // 19
      `      - { id: a.date, type: single, text: When?, visible_if: "a.pentest == 'yes'"${followUp}, options: [ { value: recent, label: R, score: 1 }, { value: old, label: O, score: 0.5 } ] }`, // 20
    );

  it("warns when a gate's failing answer hides a scored follow-up, at the follow-up's condition", () => {
    expect(problemsOf(gated(''), 'score-inversion')).toEqual([
      {
        line: 20,
        column: 62,
        path: 'sections[0].questions[2].visible_if',
        severity: 'warning',
        message:
          'Answering a.pentest \'no\' (its lowest-scoring answer) hides a.date, which is scored: it then drops out of the score instead of counting as failed, so a vendor without the control can score better than one with a weak version of it; keep a.date visible with a 0-scored "none" option, or add hidden_zero_if: "a.pentest == \'no\'".',
      },
    ]);
    expect(problemsOf(gated(`, hidden_zero_if: "a.pentest == 'no'"`), 'score-inversion')).toEqual([]);
    // Unscored follow-ups cannot invert anything.
    expect(problemsOf(gated(', weight: 0'), 'score-inversion')).toEqual([]);
  });

  it('sees through computed values and ignores conditions the gate alone does not decide', () => {
    const through = v11(
      '      - { id: a.g, type: yes_no_na, text: G, scores: { yes: 1, no: 0 } }',
      '      - { id: a.f, type: yes_no_na, text: F, visible_if: "crit and a.g != \'no\'", scores: { yes: 1, no: 0 } }',
      '      - { id: a.h, type: yes_no_na, text: H, visible_if: "crit or a.g == \'yes\'", scores: { yes: 1, no: 0 } }',
    );
    expect(problemsOf(through, 'score-inversion').map((p) => p.line)).toEqual([20]);
  });

  it('refuses hidden_zero_if on a question that is not scored', () => {
    expect(
      problemsOf(
        v11(`      - { id: a.t, type: text, text: T, hidden_zero_if: "a.crit == 'no'" }`),
        'bad-value',
      ),
    ).toEqual([
      {
        line: 19,
        column: 41,
        path: 'sections[0].questions[1].hidden_zero_if',
        severity: 'error',
        message: 'hidden_zero_if has no effect: a.t does not count in the score.',
      },
    ]);
  });
});

describe('rating rule', () => {
  const rated = (rating: string) =>
    v11('      - { id: a.x, type: yes_no_na, text: X }').replace(
      'computed:',
      `scoring: { bands: [ {min: 80, rating: low}, {min: 50, rating: medium}, {min: 0, rating: high} ] }\nrating: ${rating}\ncomputed:`,
    );

  it('accepts floors on the risk table ratings and ratings of the order', () => {
    const { questionnaire, problems } = compileQuestionnaire(
      rated('{ floors: [ { finding: high, rating: medium } ] }'),
    );
    expect(problems).toEqual([]);
    expect(questionnaire!.rating).toEqual({
      order: ['low', 'medium', 'high'],
      floors: [{ finding: 'high', rating: 'medium' }],
      knockout: 'high',
    });
  });

  it('refuses a floor on an unknown finding rating or rating, and an order without a band rating', () => {
    const problems = lint(
      rated(
        '{ order: [low, high, critical], floors: [ { finding: severe, rating: mediun } ], knockout: worst }',
      ),
    );
    expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [13, 'rating.order', 'rating.order must list the band rating "medium".'],
      [13, 'rating.floors[0].finding', '"severe" is not a rating of risk.rating (high, low).'],
      [
        13,
        'rating.floors[0].rating',
        '"mediun" is not a rating of this questionnaire (low, high, critical).',
      ],
      [13, 'rating.knockout', '"worst" is not a rating of this questionnaire (low, high, critical).'],
    ]);
  });
});

describe('thresholds', () => {
  const withThresholds = (thresholds: string, ...lines: string[]) =>
    v11(...lines).replace('computed:', `thresholds: ${thresholds}\ncomputed:`);

  it('makes named numbers usable in expressions, checked like any reference', () => {
    const source = withThresholds(
      '{ table: eu-supplier@1.0.0, values: { incident_notice_hours: 24 } }',
      '      - id: a.notice',
      '        type: number',
      '        text: Notice hours',
      '        findings: [ { id: F-1, when: "a.notice > incident_notice_hours", title: T, likelihood: 3, impact: 3, remediation: R } ]',
    );
    const { questionnaire, problems } = compileQuestionnaire(source);
    expect(problems).toEqual([]);
    expect(questionnaire!.thresholds).toEqual({
      table: 'eu-supplier@1.0.0',
      values: new Map([['incident_notice_hours', 24]]),
    });
    const typo = source.replace('> incident_notice_hours', '> incident_notice_hour');
    expect(problemsOf(typo, 'unknown-reference')[0]!.message).toMatch(/did you mean "incident_notice_hours"/);
  });

  it('refuses a bad table reference, a bad name, a clash with a computed value and a non-number', () => {
    const problems = lint(
      withThresholds('{ table: eu-supplier, values: { Bad.Name: 1, crit: 2, days: "90" } }'),
    );
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['bad-value', 'thresholds.table'],
      ['bad-value', 'thresholds.values.Bad.Name'],
      ['duplicate-id', 'thresholds.values.crit'],
      ['bad-type', 'thresholds.values.days'],
    ]);
  });
});
