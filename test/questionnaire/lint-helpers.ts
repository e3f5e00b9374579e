import { compileQuestionnaire } from '../../src/questionnaire/index.js';
import type { Problem } from '../../src/questionnaire/types.js';

/**
 * A valid questionnaire of 18 lines; tests append question lines from line 19 on, inside section
 * `a` (list items indented by 6 spaces), so expected line numbers are easy to read off.
 */
export const HEADER = [
  'schema: vrq/1', // 1
  'id: test-q', // 2
  'version: 1.0.0', // 3
  'status: draft', // 4
  'default_locale: en', // 5
  'locales: [en, de]', // 6
  'title: Test', // 7
  'frameworks:', // 8
  '  iso27001: { title: ISO 27001 }', // 9
  'risk:', // 10
  '  rating: [ {min: 10, rating: high}, {min: 1, rating: low} ]', // 11
  'computed:', // 12
  '  crit: "a.crit == \'yes\'"', // 13
  'sections:', // 14
  '  - id: a', // 15
  '    title: A', // 16
  '    questions:', // 17
  '      - { id: a.crit, type: yes_no_na, text: Critical? }', // 18
];

export function withQuestions(...lines: string[]): string {
  return [...HEADER, ...lines, ''].join('\n');
}

export function lint(source: string): Problem[] {
  return compileQuestionnaire(source, { file: 'q.yaml' }).problems;
}

/** Problems with one code, reduced to what the tests assert. */
export function problemsOf(
  source: string,
  code: string,
): Array<Pick<Problem, 'line' | 'column' | 'path' | 'severity' | 'message'>> {
  return lint(source)
    .filter((p) => p.code === code)
    .map(({ line, column, path, severity, message }) => ({ line, column, path, severity, message }));
}
