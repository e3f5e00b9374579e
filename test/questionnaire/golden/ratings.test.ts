import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ratingsPage, reviewScenarios } from './answers/review-scenarios.js';

// docs/content-review/ratings.md is written by scripts/content-ratings.ts from the engine's evaluate();
// this keeps it from going stale when a questionnaire, the engine or an answer set changes.
describe("docs/content-review/ratings.md: the review's scenarios before and after", () => {
  it('is exactly what the engine gives today (regenerate with npx tsx scripts/content-ratings.ts --write)', () => {
    const page = readFileSync(new URL('../../../docs/content-review/ratings.md', import.meta.url), 'utf8');
    expect(page).toBe(ratingsPage());
  });

  it('covers the four shipped files, 1.0.0 before and the current version after', () => {
    const files = reviewScenarios();
    expect(files.map((f) => f.id)).toEqual([
      'nis2-supplier',
      'gdpr-art28-processor',
      'dora-ict-provider',
      'security-baseline',
    ]);
    for (const f of files) {
      expect(f.v1.version).toBe('1.0.0');
      expect(f.current.version).not.toBe('1.0.0');
    }
  });
});
