// Golden tests for dora-ict-provider@1.0.0, the version shipped until 2.0.0 and kept as a fixture
// (test/questionnaire/fixtures/shipped-1.0.0/): responses pinned to it are scored from it for ever.
// Every expected number below is computed by hand from the file, not read back from the engine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Answers, compileQuestionnaire, evaluate } from '../../../src/questionnaire/index.js';
import { findingsOf, issuesOf, sectionScores } from './support.js';

const FILE = 'test/questionnaire/fixtures/shipped-1.0.0/dora-ict-provider.yaml';
const compiled = compileQuestionnaire(readFileSync(new URL(`../../../${FILE}`, import.meta.url), 'utf8'), {
  file: FILE,
});
const q = compiled.questionnaire!;
const TODAY = '2026-12-01';

const CIF_QUESTIONS = [
  'cif.sla_targets',
  'cif.reporting',
  'cif.contingency',
  'cif.contingency_test',
  'cif.rto_hours',
  'cif.tlpt',
  'cif.audit_rights',
  'cif.audit_scope',
  'cif.exit_plan',
  'cif.transition_months',
  'cif.exit_test',
];

// A well-run SaaS provider for a function that is not critical or important.
const STANDARD: Answers = {
  'scope.service': 'Hosted expense management for our back office.',
  'scope.function': 'other',
  'scope.model': 'cloud',
  'scope.subcontracting': 'no',
  'scope.establishment': 'Germany; ultimate parent Example Holding SE',
  'gov.standards': ['iso27001'],
  'gov.standards#evidence': ['ev-iso'],
  'gov.cert_expiry': '2027-09-30',
  'gov.risk_framework': 'yes',
  'gov.financials': 'yes',
  'gov.conflicts': 'none',
  'ctr.written': 'yes',
  'ctr.description': 'yes',
  'ctr.locations': 'Frankfurt and Amsterdam (EU)',
  'ctr.location_notice': 'yes',
  'ctr.data_security': 'yes',
  'ctr.data_return': 'termination_only',
  'ctr.service_levels': 'yes',
  'ctr.incident_assistance': 'pre_agreed',
  'ctr.authorities': 'yes',
  'ctr.termination': 'yes',
  'ctr.provider_notice_days': 90,
  'ctr.training': 'yes',
  'conc.platform': 'ExampleCloud, EU regions',
  'conc.portability': 'effort',
  'conc.insolvency': 'no',
  'ops.incident_hours': 2,
  'ops.availability': 99.5,
  'ops.continuity': 'yes',
  'ops.backup': 'tested',
  'ops.admin_mfa': 'phishing_resistant',
  'ops.pentest_date': '2026-02-01',
  'fin.completed_by': 'Robin Example, head of compliance',
  // Answers to Art. 30(3) questions from an earlier draft: hidden, kept, never scored.
  'cif.audit_rights': 'restricted',
  'cif.exit_plan': 'no',
};

// A managed service provider supporting a critical or important function, with subcontractors.
const CRITICAL: Answers = {
  'scope.service': 'Operation of our core banking platform infrastructure.',
  'scope.function': 'critical',
  'scope.model': 'managed',
  'scope.subcontracting': 'yes',
  'scope.establishment': 'Ireland; ultimate parent Example Group plc',
  'gov.standards': ['c5'],
  'gov.standards#evidence': ['ev-c5'],
  'gov.risk_framework': 'yes',
  'gov.financials': 'yes',
  'gov.financials#evidence': ['ev-fin-2025', 'ev-fin-2024'],
  'gov.conflicts': 'none',
  'ctr.written': 'yes',
  'ctr.description': 'yes',
  'ctr.locations': 'Dublin and Frankfurt data centres',
  'ctr.location_notice': 'no',
  'ctr.data_security': 'yes',
  'ctr.data_return': 'committed',
  'ctr.service_levels': 'yes',
  'ctr.incident_assistance': 'included',
  'ctr.authorities': 'yes',
  'ctr.termination': 'yes',
  'ctr.provider_notice_days': 60,
  'ctr.training': 'yes',
  'sub.list': ['ev-subcontractors'],
  'sub.flowdown': 'yes',
  'sub.chain': 'two_levels',
  'sub.changes': 'yes',
  'sub.third_country': 'no',
  'conc.platform': 'Own data centres, colocation by ExampleColo',
  'conc.portability': 'documented',
  'conc.insolvency': 'yes',
  'ops.incident_hours': 24,
  'ops.availability': 99.95,
  'ops.continuity': 'yes',
  'ops.backup': 'immutable_tested',
  'ops.admin_mfa': 'mfa',
  'ops.pentest_date': '2025-09-01', // 456 days ago
  'cif.sla_targets': 'yes',
  'cif.reporting': 'yes',
  'cif.contingency': 'yes',
  'cif.contingency_test': '2026-04-15',
  'cif.contingency_test#evidence': ['ev-bcp-test'],
  'cif.rto_hours': 8,
  'cif.tlpt': 'no',
  'cif.tlpt#comment': 'We offer pooled tests with other customers.',
  'cif.audit_rights': 'alternative',
  'cif.audit_rights#comment': 'Pooled audits twice a year plus our C5 report.',
  'cif.audit_scope': 'yes',
  'cif.exit_plan': 'yes',
  'cif.transition_months': 6,
  'cif.exit_test': 'no',
  'fin.completed_by': 'Morgan Example, chief risk officer',
};

// A market data provider with almost none of the DORA contract terms in place.
const WEAK: Answers = {
  'scope.service': 'Real-time market data feed.',
  'scope.function': 'other',
  'scope.model': 'data',
  'scope.subcontracting': 'no',
  'scope.establishment': 'United Kingdom; no parent company',
  'gov.standards': ['none'],
  'gov.risk_framework': 'no',
  'gov.risk_framework#comment': 'Handled informally by the CTO.',
  'gov.financials': 'no',
  'gov.conflicts': 'unmanaged',
  'gov.conflicts#comment': 'Our founder sits on your advisory board.',
  'ctr.written': 'no',
  'ctr.description': 'yes',
  'ctr.locations': 'London',
  'ctr.location_notice': 'yes',
  'ctr.data_security': 'yes',
  'ctr.data_return': 'none',
  'ctr.service_levels': 'yes',
  'ctr.incident_assistance': 'time_and_materials',
  'ctr.authorities': 'no', // the explanation is missing: comment-required
  'ctr.termination': 'no',
  'ctr.provider_notice_days': 30,
  'ctr.training': 'na',
  'ctr.training#comment': 'Our staff never access your systems.',
  'conc.platform': 'Own server room',
  'conc.portability': 'locked_in',
  'conc.insolvency': 'no',
  'ops.incident_hours': 48,
  'ops.availability': 98,
  'ops.continuity': 'no',
  'ops.continuity#comment': 'We would rebuild from scratch.',
  'ops.backup': 'untested',
  'ops.admin_mfa': 'password',
  'ops.pentest_date': '2024-11-01',
  'fin.completed_by': 'Chris Example, CTO',
};

describe('dora-ict-provider@1.0.0: the file', () => {
  it('compiles without a single error or warning', () => {
    expect(compiled.problems).toEqual([]);
    expect(q.ref).toBe('dora-ict-provider@1.0.0');
    expect(q.status).toBe('published');
    expect(q.changelog.map((c) => c.version)).toContain('1.0.0');
  });

  it('has 50 questions in 8 sections and 29 findings, using every question type', () => {
    expect(q.questions.size).toBe(50);
    expect(Object.fromEntries(q.sections.map((s) => [s.id, s.questions.length]))).toEqual({
      scope: 5,
      gov: 5,
      ctr: 12,
      sub: 6,
      conc: 3,
      ops: 6,
      cif: 11,
      fin: 2,
    });
    expect(q.findings.size).toBe(29);
    expect(new Set([...q.questions.values()].map((x) => x.type))).toEqual(
      new Set(['yes_no_na', 'single', 'multi', 'text', 'number', 'date', 'file']),
    );
  });

  it('maps Art. 30(2)(a)-(i) and 30(3)(a)-(f), Art. 28 and 29, and only to ids listed in the reference', () => {
    const used = new Set([...q.questions.values()].flatMap((x) => x.controls));
    for (const point of 'abcdefghi') expect(used).toContain(`dora:30.2.${point}`);
    for (const point of ['a', 'b', 'c', 'd', 'e.i', 'e.ii', 'e.iii', 'e.iv', 'f'])
      expect(used).toContain(`dora:30.3.${point}`);
    for (const c of [
      'dora:28.4.d',
      'dora:28.4.e',
      'dora:28.5',
      'dora:28.6',
      'dora:28.7',
      'dora:28.8',
      'dora:29.1',
      'dora:29.2',
      'dora:30.1',
    ]) {
      expect(used).toContain(c);
    }
    const known = new Set([
      ...'abcdefghi'.split('').map((p) => `dora:30.2.${p}`),
      ...['a', 'b', 'c', 'd', 'e.i', 'e.ii', 'e.iii', 'e.iv', 'f'].map((p) => `dora:30.3.${p}`),
      ...['28.4.d', '28.4.e', '28.5', '28.6', '28.7', '28.8', '29.1', '29.2', '30.1'].map((c) => `dora:${c}`),
      ...['A.5.1', 'A.5.20', 'A.5.21', 'A.5.22', 'A.5.24', 'A.5.29', 'A.5.30', 'A.5.35', 'A.8.5'].map(
        (c) => `iso27001:${c}`,
      ),
      ...[
        'A&A-02.1',
        'BCR-08.1',
        'BCR-11.1',
        'GRC-01.1',
        'IAM-14.1',
        'IPY-03.1',
        'IPY-04.1',
        'SEF-07.1',
        'STA-07.1',
        'STA-09.1',
      ].map((c) => `caiq:${c}`),
      ...['STA-12.1', 'TVM-06.1'].map((c) => `caiq:${c}`),
    ]);
    expect([...used].filter((c) => !known.has(c))).toEqual([]);
  });

  it('gates the whole Art. 30(3) section, and nothing else, on the critical-function scoping question', () => {
    const cif = q.sections.find((s) => s.id === 'cif')!;
    expect(cif.visibleIf).not.toBeNull();
    expect(cif.questions.map((x) => x.id)).toEqual(CIF_QUESTIONS);
    for (const x of cif.questions)
      expect(
        x.controls.some((c) => c.startsWith('dora:30.3.')),
        x.id,
      ).toBe(true);
  });
});

describe('dora-ict-provider@1.0.0: provider for a function that is not critical or important', () => {
  const ev = evaluate(q, STANDARD, TODAY);

  it('hides the Art. 30(3) and subcontracting questions', () => {
    for (const id of CIF_QUESTIONS)
      expect(ev.questions[id], id).toMatchObject({ visible: false, required: false, score: null, weight: 0 });
    expect(ev.sections.find((s) => s.id === 'cif')).toMatchObject({
      visible: false,
      score: null,
      requiredOpen: 0,
    });
    expect(ev.sections.find((s) => s.id === 'sub')!.visible).toBe(false);
    expect(Object.values(ev.questions).filter((x) => x.visible)).toHaveLength(33);
  });

  it('scores 89.9 (low)', () => {
    // Σw·s / Σw, with w = question weight × section weight:
    //   gov  ×2: standards 3 + risk framework 3 + financials 1 + conflicts(none) 1 = 8 → 16 of 16
    //   ctr  ×3: written 2 + description 2 + location notice 2 + data security 3 + data return(termination
    //            only) 3·0.5 + service levels 2 + incident assistance(pre-agreed) 3 + authorities 3
    //            + termination 3 + provider notice(90 d) 2·0.5 + training 1 = 23.5 → 70.5 of 78
    //   conc ×1: portability(effort) 3·0.5 + insolvency 2·0 = 1.5 → 1.5 of 5
    //   ops  ×3: incident(2 h) 3 + availability(99.5) 2·0.7 + continuity 3 + backup(tested) 2·0.7
    //            + admin MFA 3 + pentest(303 d) 2 = 13.8 → 41.4 of 45
    //   sub and cif hidden.
    //   Σw·s = 129.4, Σw = 144 → 89.86 % → 89.9
    expect(ev.score).toBe(89.9);
    expect(ev.band).toBe('low');
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 100,
      ctr: 90.4,
      sub: null,
      conc: 30,
      ops: 92,
      cif: null,
      fin: null,
    });
  });

  it('raises only DORA-CTR-05, and nothing for the hidden Art. 30(3) answers', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-CTR-05': [2, 4, false, 8, 'medium', '2027-03-31'],
    });
  });

  it('can be submitted without the financial statements, which only critical providers must attach', () => {
    expect(ev.questions['gov.financials']!.evidenceRequired).toBe(false);
    expect(ev.issues).toEqual([]);
    expect(ev.canSubmit).toBe(true);
  });
});

describe('dora-ict-provider@1.0.0: provider supporting a critical or important function', () => {
  const ev = evaluate(q, CRITICAL, TODAY);

  it('shows and requires every Art. 30(3) question', () => {
    for (const id of CIF_QUESTIONS)
      expect(ev.questions[id], id).toMatchObject({ visible: true, required: true });
    expect(ev.questions['gov.financials']!.evidenceRequired).toBe(true);
    expect(ev.questions['cif.contingency_test']!.evidenceRequired).toBe(true);
    // Hidden: the ISO expiry date (no ISO certificate) and the third-country follow-up (none).
    expect(Object.values(ev.questions).filter((x) => x.visible)).toHaveLength(48);
  });

  it('scores 80.3 (medium)', () => {
    //   gov  ×2: standards(c5) 3 + risk framework 3 + financials 1 + conflicts 1 = 8 → 16 of 16
    //   ctr  ×3: written 2 + description 2 + location notice(no) 2·0 + data security 3 + data return 3
    //            + service levels 2 + incident assistance 3 + authorities 3 + termination 3
    //            + provider notice(60 d) 2·0 + training 1 = 22 → 66 of 78
    //   sub  ×2: flowdown 3 + chain(two levels) 2·0.6 + changes 2 = 6.2 → 12.4 of 14
    //   conc ×1: portability 3 + insolvency 2 = 5 → 5 of 5
    //   ops  ×3: incident(24 h) 3·0.5 + availability(99.95) 2 + continuity 3 + backup 2 + admin MFA 3·0.7
    //            + pentest(456 d) 2·0 = 10.6 → 31.8 of 45
    //   cif  ×3: SLA targets 3 + reporting 2 + contingency 3 + contingency test(230 d) 2 + rto(8 h) 2·0.5
    //            + TLPT(no) 2·0 + audit rights(alternative) 3·0.6 + audit scope 1 + exit plan 3
    //            + transition(6 months) 2·0.5 + exit test(no) 1·0 = 17.8 → 53.4 of 72
    //   Σw·s = 184.6, Σw = 230 → 80.26 % → 80.3
    expect(ev.score).toBe(80.3);
    expect(ev.band).toBe('medium');
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 100,
      ctr: 84.6,
      sub: 88.6,
      conc: 100,
      ops: 70.7,
      cif: 74.2,
      fin: null,
    });
  });

  it('raises exactly these findings, escalating those marked for critical functions', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-CTR-02': [3, 4, true, 12, 'high', '2027-03-01'],
      'DORA-CTR-09': [3, 4, false, 12, 'high', '2027-03-01'],
      'DORA-OPS-04': [3, 4, true, 12, 'high', '2027-03-31'],
      'DORA-CIF-05': [2, 4, false, 8, 'medium', '2027-03-31'],
    });
    expect(ev.findings.find((f) => f.id === 'DORA-CIF-05')!.controls).toEqual(['dora:30.3.d']);
  });

  it('can be submitted', () => {
    expect(ev.issues).toEqual([]);
    expect(ev.canSubmit).toBe(true);
  });

  it('blocks submission without the explanations and documents a critical provider owes', () => {
    const {
      'cif.tlpt#comment': _a,
      'cif.audit_rights#comment': _b,
      'gov.financials#evidence': _c,
      'cif.contingency_test#evidence': _d,
      'sub.list': _e,
      'cif.exit_test': _f,
      ...rest
    } = CRITICAL;
    const ev2 = evaluate(q, { ...rest, 'gov.conflicts': 'managed' }, TODAY);
    expect(issuesOf(ev2)).toEqual([
      'cif.audit_rights comment-required',
      'cif.contingency_test evidence-required',
      'cif.exit_test required',
      'cif.tlpt comment-required',
      'gov.conflicts comment-required',
      'gov.financials evidence-required',
      'sub.list required',
    ]);
    expect(ev2.canSubmit).toBe(false);
  });

  it('raises the transition-period finding below six months, and refuses a contingency test in the future', () => {
    const short = evaluate(q, { ...CRITICAL, 'cif.transition_months': 3 }, TODAY);
    expect(findingsOf(short)['DORA-CIF-08']).toEqual([3, 4, false, 12, 'high', '2027-03-01']);
    const future = evaluate(q, { ...CRITICAL, 'cif.contingency_test': '2027-02-01' }, TODAY);
    expect(issuesOf(future)).toEqual(['cif.contingency_test invalid']);
  });

  it('rejects an availability above 100 percent', () => {
    const ev2 = evaluate(q, { ...CRITICAL, 'ops.availability': 100.5 }, TODAY);
    expect(issuesOf(ev2)).toEqual(['ops.availability invalid']);
    expect(ev2.canSubmit).toBe(false);
  });
});

describe('dora-ict-provider@1.0.0: weak provider for a function that is not critical', () => {
  const ev = evaluate(q, WEAK, TODAY);

  it('scores 21.9 (critical)', () => {
    //   gov  ×2: standards(none) 3·0 + risk framework 3·0 + financials 1·0 + conflicts(unmanaged) 1·0 → 0 of 16
    //   ctr  ×3: written 2·0 + description 2 + location notice 2 + data security 3 + data return(none) 3·0
    //            + service levels 2 + incident assistance(time and materials) 3·0.3 + authorities 3·0
    //            + termination 3·0 + provider notice(30 d) 2·0; training N/A excluded = 9.9 → 29.7 of 75
    //   conc ×1: portability(locked in) 3·0 + insolvency 2·0 → 0 of 5
    //   ops  ×3: incident(48 h) 3·0 + availability(98) 2·0 + continuity 3·0 + backup(untested) 2·0.2
    //            + admin MFA(password) 3·0 + pentest(760 d) 2·0 = 0.4 → 1.2 of 45
    //   Σw·s = 30.9, Σw = 141 → 21.91 % → 21.9
    expect(ev.score).toBe(21.9);
    expect(ev.band).toBe('critical');
    expect(sectionScores(ev)).toEqual({
      scope: null,
      gov: 0,
      ctr: 39.6,
      sub: null,
      conc: 0,
      ops: 2.7,
      cif: null,
      fin: null,
    });
  });

  it('raises exactly these 13 findings, none of them escalated', () => {
    expect(findingsOf(ev)).toEqual({
      'DORA-GOV-01': [3, 3, false, 9, 'medium', '2027-12-01'],
      'DORA-GOV-03': [3, 4, false, 12, 'high', '2027-05-30'],
      'DORA-GOV-04': [2, 3, false, 6, 'medium', '2027-01-30'],
      'DORA-CTR-01': [3, 3, false, 9, 'medium', '2027-03-01'],
      'DORA-CTR-04': [3, 4, false, 12, 'high', '2027-03-01'],
      'DORA-CTR-06': [3, 3, false, 9, 'medium', '2027-03-01'],
      'DORA-CTR-07': [3, 5, false, 15, 'critical', '2026-12-31'],
      'DORA-CTR-08': [3, 4, false, 12, 'high', '2027-01-30'],
      'DORA-CONC-01': [3, 3, false, 9, 'medium', '2027-05-30'],
      'DORA-OPS-01': [3, 4, false, 12, 'high', '2027-01-30'],
      'DORA-OPS-02': [3, 4, false, 12, 'high', '2027-03-31'],
      'DORA-OPS-03': [4, 4, false, 16, 'critical', '2026-12-31'],
      'DORA-OPS-04': [3, 3, false, 9, 'medium', '2027-03-31'],
    });
  });

  it('cannot be submitted until it explains its refusal to cooperate with authorities', () => {
    expect(issuesOf(ev)).toEqual(['ctr.authorities comment-required']);
    expect(ev.canSubmit).toBe(false);
  });

  it('requires a justification for every N/A answer to a scored yes/no question', () => {
    const { 'ctr.training#comment': _, ...rest } = WEAK;
    expect(issuesOf(evaluate(q, rest, TODAY))).toEqual([
      'ctr.authorities comment-required',
      'ctr.training comment-required',
    ]);
    const unjustified = [...q.questions.values()].filter(
      (x) => x.type === 'yes_no_na' && x.scores && !x.comment,
    );
    expect(unjustified.map((x) => x.id)).toEqual([]);
  });
});
