import type { Questionnaire, Text } from './types.js';

/**
 * Picks the text for a locale: exact match, then the language without region ('de' for 'de-CH'),
 * then the questionnaire's default locale, then English, then whatever exists.
 */
export function localize(
  text: Text | null | undefined,
  locale: string,
  q: Pick<Questionnaire, 'defaultLocale'>,
): string {
  if (text === null || text === undefined) return '';
  const pick = (l: string): string | undefined => (Object.hasOwn(text, l) ? text[l] : undefined);
  const language = locale.split('-')[0] ?? locale;
  const found = pick(locale) ?? pick(language) ?? pick(q.defaultLocale) ?? pick('en');
  if (found !== undefined) return found;
  for (const k of Object.keys(text)) return text[k]!;
  return '';
}
