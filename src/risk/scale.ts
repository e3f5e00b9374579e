/**
 * The register's 5×5 scale. Likelihood and impact are 1–5; the score is likelihood × impact (1–25) and
 * the rating follows from the score alone, so a cell of the heat map always has one rating:
 *
 *   score  1–4  low       (e.g. rare × moderate, unlikely × minor)
 *   score  5–9  medium    (possible × moderate)
 *   score 10–16 high      (likely × major, possible × severe)
 *   score 20–25 critical  (almost certain × major or worse, likely × severe)
 *
 * No product of two numbers 1–5 falls between 16 and 20, so the boundaries are unambiguous. The same
 * scale rates inherent risk (as raised) and residual risk (after treatment). Questionnaires keep their own
 * finding ratings (their `risk.rating` table, shown on the review); the register rates on this one so that
 * risks from different questionnaires, and manual ones, compare (docs/risk-register.md).
 */
export const RATINGS = ['low', 'medium', 'high', 'critical'] as const;
export type Rating = (typeof RATINGS)[number];

export const RATING_LABELS: Readonly<Record<Rating, string>> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

export const LIKELIHOOD_LABELS = ['Rare', 'Unlikely', 'Possible', 'Likely', 'Almost certain'] as const;
export const IMPACT_LABELS = ['Negligible', 'Minor', 'Moderate', 'Major', 'Severe'] as const;

export const isLevel = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 5;

export function ratingOfScore(score: number): Rating {
  if (score >= 20) return 'critical';
  if (score >= 10) return 'high';
  if (score >= 5) return 'medium';
  return 'low';
}

export function rate(likelihood: number, impact: number): { score: number; rating: Rating } {
  const score = likelihood * impact;
  return { score, rating: ratingOfScore(score) };
}

/** The score range of a rating, for SQL filters on the indexed score. */
export function scoreRange(rating: Rating): [number, number] {
  switch (rating) {
    case 'low':
      return [1, 4];
    case 'medium':
      return [5, 9];
    case 'high':
      return [10, 16];
    case 'critical':
      return [20, 25];
  }
}
