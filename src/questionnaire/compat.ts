import { planOf } from './plan.js';
import { compareSemver, parseSemver, rangeIncludes } from './semver.js';
import type { Problem, Questionnaire } from './types.js';

/**
 * Checks that `next` can replace `previous` for responses pinned to the older version: same id,
 * a higher version, no question id reused with a different type, and no option that stored answers
 * use silently removed. Renames declared in `next.migrations` for the previous version are followed.
 * Problems point into `next`'s file.
 */
export function checkCompatibility(previous: Questionnaire, next: Questionnaire): Problem[] {
  const locs = planOf(next).locs;
  const problems: Problem[] = [];
  const add = (severity: Problem['severity'], code: string, locKey: string, message: string): void => {
    const loc = locs.get(locKey) ?? locs.get('id');
    const p: Problem = {
      line: loc?.pos.line ?? 1,
      column: loc?.pos.column ?? 1,
      path: loc?.path ?? '',
      code,
      severity,
      message,
    };
    if (next.file !== null) p.file = next.file;
    problems.push(p);
  };

  if (previous.id !== next.id) {
    add(
      'error',
      'id-mismatch',
      'id',
      `Questionnaire id "${next.id}" differs from "${previous.id}"; a new version must keep the id.`,
    );
    return problems;
  }
  const pv = parseSemver(previous.version)!;
  const nv = parseSemver(next.version)!;
  if (compareSemver(nv, pv) <= 0) {
    add(
      'error',
      'version-not-increased',
      'version',
      `Version ${next.version} must be greater than the previous version ${previous.version}.`,
    );
  }

  const renames = new Map<string, string>();
  for (const m of next.migrations) {
    if (!rangeIncludes(m.from, pv)) continue;
    for (const [from, to] of m.rename) renames.set(from, to);
  }
  for (const [from] of renames) {
    if (!previous.questions.has(from)) {
      add(
        'warning',
        'unknown-rename',
        'version',
        `The migration renames ${from}, which is not a question of ${previous.ref}.`,
      );
    }
  }

  for (const [id, old] of previous.questions) {
    const newId = renames.get(id) ?? id;
    const cur = next.questions.get(newId);
    const named = newId === id ? id : `${id} (renamed to ${newId})`;
    if (cur === undefined) {
      add(
        'warning',
        'question-removed',
        'version',
        `Question ${named} of ${previous.ref} no longer exists; its stored answers will not carry over.`,
      );
      continue;
    }
    if (cur.type !== old.type) {
      add(
        'error',
        'incompatible-type',
        `q:${newId}`,
        `Question ${named} changed type from ${old.type} to ${cur.type}; stored answers would not fit. Use a new question id instead.`,
      );
      continue;
    }
    // vrq/1.1: answers that a new N/A policy or a context fact makes invalid or ignored.
    if (old.hasNa && old.na !== 'forbidden' && cur.na === 'forbidden') {
      add(
        'warning',
        'option-removed',
        `q:${newId}`,
        `${named} no longer accepts N/A; stored N/A answers become invalid in ${next.ref}.`,
      );
    }
    if (!old.context && cur.context) {
      add(
        'warning',
        'became-context',
        `q:${newId}`,
        `${named} is now a context fact set by the requester; vendors' stored answers to it are ignored in ${next.ref}.`,
      );
    }
    if ((old.type === 'single' || old.type === 'multi') && old.options && cur.options) {
      const kept = new Set(cur.options.map((o) => o.value));
      for (const o of old.options) {
        if (!kept.has(o.value)) {
          add(
            'warning',
            'option-removed',
            `q:${newId}`,
            `Option "${o.value}" of ${named} was removed; answers that chose it become invalid in ${next.ref}.`,
          );
        }
      }
    }
  }
  return problems;
}
