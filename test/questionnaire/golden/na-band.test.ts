import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Answers,
  compileQuestionnaire,
  type Evaluation,
  evaluate,
} from '../../../src/questionnaire/index.js';

/*
 * The hostile review's two scenarios (na-band, issue #10 "N/A that is not free"): nis2-supplier 3.0.0, a
 * supporting service (scope.criticality set by the buyer), a submittable walk through the file
 * (answers/nis2-supplier-supporting-walk.json, the reviewer's). Before na-band the file said
 * na_policy: exclude, so a justified N/A left the question out of the score and lifted the band past "no":
 *   gov.owner_reporting (weight 3): "no" 284.8 of 337 = 84.5 medium; N/A 284.8 of 334 = 85.3 low.
 *   inc.contact (weight 6, must-have): "no" 281.8 of 337 = 83.6 medium; N/A 281.8 of 331 = 85.1 low, though
 *   NA-inc_contact inherits NIS-INC-04's medium (medium is below every rating floor, so it did not bite).
 * With na_policy: zero the N/A counts 0 at the question's weight, exactly as "no" does, so the total, band
 * and rating equal those of "no"; the claim's finding stays for the reviewer.
 */
const TODAY = '2026-12-02';
const q = compileQuestionnaire(
  readFileSync(new URL('../../../questionnaires/nis2-supplier.yaml', import.meta.url), 'utf8'),
  { file: 'nis2-supplier.yaml' },
).questionnaire!;
const walk = JSON.parse(
  readFileSync(new URL('./answers/nis2-supplier-supporting-walk.json', import.meta.url), 'utf8'),
) as { a: Answers; context: Answers };
const run = (id: string, value: 'yes' | 'no' | 'na') =>
  evaluate(
    q,
    {
      ...walk.a,
      [id]: value,
      [`${id}#comment`]: value === 'na' ? 'Not used for this service.' : 'We do not do this yet.',
    },
    TODAY,
    { context: walk.context },
  );
const head = (e: Evaluation) => [e.score, e.band, e.rating, e.canSubmit];
const mine = (e: Evaluation, id: string) =>
  e.findings.filter((f) => f.questionId === id).map((f) => [f.id, f.rating]);

describe('nis2-supplier 3.0.0, supporting service: a justified N/A rates no better than "no", band included', () => {
  it("is the reviewer's walk: version 3.0.0, supporting, N/A scored 0", () => {
    expect(q.version).toBe('3.0.0');
    expect(walk.context).toEqual({ 'scope.criticality': 'supporting' });
    expect(q.scoring.naPolicy).toBe('zero');
  });

  it('gov.owner_reporting: yes 287.8/337 = 85.4 low; "no" and N/A 284.8/337 = 84.5 medium', () => {
    expect(head(run('gov.owner_reporting', 'yes'))).toEqual([85.4, 'low', 'low', true]);
    const no = run('gov.owner_reporting', 'no');
    const na = run('gov.owner_reporting', 'na');
    expect(head(no)).toEqual([84.5, 'medium', 'medium', true]);
    expect(head(na)).toEqual([84.5, 'medium', 'medium', true]);
    expect(na.questions['gov.owner_reporting']!.weight).toBe(3);
    expect(na.questions['gov.owner_reporting']!.score).toBe(0);
  });

  it('inc.contact (must-have): "no" and N/A 281.8/337 = 83.6 medium; the N/A keeps its claim finding', () => {
    const no = run('inc.contact', 'no');
    const na = run('inc.contact', 'na');
    expect(head(no)).toEqual([83.6, 'medium', 'medium', true]);
    expect(head(na)).toEqual([83.6, 'medium', 'medium', true]);
    expect(mine(no, 'inc.contact')).toEqual([['NIS-INC-04', 'medium']]);
    expect(mine(na, 'inc.contact')).toEqual([['NA-inc_contact', 'medium']]);
  });
});
