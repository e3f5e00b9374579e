import {
  NA_JUSTIFICATION_MIN_LENGTH,
  NA_JUSTIFICATION_MIN_LETTERS_UNSPACED,
  NA_JUSTIFICATION_MIN_WORDS,
} from './messages.js';

/*
 * Whether an N/A comment is a reason rather than padding (na: justify; issue #10, na-band). Only letters and
 * digits count: spaces of any kind, format characters (zero-width spaces, joiners), combining marks stacked on
 * a letter, punctuation and markup-looking tags or entities add nothing. A reason needs
 * NA_JUSTIFICATION_MIN_WORDS different words (case-insensitive; "n/a n/a n/a" is one word twice) and, counted
 * over those different words with one space between them, NA_JUSTIFICATION_MIN_LENGTH characters. Scripts
 * written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) pack a reason into fewer characters
 * and are split into words by Intl.Segmenter: there, NA_JUSTIFICATION_MIN_LETTERS_UNSPACED letters of
 * different words suffice.
 */

const MARKUP = /<\/?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);/gu;
const FORMAT = /\p{Cf}/gu;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;
const UNSPACED_CLASS =
  '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}]';
/** Global, for counting with match(); HAS_UNSPACED for test() (a global regex keeps lastIndex between calls). */
const UNSPACED = new RegExp(UNSPACED_CLASS, 'gu');
const HAS_UNSPACED = new RegExp(UNSPACED_CLASS, 'u');

export type Segmenter = { segment(text: string): Iterable<{ segment: string; isWordLike?: boolean }> };
const segmenter: Segmenter | null =
  typeof Intl !== 'undefined' && 'Segmenter' in Intl
    ? new (Intl as unknown as { Segmenter: new (l?: string, o?: object) => Segmenter }).Segmenter(undefined, {
        granularity: 'word',
      })
    : null;

/** The word-like segments of `text`: Intl.Segmenter where available, else runs of letters and digits. */
function words(text: string, seg: Segmenter | null): string[] {
  if (seg) {
    const out: string[] = [];
    for (const s of seg.segment(text)) if (s.isWordLike) out.push(s.segment);
    return out;
  }
  // Without a segmenter, each character of an unspaced script stands for a word.
  return text.split(/[^\p{L}\p{N}\p{M}]+/u).flatMap((w) => (HAS_UNSPACED.test(w) ? [...w] : w ? [w] : []));
}

const letters = (s: string) => s.match(LETTER_OR_DIGIT)?.length ?? 0;

/** `seg` is for tests of the fallback (a runtime without Intl.Segmenter). */
export function isJustification(comment: string, seg: Segmenter | null = segmenter): boolean {
  const text = comment.normalize('NFC').replace(MARKUP, ' ').replace(FORMAT, '');
  const distinct = new Set(
    words(text, seg)
      .map((w) => [...w.toLowerCase()].filter((c) => /[\p{L}\p{N}]/u.test(c)).join(''))
      .filter((w) => w.length > 0),
  );
  if (distinct.size < NA_JUSTIFICATION_MIN_WORDS) return false;
  const all = [...distinct].join('');
  const substance = letters(all);
  const unspaced = all.match(UNSPACED)?.length ?? 0;
  if (unspaced * 2 >= substance) return substance >= NA_JUSTIFICATION_MIN_LETTERS_UNSPACED;
  return substance + distinct.size - 1 >= NA_JUSTIFICATION_MIN_LENGTH;
}
