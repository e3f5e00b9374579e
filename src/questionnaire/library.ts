import { checkCompatibility } from './compat.js';
import { compileQuestionnaire } from './compile.js';
import { compareSemver, parseSemver } from './semver.js';
import { checkThresholds, compileThresholdTable, type ThresholdTable } from './thresholds.js';
import type { Problem, Questionnaire } from './types.js';

/*
 * A library is a set of questionnaire sources compiled together, so that versions of one questionnaire are
 * checked against each other. Everything here works on text; reading files is the platform's
 * (src/platform/node/questionnaire-files.ts).
 */

/** Thrown by loadLibraryFromSources; `problems` holds every problem found across the files. */
export class LibraryError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    super(
      `The questionnaire library has ${plural(errors, 'error')}${warnings > 0 ? ` and ${plural(warnings, 'warning')}` : ''}:\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'LibraryError';
    this.problems = problems;
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `file:line:column severity code path: message`, the format editors and CI annotate from. */
export function formatProblem(p: Problem): string {
  const where = `${p.file ?? '<input>'}:${p.line}:${p.column}`;
  return `${where} ${p.severity} ${p.code}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

/** One questionnaire file's text, or the problem that kept it from being read. */
export type LibrarySource = { file: string; text: string } | { file: string; problem: Problem };

interface CompiledLibrary {
  questionnaires: Questionnaire[];
  /** Errors and warnings, file by file, then the checks between versions. */
  problems: Problem[];
}

/** Compiles the sources and checks every version of a questionnaire against the one before it. */
export interface LibraryOptions {
  /** Shared threshold tables (vrq-thresholds/1); a questionnaire naming a table is checked against it. */
  thresholdTables?: readonly LibrarySource[];
  /** Warn about texts without every declared locale (CompileOptions.completeLocales). */
  completeLocales?: boolean;
}

function compileSources(
  sources: readonly LibrarySource[],
  advisory: boolean,
  opts: LibraryOptions,
): CompiledLibrary {
  const problems: Problem[] = [];
  const questionnaires: Questionnaire[] = [];
  const tables = new Map<string, ThresholdTable>();
  for (const source of opts.thresholdTables ?? []) {
    if ('problem' in source) {
      problems.push(source.problem);
      continue;
    }
    const result = compileThresholdTable(source.text, { file: source.file });
    problems.push(...result.problems);
    if (result.table) tables.set(result.table.ref, result.table);
  }
  for (const source of sources) {
    if ('problem' in source) {
      problems.push(source.problem);
      continue;
    }
    const result = compileQuestionnaire(source.text, {
      file: source.file,
      advisory,
      ...(opts.completeLocales ? { completeLocales: true } : {}),
    });
    problems.push(...result.problems);
    if (result.questionnaire) questionnaires.push(result.questionnaire);
    if (result.questionnaire && opts.thresholdTables !== undefined)
      problems.push(...checkThresholds(result.questionnaire, tables));
  }
  // Versions of the same questionnaire must be unique and each compatible with the one before.
  const byId = new Map<string, Questionnaire[]>();
  for (const q of questionnaires) byId.set(q.id, [...(byId.get(q.id) ?? []), q]);
  for (const versions of byId.values()) {
    versions.sort((a, b) => compareSemver(parseSemver(a.version)!, parseSemver(b.version)!));
    for (let i = 1; i < versions.length; i++) {
      const prev = versions[i - 1]!;
      const cur = versions[i]!;
      if (prev.version === cur.version) {
        problems.push({
          ...(cur.file !== null ? { file: cur.file } : {}),
          line: 1,
          column: 1,
          path: 'version',
          code: 'duplicate-version',
          severity: 'error',
          message: `${cur.ref} is also defined in ${prev.file ?? 'another file'}.`,
        });
        continue;
      }
      problems.push(...checkCompatibility(prev, cur));
    }
  }
  return { questionnaires, problems };
}

/**
 * The questionnaires of the sources by `id@version`. Throws a LibraryError listing every problem (errors
 * and warnings) when any source has an error; warnings alone do not prevent loading. Caches nothing.
 */
export function loadLibraryFromSources(
  sources: readonly LibrarySource[],
  opts: LibraryOptions = {},
): Map<string, Questionnaire> {
  const { questionnaires, problems } = compileSources(sources, false, opts);
  // Warnings alone never block loading, but once something does, report everything at once.
  if (problems.some((p) => p.severity === 'error')) throw new LibraryError(problems);
  const out = new Map<string, Questionnaire>();
  for (const q of questionnaires) out.set(q.ref, q);
  return out;
}

export interface LintReport {
  /** One line per problem (formatProblem) and a summary line. */
  output: string;
  errors: number;
  warnings: number;
}

/**
 * Lints sources for `assay questionnaire lint`: one line per problem and a summary line. Lint also applies
 * the vrq/1.1 rules to vrq/1 files, as warnings (CompileOptions.advisory), so they show what to fix first.
 */
export function lintSources(sources: readonly LibrarySource[], opts: LibraryOptions = {}): LintReport {
  const { problems } = compileSources(sources, true, opts);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const lines = problems.map(formatProblem);
  lines.push(
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(sources.length, 'file')}.`,
  );
  return { output: lines.join('\n'), errors, warnings };
}
