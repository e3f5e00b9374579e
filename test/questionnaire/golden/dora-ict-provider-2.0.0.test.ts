// Golden tests for the shipped questionnaire questionnaires/dora-ict-provider.yaml (2.0.0, vrq/1.1): every
// expected number below is computed by hand from the file (weights, scores, likelihood × impact, due days,
// the rating rule), not read back from the engine. The "before" figures are computed the same way from the
// 1.0.0 fixture (test/questionnaire/fixtures/shipped-1.0.0/), for the before/after table in
// docs/content-review/dora-ict-provider.md; the content review's measured scenarios are named after it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type Answers,
  checkCompatibility,
  compileQuestionnaire,
  evaluate,
  type Text,
} from '../../../src/questionnaire/index.js';
import { compileThresholdTable } from '../../../src/questionnaire/thresholds.js';
import { BEST } from './answers/dora-ict-provider.js';
import { findingsOf, issuesOf, sectionScores, visibleIds } from './support.js';

const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
const FILE = 'test/questionnaire/fixtures/shipped-2.0.0/dora-ict-provider.yaml';
const SOURCE = read(FILE);
const compiled = compileQuestionnaire(SOURCE, { file: FILE });
const q = compiled.questionnaire!;
const V1_FILE = 'test/questionnaire/fixtures/shipped-1.0.0/dora-ict-provider.yaml';
const v1 = compileQuestionnaire(read(V1_FILE), { file: V1_FILE }).questionnaire!;
const TODAY = '2026-12-02';
// Due dates from TODAY: +30 2027-01-01, +60 2027-01-31, +90 2027-03-02, +120 2027-04-01, +180 2027-05-31,
// +365 2027-12-02.

const CRITICAL = { context: { 'scope.function': 'critical' } };
const OTHER = { context: { 'scope.function': 'other' } };

const CIF_QUESTIONS = [
  'cif.sla_targets',
  'cif.reporting',
  'cif.contingency',
  'cif.security_measures',
  'cif.contingency_tested',
  'cif.contingency_test',
  'cif.rto_hours',
  'cif.rpo_hours',
  'cif.tlpt',
  'cif.audit_access',
  'cif.audit_alternative',
  'cif.audit_onsite',
  'cif.audit_scope',
  'cif.exit_plan',
  'cif.transition_months',
  'cif.exit_test',
];

/*
 * The best answer to every question of 2.0.0, for a managed service with subcontractors (scope.function is
 * the requester's: CRITICAL). Effective weights, w = question × section (ISO certificate only, so
 * gov.report_end is hidden and not counted):
 *   gov  ×2: standards 3 + risk framework 3 + financials 1 + conflicts 1 = 8                    → 16
 *   ctr  ×3: written 2 + description 2 + subcontracting terms 2 + location notice 2 + data security 3
 *            + data return 3 + service levels 2 + incident assistance 3 + authorities 3 + termination 3
 *            + provider notice 2 + training 1 = 28                                              → 84
 *   sub  ×2: due diligence 2 + flowdown 3 + chain 2 + changes 2 + objection 2 = 11              → 22
 *   conc ×1: portability 3 + insolvency 2 = 5                                                   → 5
 *   ops  ×3: incident 3 + availability 2 + continuity 3 + backup 2 + restore test 1 + admin MFA 3
 *            + pen test 1 + pen test date 2 = 17                                                → 51
 *   cif  ×3: SLA targets 3 + reporting 2 + contingency 3 + security measures 2 + plan tested 1
 *            + plan test date 2 + RTO 2 + RPO 2 + TLPT 2 + audit access 3 + alternative assurance 1
 *            + on-site cooperation 2 + audit scope 1 + exit plan 3 + transition 2 + exit test 1 = 32 → 96
 *   Σw = 274, every answer scores 1: 100.
 */

/*
 * The same vendor in 1.0.0 terms: the vendor chose the function itself, audit rights were one choice, and
 * the questions 2.0.0 added did not exist. Effective weights: gov 16, ctr 26·3 = 78, sub 7·2 = 14, conc 5,
 * ops 15·3 = 45, cif 24·3 = 72; Σw = 230, every answer scores 1: 100.
 */
const BEST_V1: Answers = {
  ...Object.fromEntries(Object.entries(BEST).filter(([k]) => v1.questions.has(k.split('#')[0]!))),
  'scope.function': 'critical',
  'cif.audit_rights': 'unrestricted',
};

describe('dora-ict-provider: the file', () => {
  it('compiles without a single error or warning, as version 2.0.0 of vrq/1.1', () => {
    expect(compiled.problems).toEqual([]);
    expect(q.ref).toBe('dora-ict-provider@2.0.0');
    expect(q.status).toBe('published');
    expect(q.locales).toEqual(['en', 'de']);
    expect(q.changelog.map((c) => c.version)).toEqual(['1.0.0', '2.0.0']);
    expect(v1.ref).toBe('dora-ict-provider@1.0.0');
  });

  it('has 65 questions in 8 sections and 57 findings, 7 of them automatic N/A claims', () => {
    expect(q.questions.size).toBe(65);
    expect(Object.fromEntries(q.sections.map((s) => [s.id, s.questions.length]))).toEqual({
      scope: 8,
      gov: 6,
      ctr: 14,
      sub: 8,
      conc: 3,
      ops: 8,
      cif: 16,
      fin: 2,
    });
    const declared = [...q.findings.values()].filter((f) => f.origin === 'file');
    expect(declared).toHaveLength(50);
    expect(
      [...q.findings.values()]
        .filter((f) => f.origin === 'na-claim')
        .map((f) => f.id)
        .sort(),
    ).toEqual([
      'NA-gov_risk_framework',
      'NA-ops_continuity',
      'NA-ops_pentest',
      'NA-sub_changes',
      'NA-sub_due_diligence',
      'NA-sub_flowdown',
      'NA-sub_objection',
    ]);
    // Every finding id of 1.0.0 is still raised by 2.0.0 for the same risk: the register tracks them by id.
    for (const id of v1.findings.keys()) expect(q.findings.has(id), id).toBe(true);
  });

  it('forbids N/A on every Art. 30 contract term and on both scope switches, and asks a reason elsewhere', () => {
    const yesNo = [...q.questions.values()].filter((x) => x.type === 'yes_no_na');
    const forbidden = yesNo.filter((x) => x.na === 'forbidden').map((x) => x.id);
    expect(forbidden).toEqual([
      'scope.subcontracting',
      'ctr.written',
      'ctr.description',
      'ctr.subcontracting_terms',
      'ctr.location_notice',
      'ctr.data_security',
      'ctr.service_levels',
      'ctr.authorities',
      'ctr.termination',
      'ctr.training',
      'sub.third_country',
      'cif.sla_targets',
      'cif.reporting',
      'cif.contingency',
      'cif.security_measures',
      'cif.contingency_tested',
      'cif.tlpt',
      'cif.audit_access',
      'cif.audit_alternative',
      'cif.audit_onsite',
      'cif.audit_scope',
      'cif.exit_plan',
      'cif.exit_test',
    ]);
    // Each yes/no question mapped to an Art. 30(1), (2) or (3) term is among them but four: the subcontracting
    // conditions of 30(2)(a) bind only subcontracting that supports a critical or important function, so N/A
    // there takes a reason and raises a must-have claim; conc.insolvency asks for arrangements beyond the
    // 30(2)(d) term (ctr.data_return).
    const terms = yesNo.filter((x) => x.controls.some((c) => /^dora:30\.[123]/.test(c)));
    expect(terms.filter((x) => x.na !== 'forbidden').map((x) => x.id)).toEqual([
      'sub.flowdown',
      'sub.changes',
      'sub.objection',
      'conc.insolvency',
    ]);
    expect(q.scoring.na).toBe('justify');
    expect(yesNo.filter((x) => x.na !== 'forbidden').every((x) => x.na === 'justify')).toBe(true);
    expect(yesNo.filter((x) => x.mustHave).map((x) => x.id)).toEqual([
      'gov.risk_framework',
      'sub.due_diligence',
      'sub.flowdown',
      'sub.changes',
      'sub.objection',
      'ops.continuity',
      'ops.pentest',
    ]);
  });

  it('makes the function classification a context fact, the only one, so the vendor cannot hide Art. 30(3)', () => {
    expect(q.contextFacts.map((x) => x.id)).toEqual(['scope.function']);
    const cif = q.sections.find((s) => s.id === 'cif')!;
    expect(cif.visibleIf!.source).toBe('critical_function');
    expect(q.computed.get('critical_function')!.source).toBe("not (scope.function == 'other')");
    expect(cif.questions.map((x) => x.id)).toEqual(CIF_QUESTIONS);
    for (const x of cif.questions)
      expect(
        x.controls.some((c) => c.startsWith('dora:30.3.')),
        x.id,
      ).toBe(true);
  });

  it('rates on the worse of the band and the findings, with the four knock-out controls of the review', () => {
    expect(q.rating).toEqual({
      order: ['low', 'medium', 'high', 'critical'],
      floors: [
        { finding: 'critical', rating: 'high' },
        { finding: 'high', rating: 'medium' },
      ],
      knockout: 'critical',
    });
    const knockouts = [...q.findings.values()].filter((f) => f.knockout);
    expect(knockouts.map((f) => [f.id, f.questionId])).toEqual([
      ['DORA-OPS-01', 'ops.incident_hours'], // late incident notice
      ['DORA-OPS-02', 'ops.continuity'], // no BCP/DR
      ['DORA-OPS-05', 'ops.backup'], // no backups
      ['DORA-OPS-06', 'ops.backup'], // restores never tested
      ['DORA-OPS-07', 'ops.restore_test'], // no restore test within restore_test_days
      ['DORA-OPS-03', 'ops.admin_mfa'], // no admin MFA
    ]);
  });

  it('takes every threshold from eu-supplier@1.0.0, with the same values', () => {
    const { table } = compileThresholdTable(read('questionnaires/thresholds/eu-supplier.yaml'));
    expect(q.thresholds.table).toBe('eu-supplier@1.0.0');
    expect(table!.ref).toBe('eu-supplier@1.0.0');
    expect(Object.fromEntries(q.thresholds.values)).toEqual({
      incident_notice_hours: 24,
      rto_critical_hours: 24,
      rpo_critical_hours: 24,
      restore_test_days: 365,
      report_age_days: 365,
      pentest_age_days: 365,
      exercise_age_days: 365,
      availability_min_percent: 99,
      availability_critical_percent: 99.5,
    });
    for (const [name, value] of q.thresholds.values) expect(table!.values.get(name)?.value, name).toBe(value);
    // The day-valued limits are the table's month-valued ones, written in days.
    expect(table!.values.get('restore_test_months')!.value).toBe(12);
    expect(table!.values.get('report_age_months')!.value).toBe(12);
  });

  it('maps only to ids the reference knows, with the review corrections (D6, D7)', () => {
    const used = new Set([
      ...[...q.questions.values()].flatMap((x) => x.controls),
      ...[...q.findings.values()].flatMap((f) => f.controls),
    ]);
    for (const point of 'abcdefghi') expect(used).toContain(`dora:30.2.${point}`);
    for (const point of ['a', 'b', 'c', 'd', 'e.i', 'e.ii', 'e.iii', 'e.iv', 'f'])
      expect(used).toContain(`dora:30.3.${point}`);
    const known = new Set([
      ...'abcdefghi'.split('').map((p) => `dora:30.2.${p}`),
      ...['a', 'b', 'c', 'd', 'e.i', 'e.ii', 'e.iii', 'e.iv', 'f'].map((p) => `dora:30.3.${p}`),
      ...[
        '19.1',
        '28.3',
        '28.4.d',
        '28.4.e',
        '28.5',
        '28.6',
        '28.7',
        '28.8',
        '29.1',
        '29.2',
        '30.1',
        '31.1.a',
      ].map((c) => `dora:${c}`),
      ...[
        'A.5.1',
        'A.5.20',
        'A.5.21',
        'A.5.22',
        'A.5.26',
        'A.5.29',
        'A.5.30',
        'A.5.35',
        'A.8.5',
        'A.8.8',
        'A.8.13',
      ].map((c) => `iso27001:${c}`),
      ...[
        'A&A-02.1',
        'BCR-02.1',
        'BCR-04.1',
        'BCR-06.1',
        'BCR-08.1',
        'BCR-09.1',
        'GRC-02.1',
        'IAM-14.1',
        'IPY-03.1',
        'IPY-04.1',
        'SEF-07.1',
        'STA-07.1',
        'STA-08.1',
        'STA-09.1',
        'STA-12.1',
        'TVM-06.1',
      ].map((c) => `caiq:${c}`),
    ]);
    expect([...used].filter((c) => !known.has(c))).toEqual([]);
    const controls = (id: string) => q.questions.get(id)!.controls;
    // D6: incident notice serves the entity's Art. 19 reporting and is a 30(3)(b) term, not 30(2)(f).
    expect(controls('ops.incident_hours')).toEqual(expect.arrayContaining(['dora:30.3.b', 'dora:19.1']));
    expect(controls('ops.incident_hours')).not.toContain('dora:30.2.f');
    // D7: continuity is BCR-04.1/BCR-09.1, not equipment redundancy; STA-09.1 and STA-12.1 the right way round.
    expect(controls('ops.continuity')).toEqual(expect.arrayContaining(['caiq:BCR-04.1', 'caiq:BCR-09.1']));
    expect([...used]).not.toContain('caiq:BCR-11.1');
    expect([...used]).not.toContain('caiq:GRC-01.1');
    expect(controls('ctr.service_levels')).toContain('caiq:STA-09.1');
    expect(controls('cif.sla_targets')).toContain('caiq:STA-09.1');
    expect(controls('sub.flowdown')).toContain('caiq:STA-12.1');
    for (const id of ['ctr.service_levels', 'cif.sla_targets'])
      expect(controls(id)).not.toContain('caiq:STA-12.1');
    expect(controls('sub.flowdown')).not.toContain('caiq:STA-09.1');
    expect(controls('gov.risk_framework')).toContain('caiq:GRC-02.1');
  });

  it('has English and German for every text, in the compiled questionnaire and in the YAML itself', () => {
    const texts: Array<[string, Text | null | undefined]> = [
      ['title', q.title],
      ['description', q.description],
      ...[...q.frameworks.values()].map((f): [string, Text] => [`framework ${f.key}`, f.title]),
      ...q.scoring.bands.map((b): [string, Text | null] => [`band ${b.rating}`, b.label]),
      ...Object.entries(q.risk!.likelihood).map(([k, t]): [string, Text] => [`likelihood ${k}`, t]),
      ...Object.entries(q.risk!.impact).map(([k, t]): [string, Text] => [`impact ${k}`, t]),
      ...q.risk!.rating.map((b): [string, Text | null] => [`rating ${b.rating}`, b.label]),
      ...q.changelog.map((c): [string, Text] => [`changelog ${c.version}`, c.note]),
    ];
    for (const s of q.sections) {
      texts.push([`${s.id} title`, s.title]);
      if (s.description) texts.push([`${s.id} description`, s.description]);
      for (const x of s.questions) {
        texts.push([`${x.id} text`, x.text]);
        if (x.help) texts.push([`${x.id} help`, x.help]);
        if (x.unit) texts.push([`${x.id} unit`, x.unit]);
        if (x.comment) texts.push([`${x.id} comment label`, x.comment.label]);
        for (const o of x.options ?? []) texts.push([`${x.id} option ${o.value}`, o.label]);
        for (const [i, v] of x.validate.entries()) texts.push([`${x.id} validate[${i}]`, v.message]);
        for (const f of x.findings) {
          texts.push([`${f.id} title`, f.title]);
          texts.push([`${f.id} remediation`, f.remediation]);
        }
      }
    }
    const incomplete = texts.filter(([, t]) => !t?.en?.trim() || !t.de?.trim()).map(([where]) => where);
    expect(incomplete).toEqual([]);
    expect(texts.length).toBeGreaterThan(280);
    // A German text that equals the English one is an untranslated copy.
    const sentences = texts.filter(([where]) =>
      / (text|remediation|help|title|label|description)$/.test(where),
    );
    expect(
      sentences
        .filter(([, t]) => t!.en === t!.de)
        .map(([where]) => where)
        .filter((where) => where !== 'framework caiq'),
    ).toEqual([]);

    // Whatever the engine keeps, the file itself must not hold an English-only text anywhere.
    const englishOnly: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        for (const [i, v] of node.entries()) walk(v, `${path}[${i}]`);
      } else if (node !== null && typeof node === 'object') {
        const map = node as Record<string, unknown>;
        if ('en' in map && !(typeof map.de === 'string' && map.de.trim() !== '')) englishOnly.push(path);
        for (const [k, v] of Object.entries(map)) walk(v, `${path}.${k}`);
      }
    };
    walk(parse(SOURCE), '');
    expect(englishOnly).toEqual([]);
  });

  it('is a major version: compatible in types with 1.0.0, but it invalidates or ignores some stored answers', () => {
    const problems = checkCompatibility(v1, q);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const about = (code: string) =>
      problems
        .filter((p) => p.code === code)
        .map((p) => /^(\S+)/.exec(p.message.replace(/^Question /, ''))![1]!)
        .sort();
    expect(about('became-context')).toEqual(['scope.function']);
    expect(about('question-removed')).toEqual(['cif.audit_rights']);
    expect(about('option-removed')).toEqual(
      [
        'scope.subcontracting',
        'ctr.written',
        'ctr.description',
        'ctr.location_notice',
        'ctr.data_security',
        'ctr.service_levels',
        'ctr.authorities',
        'ctr.termination',
        'ctr.training',
        'sub.third_country',
        'cif.sla_targets',
        'cif.reporting',
        'cif.contingency',
        'cif.tlpt',
        'cif.audit_scope',
        'cif.exit_plan',
        'cif.exit_test',
      ].sort(),
    );
    expect(problems).toHaveLength(19);
  });
});

describe('dora-ict-provider: the function classification is ours, not the vendor’s', () => {
  it('shows Art. 30(3) while we have not classified the function, whatever the vendor answers', () => {
    const ev = evaluate(q, { ...BEST, 'scope.function': 'other' }, TODAY);
    for (const id of CIF_QUESTIONS)
      expect(ev.questions[id], id).toMatchObject({ visible: true, required: true });
    expect(ev.score).toBe(100);
    expect(ev.questions['scope.function']).toMatchObject({ visible: true, answered: false });
    expect(ev.canSubmit).toBe(true);
  });

  it('ignores the vendor’s own answer when we classified the function as critical', () => {
    const ev = evaluate(q, { ...BEST, 'scope.function': 'other' }, TODAY, CRITICAL);
    expect(ev.sections.find((s) => s.id === 'cif')!.visible).toBe(true);
    expect(ev.questions['scope.function']).toMatchObject({ visible: true, answered: true });
    expect(ev.score).toBe(100);
  });

  it('hides Art. 30(3) when we classified the function as other, and never counts its stored answers', () => {
    // Stored answers from a draft: a failed exit plan must not zero the hidden transition period.
    const ev = evaluate(q, { ...BEST, 'cif.exit_plan': 'no', 'cif.contingency_tested': 'no' }, TODAY, OTHER);
    for (const id of CIF_QUESTIONS)
      expect(ev.questions[id], id).toMatchObject({ visible: false, required: false, score: null, weight: 0 });
    // gov 16 + ctr 84 + sub 22 + conc 5 + ops 51 = 178, all answered best: 100.
    expect(ev.score).toBe(100);
    expect(ev.findings).toEqual([]);
    // Financial statements are owed with the answer only for a critical or important function.
    expect(ev.questions['gov.financials']!.evidenceRequired).toBe(false);
  });
});

describe('dora-ict-provider: the vendor with every best answer', () => {
  it('scores 100, rated low, with no finding, and can submit', () => {
    const ev = evaluate(q, BEST, TODAY, CRITICAL);
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([100, 'low', 'low', []]);
    expect(ev.findings).toEqual([]);
    expect(ev.issues).toEqual([]);
    // Every question is shown but the EUID (an LEI was given), the C5/SOC 2 report date (ISO only) and the
    // third-country follow-up (none).
    expect(visibleIds(ev)).toHaveLength(62);
    const v1ev = evaluate(v1, BEST_V1, TODAY);
    expect([v1ev.score, v1ev.band, v1ev.findings.length, v1ev.canSubmit]).toEqual([100, 'low', 0, true]);
  });
});

/*
 * The content review's first measured DORA scenario: critical function, best answers except no admin MFA, no
 * BCP/DR, untested backups and incident notice after 72 h.
 */
describe('dora-ict-provider: review scenario 1, no admin MFA, no BCP/DR, untested backups, 72 h notice', () => {
  const answers: Answers = {
    ...BEST,
    'ops.admin_mfa': 'password',
    'ops.continuity': 'no',
    'ops.continuity#comment': 'We would rebuild the platform from our images.',
    'ops.backup': 'untested',
    'ops.incident_hours': 72,
  };

  it('before (1.0.0): 86.2, band low, three findings and nothing above the band', () => {
    const ev = evaluate(v1, { ...BEST_V1, ...answers, 'scope.function': 'critical' }, TODAY);
    // Lost, of Σw 230: admin MFA 3·3 = 9, continuity 3·3 = 9, backup(untested 0.2) 2·3·0.8 = 4.8,
    // incident(72 h) 3·3 = 9 → 31.8. (230 − 31.8) / 230 = 198.2 / 230 = 86.17 % → 86.2.
    expect([ev.score, ev.band, ev.rating]).toEqual([86.2, 'low', 'low']);
    expect(findingsOf(ev)).toEqual({
      'DORA-OPS-01': [3, 5, true, 15, 'critical', '2027-01-31'],
      'DORA-OPS-02': [3, 5, true, 15, 'critical', '2027-04-01'],
      'DORA-OPS-03': [4, 5, true, 20, 'critical', '2027-01-01'],
    });
  });

  const ev = evaluate(q, answers, TODAY, CRITICAL);

  it('after: 87.3, band low, but rated critical by four knock-outs', () => {
    // Lost, of Σw 274: admin MFA 3·3 = 9, continuity 3·3 = 9, backup(untested 0.2) 2·3·0.8 = 4.8, the restore
    // test hidden by untested backups and counted as failed (hidden_zero_if) 1·3 = 3, incident(72 h) 3·3 = 9
    // → 34.8. (274 − 34.8) / 274 = 239.2 / 274 = 87.30 % → 87.3, band low (≥ 85).
    // Rating: DORA-OPS-01, -02, -06 and -03 are knock-outs, so at least `critical`.
    expect([ev.score, ev.band, ev.rating]).toEqual([87.3, 'low', 'critical']);
    expect(ev.ratingDrivers).toEqual(['DORA-OPS-01', 'DORA-OPS-02', 'DORA-OPS-06', 'DORA-OPS-03']);
    // ops: 51 − 34.8 = 16.2 of 51 → 31.76 % → 31.8.
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 100,
      ctr: 100,
      sub: 100,
      conc: 100,
      ops: 31.8,
      cif: 100,
      fin: null,
    });
    expect(ev.questions['ops.restore_test']).toMatchObject({ visible: false, score: 0, weight: 3 });
  });

  it('after: raises the four findings, each escalated for the critical function', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-OPS-01': [3, 5, true, 15, 'critical', '2027-01-31'], // 72 > incident_notice_hours 24
      'DORA-OPS-02': [3, 5, true, 15, 'critical', '2027-04-01'],
      'DORA-OPS-06': [3, 5, true, 15, 'critical', '2027-01-31'], // new in 2.0.0: untested backups
      'DORA-OPS-03': [4, 5, true, 20, 'critical', '2027-01-01'],
    });
    expect(ev.canSubmit).toBe(true);
  });

  it('after: no backups at all is a knock-out too, and never scores above untested backups', () => {
    const none = evaluate(q, { ...answers, 'ops.backup': 'none' }, TODAY, CRITICAL);
    // backup(none) 2·3 = 6 lost instead of 4.8: 34.8 + 1.2 = 36 → 238 / 274 = 86.86 % → 86.9.
    expect([none.score, none.rating]).toEqual([86.9, 'critical']);
    expect(findingsOf(none)['DORA-OPS-05']).toEqual([4, 5, false, 20, 'critical', '2027-01-01']);
    expect(findingsOf(none)['DORA-OPS-06']).toBeUndefined();
    expect(none.score!).toBeLessThan(ev.score!);
  });
});

/*
 * The review's second measured scenario: critical function; the contract lacks Art. 30(2)(a), (e), (i) and
 * 30(3)(e)(iv); RTO 720 h; 90 % availability; "alternative assurance" instead of audit rights. In 1.0.0 terms
 * 30(2)(a) was ctr.description and the audit rights the 'alternative' option; in 2.0.0, 30(2)(a) is both
 * ctr.description and ctr.subcontracting_terms, and alternative assurance instead of audit rights means (i)
 * missing, with (ii) agreed and (iii) in place.
 */
describe('dora-ict-provider: review scenario 2, a contract without four mandatory terms', () => {
  const common: Answers = {
    'ctr.description': 'no',
    'ctr.service_levels': 'no',
    'ctr.training': 'no',
    'cif.audit_scope': 'no',
    'cif.rto_hours': 720,
    'ops.availability': 90,
  };

  it('before (1.0.0): 85.4, band low, no finding at all', () => {
    const ev = evaluate(
      v1,
      {
        ...BEST_V1,
        ...common,
        'cif.audit_rights': 'alternative',
        'cif.audit_rights#comment': 'Pooled audits twice a year and our ISO certificate.',
      },
      TODAY,
    );
    // Lost, of Σw 230: description 2·3 = 6, service levels 2·3 = 6, training 1·3 = 3, audit scope 1·3 = 3,
    // RTO(720 h) 2·3 = 6, availability(90 %) 2·3 = 6, audit rights(alternative 0.6) 3·3·0.4 = 3.6 → 33.6.
    // 196.4 / 230 = 85.39 % → 85.4. (The review measured 84.1 on an answer set it did not publish: 3.0 more
    // lost somewhere; either way, not a single finding.)
    expect([ev.score, ev.band, ev.rating]).toEqual([85.4, 'low', 'low']);
    expect(ev.findings).toEqual([]);
  });

  const ev = evaluate(
    q,
    {
      ...BEST,
      ...common,
      'ctr.subcontracting_terms': 'no',
      'cif.audit_access': 'no',
      'cif.audit_access#comment': 'We offer pooled audits and our ISO certificate instead.',
    },
    TODAY,
    CRITICAL,
  );

  it('after: 83.6, band medium, rated high by the missing audit rights', () => {
    // Lost, of Σw 274: ctr description 2·3 + subcontracting terms 2·3 + service levels 2·3 + training 1·3 = 21;
    // ops availability(90 %) 2·3 = 6; cif RTO(720 h) 2·3 + audit access 3·3 + audit scope 1·3 = 18 → 45.
    // (274 − 45) / 274 = 229 / 274 = 83.58 % → 83.6, band medium (65 ≤ 83.6 < 85).
    // Rating: DORA-CIF-06 is critical (3×5 = 15) → at least high; the high findings force only medium.
    expect([ev.score, ev.band, ev.rating]).toEqual([83.6, 'medium', 'high']);
    expect(ev.ratingDrivers).toEqual(['DORA-CIF-06']);
    // ctr 63/84 = 75 %; ops 45/51 = 88.24 % → 88.2; cif 78/96 = 81.25 % → 81.3.
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 100,
      ctr: 75,
      sub: 100,
      conc: 100,
      ops: 88.2,
      cif: 81.3,
      fin: null,
    });
  });

  it('after: raises a finding for each missing term and target', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-CTR-10': [3, 4, true, 12, 'high', '2027-03-02'], // 30(2)(a) description
      'DORA-CTR-11': [3, 4, true, 12, 'high', '2027-03-02'], // 30(2)(a) subcontracting conditions
      'DORA-CTR-12': [3, 4, true, 12, 'high', '2027-03-02'], // 30(2)(e)
      'DORA-CTR-13': [3, 4, true, 12, 'high', '2027-03-02'], // 30(2)(i)
      'DORA-OPS-09': [3, 4, true, 12, 'high', '2027-03-02'], // 90 < availability_critical_percent 99.5
      'DORA-CIF-11': [3, 4, false, 12, 'high', '2027-03-02'], // 720 > rto_critical_hours 24
      'DORA-CIF-06': [3, 5, false, 15, 'critical', '2027-01-31'], // 30(3)(e)(i)
      'DORA-CIF-15': [3, 4, false, 12, 'high', '2027-03-02'], // 30(3)(e)(iv)
    });
    expect(ev.findings.find((f) => f.id === 'DORA-CIF-06')!.controls).toEqual([
      'dora:30.3.e.i',
      'dora:28.6',
      'caiq:STA-09.1',
    ]);
    expect(ev.canSubmit).toBe(true);
  });

  it('after: an alternative assurance does not replace the audit rights; without it, a finding of its own', () => {
    const noAlternative = evaluate(
      q,
      { ...BEST, 'cif.audit_alternative': 'no', 'cif.audit_onsite': 'no' },
      TODAY,
      CRITICAL,
    );
    // Lost: alternative 1·3 = 3 + on-site 2·3 = 6 → 265 / 274 = 96.72 % → 96.7; the high CIF-14 → medium.
    expect([noAlternative.score, noAlternative.band, noAlternative.rating]).toEqual([96.7, 'low', 'medium']);
    expect(findingsOf(noAlternative)).toEqual({
      'DORA-CIF-13': [2, 3, false, 6, 'medium', '2027-03-02'],
      'DORA-CIF-14': [3, 4, false, 12, 'high', '2027-03-02'],
    });
    expect(noAlternative.ratingDrivers).toEqual(['DORA-CIF-14']);
  });
});

/* The review's third measured scenario: scope.subcontracting = na, which hid the subcontracting section. */
describe('dora-ict-provider: review scenario 3, N/A to the subcontracting switch', () => {
  const noSub = Object.fromEntries(Object.entries(BEST).filter(([k]) => !k.startsWith('sub.')));
  const answers: Answers = { ...noSub, 'scope.subcontracting': 'na' };

  it('before (1.0.0): 100, band low, no finding, the section hidden and the response submittable', () => {
    const ev = evaluate(
      v1,
      { ...Object.fromEntries(Object.entries(BEST_V1).filter(([k]) => !k.startsWith('sub.'))), ...answers },
      TODAY,
    );
    expect([ev.score, ev.band, ev.rating, ev.findings.length, ev.canSubmit]).toEqual([
      100,
      'low',
      'low',
      0,
      true,
    ]);
    expect(ev.sections.find((s) => s.id === 'sub')!.visible).toBe(false);
  });

  const ev = evaluate(q, answers, TODAY, CRITICAL);

  it('after: N/A is refused, the section stays shown and required, and the response cannot be submitted', () => {
    expect(ev.sections.find((s) => s.id === 'sub')).toMatchObject({ visible: true, requiredOpen: 7 });
    expect(issuesOf(ev)).toEqual([
      'scope.subcontracting invalid',
      'sub.chain required',
      'sub.changes required',
      'sub.due_diligence required',
      'sub.flowdown required',
      'sub.list required',
      'sub.objection required',
      'sub.third_country required',
    ]);
    expect(ev.canSubmit).toBe(false);
  });

  it('after: the unanswered subcontracting questions count as 0: 92.0, band low, no finding', () => {
    // sub 22 of 274 at 0: 252 / 274 = 91.97 % → 92.0.
    expect([ev.score, ev.band, ev.rating]).toEqual([92, 'low', 'low']);
    expect(sectionScores(ev).sub).toBe(0);
    expect(ev.findings).toEqual([]);
  });

  it('after: a plain "no" hides the section, as it should', () => {
    const no = evaluate(q, { ...noSub, 'scope.subcontracting': 'no' }, TODAY, CRITICAL);
    expect(no.sections.find((s) => s.id === 'sub')!.visible).toBe(false);
    expect([no.score, no.canSubmit]).toEqual([100, true]);
  });
});

/*
 * A good vendor: critical function, ISO certificate and a C5 attestation, small gaps (MFA that is not
 * phishing-resistant, backups not immutable, a two-level chain, portability with effort, RTO 8 h, RPO 4 h,
 * data return on normal termination only).
 */
describe('dora-ict-provider: a good vendor', () => {
  const GOOD: Answers = {
    ...BEST,
    'gov.standards': ['iso27001', 'c5'],
    'gov.standards#evidence': ['ev-iso', 'ev-c5'],
    'gov.report_end': '2026-09-30', // 63 days ago
    'ctr.data_return': 'termination_only',
    'ctr.provider_notice_days': 180,
    'ctr.incident_assistance': 'pre_agreed',
    'sub.chain': 'two_levels',
    'conc.portability': 'effort',
    'ops.incident_hours': 4,
    'ops.availability': 99.9,
    'ops.backup': 'tested',
    'ops.admin_mfa': 'mfa',
    'cif.rto_hours': 8,
    'cif.rpo_hours': 4,
  };
  const ev = evaluate(q, GOOD, TODAY, CRITICAL);

  it('before (1.0.0): 93.4, band low, the same medium finding', () => {
    const before = evaluate(v1, { ...BEST_V1, ...GOOD, 'scope.function': 'critical' }, TODAY);
    //   gov 16 of 16; ctr 26 − data return 3·0.5 = 24.5 → 73.5 of 78; sub flowdown 3 + chain 2·0.6 + changes 2
    //   = 6.2 → 12.4 of 14; conc 3.5 of 5; ops 15 − backup 2·0.3 − admin MFA 3·0.3 = 13.5 → 40.5 of 45;
    //   cif 24 − RTO(8 h) 2·0.5 = 23 → 69 of 72. Σw·s = 214.9, Σw = 230 → 93.43 % → 93.4.
    expect([before.score, before.band, before.rating]).toEqual([93.4, 'low', 'low']);
    expect(findingsOf(before)).toEqual({ 'DORA-CTR-05': [2, 4, false, 8, 'medium', '2027-04-01'] });
  });

  it('scores 93.4, rated low: a medium finding does not move the rating', () => {
    //   gov  ×2: standards 3 + report end(63 d ≤ 365) 1 + risk framework 3 + financials 1 + conflicts 1
    //            = 9 → 18 of 18
    //   ctr  ×3: 28 − data return(termination only) 3·0.5 = 26.5 → 79.5 of 84
    //   sub  ×2: 11 − chain(two levels 0.6) 2·0.4 = 10.2 → 20.4 of 22
    //   conc ×1: 5 − portability(effort) 3·0.5 = 3.5 → 3.5 of 5
    //   ops  ×3: 17 − backup(tested 0.7) 2·0.3 − admin MFA(mfa 0.7) 3·0.3 = 15.5 → 46.5 of 51
    //   cif  ×3: 32 − RTO(8 h: 0.5) 2·0.5 − RPO(4 h: 0.5) 2·0.5 = 30 → 90 of 96
    //   Σw·s = 257.9, Σw = 276 → 93.44 % → 93.4.
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([93.4, 'low', 'low', []]);
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 100,
      ctr: 94.6,
      sub: 92.7,
      conc: 70,
      ops: 91.2,
      cif: 93.8,
      fin: null,
    });
    expect(findingsOf(ev)).toEqual({ 'DORA-CTR-05': [2, 4, false, 8, 'medium', '2027-04-01'] });
    expect(ev.canSubmit).toBe(true);
  });

  it('a high finding alone caps the rating at medium (an RTO of 48 h)', () => {
    const slow = evaluate(q, { ...GOOD, 'cif.rto_hours': 48 }, TODAY, CRITICAL);
    // RTO 48 h scores 0: 3 more lost → 254.9 / 276 = 92.36 % → 92.4, band low; DORA-CIF-11 (12, high) → medium.
    expect([slow.score, slow.band, slow.rating, slow.ratingDrivers]).toEqual([
      92.4,
      'low',
      'medium',
      ['DORA-CIF-11'],
    ]);
  });

  it('flags a C5 or SOC 2 report whose period ended more than report_age_days ago, and scores it 0', () => {
    const stale = evaluate(q, { ...GOOD, 'gov.report_end': '2025-11-30' }, TODAY, CRITICAL); // 367 days
    // report end 1·2 = 2 lost: 255.9 / 276 = 92.72 % → 92.7.
    expect(stale.score).toBe(92.7);
    expect(findingsOf(stale)['DORA-GOV-05']).toEqual([2, 4, true, 8, 'medium', '2027-03-02']);
    const future = evaluate(q, { ...GOOD, 'gov.report_end': '2027-01-31' }, TODAY, CRITICAL);
    expect(issuesOf(future)).toEqual(['gov.report_end invalid']);
  });
});

/*
 * A weak vendor: a market data feed for a function we classified as other, no subcontractors, and most of
 * the controls and terms missing.
 */
describe('dora-ict-provider: a weak vendor', () => {
  const WEAK: Answers = {
    'scope.service': 'Real-time market data feed.',
    'scope.model': 'data',
    'scope.subcontracting': 'no',
    'scope.establishment': 'United Kingdom; no parent company',
    'scope.ctpp': 'not_designated',
    'gov.standards': ['none'],
    'gov.risk_framework': 'no',
    'gov.risk_framework#comment': 'Handled informally by the CTO.',
    'gov.financials': 'no',
    'gov.conflicts': 'unmanaged',
    'gov.conflicts#comment': 'Our founder sits on your advisory board.',
    'ctr.written': 'no',
    'ctr.description': 'yes',
    'ctr.subcontracting_terms': 'yes',
    'ctr.regions': ['uk'],
    'ctr.locations': 'London',
    'ctr.location_notice': 'yes',
    'ctr.data_security': 'yes',
    'ctr.data_return': 'none',
    'ctr.service_levels': 'yes',
    'ctr.incident_assistance': 'time_and_materials',
    'ctr.authorities': 'no',
    'ctr.authorities#comment': 'Only on a court order.',
    'ctr.termination': 'no',
    'ctr.provider_notice_days': 30,
    'ctr.training': 'no',
    'conc.platform': 'Own server room',
    'conc.portability': 'locked_in',
    'conc.insolvency': 'no',
    'ops.incident_hours': 48,
    'ops.availability': 98,
    'ops.continuity': 'no',
    'ops.continuity#comment': 'We would rebuild from scratch.',
    'ops.backup': 'none',
    'ops.admin_mfa': 'password',
    'ops.pentest': 'no',
    'fin.completed_by': 'Chris Example, CTO',
  };
  const ev = evaluate(q, WEAK, TODAY, OTHER);

  it('before (1.0.0): 21.5, band critical, 13 findings; "no backups" and "never tested" could not be said', () => {
    const { 'ops.pentest': _, ...rest } = WEAK;
    // 1.0.0 had no "no backups" option (D2) and required a pen-test date (D5): the nearest answers are
    // untested backups and an invented date 396 days ago.
    const before = evaluate(
      v1,
      { ...rest, 'scope.function': 'other', 'ops.backup': 'untested', 'ops.pentest_date': '2024-11-01' },
      TODAY,
    );
    //   gov 0 of 16; ctr description 2 + location notice 2 + data security 3 + service levels 2 + incident
    //   assistance 3·0.3 = 9.9 → 29.7 of 78; conc 0 of 5; ops backup(untested) 2·0.2 = 0.4 → 1.2 of 45.
    //   Σw·s = 30.9, Σw = 144 → 21.46 % → 21.5.
    expect([before.score, before.band, before.rating]).toEqual([21.5, 'critical', 'critical']);
    expect(Object.keys(findingsOf(before)).sort()).toEqual(
      [
        'DORA-GOV-01',
        'DORA-GOV-03',
        'DORA-GOV-04',
        'DORA-CTR-01',
        'DORA-CTR-04',
        'DORA-CTR-06',
        'DORA-CTR-07',
        'DORA-CTR-08',
        'DORA-CONC-01',
        'DORA-OPS-01',
        'DORA-OPS-02',
        'DORA-OPS-03',
        'DORA-OPS-04',
      ].sort(),
    );
  });

  it('scores 22.6, band and rating critical', () => {
    //   gov  ×2: standards(none) 3·0 + report end hidden by 'none', counted as failed 1·0 + risk framework 3·0
    //            + financials 1·0 + conflicts(unmanaged) 1·0 → 0 of 18
    //   ctr  ×3: written 2·0 + description 2 + subcontracting terms 2 + location notice 2 + data security 3
    //            + data return(none) 3·0 + service levels 2 + incident assistance(time and materials) 3·0.3
    //            + authorities 3·0 + termination 3·0 + provider notice(30 d) 2·0 + training 1·0 = 11.9
    //            → 35.7 of 84
    //   conc ×1: portability(locked in) 3·0 + insolvency 2·0 → 0 of 5
    //   ops  ×3: incident(48 h) 3·0 + availability(98 %) 2·0 + continuity 3·0 + backup(none) 2·0
    //            + restore test hidden, counted as failed 1·0 + admin MFA(password) 3·0 + pen test(no) 1·0
    //            + pen test date hidden, counted as failed 2·0 → 0 of 51
    //   sub and cif hidden.  Σw·s = 35.7, Σw = 158 → 22.59 % → 22.6.
    expect([ev.score, ev.band, ev.rating]).toEqual([22.6, 'critical', 'critical']);
    // The band is already the worst rating, so no finding made it worse.
    expect(ev.ratingDrivers).toEqual([]);
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 0,
      ctr: 42.5,
      sub: null,
      conc: 0,
      ops: 0,
      cif: null,
      fin: null,
    });
  });

  it('raises exactly these 17 findings, none escalated for a function that is not critical', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-SCOPE-01': [2, 2, false, 4, 'low', '2027-03-02'], // neither LEI nor EUID
      'DORA-GOV-01': [3, 3, false, 9, 'medium', '2027-12-02'],
      'DORA-GOV-03': [3, 4, false, 12, 'high', '2027-05-31'],
      'DORA-GOV-04': [2, 3, false, 6, 'medium', '2027-01-31'],
      'DORA-CTR-01': [3, 3, false, 9, 'medium', '2027-03-02'],
      'DORA-CTR-04': [3, 4, false, 12, 'high', '2027-03-02'],
      'DORA-CTR-06': [3, 3, false, 9, 'medium', '2027-03-02'],
      'DORA-CTR-07': [3, 5, false, 15, 'critical', '2027-01-01'],
      'DORA-CTR-08': [3, 4, false, 12, 'high', '2027-01-31'],
      'DORA-CTR-13': [3, 3, false, 9, 'medium', '2027-03-02'],
      'DORA-CONC-01': [3, 3, false, 9, 'medium', '2027-05-31'],
      'DORA-OPS-01': [3, 4, false, 12, 'high', '2027-01-31'],
      'DORA-OPS-09': [3, 3, false, 9, 'medium', '2027-03-02'], // 98 < availability_min_percent 99
      'DORA-OPS-02': [3, 4, false, 12, 'high', '2027-04-01'],
      'DORA-OPS-05': [4, 5, false, 20, 'critical', '2027-01-01'],
      'DORA-OPS-03': [4, 4, false, 16, 'critical', '2027-01-01'],
      'DORA-OPS-08': [3, 4, false, 12, 'high', '2027-04-01'],
    });
    expect(ev.canSubmit).toBe(true);
  });

  it('with a decent score instead, its knock-outs alone would still rate it critical', () => {
    // Everything else fixed, only the knock-outs left: the band is no longer what decides.
    const fixedElsewhere = evaluate(
      q,
      { ...BEST, 'ops.incident_hours': 48, 'ops.backup': 'none', 'ops.admin_mfa': 'password' },
      TODAY,
      OTHER,
    );
    // Σw 178 (no cif); lost incident 3·3 = 9, backup 2·3 = 6, restore test 1·3 = 3, admin MFA 3·3 = 9 → 27.
    // 151 / 178 = 84.83 % → 84.8, band medium; rating critical by knock-out.
    expect([fixedElsewhere.score, fixedElsewhere.band, fixedElsewhere.rating]).toEqual([
      84.8,
      'medium',
      'critical',
    ]);
    expect(fixedElsewhere.ratingDrivers).toEqual(['DORA-OPS-01', 'DORA-OPS-05', 'DORA-OPS-03']);
  });

  it('never pen-tested scores below an old pen test, and a stale restore test is a knock-out', () => {
    const old = evaluate(q, { ...BEST, 'ops.pentest_date': '2024-01-15' }, TODAY, OTHER);
    const never = evaluate(q, { ...BEST, 'ops.pentest': 'no' }, TODAY, OTHER);
    // old: date 2·3 = 6 lost → 172 / 178 = 96.63 % → 96.6; never: gate 1·3 + date counted as failed 2·3 = 9
    // lost → 169 / 178 = 94.94 % → 94.9.
    expect([old.score, never.score]).toEqual([96.6, 94.9]);
    expect(findingsOf(old)['DORA-OPS-04']).toEqual([3, 3, false, 9, 'medium', '2027-04-01']);
    expect(findingsOf(never)['DORA-OPS-08']).toEqual([3, 4, false, 12, 'high', '2027-04-01']);
    expect(never.questions['ops.pentest_date']).toMatchObject({ visible: false, required: false, score: 0 });
    const staleRestore = evaluate(q, { ...BEST, 'ops.restore_test': '2025-06-30' }, TODAY, OTHER);
    // restore test 1·3 lost → 175 / 178 = 98.31 % → 98.3, band low; DORA-OPS-07 is a knock-out.
    expect([staleRestore.score, staleRestore.band, staleRestore.rating]).toEqual([98.3, 'low', 'critical']);
    expect(findingsOf(staleRestore)['DORA-OPS-07']).toEqual([3, 4, false, 12, 'high', '2027-01-31']);
  });
});

/*
 * The N/A-gamer: N/A, each with a throw-away comment, to every yes/no question, best answers elsewhere. In
 * 1.0.0 this scored 100 with no finding (review X1).
 */
describe('dora-ict-provider: the N/A-gamer', () => {
  const naEverywhere = (questionnaire: typeof q, base: Answers): Answers => {
    const out: Record<string, Answers[string]> = { ...base };
    for (const x of questionnaire.questions.values()) {
      if (x.type !== 'yes_no_na' || x.context) continue;
      out[x.id] = 'na';
      // Short but past the justification minimum (na-band refuses the bare "Not applicable.", na-claims.test.ts).
      out[`${x.id}#comment`] = 'Not applicable to us.';
    }
    return out;
  };

  it('before (1.0.0): 100, band low, no finding, submittable', () => {
    const ev = evaluate(v1, naEverywhere(v1, BEST_V1), TODAY);
    expect([ev.score, ev.band, ev.rating, ev.findings.length, ev.canSubmit]).toEqual([
      100,
      'low',
      'low',
      0,
      true,
    ]);
  });

  const ev = evaluate(q, naEverywhere(q, BEST), TODAY, CRITICAL);

  it('after: every Art. 30 term and scope switch refuses N/A, so the response cannot be submitted', () => {
    expect(issuesOf(ev)).toEqual(
      [
        'scope.subcontracting',
        'ctr.written',
        'ctr.description',
        'ctr.subcontracting_terms',
        'ctr.location_notice',
        'ctr.data_security',
        'ctr.service_levels',
        'ctr.authorities',
        'ctr.termination',
        'ctr.training',
        'sub.third_country',
        'cif.sla_targets',
        'cif.reporting',
        'cif.contingency',
        'cif.security_measures',
        'cif.contingency_tested',
        'cif.tlpt',
        'cif.audit_access',
        'cif.audit_alternative',
        'cif.audit_onsite',
        'cif.audit_scope',
        'cif.exit_plan',
        'cif.exit_test',
      ]
        .map((id) => `${id} invalid`)
        .sort(),
    );
    expect(ev.canSubmit).toBe(false);
  });

  it('after: 36.8, band and rating critical, while the refused answers count as unanswered', () => {
    //   gov  ×2: standards 3 + conflicts 1 (risk framework and financials justified N/A: excluded) → 8 of 8
    //   ctr  ×3: data return 3 + incident assistance 3 + provider notice 2 = 8; the nine refused terms
    //            (2+2+2+2+3+2+3+3+1 = 20) count 0 → 24 of 84
    //   sub  ×2: shown (the switch's N/A is refused); chain 2, the four justified N/A excluded → 4 of 4
    //   conc ×1: portability 3, insolvency excluded → 3 of 3
    //   ops  ×3: incident 3 + availability 2 + backup 2 + restore test 1 + admin MFA 3 = 11 (continuity and
    //            pen test justified N/A, the pen test date hidden by an N/A and not zeroed) → 33 of 33
    //   cif  ×3: RTO 2 + RPO 2 = 4; the twelve refused terms (3+2+3+2+1+2+3+1+2+1+3+1 = 24) count 0; the
    //            plan-test date and the transition period (2 + 2), hidden while their gates are refused,
    //            count as unanswered: 0 → 12 of 96
    //   Σw·s = 84, Σw = 228 → 36.84 % → 36.8 (38.9 while the hidden follow-ups left the score).
    expect([ev.score, ev.band, ev.rating]).toEqual([36.8, 'critical', 'critical']);
  });

  it('after: each N/A claimed for a must-have control is a finding for the reviewer, weighing what "no" would', () => {
    // Before the N/A-claim audit each was 1 × 1 = 1, low, no due date. Now each takes the likelihood, impact
    // (escalated for a critical function), rating and due date of the finding "no" raises on the same
    // question (src/questionnaire/na-claim.ts); NA-ops_continuity also inherits DORA-OPS-02's knock-out.
    expect(findingsOf(ev)).toEqual({
      'NA-gov_risk_framework': [3, 5, true, 15, 'critical', '2027-05-31'],
      'NA-sub_due_diligence': [3, 4, true, 12, 'high', '2027-04-01'],
      'NA-sub_flowdown': [3, 5, true, 15, 'critical', '2027-04-01'],
      'NA-sub_changes': [2, 4, true, 8, 'medium', '2027-03-02'],
      'NA-sub_objection': [3, 4, true, 12, 'high', '2027-03-02'],
      'NA-ops_continuity': [3, 5, true, 15, 'critical', '2027-04-01'],
      'NA-ops_pentest': [3, 5, true, 15, 'critical', '2027-04-01'],
    });
  });

  it('after: without the comments, every justified N/A is also refused', () => {
    const bare = Object.fromEntries(
      Object.entries(naEverywhere(q, BEST)).filter(([k]) => !k.endsWith('#comment')),
    );
    const e = evaluate(q, bare, TODAY, CRITICAL);
    expect(issuesOf(e).filter((i) => i.endsWith('comment-required'))).toEqual(
      [
        'gov.risk_framework',
        'gov.financials',
        'sub.due_diligence',
        'sub.flowdown',
        'sub.changes',
        'sub.objection',
        'conc.insolvency',
        'ops.continuity',
        'ops.pentest',
      ]
        .map((id) => `${id} comment-required`)
        .sort(),
    );
  });
});
