/*
 * Formula-injection defence (OWASP "CSV Injection", ASVS 1.2.10): a spreadsheet program treats a cell
 * whose text starts with = + - @ (or a tab, CR, LF or NUL that precedes one) as a formula. Every text cell we
 * export is passed through `neutralise`, which prefixes such text with a single quote. A leading quote is
 * itself escaped the same way, so that `restore` on import gives back exactly what was exported.
 */

const TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\n', '\0']);

export function needsNeutralising(text: string): boolean {
  let i = 0;
  while (text.charAt(i) === "'") i++;
  return TRIGGERS.has(text.charAt(i));
}

export function neutralise(text: string): string {
  return needsNeutralising(text) ? `'${text}` : text;
}

/** Inverse of `neutralise`: strips exactly the quote it added, and leaves any other leading quote alone. */
export function restore(text: string): string {
  return text.startsWith("'") && needsNeutralising(text.slice(1)) ? text.slice(1) : text;
}
