// Golden tests for security-baseline@2.0.0: the content review's measured scenarios (content-review.md,
// "Measured scenarios") before (1.0.0, the fixture) and after, the file's vrq/1.1 rules and its
// compatibility with 1.0.0. The "best answers" response is built from the file (the best-scoring option of
// every question, a good value for every number and date), then each scenario changes a few answers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type Answers,
  checkCompatibility,
  compileQuestionnaire,
  evaluate,
  type Questionnaire,
} from '../../../src/questionnaire/index.js';

const load = (file: string): Questionnaire =>
  compileQuestionnaire(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'), { file })
    .questionnaire!;
// 2.0.1 (text only) replaced it in questionnaires/; 2.0.0 stays here for the assessments pinned to it.
const q = load('test/questionnaire/fixtures/shipped-2.0.0/security-baseline.yaml');
const v1 = load('test/questionnaire/fixtures/shipped-1.0.0/security-baseline.yaml');
const TABLE = parse(
  readFileSync(new URL('../../../questionnaires/thresholds/eu-supplier.yaml', import.meta.url), 'utf8'),
) as { version: string; values: Record<string, { value: number }> };
const TODAY = '2026-12-02';
const CRITICAL = { 'scope.criticality': 'critical', 'scope.data_types': ['personal', 'confidential'] };

// Good values for the questions that have no options; everything else takes its best option.
const GOOD: Answers = {
  'scope.service_description': 'Hosted HR case management (SaaS).',
  'scope.service_model': 'saas',
  'scope.hosting': 'public_cloud',
  'scope.data_types': ['personal', 'confidential'],
  'scope.data_locations': ['eea'],
  'scope.develops_software': 'yes',
  'scope.subcontractors': 'yes',
  'scope.security_contact': 'CISO, security@vendor.example',
  'aa.attestations': ['iso27001', 'soc2_type2'],
  'aa.iso_cert_expiry': '2028-01-31',
  'aa.soc2_period_end': '2026-09-30',
  'ais.fix_days': 7,
  'bcr.last_test': '2026-05-01',
  'bcr.rto_hours': 4,
  'bcr.rpo_hours': 1,
  'bcr.availability': 99.95,
  'dsp.deletion_days': 30,
  'hrs.training_completion': 98,
  'iam.leaver_hours': 8,
  'ipy.transition_days': 120,
  'log.retention_days': 400,
  'sef.plan_tested': '2026-06-01',
  'sef.notification_hours': 12,
  'sef.past_incidents': 'no',
  'tvm.critical_patch_days': 7,
  'tvm.pentest_date': '2026-04-15',
};

function bestAnswers(questionnaire: Questionnaire, good: Answers): Answers {
  const answers: Record<string, Answers[string]> = {};
  for (const question of questionnaire.questions.values()) {
    if (question.context) continue;
    if (question.id in good) answers[question.id] = good[question.id]!;
    else if (question.type === 'yes_no_na') answers[question.id] = 'yes';
    else if (question.type === 'single' && question.options) {
      const best = [...question.options].sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0]!;
      answers[question.id] = best.value;
    } else if (question.type === 'multi' && question.options)
      answers[question.id] = question.options.filter((o) => !o.exclusive).map((o) => o.value);
  }
  // Evidence wherever the file asks for it.
  for (const id of ['aa.attestations', 'ais.sdlc', 'bcr.plan', 'dsp.dpa', 'dsp.subprocessor_disclosure'])
    answers[`${id}#evidence`] = ['ev'];
  for (const id of [
    'grc.security_programme',
    'sef.response_plan',
    'tvm.pentest',
    'sta.supplier_inventory',
    'bcr.last_test',
  ])
    answers[`${id}#evidence`] = ['ev'];
  return answers;
}
const BEST = bestAnswers(q, GOOD);
const BEST_V1 = bestAnswers(v1, { ...GOOD, 'scope.criticality': 'critical' });
const run = (answers: Answers, context: Record<string, unknown> = CRITICAL) =>
  evaluate(q, answers, TODAY, { context: context as never });
const runV1 = (answers: Answers) => evaluate(v1, answers, TODAY);
const ids = (ev: ReturnType<typeof run>) => ev.findings.map((f) => f.id).sort();

describe('security-baseline@2.0.0: the file', () => {
  it('is version 2.0.0 of vrq/1.1 and compiles without problems', () => {
    expect(q.ref).toBe('security-baseline@2.0.0');
    const again = compileQuestionnaire(
      readFileSync(new URL('../fixtures/shipped-2.0.0/security-baseline.yaml', import.meta.url), 'utf8'),
    );
    expect(again.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('takes its thresholds unchanged from the shared table eu-supplier@1.0.0', () => {
    expect(q.thresholds.table).toBe(`eu-supplier@${TABLE.version}`);
    for (const [name, value] of q.thresholds.values) expect(value, name).toBe(TABLE.values[name]!.value);
  });

  it('is a major step from 1.0.0: no error, only the warnings of removed questions and the new context fact', () => {
    const problems = checkCompatibility(v1, q);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const codes = new Set(problems.map((p) => p.code));
    expect(codes.has('became-context')).toBe(true);
    expect(codes.has('question-removed')).toBe(true);
  });

  it('lets the requester, not the vendor, set the criticality', () => {
    expect(q.contextFacts.map((f) => f.id)).toEqual(['scope.criticality']);
    const vendorSaysStandard = run({ ...BEST, 'scope.criticality': 'standard' }, {});
    expect(vendorSaysStandard.questions['bcr.rto_hours']!.visible).toBe(true);
    const lateNotice = { ...BEST, 'sef.notification_hours': 48 };
    expect(run(lateNotice).findings.find((f) => f.id === 'SB-SEF-04')!.escalated).toBe(true);
    expect(
      run(lateNotice, { 'scope.criticality': 'standard' }).findings.find((f) => f.id === 'SB-SEF-04')!
        .escalated,
    ).toBe(false);
  });

  it('marks no staff MFA, no incident response plan and no backups as knock-outs', () => {
    const knockouts = [...q.questions.values()].flatMap((x) =>
      x.findings.filter((f) => f.knockout).map((f) => f.id),
    );
    expect(knockouts.sort()).toEqual(['SB-BCR-05', 'SB-IAM-01', 'SB-SEF-01']);
  });

  it('maps the review items B6 and B7 as corrected', () => {
    const controls = (id: string) => q.questions.get(id)!.controls;
    expect(controls('grc.management_review')).toContain('iso27001:9.3');
    expect(controls('aa.corrective_actions')).toContain('iso27001:10.2');
    expect(controls('sef.notification_hours')).not.toContain('iso27001:A.6.8');
    expect(controls('dsp.inventory')).not.toContain('iso27001:A.5.12');
    expect(controls('sta.flow_down')).toContain('caiq:STA-12.1');
    expect(controls('sta.flow_down')).not.toContain('caiq:STA-09.1');
    expect(controls('sta.contract_terms').some((c) => c.startsWith('dora:'))).toBe(false);
    expect(controls('dsp.transfer_mechanism')).toEqual(
      expect.arrayContaining(['gdpr:45.1', 'gdpr:46.2', 'gdpr:47.1']),
    );
  });
});

describe('security-baseline@2.0.0: best answers', () => {
  it('score 100, rated low, with no findings and nothing open', () => {
    const ev = run(BEST);
    expect(ev.issues.map((i) => i.questionId + ' ' + i.kind)).toEqual([]);
    expect(ids(ev)).toEqual([]);
    expect(ev.score).toBe(100);
    expect(ev.rating).toBe('low');
  });
});

describe('security-baseline: the review measured scenarios, 1.0.0 and 2.0.0', () => {
  it('critical SaaS, staff and customers password-only, no IR plan, no backups: low before, critical now', () => {
    const change: Answers = {
      'iam.staff_mfa': 'password',
      'iam.customer_sign_in': 'password',
      'sef.response_plan': 'no',
      'bcr.backups': 'none',
    };
    const before = runV1({ ...BEST_V1, ...change, 'sef.response_plan#comment': 'x' });
    expect(before.band).toBe('low');
    const after = run({ ...BEST, ...change });
    expect(after.rating).toBe('critical');
    expect(after.ratingDrivers).toEqual(expect.arrayContaining(['SB-BCR-05', 'SB-IAM-01', 'SB-SEF-01']));
    expect(after.score!).toBeLessThan(before.score!);
  });

  it('N/A on every yes/no question: 100/low before; now refused, scored 0 and not low', () => {
    const na = (questionnaire: Questionnaire, base: Answers): Answers => {
      const out: Record<string, Answers[string]> = { ...base };
      for (const x of questionnaire.questions.values())
        if (x.type === 'yes_no_na' && !x.id.startsWith('scope.')) {
          out[x.id] = 'na';
          out[`${x.id}#comment`] = 'n/a';
        }
      return out;
    };
    const before = runV1(na(v1, BEST_V1));
    expect(before.score).toBe(100);
    const after = run(na(q, BEST));
    expect(after.score!).toBeLessThan(65);
    expect(after.rating).not.toBe('low');
    expect(after.issues.some((i) => i.kind === 'invalid')).toBe(true);
    // Where N/A can be real (single-tenant, serverless), it is accepted with a reason and raises a claim.
    expect(ids(after)).toEqual(
      expect.arrayContaining(['NA-ivs_tenant_isolation', 'NA-tvm_malware_protection']),
    );
  });

  it('no backups never scores better than weekly, unprotected, never-restored backups', () => {
    const none: Answers = { ...BEST, 'bcr.backups': 'none' };
    const weak: Answers = {
      ...BEST,
      'bcr.backups': 'weekly',
      'bcr.backup_protection': 'no',
      'bcr.backup_encryption': 'no',
      'bcr.backup_offsite': 'no',
      'bcr.restore_test': 'no',
    };
    expect(runV1({ ...BEST_V1, 'bcr.backups': 'none' }).score!).toBeGreaterThan(
      runV1({ ...BEST_V1, 'bcr.backups': 'weekly', 'bcr.backup_protection': 'no', 'bcr.restore_test': 'no' })
        .score!,
    );
    expect(run(none).score!).toBeLessThan(run(weak).score!);
    expect(run(none).rating).toBe('critical');
  });

  it('never pen-tested never scores better than a 30-month-old test with criticals open', () => {
    const never: Answers = { ...BEST, 'tvm.pentest': 'no', 'tvm.pentest#comment': 'planned' };
    const old: Answers = {
      ...BEST,
      'tvm.pentest_date': '2024-06-01',
      'tvm.pentest_findings': 'open_overdue',
      'tvm.pentest_findings#comment': 'two criticals',
    };
    expect(runV1({ ...BEST_V1, 'tvm.pentest': 'no', 'tvm.pentest#comment': 'x' }).score!).toBeGreaterThan(
      runV1({
        ...BEST_V1,
        'tvm.pentest_date': '2024-06-01',
        'tvm.pentest_remediated': 'no',
        'tvm.pentest_remediated#comment': 'x',
      }).score!,
    );
    expect(run(never).score!).toBeLessThan(run(old).score!);
    expect(ids(run(never))).toContain('SB-TVM-03');
    expect(ids(run(old))).toEqual(expect.arrayContaining(['SB-TVM-04', 'SB-TVM-05']));
  });

  it('never exercised plans score below old exercises (continuity and incident response)', () => {
    expect(run({ ...BEST, 'sef.plan_exercised': 'no' }).score!).toBeLessThan(
      run({ ...BEST, 'sef.plan_tested': '2023-01-01' }).score!,
    );
    expect(run({ ...BEST, 'bcr.plan_exercised': 'no' }).score!).toBeLessThan(
      run({ ...BEST, 'bcr.last_test': '2023-01-01' }).score!,
    );
  });
});

describe('security-baseline@2.0.0: the review items that fired against good practice', () => {
  it('B1: yearly training without phishing exercises no longer raises "no awareness training"', () => {
    expect(ids(run({ ...BEST, 'hrs.phishing': 'no' }))).toEqual(['SB-HRS-05']);
  });
  it('B2: fixed findings awaiting the retest raise nothing; overdue ones raise SB-TVM-05', () => {
    expect(ids(run({ ...BEST, 'tvm.pentest_findings': 'retest_pending' }))).toEqual([]);
    expect(ids(run({ ...BEST, 'tvm.pentest_findings': 'none_found' }))).toEqual([]);
  });
  it('B3: a 72-hour notice of a supporting service with personal data is now a finding', () => {
    const ev = run({ ...BEST, 'sef.notification_hours': 72 }, { 'scope.criticality': 'standard' });
    expect(ids(ev)).toEqual(['SB-SEF-04']);
  });
  it('B4: a DPF-only transfer needs no transfer impact assessment', () => {
    const ev = run({ ...BEST, 'scope.data_locations': ['eea', 'us'], 'dsp.transfer_mechanism': ['dpf'] });
    expect(ev.questions['dsp.transfer_tia']!.visible).toBe(false);
    expect(ids(ev)).toEqual([]);
  });
  it('B9(c): default use of our data for AI training is a finding', () => {
    expect(ids(run({ ...BEST, 'dsp.own_purposes': 'yes' }))).toEqual(['SB-DSP-11']);
  });
});
