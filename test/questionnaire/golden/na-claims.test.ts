// The N/A-claim audit of 2.0.0 (issue 10): a one-character justified N/A beat "no" and got past knock-out
// controls. "Before" is what the audit measured with the engine of that day on the 2.0.0 files (kept in
// test/questionnaire/fixtures/shipped-2.0.0/ for assessments pinned to them); "after" is the engine now on
// those fixtures, where an unconfirmed N/A claim weighs what the control failing would
// (src/questionnaire/na-claim.ts) and a justification needs 2 words and 15 characters, and on the 3.0.0 files
// in questionnaires/, which refuse N/A where the requester's scope makes it implausible.
//
// Scores do not move on 2.0.0 (the N/A still leaves the score under na_policy: exclude); the rating does.
// Rating rule of all three files: a critical finding floors the rating at high, a high one at medium, a
// knock-out at critical.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintFiles } from '../../../src/platform/node/questionnaire-files.js';
import {
  type Answers,
  checkCompatibility,
  compileQuestionnaire,
  type Evaluation,
  evaluate,
} from '../../../src/questionnaire/index.js';
import { BEST as DORA } from './answers/dora-ict-provider.js';
import { BEST as GDPR } from './answers/gdpr-art28-processor.js';
import { BEST as NIS2 } from './answers/nis2-supplier.js';
import { issuesOf } from './support.js';

const TODAY = '2026-12-02';
const load = (file: string) =>
  compileQuestionnaire(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'), { file })
    .questionnaire!;
const OLD = (id: string) => load(`test/questionnaire/fixtures/shipped-2.0.0/${id}.yaml`);
const NEW = (id: string) => load(`questionnaires/${id}.yaml`);
const JUSTIFIED = 'Not used for this service.';
const na = (ids: readonly string[], comment = JUSTIFIED): Answers =>
  Object.fromEntries(
    ids.flatMap((id) => [
      [id, 'na'],
      [`${id}#comment`, comment],
    ]),
  );
const head = (e: Evaluation) => [e.score, e.band, e.rating, e.canSubmit];

describe('nis2-supplier: critical service, remote access set by the buyer, best answers otherwise', () => {
  const context = { context: { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] } };
  const v2 = OLD('nis2-supplier');
  const v3 = NEW('nis2-supplier');
  const MFA = ['auth.remote_mfa', 'auth.user_mfa', 'cry.at_rest'];

  it('auth.remote_mfa, auth.user_mfa, cry.at_rest N/A "x": before 100/low/low submittable; now refused', () => {
    const e = evaluate(v2, { ...NIS2, ...na(MFA, 'x') }, TODAY, context);
    expect(head(e)).toEqual([100, 'low', 'critical', false]);
    expect(issuesOf(e)).toEqual(['auth.remote_mfa invalid', 'auth.user_mfa invalid', 'cry.at_rest invalid']);
  });

  it('the same N/As justified: before 100/low/low; on 2.0.0 now critical (the remote-MFA knock-out), as "no" gives', () => {
    // NA-auth_remote_mfa inherits NIS-AUT-02 (4 × 4, escalated for a critical service → 4 × 5 = 20, knock-out).
    const e = evaluate(v2, { ...NIS2, ...na(MFA) }, TODAY, context);
    expect(head(e)).toEqual([100, 'low', 'critical', true]);
    expect(e.ratingDrivers).toEqual(['NA-auth_remote_mfa']);
    const no = evaluate(
      v2,
      { ...NIS2, 'auth.remote_mfa': 'no', 'auth.remote_mfa#comment': 'VPN with a password.' },
      TODAY,
      context,
    );
    // remote_mfa w 3 · section 3 = 9 of Σw 347 lost: 338 / 347 = 97.41 % → 97.4
    expect(head(no)).toEqual([97.4, 'low', 'critical', true]);
  });

  it('3.0.0 refuses N/A on all three: each counts 0 at full weight and the response cannot be submitted', () => {
    // remote_mfa 3 + user_mfa 2 (auth ×3) = 15, at_rest 3 (cry ×2) = 6: (347 − 21) / 347 = 93.95 % → 93.9
    const e = evaluate(v3, { ...NIS2, ...na(MFA) }, TODAY, context);
    expect(head(e)).toEqual([93.9, 'low', 'low', false]);
    expect(issuesOf(e)).toEqual(['auth.remote_mfa invalid', 'auth.user_mfa invalid', 'cry.at_rest invalid']);
  });

  it('dev.pentest: before N/A 100/low beat a 2019 test (98.3/medium) and "no" (96.5/high); now N/A rates as "no"', () => {
    const old2019 = evaluate(v2, { ...NIS2, 'dev.pentest_date': '2019-01-01' }, TODAY, context);
    expect(head(old2019)).toEqual([98.3, 'low', 'medium', true]);
    const no = evaluate(v2, { ...NIS2, 'dev.pentest': 'no', 'dev.pentest#comment': 'never' }, TODAY, context);
    // pentest 2 + pentest_date 2 (hidden_zero_if) in dev ×3 = 12 lost: 335 / 347 = 96.54 % → 96.5
    expect(head(no)).toEqual([96.5, 'low', 'high', true]);
    // 2.0.0: "x" is refused; a real justification leaves the score (100) but NA-dev_pentest inherits
    // NIS-DEV-06 (3 × 4 escalated → 3 × 5 = 15, critical) → rating high, like "no".
    expect(head(evaluate(v2, { ...NIS2, ...na(['dev.pentest'], 'x') }, TODAY, context))).toEqual([
      100,
      'low',
      'high',
      false,
    ]);
    expect(head(evaluate(v2, { ...NIS2, ...na(['dev.pentest']) }, TODAY, context))).toEqual([
      100,
      'low',
      'high',
      true,
    ]);
    // 3.0.0: na: scores_zero and the date zeroed on N/A too: exactly "no", 96.5 / high.
    expect(head(evaluate(v3, { ...NIS2, ...na(['dev.pentest']) }, TODAY, context))).toEqual([
      96.5,
      'low',
      'high',
      true,
    ]);
  });

  it('N/A on every question that allows it: before 100/low/low (21 of 43); 2.0.0 now critical; 3.0.0 (17) 79.8/medium/high', () => {
    const allowed = (q: typeof v2) =>
      [...q.questions.values()].filter((x) => x.hasNa && !x.context && x.na !== 'forbidden').map((x) => x.id);
    expect(allowed(v2)).toHaveLength(21);
    expect(head(evaluate(v2, { ...NIS2, ...na(allowed(v2)) }, TODAY, context))).toEqual([
      100,
      'low',
      'critical',
      true,
    ]);
    expect(allowed(v3)).toHaveLength(17);
    // 3.0.0 (na_policy: zero since na-band): each of the 17 N/As counts 0 at its weight, as "no" would
    // (gov.owner_reporting 3, inc.contact 6, bcm.crisis 2, sup.audit_subcontractors 3, dev.sbom 3, dev.cvd 6,
    // dev.pentest 6 (scores_zero), dev.change 3, dev.rollback 3, eff.management 2, hyg.phishing 2,
    // hyg.malware 4, hyg.hardening 2, cry.policy 4, acc.screening 6, auth.secure_comms 3, auth.emergency 6 =
    // 64), and dev.pentest_date 6 with them: 347 - 70 = 277 of 347 = 79.8, band medium (was 95.8/low when
    // the 15 others were left out). NA-dev_pentest (critical) floors the rating at high.
    const e = evaluate(v3, { ...NIS2, ...na(allowed(v3)) }, TODAY, context);
    expect(head(e)).toEqual([79.8, 'medium', 'high', true]);
  });
});

describe('dora-ict-provider: critical function, best answers otherwise', () => {
  const context = { context: { 'scope.function': 'critical' } };
  const v2 = OLD('dora-ict-provider');
  const v3 = NEW('dora-ict-provider');
  const no = (q: typeof v2, id: string) =>
    evaluate(q, { ...DORA, [id]: 'no', [`${id}#comment`]: JUSTIFIED }, TODAY, context);

  it('ops.continuity N/A: before 100/low; now critical on 2.0.0 (DORA-OPS-02 knock-out) and refused on 3.0.0', () => {
    expect(head(evaluate(v2, { ...DORA, ...na(['ops.continuity']) }, TODAY, context))).toEqual([
      100,
      'low',
      'critical',
      true,
    ]);
    expect(head(no(v2, 'ops.continuity'))).toEqual([96.7, 'low', 'critical', true]);
    const e = evaluate(v3, { ...DORA, ...na(['ops.continuity']) }, TODAY, context);
    expect(head(e)).toEqual([96.7, 'low', 'low', false]);
    expect(issuesOf(e)).toEqual(['ops.continuity invalid']);
  });

  it('ops.pentest N/A: before 100/low; now high on 2.0.0, and on 3.0.0 exactly "no" (96.7/high)', () => {
    expect(head(evaluate(v2, { ...DORA, ...na(['ops.pentest']) }, TODAY, context))).toEqual([
      100,
      'low',
      'high',
      true,
    ]);
    expect(head(no(v3, 'ops.pentest'))).toEqual([96.7, 'low', 'high', true]);
    expect(head(evaluate(v3, { ...DORA, ...na(['ops.pentest']) }, TODAY, context))).toEqual([
      96.7,
      'low',
      'high',
      true,
    ]);
  });

  it('sub.flowdown N/A (a provider without subcontractors may claim it): before 100/low; now high until confirmed', () => {
    expect(head(no(v2, 'sub.flowdown'))).toEqual([97.8, 'low', 'high', true]);
    // 2.0.0 leaves the N/A out of the score (100); 3.0.0 (na_policy: zero since na-band) counts it 0 at
    // weight 6 like "no": 268 of 274 = 97.8. Both keep the rating at high until a reviewer confirms it.
    for (const [q, score] of [
      [v2, 100],
      [v3, 97.8],
    ] as const) {
      const e = evaluate(q, { ...DORA, ...na(['sub.flowdown']) }, TODAY, context);
      expect(head(e)).toEqual([score, 'low', 'high', true]);
      expect(e.findings.map((f) => [f.id, f.rating])).toEqual([['NA-sub_flowdown', 'critical']]);
    }
  });
});

describe('gdpr-art28-processor: special-category data, best answers otherwise', () => {
  const context = {
    context: { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'special'] },
  };
  const v2 = OLD('gdpr-art28-processor');
  const v3 = NEW('gdpr-art28-processor');

  it('sec.mfa N/A: before low/low; now critical on 2.0.0 (GDPR-SEC-02 knock-out), refused on 3.0.0', () => {
    // sec.mfa leaves the score (N/A under na_policy: zero counts 0, like "no": both 97.6).
    const e2 = evaluate(v2, { ...GDPR, ...na(['sec.mfa']) }, TODAY, context);
    expect(head(e2)).toEqual([97.6, 'low', 'critical', true]);
    expect(e2.ratingDrivers).toEqual(['NA-sec_mfa']);
    const no = evaluate(v2, { ...GDPR, 'sec.mfa': 'no', 'sec.mfa#comment': JUSTIFIED }, TODAY, context);
    expect(head(no)).toEqual([97.6, 'low', 'critical', true]);
    const e3 = evaluate(v3, { ...GDPR, ...na(['sec.mfa']) }, TODAY, context);
    expect(head(e3)).toEqual([97.6, 'low', 'low', false]);
    expect(issuesOf(e3)).toEqual(['sec.mfa invalid']);
  });
});

describe('an N/A justification has substance (2 different words, 15 letters with one space between)', () => {
  const q = OLD('dora-ict-provider');
  const context = { context: { 'scope.function': 'critical' } };
  it.each([
    ['x', false],
    ['n/a', false],
    ['Not applicable', false], // 2 words, 14 characters
    ['Notapplicableatall', false], // 1 word
    ['- - - - - - - - -', false], // no word has a letter or digit
    // na-band: punctuation no longer counts, so the bare placeholder is refused ("Not applicable" 13 + 1).
    ['Not applicable.', false],
    ['Not applicable here.', true], // 17 + 2
    ['Nicht zutreffend', true], // 15 + 1
  ])('%j accepted: %s', (comment, ok) => {
    const e = evaluate(q, { ...DORA, ...na(['sub.flowdown'], comment) }, TODAY, context);
    expect(e.canSubmit).toBe(ok);
    if (!ok) {
      expect(e.issues).toEqual([
        {
          questionId: 'sub.flowdown',
          kind: 'invalid',
          message: expect.objectContaining({
            en: expect.stringMatching(/at least 2 different words/),
            de: expect.stringMatching(/mindestens 2 verschiedenen Wörtern/),
          }),
        },
      ]);
    }
  });
});

describe('3.0.0: published next to 2.0.0, which the compatibility checker accepts it after', () => {
  const refused: Record<string, string[]> = {
    'nis2-supplier': ['cry.at_rest', 'cry.backup_encryption', 'auth.remote_mfa', 'auth.user_mfa'],
    'dora-ict-provider': ['gov.risk_framework', 'ops.continuity'],
    'gdpr-art28-processor': ['sec.mfa'],
  };
  it.each(Object.keys(refused))('%s', (id) => {
    const v3 = NEW(id);
    expect(v3.ref).toBe(`${id}@3.0.0`);
    expect(v3.changelog.map((c) => c.version)).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(lintFiles([`questionnaires/${id}.yaml`], { completeLocales: true })).toMatchObject({
      errors: 0,
      warnings: 0,
    });
    // Stored N/A answers to the refused questions become invalid: a major version, and the only problems.
    const problems = checkCompatibility(OLD(id), v3);
    expect(problems.map((p) => [p.severity, p.code, p.message.split(' ')[0]])).toEqual(
      refused[id]!.map((q) => ['warning', 'option-removed', q]),
    );
  });
});
