/*
 * The content review's scenarios, before (1.0.0) and after (the current shipped version), per questionnaire:
 * runs them with the engine's own evaluate() and prints docs/content-review/ratings.md.
 *
 *   npx tsx scripts/content-ratings.ts           # prints the page
 *   npx tsx scripts/content-ratings.ts --write   # writes docs/content-review/ratings.md
 *
 * The scenarios and answer sets are in test/questionnaire/golden/answers/review-scenarios.ts;
 * test/questionnaire/golden/ratings.test.ts fails when the page is out of date.
 */
import { writeFileSync } from 'node:fs';
import { ratingsPage } from '../test/questionnaire/golden/answers/review-scenarios.js';

const page = ratingsPage();
if (process.argv.includes('--write')) {
  const target = new URL('../docs/content-review/ratings.md', import.meta.url);
  writeFileSync(target, page);
  process.stdout.write(`Wrote ${target.pathname}\n`);
} else process.stdout.write(page);
