import { describe, expect, it } from 'vitest';
import { dayNumber, fromDayNumber, isIsoDate } from '../../src/questionnaire/dates.js';
import { localize } from '../../src/questionnaire/index.js';
import { compareSemver, isVersionRange, parseSemver, rangeIncludes } from '../../src/questionnaire/semver.js';
import { suggest } from '../../src/questionnaire/suggest.js';

describe('dates', () => {
  it('accepts real calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2025-04-31')).toBe(false);
    expect(isIsoDate('2025-00-10')).toBe(false);
    expect(isIsoDate('0000-01-01')).toBe(false);
    expect(isIsoDate('2025-1-01')).toBe(false);
    expect(isIsoDate('2025-01-01T00:00:00Z')).toBe(false);
    expect(isIsoDate(' 2025-01-01')).toBe(false);
  });

  it('counts days without time-zone drift and handles early years', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('1969-12-31')).toBe(-1);
    expect(fromDayNumber(dayNumber('0001-01-01')!)).toBe('0001-01-01');
    expect(fromDayNumber(dayNumber('0099-12-31')! + 1)).toBe('0100-01-01');
    expect(fromDayNumber(dayNumber('2024-12-31')! + 1)).toBe('2025-01-01');
    expect(dayNumber('2025-02-30')).toBe(null);
  });
});

describe('semver', () => {
  it('parses versions and rejects near misses', () => {
    expect(parseSemver('2.1.0')).toEqual({ major: 2, minor: 1, patch: 0, prerelease: [] });
    expect(parseSemver('1.0.0-rc.1+build.5')).toEqual({
      major: 1,
      minor: 0,
      patch: 0,
      prerelease: ['rc', '1'],
    });
    for (const bad of ['2.1', '02.1.0', 'v1.0.0', '1.0.0-', '1.0.0-01', '1.0.0.0', ''])
      expect(parseSemver(bad), bad).toBe(null);
  });

  it('orders by precedence', () => {
    const sorted = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
      '10.0.0',
    ];
    for (let i = 1; i < sorted.length; i++) {
      expect(
        compareSemver(parseSemver(sorted[i - 1]!)!, parseSemver(sorted[i]!)!),
        `${sorted[i - 1]} < ${sorted[i]}`,
      ).toBeLessThan(0);
    }
    expect(compareSemver(parseSemver('1.0.0+a')!, parseSemver('1.0.0+b')!)).toBe(0);
  });

  it('matches x-ranges', () => {
    const v = parseSemver('2.0.3')!;
    expect(rangeIncludes('*', v)).toBe(true);
    expect(rangeIncludes('2.x', v)).toBe(true);
    expect(rangeIncludes('2.0.x', v)).toBe(true);
    expect(rangeIncludes('2.0.3', v)).toBe(true);
    expect(rangeIncludes('2.1.x', v)).toBe(false);
    expect(rangeIncludes('1.x', v)).toBe(false);
    expect(isVersionRange('2.0.*')).toBe(true);
    expect(isVersionRange('>=2.0.0')).toBe(false);
    expect(isVersionRange('x')).toBe(false);
  });
});

describe('localize', () => {
  const q = { defaultLocale: 'de' };
  it('falls back locale → language → default locale → en → any', () => {
    expect(localize({ en: 'E', de: 'D', 'de-CH': 'CH' }, 'de-CH', q)).toBe('CH');
    expect(localize({ en: 'E', de: 'D' }, 'de-AT', q)).toBe('D');
    expect(localize({ en: 'E', de: 'D' }, 'fr', q)).toBe('D');
    expect(localize({ en: 'E' }, 'fr', q)).toBe('E');
    expect(localize({ it: 'I' }, 'fr', q)).toBe('I');
    expect(localize(undefined, 'fr', q)).toBe('');
    expect(localize(null, 'fr', q)).toBe('');
    expect(localize({}, 'fr', q)).toBe('');
  });

  it('does not read inherited properties', () => {
    expect(localize({ en: 'E' }, 'constructor', q)).toBe('E');
    expect(localize({ en: 'E' }, '__proto__', q)).toBe('E');
  });
});

describe('suggest', () => {
  it('finds close words and nothing for distant ones', () => {
    expect(suggest('visble_if', ['visible_if', 'required_if'])).toBe('visible_if');
    expect(suggest('Weight', ['weight'])).toBe('weight');
    expect(suggest('banana', ['visible_if', 'required_if'])).toBe(null);
    expect(suggest('ab', ['xy'])).toBe(null);
  });
});
