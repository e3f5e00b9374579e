// Golden tests for version 1.0.0 of the shipped questionnaire gdpr-art28-processor (kept as
// test/questionnaire/fixtures/shipped-1.0.0/gdpr-art28-processor.yaml): every
// expected number below is computed by hand from the file, not read back from the engine.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Answers, compileQuestionnaire, evaluate } from '../../../src/questionnaire/index.js';
import { findingsOf, issuesOf, sectionScores } from './support.js';

// Version 1.0.0 lives on as a fixture: assessments pinned to it keep scoring exactly as below.
const FILE = 'test/questionnaire/fixtures/shipped-1.0.0/gdpr-art28-processor.yaml';
const compiled = compileQuestionnaire(readFileSync(new URL(`../../../${FILE}`, import.meta.url), 'utf8'), {
  file: FILE,
});
const q = compiled.questionnaire!;
const TODAY = '2026-12-01';

// A health-data processor with sub-processors and transfers under standard contractual clauses.
const STRONG: Answers = {
  'scope.personal_data': 'yes',
  'scope.data_categories': ['contact', 'special'],
  'scope.data_subjects': ['patients', 'employees'],
  'scope.volume': 'large',
  'scope.dpo_contact': 'Dr. Jo Example, dpo@processor.example',
  'ctr.dpa': 'yes',
  'ctr.dpa#evidence': ['ev-dpa'],
  'ctr.instructions': 'yes',
  'ctr.legal_duty': 'yes',
  'ctr.unlawful_instruction': 'yes',
  'ctr.own_purposes': 'no',
  'conf.commitment': 'yes',
  'conf.need_to_know': 'yes',
  'conf.training': 'regular',
  'sec.toms': ['ev-toms'],
  'sec.certification': ['iso27001'],
  'sec.certification#evidence': ['ev-iso'],
  'sec.encryption': 'both',
  'sec.mfa': 'yes',
  'sec.pseudonymisation': 'no',
  'sec.effectiveness_test': '2026-05-20',
  'sec.sensitive_safeguards': 'yes',
  'dsr.assist': 'yes',
  'dsr.forward_days': 3,
  'dsr.export': 'on_request',
  'brc.notify_hours': 24,
  'brc.content': 'yes',
  'brc.log': 'yes',
  'brc.dpia': 'yes',
  'brc.records': 'yes',
  'sub.uses': 'yes',
  'sub.list': ['ev-subprocessors'],
  'sub.authorisation': 'general_notice',
  'sub.notice_days': 30,
  'sub.flowdown': 'yes',
  'sub.liability': 'yes',
  'sub.monitoring': 'onboarding',
  'xfer.outside_eea': 'yes',
  'xfer.countries': 'United States: ExampleCloud Inc., follow-the-sun support with remote access.',
  'xfer.mechanism': ['scc'],
  'xfer.tia': 'yes',
  'xfer.tia#evidence': ['ev-tia'],
  'xfer.authority_requests': 'yes',
  'end.return_delete': 'yes',
  'end.deletion_days': 60,
  'end.confirmation': 'yes',
  'aud.information': 'yes',
  'aud.audits': 'reports_only',
  'fin.completed_by': 'Dr. Jo Example, data protection officer',
};

// An analytics processor of ordinary contact and usage data on its own terms of service.
const WEAK: Answers = {
  'scope.personal_data': 'yes',
  'scope.data_categories': ['contact', 'usage'],
  'scope.data_subjects': ['customers'],
  'scope.volume': 'medium',
  'scope.dpo_contact': 'privacy@analytics.example',
  'ctr.dpa': 'no',
  'ctr.dpa#comment': 'Our terms of service apply.',
  'ctr.instructions': 'yes',
  'ctr.legal_duty': 'no',
  'ctr.unlawful_instruction': 'no',
  'ctr.own_purposes': 'yes', // its description is missing: comment-required
  'conf.commitment': 'yes',
  'conf.need_to_know': 'no',
  'conf.training': 'none',
  // sec.toms is missing: required
  'sec.certification': ['none'],
  'sec.encryption': 'transit',
  'sec.mfa': 'no',
  'sec.pseudonymisation': 'na',
  'sec.pseudonymisation#comment': 'Every feature needs the full contact record.',
  'sec.effectiveness_test': '2025-06-01', // 548 days ago
  'dsr.assist': 'yes',
  'dsr.forward_days': 10,
  'dsr.export': 'manual',
  'brc.notify_hours': 72,
  'brc.content': 'no',
  'brc.log': 'no',
  'brc.dpia': 'no',
  'brc.records': 'yes',
  'sub.uses': 'yes',
  'sub.list': ['ev-subprocessors'],
  'sub.authorisation': 'none',
  'sub.flowdown': 'no',
  'sub.flowdown#comment': 'Our hosting provider only offers its standard terms.',
  'sub.liability': 'yes',
  'sub.monitoring': 'none',
  'xfer.outside_eea': 'no',
  'end.return_delete': 'yes',
  'end.deletion_days': 180,
  'end.confirmation': 'no',
  'aud.information': 'yes',
  'aud.audits': 'none',
  'fin.completed_by': 'Alex Example, managing director',
  // Hidden (no sensitive data, no transfers): kept, never scored, raise nothing.
  'sec.sensitive_safeguards': 'no',
  'xfer.mechanism': ['none'],
};

describe('gdpr-art28-processor@1.0.0: the file', () => {
  it('compiles without a single error or warning', () => {
    expect(compiled.problems).toEqual([]);
    expect(q.ref).toBe('gdpr-art28-processor@1.0.0');
    expect(q.status).toBe('published');
    expect(q.changelog.map((c) => c.version)).toContain('1.0.0');
  });

  it('has 47 questions in 11 sections and 25 findings, using every question type', () => {
    expect(q.questions.size).toBe(47);
    expect(Object.fromEntries(q.sections.map((s) => [s.id, s.questions.length]))).toEqual({
      scope: 5,
      ctr: 5,
      conf: 3,
      sec: 7,
      dsr: 3,
      brc: 5,
      sub: 7,
      xfer: 5,
      end: 3,
      aud: 2,
      fin: 2,
    });
    expect(q.findings.size).toBe(25);
    expect(new Set([...q.questions.values()].map((x) => x.type))).toEqual(
      new Set(['yes_no_na', 'single', 'multi', 'text', 'number', 'date', 'file']),
    );
  });

  it('maps Art. 28(2), 28(3)(a)-(h) and 28(4), and only to ids listed in the reference', () => {
    const used = new Set([...q.questions.values()].flatMap((x) => x.controls));
    for (const point of 'abcdefgh') expect(used).toContain(`gdpr:28.3.${point}`);
    for (const c of ['gdpr:28.2', 'gdpr:28.3', 'gdpr:28.4']) expect(used).toContain(c);
    const known = new Set([
      ...'abcdefgh'.split('').map((p) => `gdpr:28.3.${p}`),
      'gdpr:28.2',
      'gdpr:28.3',
      'gdpr:28.4',
      ...['A.5.20', 'A.5.21', 'A.5.22', 'A.5.24', 'A.5.35', 'A.8.5'].map((c) => `iso27001:${c}`),
      ...[
        'A&A-02.1',
        'DSP-13.1',
        'DSP-14.1',
        'IAM-14.1',
        'IPY-04.1',
        'SEF-07.1',
        'SEF-07.2',
        'STA-09.1',
        'STA-14.1',
        'TVM-06.1',
      ].map((c) => `caiq:${c}`),
    ]);
    expect([...used].filter((c) => !known.has(c))).toEqual([]);
  });
});

describe('gdpr-art28-processor@1.0.0: strong processor of health data', () => {
  const ev = evaluate(q, STRONG, TODAY);

  it('shows the sensitive-data, sub-processor and transfer questions', () => {
    for (const id of [
      'sec.sensitive_safeguards',
      'sub.list',
      'sub.notice_days',
      'xfer.countries',
      'xfer.mechanism',
      'xfer.tia',
    ]) {
      expect(ev.questions[id], id).toMatchObject({ visible: true, required: true });
    }
    expect(ev.questions['xfer.tia']!.evidenceRequired).toBe(true);
    expect(Object.values(ev.questions).filter((x) => x.visible)).toHaveLength(47);
  });

  it('scores 93.0 (low)', () => {
    // Σw·s / Σw, with w = question weight × section weight:
    //   ctr  ×3: dpa 3 + instructions 3 + legal_duty 1 + unlawful 2 + own_purposes(no) 3 = 12 → 36 of 36
    //   conf ×2: commitment 3 + need_to_know 2 + training 2 = 7 → 14 of 14
    //   sec  ×3: certification 2 + encryption 3 + mfa 2 + pseudonymisation 1·0 + test(195 d) 2
    //            + sensitive safeguards 3 = 12 → 36 of 39
    //   dsr  ×2: assist 3 + forward(3 d) 2·0.5 + export(on request) 1·0.7 = 4.7 → 9.4 of 12
    //   brc  ×3: notify(24 h) 3 + content 2 + log 1 + dpia 2 + records 1 = 9 → 27 of 27
    //   sub  ×3: authorisation 3 + notice(30 d) 2 + flowdown 3 + liability 1 + monitoring 2·0.5 = 10 → 30 of 33
    //   xfer ×3: mechanism(scc) 3 + tia 2 + authority requests 2 = 7 → 21 of 21
    //   end  ×2: return/delete 3 + deletion(60 d) 2·0.5 + confirmation 1 = 5 → 10 of 12
    //   aud  ×2: information 2 + audits(reports only) 3·0.4 = 3.2 → 6.4 of 10
    //   Σw·s = 189.8, Σw = 204 → 93.04 % → 93.0
    expect(ev.score).toBe(93);
    expect(ev.band).toBe('low');
    expect(sectionScores(ev)).toEqual({
      scope: null,
      ctr: 100,
      conf: 100,
      sec: 92.3,
      dsr: 78.3,
      brc: 100,
      sub: 90.9,
      xfer: 100,
      end: 83.3,
      aud: 64,
      fin: null,
    });
    expect(ev.questions['sec.toms']).toMatchObject({ visible: true, answered: true, score: null, weight: 0 });
  });

  it('raises only GDPR-AUD-02', () => {
    expect(findingsOf(ev)).toEqual({
      'GDPR-AUD-02': [2, 3, false, 6, 'medium', '2027-03-01'],
    });
    expect(ev.findings[0]!.controls).toEqual(['gdpr:28.3.h', 'caiq:STA-09.1']);
  });

  it('can be submitted, and not without the documents a reviewer asks for', () => {
    expect(ev.issues).toEqual([]);
    expect(ev.canSubmit).toBe(true);
    const {
      'ctr.dpa#evidence': _a,
      'sec.toms': _b,
      'sub.list': _c,
      'xfer.tia#evidence': _d,
      ...rest
    } = STRONG;
    const without = evaluate(q, rest, TODAY);
    expect(issuesOf(without)).toEqual([
      'ctr.dpa evidence-required',
      'sec.toms required',
      'sub.list required',
      'xfer.tia evidence-required',
    ]);
    expect(without.canSubmit).toBe(false);
  });

  it('asks for the transfer impact assessment itself only for sensitive data', () => {
    const ordinary = evaluate(q, { ...STRONG, 'scope.data_categories': ['contact'] }, TODAY);
    expect(ordinary.questions['xfer.tia']!.evidenceRequired).toBe(false);
    expect(ordinary.questions['sec.sensitive_safeguards']).toMatchObject({
      visible: false,
      score: null,
      weight: 0,
    });
    // sec loses the safeguards' 3·3 = 9 weight: Σw·s = 189.8 − 9 = 180.8, Σw = 195 → 92.72 % → 92.7
    expect(ordinary.score).toBe(92.7);
  });

  it('rejects "no transfer mechanism" combined with a mechanism, and flags derogations', () => {
    const mixed = evaluate(q, { ...STRONG, 'xfer.mechanism': ['scc', 'none'] }, TODAY);
    expect(issuesOf(mixed)).toEqual(['xfer.mechanism invalid']);
    expect(mixed.canSubmit).toBe(false);

    const derogation = evaluate(q, { ...STRONG, 'xfer.mechanism': ['derogation'] }, TODAY);
    expect(derogation.questions['xfer.tia']!.visible).toBe(false);
    expect(findingsOf(derogation)['GDPR-XFER-02']).toEqual([3, 3, false, 9, 'medium', '2027-03-01']);
  });
});

describe('gdpr-art28-processor@1.0.0: weak processor of ordinary personal data', () => {
  const ev = evaluate(q, WEAK, TODAY);

  it('hides the sensitive-data, notice-period and transfer follow-ups', () => {
    for (const id of [
      'sec.sensitive_safeguards',
      'sub.notice_days',
      'xfer.countries',
      'xfer.mechanism',
      'xfer.tia',
      'xfer.authority_requests',
    ]) {
      expect(ev.questions[id], id).toMatchObject({ visible: false, required: false, score: null, weight: 0 });
    }
    expect(ev.questions['sub.flowdown']).toMatchObject({
      visible: true,
      required: true,
      commentRequired: true,
    });
  });

  it('scores 25.5 (critical)', () => {
    //   ctr  ×3: dpa 3·0 + instructions 3 + legal_duty 1·0 + unlawful 2·0 + own_purposes(yes) 3·0 = 3 → 9 of 36
    //   conf ×2: commitment 3 + need_to_know 2·0 + training(none) 2·0 = 3 → 6 of 14
    //   sec  ×3: certification(none) 2·0 + encryption(transit) 3·0.5 + mfa 2·0 + test(548 d) 2·0;
    //            pseudonymisation N/A excluded = 1.5 → 4.5 of 27
    //   dsr  ×2: assist 3 + forward(10 d) 2·0 + export(manual) 1·0.3 = 3.3 → 6.6 of 12
    //   brc  ×3: notify(72 h) 3·0 + content 0 + log 0 + dpia 0 + records 1 = 1 → 3 of 27
    //   sub  ×3: authorisation(none) 3·0 + flowdown 3·0 + liability 1 + monitoring 2·0 = 1 → 3 of 27
    //   xfer: only the unscored routing question is visible → nothing
    //   end  ×2: return/delete 3 + deletion(180 d) 2·0 + confirmation 1·0 = 3 → 6 of 12
    //   aud  ×2: information 2 + audits(none) 3·0 = 2 → 4 of 10
    //   Σw·s = 42.1, Σw = 165 → 25.52 % → 25.5
    expect(ev.score).toBe(25.5);
    expect(ev.band).toBe('critical');
    expect(sectionScores(ev)).toEqual({
      scope: null,
      ctr: 25,
      conf: 42.9,
      sec: 16.7,
      dsr: 55,
      brc: 11.1,
      sub: 11.1,
      xfer: null,
      end: 50,
      aud: 40,
      fin: null,
    });
  });

  it('raises exactly these 14 findings', () => {
    expect(findingsOf(ev)).toEqual({
      'GDPR-CTR-01': [4, 4, false, 16, 'critical', '2026-12-31'],
      'GDPR-CTR-03': [2, 3, false, 6, 'medium', '2027-01-30'],
      'GDPR-CTR-04': [4, 4, false, 16, 'critical', '2026-12-31'],
      'GDPR-CONF-02': [3, 2, false, 6, 'medium', '2027-03-31'],
      'GDPR-SEC-01': [3, 4, false, 12, 'high', '2027-03-01'],
      'GDPR-SEC-02': [4, 3, false, 12, 'high', '2027-01-30'],
      'GDPR-SEC-03': [3, 3, false, 9, 'medium', '2027-03-31'],
      'GDPR-DSR-02': [3, 2, false, 6, 'medium', '2027-01-30'],
      'GDPR-BRC-01': [3, 4, false, 12, 'high', '2026-12-31'],
      'GDPR-SUB-01': [3, 4, false, 12, 'high', '2027-01-30'],
      'GDPR-SUB-03': [3, 4, false, 12, 'high', '2027-03-01'],
      'GDPR-SUB-04': [3, 3, false, 9, 'medium', '2027-03-31'],
      'GDPR-END-02': [2, 3, false, 6, 'medium', '2027-03-01'],
      'GDPR-AUD-01': [3, 4, false, 12, 'high', '2027-01-30'],
    });
  });

  it('cannot be submitted without the description of its own purposes and the TOMs', () => {
    expect(issuesOf(ev)).toEqual(['ctr.own_purposes comment-required', 'sec.toms required']);
    expect(ev.canSubmit).toBe(false);
  });

  it('requires a justification for every N/A answer to a scored yes/no question', () => {
    const { 'sec.pseudonymisation#comment': _, ...rest } = WEAK;
    expect(issuesOf(evaluate(q, rest, TODAY))).toContain('sec.pseudonymisation comment-required');
    const unjustified = [...q.questions.values()].filter(
      (x) => x.type === 'yes_no_na' && x.scores && !x.comment,
    );
    expect(unjustified.map((x) => x.id)).toEqual([]);
  });

  it('escalates and adds the safeguards question when the same processor handles special-category data', () => {
    const sensitive = evaluate(q, { ...WEAK, 'scope.data_categories': ['contact', 'special'] }, TODAY);
    // The kept answer sec.sensitive_safeguards = no now counts: sec Σw grows by 3·3 = 9 at score 0.
    // Σw·s = 42.1, Σw = 174 → 24.20 % → 24.2
    expect(sensitive.score).toBe(24.2);
    expect(sensitive.questions['sec.sensitive_safeguards']).toMatchObject({
      visible: true,
      commentRequired: true,
      score: 0,
      weight: 9,
    });
    const f = findingsOf(sensitive);
    expect(Object.keys(f)).toHaveLength(16);
    expect(f['GDPR-CTR-01']).toEqual([4, 5, true, 20, 'critical', '2026-12-31']);
    expect(f['GDPR-SEC-01']).toEqual([3, 5, true, 15, 'critical', '2027-03-01']);
    expect(f['GDPR-SUB-03']).toEqual([3, 5, true, 15, 'critical', '2027-03-01']);
    expect(f['GDPR-SEC-04']).toEqual([3, 5, false, 15, 'critical', '2027-01-30']);
    expect(f['GDPR-BRC-02']).toEqual([3, 3, false, 9, 'medium', '2027-01-30']);
    expect(issuesOf(sensitive)).toEqual([
      'ctr.own_purposes comment-required',
      'sec.sensitive_safeguards comment-required',
      'sec.toms required',
    ]);
  });
});

describe('gdpr-art28-processor@1.0.0: a supplier that processes no personal data', () => {
  const answers: Answers = {
    'scope.personal_data': 'no',
    'scope.personal_data#comment': 'We deliver network hardware; our staff never access your systems.',
    'fin.completed_by': 'Kim Example, sales engineer',
    'ctr.dpa': 'no', // hidden: raises nothing
  };

  it('hides every processing section, has no score and no findings, and can be submitted', () => {
    const ev = evaluate(q, answers, TODAY);
    expect(ev.sections.filter((s) => s.visible).map((s) => s.id)).toEqual(['scope', 'fin']);
    expect(ev.score).toBeNull();
    expect(ev.band).toBeNull();
    expect(ev.findings).toEqual([]);
    expect(ev.canSubmit).toBe(true);
  });

  it('must explain why no personal data is involved', () => {
    const { 'scope.personal_data#comment': _, ...rest } = answers;
    expect(issuesOf(evaluate(q, rest, TODAY))).toEqual(['scope.personal_data comment-required']);
  });
});
