const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/**
 * Days since 1970-01-01 for a valid ISO calendar date `YYYY-MM-DD` (years 0001–9999), else null.
 * Rejects impossible dates such as 2025-02-30 that `Date` would silently roll over.
 */
export function dayNumber(s: string): number | null {
  const m = DATE_RE.exec(s);
  if (m === null) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return Math.round(date.getTime() / MS_PER_DAY);
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

export function isIsoDate(s: string): boolean {
  return dayNumber(s) !== null;
}

/** The ISO date of a day number (days since 1970-01-01), the inverse of dayNumber. */
export function fromDayNumber(day: number): string {
  const date = new Date(day * MS_PER_DAY);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
