import semver from 'semver';

/**
 * Semantic versions (semver.org 2.0.0) and the x-ranges migrations use ('2.0.x', '2.x', '*'). Parsing,
 * precedence and range matching are the `semver` package's (npm's own); this module only narrows what a
 * questionnaire file may write: a plain version (no leading "v", "=" or spaces, which `semver` forgives)
 * and, for ranges, the x-range forms the format documents.
 */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
}

const RANGE_RE = /^(?:\*|(0|[1-9]\d{0,8})\.(?:x|\*)|(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(?:x|\*))$/;
/** Far longer than any real version; bounds the work on hostile input. */
const MAX_LENGTH = 128;

export function parseSemver(s: string): SemVer | null {
  if (s.length > MAX_LENGTH || !/^\d/.test(s) || s.trim() !== s) return null;
  const v = semver.parse(s);
  if (v === null) return null;
  return { major: v.major, minor: v.minor, patch: v.patch, prerelease: v.prerelease.map(String) };
}

const isSemver = (s: string): boolean => parseSemver(s) !== null;

const text = (v: SemVer): string =>
  `${v.major}.${v.minor}.${v.patch}${v.prerelease.length > 0 ? `-${v.prerelease.join('.')}` : ''}`;

/** Semver precedence: negative when a < b, 0 when equal (build metadata ignored), positive when a > b. */
export function compareSemver(a: SemVer, b: SemVer): number {
  return semver.compare(text(a), text(b));
}

/** A version or an x-range: '2.0.3', '2.0.x', '2.x', '*'. */
export function isVersionRange(s: string): boolean {
  return isSemver(s) || RANGE_RE.test(s);
}

/** Whether `version` falls in `range`; pre-releases count as part of their x-range ('2.0.x' holds 2.0.1-rc.1). */
export function rangeIncludes(range: string, version: SemVer): boolean {
  return semver.satisfies(text(version), range, { includePrerelease: true });
}
