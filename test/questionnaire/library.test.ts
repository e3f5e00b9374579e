import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  lintFiles,
  loadLibrary,
  SHIPPED_QUESTIONNAIRES,
} from '../../src/platform/node/questionnaire-files.js';
import {
  LibraryError,
  lintSources,
  loadLibraryFromSources,
  type Problem,
} from '../../src/questionnaire/index.js';
import { withQuestions } from './lint-helpers.js';

const BASELINE = readFileSync(new URL('./fixtures/vendor-baseline.yaml', import.meta.url), 'utf8');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'assay-library-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, content: string): string => {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe('loadLibrary', () => {
  it('loads every *.yaml file by id@version, ignoring other files', () => {
    write('baseline.yaml', BASELINE);
    write('test.yaml', withQuestions());
    write('notes.txt', 'not a questionnaire');
    write('draft.yml', 'not: loaded');
    const lib = loadLibrary(dir);
    expect([...lib.keys()].sort()).toEqual(['test-q@1.0.0', 'vendor-baseline@2.1.0']);
    expect(lib.get('vendor-baseline@2.1.0')!.file).toBe(join(dir, 'baseline.yaml'));
  });

  it('returns a fresh map each time: nothing is cached globally', () => {
    write('test.yaml', withQuestions());
    const a = loadLibrary(dir);
    const b = loadLibrary(dir);
    expect(a).not.toBe(b);
    expect(a.get('test-q@1.0.0')).not.toBe(b.get('test-q@1.0.0'));
  });

  it('throws one error listing every error of every file, and loads nothing', () => {
    write('a.yaml', withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.nope == 1" }'));
    write('b.yaml', withQuestions().replace('schema: vrq/1', 'schema: vrq/9'));
    write('c.yaml', BASELINE);
    let error: unknown;
    try {
      loadLibrary(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LibraryError);
    const problems = (error as LibraryError).problems;
    expect(problems.map((p) => [p.file, p.code])).toEqual([
      [join(dir, 'a.yaml'), 'unknown-reference'],
      [join(dir, 'b.yaml'), 'unsupported-schema'],
    ]);
    expect((error as Error).message).toContain('The questionnaire library has 2 errors:');
    expect((error as Error).message).toContain(
      `${join(dir, 'a.yaml')}:19:54 error unknown-reference sections[0].questions[1].visible_if:`,
    );
  });

  it('lists warnings too once an error blocks loading', () => {
    write(
      'a.yaml',
      withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.crit == \'maybe\'", wieght: 1 }'),
    );
    expect(() => loadLibrary(dir)).toThrowError(
      /has 1 error and 2 warnings:\n.*unreachable-question.*\n.*unknown-option.*\n.*unknown-key/,
    );
  });

  it('loads despite warnings', () => {
    write(
      'w.yaml',
      withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.crit == \'maybe\'" }'),
    );
    expect(loadLibrary(dir).size).toBe(1);
  });

  it('rejects two files defining the same id@version', () => {
    write('one.yaml', withQuestions());
    write('two.yaml', withQuestions());
    expect(() => loadLibrary(dir)).toThrowError(/duplicate-version .*test-q@1.0.0 is also defined in/);
  });

  it('checks each version against the previous one', () => {
    write('v1.yaml', withQuestions('      - { id: a.n, type: number, text: N }'));
    write(
      'v2.yaml',
      withQuestions('      - { id: a.n, type: text, text: N }').replace('version: 1.0.0', 'version: 1.1.0'),
    );
    expect(() => loadLibrary(dir)).toThrowError(/v2.yaml:19:15 error incompatible-type/);
  });

  it('reports a missing directory as a LibraryError', () => {
    expect(() => loadLibrary(join(dir, 'missing'))).toThrowError(/cannot be read \(ENOENT\)/);
  });

  it('loads the shipped questionnaires', () => {
    const lib = loadLibrary();
    expect(lib.size).toBeGreaterThan(0);
    for (const [ref, q] of lib) expect(ref).toBe(`${q.id}@${q.version}`);
  });
});

describe('lintFiles', () => {
  it('prints one line per problem plus a summary and counts errors and warnings', () => {
    const file = write(
      'x.yaml',
      withQuestions(
        '      - { id: a.t, type: text, text: T, visible_if: "a.crit == \'maybe\'" }',
        '      - { id: a.u, type: text, text: U, visble_if: "true" }',
      ),
    );
    const r = lintFiles([file]);
    expect(r.errors).toBe(1);
    expect(r.warnings).toBe(2);
    expect(r.output.split('\n')).toEqual([
      `${file}:19:53 warning unreachable-question sections[0].questions[1].visible_if: visible_if of a.t is never true, so the question is never shown.`,
      `${file}:19:64 warning unknown-option sections[0].questions[1].visible_if: 'maybe' is not a value of a.crit (yes, no, na), so this comparison is never true.`,
      `${file}:20:41 error unknown-key sections[0].questions[2].visble_if: "visble_if" is not a field of a text question; did you mean "visible_if"?`,
      '1 error, 2 warnings in 1 file.',
    ]);
  });

  it('prints the documented unknown-reference line', () => {
    const file = write(
      'gov.yaml',
      withQuestions('      - { id: a.t, type: text, text: T, visible_if: "a.isnt == \'x\'" }'),
    );
    expect(lintFiles([file]).output.split('\n')[0]).toBe(
      `${file}:19:54 error unknown-reference sections[0].questions[1].visible_if: "a.isnt" is not a question id or computed name`,
    );
  });

  it('reports unreadable, missing and oversized files without throwing', () => {
    mkdirSync(join(dir, 'sub.yaml'));
    const big = write('big.yaml', 'x'.repeat(1024 * 1024 + 1));
    const r = lintFiles([join(dir, 'nope.yaml'), join(dir, 'sub.yaml'), big]);
    expect(r.errors).toBe(3);
    expect(r.output).toContain(
      `${join(dir, 'nope.yaml')}:1:1 error unreadable-file: The file cannot be read (ENOENT).`,
    );
    expect(r.output).toContain(
      `${join(dir, 'sub.yaml')}:1:1 error unreadable-file: This is not a regular file.`,
    );
    expect(r.output).toContain(`${big}:1:1 error too-large:`);
  });

  it('reports a clean file with only the summary', () => {
    const r = lintFiles([write('ok.yaml', withQuestions())]);
    expect(r).toEqual({ output: '0 errors, 0 warnings in 1 file.', errors: 0, warnings: 0 });
  });

  it('applies the vrq/1.1 rules to a vrq/1 file as warnings, which loading does not', () => {
    const file = write('baseline.yaml', BASELINE);
    const r = lintFiles([file]);
    expect([r.errors, r.warnings]).toEqual([0, 1]);
    expect(r.output.split('\n')[0]).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:132:13 warning scope-switch-na sections\\[2\\]\\.questions\\[0\\]: Answering sup\\.subprocessors N/A hides sup\\.flowdown`,
      ),
    );
    expect(loadLibrary(dir).size).toBe(1);
  });

  it('with completeLocales, warns about every text that lacks a declared locale; without, says nothing', () => {
    // HEADER declares [en, de]; its texts are English only, so the German falls back to English.
    const file = write(
      'partial.yaml',
      withQuestions(
        '      - { id: a.de, type: text, text: { en: "Named?", de: "Benannt?" }, help: { en: Only English } }',
      ),
    );
    expect(lintFiles([file])).toMatchObject({ errors: 0, warnings: 0 });
    const r = lintFiles([file], { completeLocales: true });
    expect(r.errors).toBe(0);
    const lines = r.output.split('\n');
    // The title, the framework's title, the section title, a.crit's text and a.de's help; a.de's text is whole.
    expect(lines.filter((l) => l.includes(' warning missing-translation '))).toEqual([
      `${file}:7:8 warning missing-translation title: The title has no de text, although the file declares that locale.`,
      expect.stringMatching(/:9:22 warning missing-translation frameworks\.iso27001\.title: /),
      expect.stringMatching(/:16:12 warning missing-translation sections\[0\]\.title: /),
      expect.stringMatching(/:18:46 warning missing-translation sections\[0\]\.questions\[0\]\.text: /),
      expect.stringMatching(/:19:79 warning missing-translation sections\[0\]\.questions\[1\]\.help: /),
    ]);
    expect(r.warnings).toBe(5);
    // A file that declares a single locale is complete by definition.
    const single = write('single.yaml', withQuestions().replace('locales: [en, de]', 'locales: [en]'));
    expect(lintFiles([single], { completeLocales: true })).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('finds every shipped questionnaire translated into every locale it declares', () => {
    const files = readdirSync(SHIPPED_QUESTIONNAIRES)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(SHIPPED_QUESTIONNAIRES, f));
    expect(files.length).toBe(4);
    const r = lintFiles(files, { completeLocales: true });
    expect(r.output).toBe('0 errors, 0 warnings in 4 files.');
    for (const q of loadLibrary().values()) expect(q.locales, q.ref).toEqual(['en', 'de']);
  });

  it('runs the compatibility check across versions given together', () => {
    const a = write('v1.yaml', withQuestions());
    const b = write('v2.yaml', withQuestions());
    expect(lintFiles([a, b]).output).toContain('duplicate-version');
  });
});

describe('the shipped library, from any working directory', () => {
  it('is found from the app root, not from process.cwd()', () => {
    const before = process.cwd();
    try {
      process.chdir(dir);
      const lib = loadLibrary();
      expect(lib.size).toBeGreaterThan(0);
      for (const q of lib.values()) expect(q.file).toBe(join(SHIPPED_QUESTIONNAIRES, `${q.id}.yaml`));
    } finally {
      process.chdir(before);
    }
  });
});

describe('the library from text (the part that runs on every platform)', () => {
  it('loads sources by id@version and checks versions against each other', () => {
    const lib = loadLibraryFromSources([
      { file: 'a.yaml', text: withQuestions() },
      { file: 'b.yaml', text: BASELINE },
    ]);
    expect([...lib.keys()].sort()).toEqual(['test-q@1.0.0', 'vendor-baseline@2.1.0']);
    expect(() =>
      loadLibraryFromSources([
        { file: 'v1.yaml', text: withQuestions('      - { id: a.n, type: number, text: N }') },
        {
          file: 'v2.yaml',
          text: withQuestions('      - { id: a.n, type: text, text: N }').replace('1.0.0', '1.1.0'),
        },
      ]),
    ).toThrowError(/v2.yaml:19:15 error incompatible-type/);
  });

  it('lints sources, including a problem the platform met while reading', () => {
    const unreadable: Problem = {
      file: 'gone.yaml',
      line: 1,
      column: 1,
      path: '',
      code: 'unreadable-file',
      severity: 'error',
      message: 'The file cannot be read (ENOENT).',
    };
    const r = lintSources([
      { file: 'ok.yaml', text: withQuestions() },
      { file: 'gone.yaml', problem: unreadable },
    ]);
    expect(r).toEqual({
      output:
        'gone.yaml:1:1 error unreadable-file: The file cannot be read (ENOENT).\n1 error, 0 warnings in 2 files.',
      errors: 1,
      warnings: 0,
    });
  });
});

describe('shared threshold tables', () => {
  const TABLE = [
    'schema: vrq-thresholds/1',
    'id: eu-supplier',
    'version: 1.0.0',
    'values:',
    '  incident_notice_hours: { value: 24, unit: hours }',
    '  deletion_days: { value: 90, unit: days }',
    '',
  ].join('\n');
  const usingTable = (values: string, table = 'eu-supplier@1.0.0') =>
    withQuestions()
      .replace('schema: vrq/1\n', 'schema: vrq/1.1\n')
      .replace('computed:', `thresholds:\n  table: ${table}\n  values: { ${values} }\ncomputed:`);

  it('ships one in questionnaires/thresholds that loads with the library', () => {
    const [table] = readdirSync(join(SHIPPED_QUESTIONNAIRES, 'thresholds'));
    expect(table).toBe('eu-supplier.yaml');
    expect(() => loadLibrary()).not.toThrow();
  });

  it('accepts values that match the named table version', () => {
    write('q.yaml', usingTable('incident_notice_hours: 24'));
    mkdirSync(join(dir, 'thresholds'));
    write('thresholds/eu.yaml', TABLE);
    expect(loadLibrary(dir).get('test-q@1.0.0')!.thresholds.values.get('incident_notice_hours')).toBe(24);
  });

  it('refuses a value that drifted from the table, a name it lacks and a table that is not there', () => {
    mkdirSync(join(dir, 'thresholds'));
    write('thresholds/eu.yaml', TABLE);
    const drifted = write('q.yaml', usingTable('incident_notice_hours: 48, retention_years: 7'));
    expect(lintFiles([drifted]).output.split('\n').slice(0, 2)).toEqual([
      `${drifted}:14:36 error threshold-mismatch thresholds.values.incident_notice_hours: incident_notice_hours is 48 here but 24 in eu-supplier@1.0.0; use the table's value or a table version that has yours.`,
      `${drifted}:14:57 error threshold-mismatch thresholds.values.retention_years: retention_years is not a threshold of eu-supplier@1.0.0.`,
    ]);
    const missing = write('m.yaml', usingTable('deletion_days: 90', 'eu-supplier@2.0.0'));
    expect(lintFiles([missing]).output.split('\n')[0]).toBe(
      `${missing}:13:10 error unknown-threshold-table thresholds.table: No threshold table eu-supplier@2.0.0 is in the library (there is eu-supplier@1.0.0).`,
    );
  });

  it('reports a broken table file with its position', () => {
    mkdirSync(join(dir, 'thresholds'));
    write('q.yaml', withQuestions());
    const bad = write('thresholds/bad.yaml', TABLE.replace('{ value: 90, unit: days }', '{ value: ninety }'));
    expect(() => loadLibrary(dir)).toThrowError(
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:27 error bad-type values\\.deletion_days\\.value: Value must be a number`,
      ),
    );
  });
});
