import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuestionnaire } from '../../src/questionnaire/index.js';
import { HEADER, lint, problemsOf, withQuestions } from './lint-helpers.js';

const Q = 'sections[0].questions';

describe('lint: the base document', () => {
  it('compiles without problems', () => {
    expect(lint(withQuestions())).toEqual([]);
  });

  it('compiles the reference example (with its two comma bugs fixed) without problems', () => {
    const src = readFileSync(new URL('./fixtures/vendor-baseline.yaml', import.meta.url), 'utf8');
    expect(compileQuestionnaire(src).problems).toEqual([]);
  });

  it('catches the two texts in the unmodified reference example that a comma cut short', () => {
    const src = readFileSync(new URL('./fixtures/reference-example.yaml', import.meta.url), 'utf8');
    const { questionnaire, problems } = compileQuestionnaire(src, { file: 'example.yaml' });
    expect(questionnaire).toBeNull();
    expect(problems.map((p) => [p.line, p.column, p.code, p.path])).toEqual([
      [139, 65, 'unknown-locale', 'sections[2].questions[1].text'],
      [174, 72, 'unknown-locale', 'sections[3].questions[0].options[1].label'],
    ]);
    expect(problems[0]!.message).toMatch(/cut at a comma.*Quote the text/);
  });
});

describe('lint: YAML level', () => {
  it('reports YAML syntax errors with their position', () => {
    const p = lint('schema: vrq/1\nid: [unclosed\n');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ code: 'yaml-syntax', severity: 'error', file: 'q.yaml', path: '' });
  });

  it('reports duplicate keys', () => {
    const p = lint(`${withQuestions()}title: Again\n`);
    expect(p).toMatchObject([{ code: 'yaml-syntax', line: 19, column: 1 }]);
    expect(p[0]!.message).toMatch(/appears twice/);
  });

  it('rejects several documents in one file', () => {
    expect(lint(`${withQuestions()}---\nschema: vrq/1\n`)[0]).toMatchObject({ code: 'yaml-syntax' });
  });

  it('rejects YAML tags', () => {
    const p = lint(withQuestions('      - { id: a.t, type: text, text: !custom hi }'));
    expect(p[0]).toMatchObject({ code: 'yaml-syntax', line: 19 });
    expect(p[0]!.message).toMatch(/tags are not allowed/);
  });

  it('rejects an empty file', () => {
    expect(lint('')).toMatchObject([{ code: 'yaml-syntax', message: 'The file is empty.' }]);
  });

  it('rejects files over 1 MiB before parsing them', () => {
    const big = `${withQuestions()}# ${'x'.repeat(1024 * 1024)}\n`;
    expect(lint(big)).toMatchObject([{ code: 'too-large', line: 1, column: 1 }]);
  });

  it('rejects alias bombs', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const p = lint(lines.join('\n'));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ code: 'yaml-aliases', severity: 'error' });
  });

  it('allows a few anchors for repeated option lists', () => {
    const src = withQuestions(
      '      - id: a.s1',
      '        type: single',
      '        text: One',
      '        options: &opts',
      '          - { value: x, label: X }',
      '          - { value: y, label: Y }',
      '      - { id: a.s2, type: single, text: Two, options: *opts }',
    );
    expect(lint(src)).toEqual([]);
  });

  it('rejects nesting deeper than 64 levels without exhausting the stack', () => {
    let deep = 'schema: vrq/1\nx:\n';
    for (let i = 1; i < 100; i++) deep += `${' '.repeat(i)}k${i}:\n`;
    expect(lint(deep)).toMatchObject([
      { code: 'too-large', message: 'The document nests more than 64 levels deep.' },
    ]);
    const flow = `x: ${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(lint(flow)[0]).toMatchObject({ code: 'yaml-syntax' });
  });

  it('requires the root to be a mapping', () => {
    expect(lint('- a\n- b\n')).toMatchObject([{ code: 'bad-type', line: 1, column: 1, path: '' }]);
  });
});

describe('lint: schema version', () => {
  it('refuses an unknown schema major', () => {
    const src = withQuestions().replace('schema: vrq/1', 'schema: vrq/2');
    expect(lint(src)).toMatchObject([{ code: 'unsupported-schema', line: 1, column: 9, path: 'schema' }]);
  });

  it('accepts a vrq/1 minor revision', () => {
    expect(lint(withQuestions().replace('schema: vrq/1', 'schema: vrq/1.1'))).toEqual([]);
  });

  it('rejects a malformed or missing schema', () => {
    expect(lint(withQuestions().replace('schema: vrq/1', 'schema: questionnaire'))).toMatchObject([
      { code: 'bad-value', path: 'schema' },
    ]);
    expect(lint(withQuestions().replace('schema: vrq/1\n', ''))).toMatchObject([
      { code: 'missing-field', line: 1, column: 1, path: '' },
    ]);
  });
});

describe('lint: unknown keys', () => {
  it('suggests the closest field for a typo, at the key', () => {
    const src = withQuestions('      - { id: a.t, type: text, text: T, visble_if: "crit" }');
    expect(problemsOf(src, 'unknown-key')).toEqual([
      {
        line: 19,
        column: 41,
        path: `${Q}[1].visble_if`,
        severity: 'error',
        message: '"visble_if" is not a field of a text question; did you mean "visible_if"?',
      },
    ]);
  });

  it('explains fields that belong to another question type', () => {
    const src = withQuestions('      - { id: a.t, type: yes_no_na, text: T, options: [] }');
    const [p] = problemsOf(src, 'unknown-key');
    expect(p).toMatchObject({ line: 19, column: 46, path: `${Q}[1].options` });
    expect(p!.message).toMatch(/applies to single and multi questions, and this one is yes_no_na/);
  });

  it('lists the allowed fields when nothing is close', () => {
    const src = withQuestions().replace('title: Test', 'title: Test\nflavour: vanilla');
    const [p] = problemsOf(src, 'unknown-key');
    expect(p).toMatchObject({ line: 8, column: 1, path: 'flavour' });
    expect(p!.message).toMatch(/the allowed fields are schema, id, version/);
  });

  it('checks keys at every level (sections, options, findings, scoring)', () => {
    const src = withQuestions(
      '      - id: a.s',
      '        type: single',
      '        text: S',
      '        options:',
      '          - { value: x, label: X, scroe: 1 }',
      '        findings:',
      '          - { id: F-1, when: "a.s == \'x\'", title: T, likelihood: 1, impact: 1, remediaton: R }',
    );
    const paths = problemsOf(src, 'unknown-key').map((p) => [
      p.path,
      p.message.match(/did you mean "(.*)"/)?.[1],
    ]);
    expect(paths).toEqual([
      [`${Q}[1].options[0].scroe`, 'score'],
      [`${Q}[1].findings[0].remediaton`, 'remediation'],
    ]);
  });
});

describe('lint: required fields and field types', () => {
  it('reports a missing question text at the question', () => {
    const src = withQuestions('      - { id: a.t, type: text }');
    expect(problemsOf(src, 'missing-field')).toMatchObject([{ line: 19, column: 9, path: `${Q}[1]` }]);
  });

  it('reports a missing type', () => {
    const src = withQuestions('      - { id: a.t, text: T }');
    expect(problemsOf(src, 'missing-field')[0]!.message).toMatch(/needs a "type" field/);
  });

  it('reports an unknown question type with a suggestion', () => {
    const src = withQuestions('      - { id: a.t, type: singel, text: T }');
    expect(problemsOf(src, 'bad-type')).toEqual([
      {
        line: 19,
        column: 26,
        path: `${Q}[1].type`,
        severity: 'error',
        message: 'Unknown question type "singel"; did you mean "single"?',
      },
    ]);
  });

  it('reports wrong field types', () => {
    const src = withQuestions(
      '      - { id: a.t, type: yes_no_na, text: T, weight: three, required: "yes" }',
    );
    expect(problemsOf(src, 'bad-type').map((p) => [p.path, p.message])).toEqual([
      [`${Q}[1].weight`, 'The weight of question a.t must be a number, not the text "three".'],
      [`${Q}[1].required`, 'Required of question a.t must be true or false, not the text "yes".'],
    ]);
  });

  it('reports out-of-range values', () => {
    const src = withQuestions(
      '      - id: a.s',
      '        type: yes_no_na',
      '        text: S',
      '        weight: -1',
      '        scores: { yes: 1.5, no: 0 }',
      '        findings:',
      '          - { id: F-1, when: "a.s == \'no\'", title: T, likelihood: 7, impact: 2.5, remediation: R, due_days: -3 }',
    );
    expect(problemsOf(src, 'bad-value').map((p) => [p.line, p.column, p.path])).toEqual([
      [22, 17, `${Q}[1].weight`],
      [23, 24, `${Q}[1].scores.yes`],
      [25, 67, `${Q}[1].findings[0].likelihood`],
      [25, 78, `${Q}[1].findings[0].impact`],
      [25, 109, `${Q}[1].findings[0].due_days`],
    ]);
  });

  it('insists on a three-part semantic version and says why a bare number fails', () => {
    expect(
      problemsOf(withQuestions().replace('version: 1.0.0', 'version: 2.1'), 'bad-type')[0]!.message,
    ).toMatch(/semantic version like 2.1.0, not the number 2.1/);
    expect(problemsOf(withQuestions().replace('version: 1.0.0', 'version: v1'), 'bad-value')).toMatchObject([
      { line: 3, column: 10, path: 'version' },
    ]);
  });

  it('validates status and id formats', () => {
    const src = withQuestions().replace('status: draft', 'status: live').replace('id: test-q', 'id: Test Q');
    expect(problemsOf(src, 'bad-value').map((p) => p.path)).toEqual(['id', 'status']);
  });

  it('requires option values to be texts', () => {
    const src = withQuestions(
      '      - { id: a.s, type: single, text: S, options: [ { value: 1, label: One } ] }',
    );
    expect(problemsOf(src, 'bad-type')[0]!.message).toMatch(/quote it: value: '1'/);
  });
});

describe('lint: duplicates', () => {
  it('reports duplicate question ids', () => {
    const src = withQuestions('      - { id: a.crit, type: text, text: T }');
    expect(problemsOf(src, 'duplicate-id')).toMatchObject([{ line: 19, column: 15, path: `${Q}[1].id` }]);
  });

  it('reports duplicate section ids', () => {
    const src = withQuestions(
      '  - id: a',
      '    title: Again',
      '    questions:',
      '      - { id: a.x, type: text, text: T }',
    );
    expect(problemsOf(src, 'duplicate-id')).toMatchObject([{ line: 19, column: 9, path: 'sections[1].id' }]);
  });

  it('reports duplicate finding ids across questions', () => {
    const src = withQuestions(
      '      - id: a.s',
      '        type: yes_no_na',
      '        text: S',
      '        findings:',
      '          - { id: F-1, when: "a.s == \'no\'", title: T, likelihood: 1, impact: 1, remediation: R }',
      '      - id: a.u',
      '        type: yes_no_na',
      '        text: U',
      '        findings:',
      '          - { id: F-1, when: "a.u == \'no\'", title: T, likelihood: 1, impact: 1, remediation: R }',
    );
    expect(problemsOf(src, 'duplicate-id')).toMatchObject([
      { line: 28, column: 19, path: `${Q}[2].findings[0].id` },
    ]);
  });

  it('reports duplicate option values', () => {
    const src = withQuestions(
      '      - { id: a.s, type: single, text: S, options: [ {value: x, label: X}, {value: x, label: Y} ] }',
    );
    expect(problemsOf(src, 'duplicate-option')).toMatchObject([
      {
        line: 19,
        column: 84,
        path: `${Q}[1].options[1].value`,
        message: 'Option value "x" appears twice in question a.s.',
      },
    ]);
  });
});

describe('lint: ids', () => {
  it('requires question ids to start with their section id', () => {
    const src = withQuestions('      - { id: b.x, type: text, text: T }');
    expect(problemsOf(src, 'id-prefix')).toEqual([
      {
        line: 19,
        column: 15,
        path: `${Q}[1].id`,
        severity: 'error',
        message: 'Question id "b.x" must start with its section id "a." (for example "a.x").',
      },
    ]);
  });

  it('rejects ids with characters outside the documented pattern', () => {
    const src = withQuestions('      - { id: a.Bad-Id, type: text, text: T }');
    expect(problemsOf(src, 'bad-value')).toMatchObject([{ path: `${Q}[1].id` }]);
  });
});

describe('lint: frameworks and controls', () => {
  it('reports controls naming an undeclared framework, with a suggestion', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, controls: ["iso2701:A.5.1", "soc2:CC1.1"] }',
    );
    expect(problemsOf(src, 'unknown-framework')).toEqual([
      {
        line: 19,
        column: 52,
        path: `${Q}[1].controls[0]`,
        severity: 'error',
        message:
          'Control "iso2701:A.5.1" names framework "iso2701", which is not declared under frameworks; did you mean "iso27001"?',
      },
      {
        line: 19,
        column: 69,
        path: `${Q}[1].controls[1]`,
        severity: 'error',
        message: 'Control "soc2:CC1.1" names framework "soc2", which is not declared under frameworks.',
      },
    ]);
  });

  it('requires the framework:id form and warns about repeated controls', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, controls: ["A.5.1", "iso27001:A.5.1", "iso27001:A.5.1"] }',
    );
    expect(problemsOf(src, 'bad-value')).toMatchObject([{ path: `${Q}[1].controls[0]` }]);
    expect(problemsOf(src, 'duplicate-control')).toMatchObject([
      { line: 19, column: 79, severity: 'warning', path: `${Q}[1].controls[2]` },
    ]);
  });
});

describe('lint: expressions', () => {
  it('reports a syntax error at its column inside a double-quoted expression', () => {
    const src = withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.crit ==" }');
    expect(problemsOf(src, 'expression-syntax')).toEqual([
      {
        line: 19,
        column: 63,
        path: `${Q}[1].visible_if`,
        severity: 'error',
        message: 'Expected a value at column 10 but found end of the expression.',
      },
    ]);
  });

  it('maps columns inside plain and single-quoted scalars too', () => {
    const plain = withQuestions(
      '      - id: a.t',
      '        type: text',
      '        text: T',
      '        visible_if: a.crit = 1',
    );
    expect(problemsOf(plain, 'expression-syntax')).toMatchObject([{ line: 22, column: 28 }]);
    const single = withQuestions(
      '      - id: a.t',
      '        type: text',
      '        text: T',
      "        visible_if: 'a.crit = 1'",
    );
    expect(problemsOf(single, 'expression-syntax')).toMatchObject([{ line: 22, column: 29 }]);
  });

  it('points at the scalar when the expression spans lines, and still names the column', () => {
    const src = withQuestions(
      '      - id: a.t',
      '        type: text',
      '        text: T',
      '        visible_if: >-',
      '          a.crit == ',
      "          'yes' and",
    );
    const [p] = problemsOf(src, 'expression-syntax');
    expect(p).toMatchObject({ line: 22, column: 21 });
    expect(p!.message).toMatch(/at column 21 but found end of the expression/);
  });

  it('reports unknown references at their column, with a suggestion', () => {
    const src = withQuestions(
      "      - { id: a.t, type: text, text: T, visible_if: \"a.crit == 'yes' and a.crt == 'no'\" }",
    );
    expect(problemsOf(src, 'unknown-reference')).toEqual([
      {
        line: 19,
        column: 74,
        path: `${Q}[1].visible_if`,
        severity: 'error',
        message: '"a.crt" is not a question id or computed name; did you mean "a.crit"?',
      },
    ]);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'process'])(
    'treats %s as an unknown reference, never as an object member',
    (name) => {
      const src = withQuestions(`      - { id: a.t, type: text, text: T, visible_if: "${name} == null" }`);
      expect(problemsOf(src, 'unknown-reference')).toMatchObject([{ line: 19, column: 54 }]);
    },
  );

  it('reports unknown functions and wrong argument counts', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, visible_if: "constructor(1)" }',
      '      - { id: a.u, type: text, text: U, visible_if: "answered()" }',
    );
    expect(problemsOf(src, 'unknown-function')).toMatchObject([{ line: 19, column: 54 }]);
    expect(problemsOf(src, 'argument-count')).toMatchObject([{ line: 20, column: 54 }]);
  });

  it('requires expressions to be texts', () => {
    const src = withQuestions('      - { id: a.t, type: text, text: T, required_if: true }');
    expect(problemsOf(src, 'bad-type')[0]!.message).toMatch(/for a fixed requirement write required: true/);
  });

  it('requires conditions to be true/false and score_expr to be a number', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, visible_if: "a.crit" }',
      '      - { id: a.n, type: number, text: N, score_expr: "a.crit == \'yes\'" }',
    );
    expect(problemsOf(src, 'bad-type').map((p) => [p.line, p.message])).toEqual([
      [
        19,
        'This must be a condition that is true or false, but it gives a text; compare it, e.g. "x == \'yes\'".',
      ],
      [20, 'score_expr must give a number from 0 to 1, but it gives true/false.'],
    ]);
  });

  it('reports comparisons between types that can never be equal or ordered', () => {
    const src = withQuestions(
      '      - { id: a.n, type: number, text: N }',
      '      - { id: a.m, type: multi, text: M, options: [ {value: x, label: X} ] }',
      '      - { id: a.t, type: text, text: T, visible_if: "a.n == \'4\'" }',
      '      - { id: a.u, type: text, text: U, visible_if: "a.m == \'x\'" }',
      '      - { id: a.v, type: text, text: V, visible_if: "a.m > 1" }',
      '      - { id: a.w, type: text, text: W, visible_if: "a.crit in \'yes\'" }',
      '      - { id: a.y, type: text, text: Y, visible_if: "days_between(a.n, today()) > 1" }',
    );
    expect(problemsOf(src, 'bad-type').map((p) => [p.line, p.column, p.message])).toEqual([
      [21, 54, '"==" compares a number with a text, which are never equal.'],
      [
        22,
        54,
        '"==" compares a list with a text, which are never equal; to test whether a multi answer includes a value, use contains.',
      ],
      [23, 54, '">" orders two numbers or two texts/dates, but here compares a list with a number.'],
      [24, 54, 'The right side of "in" must be a list, but it is a text.'],
      [25, 67, 'Argument 1 of days_between() must be a text, but it is a number.'],
    ]);
  });

  it('rejects computed names that are reserved or dotted', () => {
    const src = withQuestions().replace('computed:\n', 'computed:\n  count: "true"\n  a.b: "true"\n');
    expect(problemsOf(src, 'bad-value').map((p) => p.path)).toEqual(['computed.count', 'computed.a.b']);
  });
});

describe('lint: cycles', () => {
  it('reports questions whose visibility depends on each other', () => {
    const src = withQuestions(
      '      - { id: a.x, type: yes_no_na, text: X, visible_if: "a.y == \'yes\'" }',
      '      - { id: a.y, type: yes_no_na, text: Y, visible_if: "a.x == \'yes\'" }',
    );
    const [p] = problemsOf(src, 'circular-reference');
    expect(p).toMatchObject({ line: 19, column: 58, path: `${Q}[1].visible_if` });
    expect(p!.message).toBe(
      'Circular dependency: visibility of a.x → visibility of a.y → visibility of a.x; a condition cannot depend on itself, directly or through others.',
    );
  });

  it('reports a question whose visibility depends on its own answer', () => {
    const src = withQuestions('      - { id: a.x, type: yes_no_na, text: X, visible_if: "a.x == \'yes\'" }');
    expect(problemsOf(src, 'circular-reference')).toHaveLength(1);
  });

  it('reports computed values that depend on each other', () => {
    const src = withQuestions().replace('computed:\n', 'computed:\n  p: "q"\n  q: "p"\n');
    expect(problemsOf(src, 'circular-reference')).toMatchObject([
      { line: 13, column: 6, path: 'computed.p' },
    ]);
  });

  it('reports a section whose visibility depends on its own questions', () => {
    const src = withQuestions(
      '  - id: b',
      '    title: B',
      '    visible_if: "b.x == \'yes\'"',
      '    questions:',
      '      - { id: b.x, type: yes_no_na, text: X }',
    );
    expect(problemsOf(src, 'circular-reference')[0]!.message).toMatch(
      /visibility of section b → visibility of b.x → visibility of section b/,
    );
  });

  it('allows a question to use its own answer in required_if, score_expr, validate and findings', () => {
    const src = withQuestions(
      '      - id: a.d',
      '        type: date',
      '        text: D',
      '        weight: 1',
      '        required_if: "a.d != null"',
      '        score_expr: "iif(days_between(a.d, today()) < 365, 1, 0)"',
      '        validate: [ { rule: "a.d < \'2100-01-01\'", message: Too far } ]',
      '        findings: [ { id: F-1, when: "days_between(a.d, today()) > 365", title: T, likelihood: 1, impact: 1, remediation: R } ]',
    );
    expect(lint(src)).toEqual([]);
  });
});

describe('lint: reachability and options', () => {
  it('warns when visible_if compares a choice question with a value it does not have', () => {
    const src = withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.crit == \'maybe\'" }');
    expect(problemsOf(src, 'unknown-option')).toEqual([
      {
        line: 19,
        column: 64,
        path: `${Q}[1].visible_if`,
        severity: 'warning',
        message: "'maybe' is not a value of a.crit (yes, no, na), so this comparison is never true.",
      },
    ]);
    expect(problemsOf(src, 'unreachable-question')).toEqual([
      {
        line: 19,
        column: 53,
        path: `${Q}[1].visible_if`,
        severity: 'warning',
        message: 'visible_if of a.t is never true, so the question is never shown.',
      },
    ]);
    // Warnings do not prevent compiling.
    expect(compileQuestionnaire(src).questionnaire).not.toBeNull();
  });

  it('checks single and multi options, and list literals', () => {
    const src = withQuestions(
      '      - { id: a.s, type: single, text: S, options: [ {value: x, label: X}, {value: y, label: Y} ] }',
      '      - { id: a.m, type: multi, text: M, options: [ {value: x, label: X}, {value: y, label: Y} ] }',
      "      - { id: a.t, type: text, text: T, visible_if: \"a.s in ['x', 'z']\" }",
      '      - { id: a.u, type: text, text: U, visible_if: "a.m contains \'w\'" }',
    );
    expect(problemsOf(src, 'unknown-option').map((p) => [p.line, p.message])).toEqual([
      [21, "'z' is not a value of a.s (x, y), so it never matches."],
      [22, "'w' is not a value of a.m (x, y), so this comparison is never true."],
    ]);
    // `in` with one possible value can still be true; `contains 'w'` cannot.
    expect(problemsOf(src, 'unreachable-question').map((p) => p.line)).toEqual([22]);
  });

  it('warns about questions that depend on an always-hidden question', () => {
    const src = withQuestions(
      '      - { id: a.x, type: yes_no_na, text: X, visible_if: "false" }',
      '      - { id: a.y, type: text, text: Y, visible_if: "a.x == \'yes\'" }',
      '      - { id: a.z, type: text, text: Z, visible_if: "a.x == null" }',
    );
    expect(problemsOf(src, 'unreachable-question').map((p) => p.message)).toEqual([
      'visible_if of a.x is never true, so the question is never shown.',
      'visible_if of a.y is never true, so the question is never shown.',
    ]);
  });

  it('follows computed values and hidden sections', () => {
    const src = withQuestions(
      '  - id: b',
      '    title: B',
      '    visible_if: "never"',
      '    questions:',
      '      - { id: b.x, type: yes_no_na, text: X }',
      '  - id: c',
      '    title: C',
      '    questions:',
      '      - { id: c.y, type: text, text: Y, visible_if: "b.x != null" }',
    ).replace('computed:\n', 'computed:\n  never: "a.crit == \'perhaps\'"\n');
    expect(problemsOf(src, 'unreachable-question').map((p) => [p.line, p.message])).toEqual([
      [22, 'visible_if of section b is never true, so the section and its questions are never shown.'],
      [28, 'visible_if of c.y is never true, so the question is never shown.'],
    ]);
  });

  it('warns about other conditions that can never be true', () => {
    const src = withQuestions(
      '      - id: a.s',
      '        type: yes_no_na',
      '        text: S',
      '        required_if: "a.crit == \'sometimes\'"',
      '        findings: [ { id: F-1, when: "a.s == \'nope\'", title: T, likelihood: 1, impact: 1, remediation: R } ]',
    );
    expect(problemsOf(src, 'never-true').map((p) => [p.line, p.column, p.path, p.message])).toEqual([
      [22, 22, `${Q}[1].required_if`, 'This condition is never true, so the question is never required.'],
      [23, 38, `${Q}[1].findings[0].when`, 'This condition is never true, so finding F-1 is never raised.'],
    ]);
  });
});

describe('lint: forward references', () => {
  it('warns when a question depends on a later one, directly or through computed values', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, visible_if: "a.later == \'yes\'" }',
      '      - { id: a.u, type: text, text: U, required_if: "later_yes" }',
      '      - { id: a.later, type: yes_no_na, text: L }',
    ).replace('computed:\n', 'computed:\n  later_yes: "a.later == \'yes\'"\n');
    expect(
      problemsOf(src, 'forward-reference').map((p) => [p.line, p.column, p.severity, p.message]),
    ).toEqual([
      [
        20,
        54,
        'warning',
        'Question a.t depends on a.later, which comes later in the questionnaire; respondents will answer it after the question that depends on it.',
      ],
      [
        21,
        55,
        'warning',
        'Question a.u depends on a.later (through later_yes), which comes later in the questionnaire; respondents will answer it after the question that depends on it.',
      ],
    ]);
  });

  it('does not warn about findings and scores reading later answers', () => {
    const src = withQuestions(
      '      - { id: a.s, type: yes_no_na, text: S, findings: [ { id: F-1, when: "a.later == \'no\'", title: T, likelihood: 1, impact: 1, remediation: R } ] }',
      '      - { id: a.later, type: yes_no_na, text: L }',
    );
    expect(problemsOf(src, 'forward-reference')).toEqual([]);
  });
});

describe('lint: scoring', () => {
  it('reports a weighted question with no way to be scored', () => {
    const src = withQuestions(
      '      - { id: a.s, type: yes_no_na, text: S, weight: 2 }',
      '      - { id: a.n, type: number, text: N, weight: 1 }',
      '      - { id: a.o, type: single, text: O, weight: 3, options: [ {value: x, label: X} ] }',
      '      - { id: a.z, type: text, text: Z, weight: 0 }',
    );
    expect(problemsOf(src, 'weight-without-scores').map((p) => [p.line, p.column, p.message])).toEqual([
      [
        19,
        54,
        'Question a.s has weight 2 but no way to be scored (it has no scores: { yes, no } and no score_expr); add scores or set weight: 0.',
      ],
      [
        20,
        51,
        'Question a.n has weight 1 but no way to be scored (number questions are scored only through score_expr); add scores or set weight: 0.',
      ],
      [
        21,
        51,
        'Question a.o has weight 3 but no way to be scored (none of its options has a score and it has no score_expr); add scores or set weight: 0.',
      ],
    ]);
  });

  it('requires every option to have a score once one has', () => {
    const src = withQuestions(
      '      - { id: a.s, type: single, text: S, options: [ {value: x, label: X, score: 1}, {value: y, label: Y} ] }',
    );
    expect(problemsOf(src, 'missing-score')).toMatchObject([
      { line: 19, column: 86, path: `${Q}[1].options[1]` },
    ]);
  });

  it('requires a multi question with scored options to say how they combine', () => {
    const src = withQuestions(
      '      - { id: a.m, type: multi, text: M, options: [ {value: x, label: X, score: 1} ] }',
    );
    expect(problemsOf(src, 'missing-field')).toMatchObject([
      {
        line: 19,
        column: 9,
        path: `${Q}[1]`,
        message: expect.stringMatching(/\{ mode: max \} or \{ mode: sum_capped \}/),
      },
    ]);
  });

  it('rejects static scores together with score_expr', () => {
    const src = withQuestions(
      '      - { id: a.s, type: yes_no_na, text: S, scores: {yes: 1, no: 0}, score_expr: "1" }',
    );
    expect(problemsOf(src, 'conflicting-fields')).toMatchObject([
      { line: 19, column: 54, path: `${Q}[1].scores` },
    ]);
  });

  it('checks bands: descending, ending at 0', () => {
    const src = withQuestions().replace(
      'risk:',
      'scoring:\n  bands: [ {min: 40, rating: high}, {min: 60, rating: low} ]\nrisk:',
    );
    expect(problemsOf(src, 'bad-value').map((p) => p.message)).toEqual([
      'The last entry of scoring.bands must have min: 0 so that every value gets a rating.',
      'The entries of scoring.bands must be ordered from the highest min to the lowest (first match wins); 60 follows 40.',
    ]);
  });

  it('rejects unknown policies', () => {
    const src = withQuestions().replace(
      'risk:',
      'scoring:\n  na_policy: ignore\n  hidden_policy: score\nrisk:',
    );
    expect(problemsOf(src, 'bad-value').map((p) => p.path)).toEqual([
      'scoring.na_policy',
      'scoring.hidden_policy',
    ]);
  });
});

describe('lint: exclusive options', () => {
  it('rejects exclusive on options of a single question', () => {
    const src = withQuestions(
      '      - { id: a.s, type: single, text: S, options: [ {value: x, label: X, exclusive: true} ] }',
    );
    expect(problemsOf(src, 'exclusive-option')).toMatchObject([
      { line: 19, column: 75, severity: 'error', path: `${Q}[1].options[0].exclusive` },
    ]);
  });

  it('warns when every option of a multi question is exclusive', () => {
    const src = withQuestions(
      '      - { id: a.m, type: multi, text: M, options: [ {value: x, label: X, exclusive: true}, {value: y, label: Y, exclusive: true} ] }',
    );
    expect(problemsOf(src, 'exclusive-option')).toMatchObject([
      { line: 19, column: 51, severity: 'warning', path: `${Q}[1].options` },
    ]);
  });
});

describe('lint: texts and locales', () => {
  it('requires the default locale in every text and allows missing translations', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: { de: Nur Deutsch } }',
      '      - { id: a.u, type: text, text: { en: Only English } }',
    );
    expect(problemsOf(src, 'missing-locale')).toMatchObject([{ line: 19, column: 38, path: `${Q}[1].text` }]);
  });

  it('rejects locales that are not declared', () => {
    const src = withQuestions('      - { id: a.t, type: text, text: { en: T, fr: T } }');
    expect(problemsOf(src, 'unknown-locale')).toMatchObject([
      { line: 19, column: 47, path: `${Q}[1].text.fr` },
    ]);
  });

  it('requires locales to include default_locale', () => {
    const src = withQuestions().replace('locales: [en, de]', 'locales: [de]');
    expect(problemsOf(src, 'missing-locale')).toMatchObject([{ line: 6, path: 'locales' }]);
  });
});

describe('lint: findings and risk', () => {
  it('requires a risk table when findings exist', () => {
    const src = withQuestions(
      '      - { id: a.s, type: yes_no_na, text: S, findings: [ { id: F-1, when: "a.s == \'no\'", title: T, likelihood: 1, impact: 1, remediation: R } ] }',
    ).replace('risk:\n  rating: [ {min: 10, rating: high}, {min: 1, rating: low} ]\n', '');
    expect(problemsOf(src, 'missing-field')).toMatchObject([
      { line: 1, column: 1, path: '', message: expect.stringMatching(/findings but no risk table/) },
    ]);
  });

  it('requires the risk table to rate every score down to 1', () => {
    const src = withQuestions().replace('{min: 1, rating: low}', '{min: 5, rating: low}');
    expect(problemsOf(src, 'bad-value')[0]!.message).toMatch(/last entry of risk.rating must have min: 1/);
  });
});

describe('lint: requirements, changelog and migrations', () => {
  it('rejects required together with required_if', () => {
    const src = withQuestions(
      '      - { id: a.t, type: text, text: T, required: true, required_if: "crit" }',
    );
    expect(problemsOf(src, 'conflicting-fields')).toMatchObject([
      { line: 19, column: 57, path: `${Q}[1].required_if` },
    ]);
  });

  it('warns when the changelog misses the current version', () => {
    const src = withQuestions().replace(
      'title: Test',
      'title: Test\nchangelog:\n  - { version: 0.9.0, date: 2025-01-01, note: First }',
    );
    expect(problemsOf(src, 'changelog-missing')).toMatchObject([
      { line: 9, column: 3, path: 'changelog', severity: 'warning' },
    ]);
  });

  it('checks changelog dates and versions', () => {
    const src = withQuestions().replace(
      'title: Test',
      'title: Test\nchangelog:\n  - { version: 2.0.0, date: 2025-02-30, note: Future }',
    );
    expect(problemsOf(src, 'bad-value').map((p) => p.path)).toEqual([
      'changelog[0].version',
      'changelog[0].date',
    ]);
  });

  it('checks migration renames against the question ids', () => {
    const src = withQuestions().replace(
      'title: Test',
      'title: Test\nmigrations:\n  - { from: 0.9.x, rename: { a.old: a.gone, a.crit: a.crit } }',
    );
    expect(problemsOf(src, 'unknown-reference')).toMatchObject([
      { line: 9, path: 'migrations[0].rename.a.old' },
    ]);
    expect(problemsOf(src, 'bad-value')[0]!.message).toMatch(/"a.crit" is still a question id here/);
  });

  it('rejects migration ranges that include the current version or are malformed', () => {
    const src = withQuestions().replace(
      'title: Test',
      'title: Test\nmigrations:\n  - { from: 1.x, rename: {} }\n  - { from: latest, rename: {} }',
    );
    expect(problemsOf(src, 'bad-value').map((p) => p.path)).toEqual([
      'migrations[0].from',
      'migrations[1].from',
    ]);
  });
});

describe('lint: problems carry the file and are sorted', () => {
  it('sets file on every problem and orders them by position', () => {
    const src = withQuestions(
      '      - { id: b.t, type: text, text: T, visble_if: "x" }',
      '      - { id: a.u, type: text, text: U, visible_if: "a.nope == 1" }',
    );
    const problems = lint(src);
    expect(problems.every((p) => p.file === 'q.yaml')).toBe(true);
    const positions = problems.map((p) => p.line * 1000 + p.column);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(HEADER).toHaveLength(18);
  });
});

describe('lint: scale', () => {
  it('handles long chains of computed values and dependent questions without recursion limits', () => {
    const n = 5000;
    const computed = Array.from(
      { length: n },
      (_, i) => `  c${i}: "${i === 0 ? "a.crit == 'yes'" : `c${i - 1}`}"`,
    );
    const questions = Array.from(
      { length: 2000 },
      (_, i) =>
        `      - { id: a.q${i}, type: yes_no_na, text: Q, visible_if: "${i === 0 ? `c${n - 1}` : `a.q${i - 1} == 'yes'`}" }`,
    );
    const src = withQuestions(...questions).replace('computed:\n', `computed:\n${computed.join('\n')}\n`);
    const { questionnaire, problems } = compileQuestionnaire(src);
    expect(problems).toEqual([]);
    expect(questionnaire!.questions.size).toBe(2001);
  });

  it('lists at most 500 problems of a file full of mistakes', () => {
    const questions = Array.from(
      { length: 3000 },
      (_, i) => `      - { id: a.q${i}, type: text, text: Q, visible_if: "a.x${i} == 'y'" }`,
    );
    const problems = lint(withQuestions(...questions));
    expect(problems).toHaveLength(501);
    expect(problems[500]).toMatchObject({
      code: 'too-many-problems',
      severity: 'error',
      message: '2500 more problems were found but not listed; fix the ones above first.',
    });
  });
});
