/**
 * Answer sets for security-baseline (2.0.x and 1.0.0), shared by its golden test of the current version and
 * by the review's before/after table (scripts/content-ratings.ts). The "best answers" response is built from
 * the file: the best-scoring option of every choice, every non-exclusive option of a multi, and the good
 * values below for questions without options (as in security-baseline-2.0.0.test.ts).
 */
import type { Answers, Questionnaire } from '../../../../src/questionnaire/index.js';

export const GOOD_VALUES: Answers = {
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

const EVIDENCE = [
  'aa.attestations',
  'ais.sdlc',
  'bcr.plan',
  'dsp.dpa',
  'dsp.subprocessor_disclosure',
  'grc.security_programme',
  'sef.response_plan',
  'tvm.pentest',
  'sta.supplier_inventory',
  'bcr.last_test',
];

/** The best answer to every question of `questionnaire` (context facts excluded), with evidence where asked. */
export function bestAnswers(questionnaire: Questionnaire, good: Answers = GOOD_VALUES): Answers {
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
  for (const id of EVIDENCE) answers[`${id}#evidence`] = ['ev'];
  return answers;
}

/** Every yes/no/N-A question outside the scope section answered N/A with a throw-away comment. */
export function naEverywhere(questionnaire: Questionnaire, base: Answers): Answers {
  const out: Record<string, Answers[string]> = { ...base };
  for (const x of questionnaire.questions.values())
    if (x.type === 'yes_no_na' && !x.id.startsWith('scope.')) {
      out[x.id] = 'na';
      out[`${x.id}#comment`] = 'n/a';
    }
  return out;
}

/** The review's knock-out case: staff and our users password-only, no incident response plan, no backups. */
export const NO_KEY_CONTROLS: Answers = {
  'iam.staff_mfa': 'password',
  'iam.customer_sign_in': 'password',
  'sef.response_plan': 'no',
  'sef.response_plan#comment': 'Incidents are handled by the on-call engineer.',
  'bcr.backups': 'none',
};

/** The review's weak backups: weekly, not protected, not encrypted, not off-site, never restored. */
export const WEAK_BACKUPS: Answers = {
  'bcr.backups': 'weekly',
  'bcr.backup_protection': 'no',
  'bcr.backup_protection#comment': 'Production administrators can delete backups.',
  'bcr.backup_encryption': 'no',
  'bcr.backup_offsite': 'no',
  'bcr.restore_test': 'no',
  'bcr.restore_test#comment': 'Never restored.',
};
/** The same in 1.0.0, which asked protection (encrypted, separate and immutable) as one question. */
export const WEAK_BACKUPS_V1: Answers = {
  'bcr.backups': 'weekly',
  'bcr.backup_protection': 'no',
  'bcr.backup_protection#comment': 'Production administrators can delete backups.',
  'bcr.restore_test': 'no',
  'bcr.restore_test#comment': 'Never restored.',
};

export const NEVER_PENTESTED: Answers = {
  'tvm.pentest': 'no',
  'tvm.pentest#comment': 'Planned for next year.',
};
/** A pen test 30 months old (2024-06-01) with critical findings open past their deadline. */
export const OLD_PENTEST: Answers = {
  'tvm.pentest_date': '2024-06-01',
  'tvm.pentest_findings': 'open_overdue',
  'tvm.pentest_findings#comment': 'Two criticals are open.',
};
/** The same in 1.0.0: "fixed and confirmed by a retest" answered no. */
export const OLD_PENTEST_V1: Answers = {
  'tvm.pentest_date': '2024-06-01',
  'tvm.pentest_remediated': 'no',
  'tvm.pentest_remediated#comment': 'Two criticals are open.',
};
