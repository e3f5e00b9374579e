/**
 * Limits of what a page token, cursor or list filter may carry so that every driver binds it: shared by
 * the register, vendor and audit lists (PostgreSQL refuses some values SQLite quietly matches nothing with).
 */

/**
 * Latest change time a token may carry: the end of year 9999. PostgreSQL's timestamptz holds later ones,
 * but a JS Date past 8.64e15 ms is invalid (drizzle throws binding it) and one past year 9999 serialises
 * as `+010000-…`, which the driver does not round-trip; no real row is changed that late.
 */
export const MAX_UPDATED_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Whether a string holds a C0 control or DEL: no title, vendor name or audit actor holds one (the forms
 * refuse them), and PostgreSQL refuses NUL in a bound text with an error (a 500) where SQLite matches nothing.
 */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
