import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompatibility } from './compat.js';
import { compileQuestionnaire } from './compile.js';
import { compareSemver, parseSemver } from './semver.js';
import type { Problem, Questionnaire } from './types.js';
import { MAX_SOURCE_BYTES } from './yaml-tree.js';

/** Thrown by loadLibrary; `problems` holds every error found across the files. */
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

function readSource(file: string): { source: string } | { problem: Problem } {
  const fail = (message: string): { problem: Problem } => ({
    problem: { file, line: 1, column: 1, path: '', code: 'unreadable-file', severity: 'error', message },
  });
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return fail('This is not a regular file.');
    size = st.size;
  } catch (e) {
    return fail(`The file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (size > MAX_SOURCE_BYTES) {
    return {
      problem: {
        file,
        line: 1,
        column: 1,
        path: '',
        code: 'too-large',
        severity: 'error',
        message: `The file is ${size} bytes; questionnaire files are limited to ${MAX_SOURCE_BYTES} bytes (1 MiB).`,
      },
    };
  }
  try {
    return { source: readFileSync(file, 'utf8') };
  } catch (e) {
    return fail(`The file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

interface Compiled {
  questionnaires: Questionnaire[];
  problems: Problem[];
}

function compileFiles(files: readonly string[]): Compiled {
  const problems: Problem[] = [];
  const questionnaires: Questionnaire[] = [];
  for (const file of files) {
    const read = readSource(file);
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const result = compileQuestionnaire(read.source, { file });
    problems.push(...result.problems);
    if (result.questionnaire) questionnaires.push(result.questionnaire);
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
 * Compiles every `*.yaml` file in `dir` and returns them by `id@version`. Throws a LibraryError
 * listing every problem (errors and warnings) when any file has an error; warnings alone do not
 * prevent loading. Caches nothing.
 */
export function loadLibrary(dir = 'questionnaires'): Map<string, Questionnaire> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort();
  } catch (e) {
    throw new LibraryError([
      {
        file: dir,
        line: 1,
        column: 1,
        path: '',
        code: 'unreadable-file',
        severity: 'error',
        message: `The questionnaire directory cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
      },
    ]);
  }
  const { questionnaires, problems } = compileFiles(names.map((n) => join(dir, n)));
  // Warnings alone never block loading, but once something does, report everything at once.
  if (problems.some((p) => p.severity === 'error')) throw new LibraryError(problems);
  const out = new Map<string, Questionnaire>();
  for (const q of questionnaires) out.set(q.ref, q);
  return out;
}

/** Lints files for `assay questionnaire lint`: one line per problem and a summary line. */
export function lintFiles(paths: string[]): { output: string; errors: number; warnings: number } {
  const { problems } = compileFiles(paths);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const lines = problems.map(formatProblem);
  lines.push(
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(paths.length, 'file')}.`,
  );
  return { output: lines.join('\n'), errors, warnings };
}
