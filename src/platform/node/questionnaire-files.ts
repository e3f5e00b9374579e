import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import semver from 'semver';
import {
  LibraryError,
  type LibrarySource,
  type LintReport,
  lintSources,
  loadLibraryFromSources,
} from '../../questionnaire/library.js';
import type { Problem, Questionnaire } from '../../questionnaire/types.js';
import { MAX_SOURCE_BYTES } from '../../questionnaire/yaml-tree.js';
import { appPath } from './app-root.js';

const semverGt = (a: string, b: string) => semver.gt(a, b);

/*
 * Questionnaire files on disk: the shipped library in the app's questionnaires/ folder and the files
 * `assay questionnaire lint` is given. Reading is here; compiling and checking is the domain's
 * (src/questionnaire/library.ts), which works on text and so runs on any platform.
 */

/** The shipped questionnaires/ folder, from the app root, so the CLI finds it from any working directory. */
export const SHIPPED_QUESTIONNAIRES = appPath('questionnaires');

function unreadable(file: string, message: string): LibrarySource {
  return {
    file,
    problem: { file, line: 1, column: 1, path: '', code: 'unreadable-file', severity: 'error', message },
  };
}

/** Reads one file, refusing anything that is not a regular file of at most 1 MiB before reading it. */
function readSource(file: string): LibrarySource {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return unreadable(file, 'This is not a regular file.');
    size = st.size;
  } catch (e) {
    return unreadable(file, `The file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (size > MAX_SOURCE_BYTES) {
    const problem: Problem = {
      file,
      line: 1,
      column: 1,
      path: '',
      code: 'too-large',
      severity: 'error',
      message: `The file is ${size} bytes; questionnaire files are limited to ${MAX_SOURCE_BYTES} bytes (1 MiB).`,
    };
    return { file, problem };
  }
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    return unreadable(file, `The file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/**
 * Compiles every `*.yaml` file in `dir` (default: the shipped library) and returns them by `id@version`.
 * Throws a LibraryError listing every problem (errors and warnings) when any file has an error; warnings
 * alone do not prevent loading. Caches nothing.
 */
/** The shared threshold tables of a library folder: `<dir>/thresholds/*.yaml` (none when it has no such folder). */
function thresholdTables(dir: string): LibrarySource[] {
  const folder = join(dir, 'thresholds');
  try {
    if (!statSync(folder).isDirectory()) return [];
  } catch {
    return [];
  }
  return readdirSync(folder)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((n) => readSource(join(folder, n)));
}

export function loadLibrary(dir: string = SHIPPED_QUESTIONNAIRES): Map<string, Questionnaire> {
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
  return loadLibraryFromSources(
    names.map((n) => readSource(join(dir, n))),
    { thresholdTables: thresholdTables(dir) },
  );
}

/**
 * Lints files for `assay questionnaire lint`: one line per problem and a summary line. Threshold tables come
 * from the shipped library and from a thresholds/ folder beside the linted files.
 */
export function lintFiles(paths: readonly string[], opts: { completeLocales?: boolean } = {}): LintReport {
  const folders = new Set([SHIPPED_QUESTIONNAIRES, ...paths.map((p) => dirname(p))].map((d) => resolve(d)));
  const tables = [...folders].flatMap(thresholdTables);
  const unique = [...new Map(tables.map((t) => [t.file, t])).values()];
  return lintSources(paths.map(readSource), { thresholdTables: unique, ...opts });
}

/**
 * The shipped questionnaire `id` (exactly `id@version`, or its newest version) as its source text, for
 * sending one the tenant has not published yet.
 */
export function shippedSource(library: ReadonlyMap<string, Questionnaire>) {
  return async (ref: { id: string; version?: string }) => {
    let best: Questionnaire | null = null;
    for (const q of library.values()) {
      if (q.id !== ref.id || q.file === null) continue;
      if (ref.version ? q.version === ref.version : !best || semverGt(q.version, best.version)) best = q;
    }
    if (!best?.file) return null;
    return { source: readFileSync(best.file, 'utf8'), file: best.file, version: best.version };
  };
}
