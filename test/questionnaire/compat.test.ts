import { describe, expect, it } from 'vitest';
import { checkCompatibility, compileQuestionnaire } from '../../src/questionnaire/index.js';
import { compileOk } from './evaluate-helpers.js';

/** One questionnaire version; `questions` are lines inside section `a`, `tail` goes at the end. */
function version(v: string, questions: string[], tail = '', id = 'compat'): ReturnType<typeof compileOk> {
  const src = [
    'schema: vrq/1',
    `id: ${id}`,
    `version: ${v}`,
    'status: published',
    'default_locale: en',
    'title: C',
    'sections:',
    '  - id: a',
    '    title: A',
    '    questions:',
    ...questions,
    tail,
  ].join('\n');
  return compileOk(src);
}

const V1 = [
  '      - { id: a.yn, type: yes_no_na, text: YN }',
  '      - { id: a.one, type: single, text: One, options: [ {value: x, label: X}, {value: y, label: Y} ] }',
  '      - { id: a.many, type: multi, text: Many, options: [ {value: p, label: P}, {value: q, label: Q} ] }',
  '      - { id: a.num, type: number, text: Num }',
];

describe('checkCompatibility', () => {
  it('accepts a higher version with the same questions', () => {
    expect(checkCompatibility(version('1.0.0', V1), version('1.1.0', V1))).toEqual([]);
  });

  it('requires the same questionnaire id', () => {
    const p = checkCompatibility(version('1.0.0', V1), version('1.1.0', V1, '', 'other'));
    expect(p).toMatchObject([{ code: 'id-mismatch', severity: 'error', line: 2, column: 5, path: 'id' }]);
  });

  it.each(['1.0.0', '0.9.0', '1.0.0-rc.1'])('requires the version to increase (next %s)', (next) => {
    const p = checkCompatibility(version('1.0.0', V1), version(next, V1));
    expect(p).toMatchObject([
      { code: 'version-not-increased', severity: 'error', line: 3, column: 10, path: 'version' },
    ]);
  });

  it('orders pre-releases before the release', () => {
    expect(checkCompatibility(version('1.0.0-rc.1', V1), version('1.0.0', V1))).toEqual([]);
    expect(checkCompatibility(version('1.0.0-rc.2', V1), version('1.0.0-rc.10', V1))).toEqual([]);
  });

  it.each([
    [
      'a.yn',
      '      - { id: a.yn, type: single, text: YN, options: [ {value: yes, label: Y} ] }',
      'yes_no_na',
      'single',
    ],
    ['a.one', '      - { id: a.one, type: number, text: One }', 'single', 'number'],
    [
      'a.many',
      '      - { id: a.many, type: single, text: Many, options: [ {value: p, label: P} ] }',
      'multi',
      'single',
    ],
  ])('rejects %s changing type', (id, line, from, to) => {
    const next = V1.map((l) => (l.includes(`id: ${id},`) ? line : l));
    const p = checkCompatibility(version('1.0.0', V1), version('2.0.0', next));
    const row = 11 + V1.findIndex((l) => l.includes(`id: ${id},`));
    expect(p).toEqual([
      {
        line: row,
        column: 15,
        path: `sections[0].questions[${row - 11}]`,
        code: 'incompatible-type',
        severity: 'error',
        message: `Question ${id} changed type from ${from} to ${to}; stored answers would not fit. Use a new question id instead.`,
      },
    ]);
  });

  it('warns about removed options of single and multi questions', () => {
    const next = V1.map((l) =>
      l.replace('{value: y, label: Y}', '{value: z, label: Z}').replace(', {value: q, label: Q}', ''),
    );
    const p = checkCompatibility(version('1.0.0', V1), version('1.1.0', next));
    expect(p.map((x) => [x.code, x.severity, x.line, x.message])).toEqual([
      [
        'option-removed',
        'warning',
        12,
        'Option "y" of a.one was removed; answers that chose it become invalid in compat@1.1.0.',
      ],
      [
        'option-removed',
        'warning',
        13,
        'Option "q" of a.many was removed; answers that chose it become invalid in compat@1.1.0.',
      ],
    ]);
  });

  it('warns when a vrq/1.1 version forbids N/A or makes a question a context fact', () => {
    const next = compileOk(
      [
        'schema: vrq/1.1',
        'id: compat',
        'version: 1.1.0',
        'status: published',
        'default_locale: en',
        'title: C',
        'sections:',
        '  - id: a',
        '    title: A',
        '    weight: 0',
        '    questions:',
        '      - { id: a.yn, type: yes_no_na, text: YN, na: forbidden }',
        '      - { id: a.one, type: single, text: One, context: true, options: [ {value: x, label: X}, {value: y, label: Y} ] }',
        ...V1.slice(2),
      ].join('\n'),
    );
    expect(
      checkCompatibility(version('1.0.0', V1), next).map((p) => [p.severity, p.code, p.line, p.message]),
    ).toEqual([
      [
        'warning',
        'option-removed',
        12,
        'a.yn no longer accepts N/A; stored N/A answers become invalid in compat@1.1.0.',
      ],
      [
        'warning',
        'became-context',
        13,
        "a.one is now a context fact set by the requester; vendors' stored answers to it are ignored in compat@1.1.0.",
      ],
    ]);
  });

  it('warns about removed questions', () => {
    const p = checkCompatibility(version('1.0.0', V1), version('1.1.0', V1.slice(1)));
    expect(p).toMatchObject([{ code: 'question-removed', severity: 'warning' }]);
    expect(p[0]!.message).toMatch(/a.yn of compat@1.0.0 no longer exists/);
  });

  it('follows a migration rename and checks the renamed question', () => {
    const renamed = V1.map((l) => l.replace('id: a.num,', 'id: a.count,'));
    const ok = checkCompatibility(
      version('1.0.0', V1),
      version('1.1.0', renamed, 'migrations:\n  - { from: 1.0.x, rename: { a.num: a.count } }'),
    );
    expect(ok).toEqual([]);
    const retyped = V1.map((l) =>
      l.replace('{ id: a.num, type: number, text: Num }', '{ id: a.count, type: text, text: Num }'),
    );
    const bad = checkCompatibility(
      version('1.0.0', V1),
      version('1.1.0', retyped, 'migrations:\n  - { from: "*", rename: { a.num: a.count } }'),
    );
    expect(bad).toMatchObject([
      { code: 'incompatible-type', message: expect.stringMatching(/a.num \(renamed to a.count\)/) },
    ]);
  });

  it('ignores migrations for other versions', () => {
    const renamed = V1.map((l) => l.replace('id: a.num,', 'id: a.count,'));
    const p = checkCompatibility(
      version('1.0.0', V1),
      version('2.0.0', renamed, 'migrations:\n  - { from: 1.5.x, rename: { a.num: a.count } }'),
    );
    expect(p.map((x) => x.code)).toEqual(['question-removed']);
  });

  it('warns about a rename of a question the previous version did not have', () => {
    const p = checkCompatibility(
      version('1.0.0', V1),
      version('1.1.0', V1, 'migrations:\n  - { from: 1.0.x, rename: { a.ghost: a.num } }'),
    );
    expect(p).toMatchObject([{ code: 'unknown-rename', severity: 'warning' }]);
  });

  it('reports problems in the file of the next version', () => {
    const src = (v: string) =>
      [
        'schema: vrq/1',
        'id: compat',
        `version: ${v}`,
        'status: draft',
        'default_locale: en',
        'title: C',
        'sections:',
        '  - id: a',
        '    title: A',
        '    questions:',
        ...V1,
      ].join('\n');
    const prev = compileQuestionnaire(src('1.0.0'), { file: 'v1.yaml' }).questionnaire!;
    const next = compileQuestionnaire(src('1.0.0'), { file: 'v2.yaml' }).questionnaire!;
    expect(checkCompatibility(prev, next)).toMatchObject([
      { file: 'v2.yaml', code: 'version-not-increased' },
    ]);
  });
});
