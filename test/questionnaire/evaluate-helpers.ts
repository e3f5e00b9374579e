import { readFileSync } from 'node:fs';
import { compileQuestionnaire } from '../../src/questionnaire/index.js';
import type { Questionnaire } from '../../src/questionnaire/types.js';

/** Compiles YAML that must be valid; fails the test with the problems otherwise. */
export function compileOk(source: string): Questionnaire {
  const { questionnaire, problems } = compileQuestionnaire(source);
  const errors = problems.filter((p) => p.severity === 'error');
  if (!questionnaire || errors.length > 0) {
    throw new Error(
      `expected a valid questionnaire:\n${errors.map((p) => `${p.line}:${p.column} ${p.code} ${p.message}`).join('\n')}`,
    );
  }
  return questionnaire;
}

export function baseline(): Questionnaire {
  return compileOk(readFileSync(new URL('./fixtures/vendor-baseline.yaml', import.meta.url), 'utf8'));
}

/** The sample response of the reference (questionnaire-format.md §4.6), evaluated on 2025-06-20. */
export const SAMPLE_TODAY = '2025-06-20';
export const SAMPLE_ANSWERS = Object.freeze({
  'scope.service_type': 'saas',
  'scope.data_types': ['personal', 'financial'],
  'scope.criticality': 'critical',
  'gov.isms': 'yes',
  'gov.certification': ['iso27001'],
  'gov.cert_expiry': '2025-07-31',
  'sup.subprocessors': 'yes',
  'sup.flowdown': 'no',
  'ops.mfa': 'mfa',
  'ops.pentest_date': '2024-03-01',
  'ops.rto_hours': 8,
  'ops.incident_notice_hours': 96,
});

/**
 * A small questionnaire for policy tests: one section `s` (weight 2) with questions whose scores
 * are easy to compute by hand. `scoring` is spliced in verbatim.
 */
export function policyQuestionnaire(scoring: string, extra = ''): Questionnaire {
  return compileOk(`schema: vrq/1
id: policy
version: 1.0.0
status: draft
default_locale: en
title: Policy
scoring:
${scoring}
sections:
  - id: s
    title: S
    weight: 2
    questions:
      - { id: s.a, type: yes_no_na, text: A, weight: 1, scores: { yes: 1, no: 0.25 } }
      - { id: s.b, type: yes_no_na, text: B, weight: 3, scores: { yes: 1, no: 0 } }
${extra}`);
}
