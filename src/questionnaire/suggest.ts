import leven from 'leven';

/**
 * The closest candidate to a misspelt word ("did you mean …?"), or null when nothing is close. The
 * distance is `leven`'s Levenshtein distance with `maxDistance`, so a long unrelated candidate costs
 * no more than the allowed distance (a hostile file can name thousands of them).
 */
export function suggest(word: string, candidates: Iterable<string>): string | null {
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = limit + 1;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    if (Math.abs(c.length - lower.length) > limit) continue;
    const d = leven(lower, c.toLowerCase(), { maxDistance: limit + 1 });
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
