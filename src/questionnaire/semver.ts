/** Semantic versions (semver.org 2.0.0) and the x-ranges migrations use ('2.0.x', '2.x', '*'). */

export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly string[];
}

const NUM = '(0|[1-9]\\d{0,8})';
const IDENT = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const SEMVER_RE = new RegExp(
  `^${NUM}\\.${NUM}\\.${NUM}(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);
const RANGE_RE = new RegExp(`^(?:\\*|${NUM}\\.(?:x|\\*)|${NUM}\\.${NUM}\\.(?:x|\\*))$`);

export function parseSemver(s: string): SemVer | null {
  // Bounded before matching: the pre-release grammar backtracks on long digit runs.
  if (s.length > 128) return null;
  const m = SEMVER_RE.exec(s);
  if (m === null) return null;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] === undefined ? [] : m[4].split('.'),
  };
}

export const isSemver = (s: string): boolean => parseSemver(s) !== null;

/** Semver precedence: negative when a < b, 0 when equal (build metadata ignored), positive when a > b. */
export function compareSemver(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Number(x) - Number(y);
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** A version or an x-range: '2.0.3', '2.0.x', '2.x', '*'. */
export function isVersionRange(s: string): boolean {
  return isSemver(s) || RANGE_RE.test(s);
}

export function rangeIncludes(range: string, version: SemVer): boolean {
  if (range === '*') return true;
  const exact = parseSemver(range);
  if (exact !== null) return compareSemver(exact, version) === 0;
  const parts = range.split('.');
  if (Number(parts[0]) !== version.major) return false;
  if (parts.length === 2) return true;
  return Number(parts[1]) === version.minor;
}
