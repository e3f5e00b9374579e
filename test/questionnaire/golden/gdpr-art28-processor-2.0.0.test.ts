// Golden tests for gdpr-art28-processor@2.0.0 (questionnaires/gdpr-art28-processor.yaml, vrq/1.1). Every
// expected number is worked out by hand from the file: question weight × section weight, the answer scores,
// likelihood × impact (+1 impact when escalated), the rating rule and the due days. Version 1.0.0 is covered,
// unchanged, by gdpr-art28-processor-1.0.0.test.ts; the review's scenarios are run against both here
// (docs/content-review/gdpr-art28-processor.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintFiles } from '../../../src/platform/node/questionnaire-files.js';
import {
  type Answers,
  checkCompatibility,
  compileQuestionnaire,
  evaluate,
  type Text,
} from '../../../src/questionnaire/index.js';
import { BEST } from './answers/gdpr-art28-processor.js';
import { findingsOf, issuesOf, sectionScores } from './support.js';

const FILE = 'test/questionnaire/fixtures/shipped-2.0.0/gdpr-art28-processor.yaml';
const SOURCE = readFileSync(new URL(`../../../${FILE}`, import.meta.url), 'utf8');
const compiled = compileQuestionnaire(SOURCE, { file: FILE });
const q = compiled.questionnaire!;
const V1_FILE = 'test/questionnaire/fixtures/shipped-1.0.0/gdpr-art28-processor.yaml';
const v1 = compileQuestionnaire(readFileSync(new URL(`../../../${V1_FILE}`, import.meta.url), 'utf8'))
  .questionnaire!;
const TABLE = parse(
  readFileSync(new URL('../../../questionnaires/thresholds/eu-supplier.yaml', import.meta.url), 'utf8'),
) as { values: Record<string, { value: number }> };
const TODAY = '2026-12-02'; // the review's evaluation date

// The controller's context facts (context: true): health data.
const HEALTH: Answers = { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'special'] };
const ORDINARY: Answers = { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'usage'] };
const run = (answers: Answers, context: Answers = HEALTH) => evaluate(q, answers, TODAY, { context });

// The best answer to every question: a processor of health data with sub-processors and transfers under SCCs.
// (BEST: ./answers/, shared with the before/after table in docs/content-review/ratings.md.)

// Σw of BEST, w = question weight × section weight:
//   ctr  ×3: dpa 3 + instructions 3 + legal duty 1 + unlawful instruction 2 + own purposes 3 = 12 → 36
//   conf ×2: commitment 3 + need to know 2 + access review 1 + training 2 = 8 → 16
//   sec  ×3: certification 2 + encryption 3 + mfa 2 + access logging 2 + pseudonymisation 1 + test data 1
//            + backup 3 + restore test 2 + effectiveness test 2 + sensitive measures 3 = 21 → 63
//   dsr  ×2: assist 3 + forward 2 + export 1 = 6 → 12
//   brc  ×3: process 3 + notify 3 + content 2 + log 1 + log share 1 + dpia 2 + data subjects 1 + records 1 = 14 → 42
//   sub  ×3: authorisation 3 + notice 2 + flowdown 3 + liability 1 + monitoring 2 = 11 → 33
//   xfer ×3: mechanism 3 + scc version 1 + tia 2 + authority requests 2 + challenge 1 + inform 1 = 10 → 30
//   end  ×2: return/delete 3 + deletion 2 + confirmation 1 = 6 → 12
//   aud  ×2: information 2 + audits 3 = 5 → 10
//   Σw = 36 + 16 + 63 + 12 + 42 + 33 + 30 + 12 + 10 = 254
const BEST_WEIGHT = 254;

// The same processor under 1.0.0 (its question ids), for the before/after comparison of the review's scenarios.
const BEST_V1: Answers = {
  ...Object.fromEntries(Object.entries(BEST).filter(([id]) => v1.questions.has(id.split('#')[0]!))),
  ...HEALTH,
  'sec.encryption': 'both',
  'sec.sensitive_safeguards': 'yes',
};
const underV1 = (answers: Answers) => evaluate(v1, { ...BEST_V1, ...answers }, TODAY);

describe('gdpr-art28-processor@2.0.0: the file', () => {
  it('compiles and lints without a single error or warning, in English and German', () => {
    expect(compiled.problems).toEqual([]);
    expect(lintFiles([FILE])).toMatchObject({ errors: 0, warnings: 0 });
    expect(q.ref).toBe('gdpr-art28-processor@2.0.0');
    expect(q.status).toBe('published');
    expect(q.locales).toEqual(['en', 'de']);
    expect(q.changelog.map((c) => c.version)).toEqual(['1.0.0', '2.0.0']);
  });

  it('has 65 questions in 11 sections and 41 findings, 2 of them the automatic N/A claims of must-haves', () => {
    expect(q.questions.size).toBe(65);
    expect(Object.fromEntries(q.sections.map((s) => [s.id, s.questions.length]))).toEqual({
      scope: 9,
      ctr: 5,
      conf: 4,
      sec: 13,
      dsr: 3,
      brc: 8,
      sub: 7,
      xfer: 9,
      end: 3,
      aud: 2,
      fin: 2,
    });
    expect(q.findings.size).toBe(41);
    expect([...q.questions.values()].filter((x) => x.mustHave).map((x) => x.id)).toEqual([
      'sec.mfa',
      'brc.records',
    ]);
  });

  it('never lets N/A help: mandatory terms refuse it, every other N/A needs a reason and scores 0', () => {
    expect(q.scoring.naPolicy).toBe('zero');
    const yesNo = [...q.questions.values()].filter((x) => x.type === 'yes_no_na' && !x.context);
    expect(yesNo.filter((x) => x.na === 'justify').map((x) => x.id)).toEqual([
      'sec.mfa',
      'sec.pseudonymisation',
      'sec.test_data',
      'brc.records',
    ]);
    expect(yesNo.filter((x) => x.na !== 'justify' && x.na !== 'forbidden')).toEqual([]);
    for (const id of [
      'ctr.dpa',
      'ctr.instructions',
      'ctr.legal_duty',
      'ctr.unlawful_instruction',
      'conf.commitment',
      'dsr.assist',
      'brc.content',
      'brc.dpia',
      'sub.flowdown',
      'sub.liability',
      'end.return_delete',
      'aud.information',
      'sub.uses',
      'xfer.outside_eea',
    ])
      expect(q.questions.get(id)!.na, id).toBe('forbidden');
  });

  it('rates the headline at least high for a critical finding, medium for a high one, critical for a knock-out', () => {
    expect(q.rating).toMatchObject({
      floors: [
        { finding: 'critical', rating: 'high' },
        { finding: 'high', rating: 'medium' },
      ],
      knockout: 'critical',
    });
    expect([...q.findings.values()].filter((f) => f.knockout).map((f) => f.id)).toEqual([
      'GDPR-CTR-01',
      'GDPR-SEC-02',
      'GDPR-SEC-07',
      'GDPR-BRC-03',
      'GDPR-XFER-01',
    ]);
  });

  it('lets the controller, not the processor, state whether personal data is processed and which categories', () => {
    expect(q.contextFacts.map((x) => x.id)).toEqual(['scope.personal_data', 'scope.data_categories']);
  });

  it('takes its thresholds unchanged from the shared table eu-supplier@1.0.0', () => {
    expect(q.thresholds.table).toBe('eu-supplier@1.0.0');
    expect(Object.fromEntries(q.thresholds.values)).toEqual({
      incident_notice_hours: TABLE.values.incident_notice_hours!.value,
      deletion_days: TABLE.values.deletion_days!.value,
      restore_test_days: TABLE.values.restore_test_days!.value,
      pentest_age_days: TABLE.values.pentest_age_days!.value,
    });
    expect(Object.fromEntries(q.thresholds.values)).toEqual({
      incident_notice_hours: 24,
      deletion_days: 90,
      restore_test_days: 365,
      pentest_age_days: 365,
    });
  });

  it('can replace 1.0.0: no incompatible change, only the warnings that make it a major version', () => {
    const problems = checkCompatibility(v1, q);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const byCode = (code: string) => problems.filter((p) => p.code === code).length;
    expect(byCode('became-context')).toBe(2);
    expect(byCode('option-removed')).toBe(21); // N/A no longer accepted
    expect(problems.filter((p) => p.code === 'question-removed').map((p) => p.message)).toEqual([
      'Question sec.encryption of gdpr-art28-processor@1.0.0 no longer exists; its stored answers will not carry over.',
      'Question sec.sensitive_safeguards of gdpr-art28-processor@1.0.0 no longer exists; its stored answers will not carry over.',
    ]);
    expect(problems.length).toBe(25);
  });

  it('maps Art. 28, 30(2), 32, 33 and Chapter V where the review asked, and only to known ids', () => {
    const used = new Set([...q.questions.values()].flatMap((x) => x.controls));
    for (const point of 'abcdefgh') expect(used).toContain(`gdpr:28.3.${point}`);
    for (const c of ['28.2', '28.4', '28.5', '28.10', '30.2', '32.1.a', '32.1.b', '32.1.c', '32.1.d', '32.4'])
      expect(used).toContain(`gdpr:${c}`);
    for (const c of ['33.2', '33.3', '34', '44', '45', '46', '47', '49']) expect(used).toContain(`gdpr:${c}`);
    const controls = (id: string) => q.questions.get(id)!.controls;
    expect(controls('brc.records')).toContain('gdpr:30.2');
    expect(controls('brc.records')).not.toContain('gdpr:28.3.h');
    expect(controls('ctr.own_purposes')).toContain('gdpr:28.10');
    expect(controls('conf.training')).toEqual(expect.arrayContaining(['gdpr:32.4', 'gdpr:28.3.c']));
    expect(controls('conf.training')).not.toContain('gdpr:28.3.b');
    expect(controls('dsr.export')).toContain('caiq:DSP-11.1');
    expect(controls('dsr.export')).not.toContain('caiq:IPY-04.1');
    expect(controls('xfer.tia')).toEqual(['gdpr:46']);
    expect(controls('brc.notify_hours')).toContain('gdpr:33.2');
    expect(controls('brc.content')).toContain('gdpr:33.3');
    const gdpr = [
      ...['1', '2', '3', '3.a', '3.b', '3.c', '3.d', '3.e', '3.f', '3.g', '3.h', '4', '5', '9', '10'].map(
        (p) => `gdpr:28.${p}`,
      ),
      ...['9', '12.3', '20', '29', '30.2', '30.5', '32.1', '32.1.a', '32.1.b', '32.1.c', '32.1.d', '32.3'],
      ...['32.4', '33.2', '33.3', '33.5', '34', '35', '36', '44', '45', '46', '46.2.c', '47', '48', '49'],
    ].map((c) => (c.startsWith('gdpr:') ? c : `gdpr:${c}`));
    const iso = ['5.15', '5.18', '5.20', '5.21', '5.22', '5.24', '5.26', '5.27', '5.35', '6.3', '6.6'].map(
      (n) => `iso27001:A.${n}`,
    );
    iso.push(...['8.3', '8.5', '8.11', '8.13', '8.15', '8.24', '8.33'].map((n) => `iso27001:A.${n}`));
    const caiq = [
      ...['A&A-02.1', 'BCR-08.1', 'BCR-08.3', 'CEK-03.1', 'DSP-08.1', 'DSP-09.1', 'DSP-11.1', 'DSP-12.1'],
      ...['DSP-13.1', 'DSP-14.1', 'DSP-15.1', 'DSP-16.1', 'DSP-17.1', 'DSP-18.1', 'DSP-18.2', 'HRS-10.1'],
      ...['HRS-12.1', 'IAM-05.1', 'IAM-08.1', 'IAM-14.1', 'IPY-02.1', 'IPY-04.1', 'LOG-08.1', 'SEF-03.1'],
      ...['SEF-07.1', 'SEF-07.2', 'STA-09.1', 'STA-12.1', 'STA-14.1', 'TVM-06.1'],
    ].map((c) => `caiq:${c}`);
    const known = new Set([...gdpr, ...iso, ...caiq]);
    expect([...used].filter((c) => !known.has(c)).sort()).toEqual([]);
  });

  it('has English and German for every text, in the compiled questionnaire and in the YAML itself', () => {
    const texts: Array<[string, Text | null | undefined]> = [
      ['title', q.title],
      ['description', q.description],
      ...[...q.frameworks.values()].map((f): [string, Text] => [`framework ${f.key}`, f.title]),
      ...q.scoring.bands.map((b): [string, Text | null] => [`band ${b.rating}`, b.label]),
      ...q.risk!.rating.map((b): [string, Text | null] => [`rating ${b.rating}`, b.label]),
      ...Object.entries(q.risk!.likelihood).map(([k, t]): [string, Text] => [`likelihood ${k}`, t]),
      ...Object.entries(q.risk!.impact).map(([k, t]): [string, Text] => [`impact ${k}`, t]),
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
      }
    }
    for (const f of q.findings.values()) {
      texts.push([`${f.id} title`, f.title]);
      texts.push([`${f.id} remediation`, f.remediation]);
    }
    expect(texts.filter(([, t]) => !t?.en?.trim() || !t.de?.trim()).map(([where]) => where)).toEqual([]);
    expect(texts.length).toBeGreaterThan(250);
    const sentences = texts.filter(([where]) => / (text|remediation|help)$/.test(where));
    expect(sentences.filter(([, t]) => t!.en === t!.de).map(([where]) => where)).toEqual([]);

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

  it('speaks in the processor\'s voice: options say "we" for the processor and "you" for us', () => {
    const labels = (id: string) => q.questions.get(id)!.options!.map((o) => o.label.en);
    expect(labels('dsr.export')).toEqual([
      'You can export it yourselves in the service',
      'We export it on your request within 5 working days',
      'We can export it by hand, without a committed deadline',
      'It cannot be exported',
    ]);
    expect(labels('sub.authorisation').every((l) => l!.startsWith('We ') || l!.startsWith('General'))).toBe(
      true,
    );
    expect(labels('aud.audits')[1]).toBe('Only our own third-party audit reports and certificates');
  });
});

describe('gdpr-art28-processor@2.0.0: the best answers', () => {
  const ev = run(BEST);

  it('scores 100 (low), rated low, with nothing raised, and can be submitted', () => {
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([100, 'low', 'low', []]);
    expect(Object.values(ev.questions).reduce((sum, x) => sum + x.weight, 0)).toBe(BEST_WEIGHT);
    expect(ev.findings).toEqual([]);
    expect(ev.issues).toEqual([]);
    const old = underV1({});
    expect([old.score, old.band, old.rating]).toEqual([100, 'low', 'low']);
  });
});

describe('gdpr-art28-processor@2.0.0: a good processor', () => {
  const GOOD: Answers = {
    ...BEST,
    'sec.pseudonymisation': 'no',
    'sec.access_logging': 'admin',
    'dsr.forward_days': 3,
    'dsr.export': 'on_request',
    'brc.notify_hours': 24,
    'sub.monitoring': 'onboarding',
    'end.deletion_days': 60,
    'aud.audits': 'reports_only',
  };
  const ev = run(GOOD);

  it('scores 93.2 (low), rated low: its one finding is medium', () => {
    //   ctr  ×3: 12 of 12 → 36 of 36
    //   conf ×2: 8 of 8 → 16 of 16
    //   sec  ×3: certification 2 + encryption 3 + mfa 2 + access logging(admin only) 2·0.5 + pseudonymisation 1·0
    //            + test data 1 + backup 3 + restore test 2 + effectiveness test 2 + sensitive 3 = 19 of 21 → 57 of 63
    //   dsr  ×2: assist 3 + forward(3 d) 2·0.5 + export(on request) 1·0.7 = 4.7 of 6 → 9.4 of 12
    //   brc  ×3: notify(24 h, the threshold) 3·1 + the rest = 14 of 14 → 42 of 42
    //   sub  ×3: authorisation 3 + notice(30 d) 2 + flowdown 3 + liability 1 + monitoring(onboarding) 2·0.5
    //            = 10 of 11 → 30 of 33
    //   xfer ×3: 10 of 10 → 30 of 30
    //   end  ×2: return/delete 3 + deletion(60 d) 2·0.5 + confirmation 1 = 5 of 6 → 10 of 12
    //   aud  ×2: information 2 + audits(reports only) 3·0.4 = 3.2 of 5 → 6.4 of 10
    //   Σw·s = 236.8, Σw = 254 → 93.23 % → 93.2
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([93.2, 'low', 'low', []]);
    expect(sectionScores(ev)).toMatchObject({ sec: 90.5, dsr: 78.3, sub: 90.9, end: 83.3, aud: 64 });
    // Art. 28(3)(h) requires audits including inspections: reports only is now 3×3 (medium), not 2×3.
    expect(findingsOf(ev)).toEqual({ 'GDPR-AUD-02': [3, 3, false, 9, 'medium', '2027-03-02'] });
    expect(ev.canSubmit).toBe(true);
  });
});

describe('gdpr-art28-processor@2.0.0: review scenario, no MFA and breach notice after 72 hours', () => {
  const answers: Answers = { 'sec.mfa': 'no', 'brc.notify_hours': 72 };

  it('before 92.6 low/low, now 94.1 low/critical: missing MFA is a knock-out', () => {
    const old = underV1(answers);
    expect([old.score, old.band, old.rating]).toEqual([92.6, 'low', 'low']);
    const ev = run({ ...BEST, ...answers });
    // Lost: sec.mfa 2·3 = 6, brc.notify_hours 3·3 = 9: (254 − 15) / 254 = 94.09 % → 94.1
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([
      94.1,
      'low',
      'critical',
      ['GDPR-SEC-02'],
    ]);
    expect(findingsOf(ev)).toEqual({
      'GDPR-SEC-02': [4, 4, true, 16, 'critical', '2027-01-31'],
      'GDPR-BRC-01': [3, 5, true, 15, 'critical', '2027-01-01'],
    });
  });

  it('flags a notice above 24 hours (the shared threshold), not only above 48', () => {
    const ev = run({ ...BEST, 'brc.notify_hours': 36 });
    expect(findingsOf(ev)['GDPR-BRC-01']).toEqual([3, 5, true, 15, 'critical', '2027-01-01']);
    expect(ev.questions['brc.notify_hours']!.score).toBe(0.5);
    expect(findingsOf(underV1({ 'brc.notify_hours': 36 }))).toEqual({});
  });
});

describe('gdpr-art28-processor@2.0.0: review scenario, N/A on mandatory terms and "no" to three more', () => {
  const answers: Answers = {
    'ctr.dpa': 'na',
    'ctr.dpa#comment': 'n/a',
    'ctr.instructions': 'na',
    'ctr.instructions#comment': 'n/a',
    'conf.commitment': 'na',
    'conf.commitment#comment': 'n/a',
    'end.return_delete': 'na',
    'end.return_delete#comment': 'n/a',
    'sub.liability': 'no',
    'ctr.legal_duty': 'no',
    'xfer.authority_requests': 'no',
  };

  it('before 93.1 low/low with no finding, now 81.1 medium/high and it cannot be submitted', () => {
    const old = underV1(answers);
    expect([old.score, old.band, old.rating, old.findings]).toEqual([93.1, 'low', 'low', []]);
    const ev = run({ ...BEST, ...answers });
    // N/A is refused: dpa 3·3 = 9, instructions 9, commitment 3·2 = 6 and return/delete 3·2 = 6 count 0.
    // "No": legal duty 1·3 = 3, liability 1·3 = 3, authority requests 2·3 = 6, and its follow-ups challenge 1·3
    // and inform 1·3 (hidden behind "no", failed) = 6. Lost 48: (254 − 48) / 254 = 81.10 % → 81.1
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([
      81.1,
      'medium',
      'high',
      ['GDPR-SUB-05'],
    ]);
    expect(issuesOf(ev)).toEqual([
      'conf.commitment invalid',
      'ctr.dpa invalid',
      'ctr.instructions invalid',
      'end.return_delete invalid',
    ]);
    expect(findingsOf(ev)).toEqual({
      'GDPR-CTR-05': [2, 3, false, 6, 'medium', '2027-01-31'],
      'GDPR-SUB-05': [3, 5, true, 15, 'critical', '2027-01-31'],
      'GDPR-XFER-04': [3, 4, true, 12, 'high', '2027-03-02'],
    });
  });
});

describe('gdpr-art28-processor@2.0.0: review scenario, sub.uses and xfer.outside_eea answered N/A', () => {
  const answers: Answers = { 'sub.uses': 'na', 'xfer.outside_eea': 'na' };

  it('before 100 low/low and submittable, now 74.3 medium/medium and not submittable', () => {
    const old = underV1(answers);
    expect([old.score, old.band, old.canSubmit]).toEqual([100, 'low', true]);
    const ev = run({ ...BEST, ...answers });
    // The refused switches read as unanswered, so the sections' follow-ups are hidden and count as failed:
    // sub.authorisation 3 + flowdown 3 + liability 1 + monitoring 2 = 9·3 = 27, xfer.mechanism 3 + authority
    // requests 2 = 5·3 = 15 (hidden_zero_if). The follow-ups of those follow-ups are not known yet either and
    // count as unanswered: sub.notice_days 2·3 and xfer.scc_version, tia, challenge, inform (1 + 2 + 1 + 1)·3 =
    // 21, and xfer.derogation_use 1·3, which BEST's SCC mechanism hides, so Σw = 254 + 3 = 257.
    // (257 − 42 − 21 − 3) / 257 = 74.32 % → 74.3 (82.0 while the second tier left the score)
    expect([ev.score, ev.band, ev.rating]).toEqual([74.3, 'medium', 'medium']);
    expect(issuesOf(ev)).toEqual(['sub.uses invalid', 'xfer.outside_eea invalid']);
    expect(ev.canSubmit).toBe(false);
  });
});

describe('gdpr-art28-processor@2.0.0: a health-data processor without MFA, breach process or backups', () => {
  const answers: Answers = {
    'sec.mfa': 'no',
    'brc.process': 'no',
    'brc.process#comment': 'Handled case by case.',
    'sec.backup': 'none',
  };

  it('is rated critical, not low (1.0.0 could ask only about MFA: 97.1 low/low)', () => {
    expect([underV1({ 'sec.mfa': 'no' }).score, underV1({ 'sec.mfa': 'no' }).rating]).toEqual([97.1, 'low']);
    const ev = run({ ...BEST, ...answers });
    // Lost: sec.mfa 2·3 = 6, brc.process 3·3 = 9, sec.backup 3·3 = 9, sec.restore_test 2·3 = 6 (hidden behind
    // "none", failed): 30. (254 − 30) / 254 = 88.19 % → 88.2
    expect([ev.score, ev.band, ev.rating]).toEqual([88.2, 'low', 'critical']);
    expect(ev.ratingDrivers).toEqual(['GDPR-SEC-02', 'GDPR-SEC-07', 'GDPR-BRC-03']);
    expect(findingsOf(ev)).toEqual({
      'GDPR-SEC-02': [4, 4, true, 16, 'critical', '2027-01-31'],
      'GDPR-SEC-07': [4, 5, false, 20, 'critical', '2027-01-01'],
      'GDPR-BRC-03': [3, 5, true, 15, 'critical', '2027-01-31'],
    });
  });
});

describe('gdpr-art28-processor@2.0.0: the N/A gamer (N/A with a throw-away comment on every yes/no)', () => {
  const na = (qq: typeof q, base: Answers): Answers =>
    Object.fromEntries([
      ...Object.entries(base),
      ...[...qq.questions.values()]
        .filter((x) => x.type === 'yes_no_na' && !x.context && !x.id.startsWith('scope.'))
        .flatMap((x) => [
          [x.id, 'na'],
          [`${x.id}#comment`, 'n/a'],
        ]),
    ]);

  it('before 100 low/low, now 26.5 critical/critical, not submittable', () => {
    const old = evaluate(v1, na(v1, BEST_V1), TODAY);
    expect([old.score, old.band, old.rating, old.findings, old.canSubmit]).toEqual([
      100,
      'low',
      'low',
      [],
      true,
    ]);
    const ev = run(na(q, BEST));
    //   ctr  ×3: all five refused = 0 of 12 → 0 of 36
    //   conf ×2: commitment, need to know, access review refused + training 2 = 2 of 8 → 4 of 16
    //   sec  ×3: certification 2 + encryption 3 + mfa 2·0 (N/A scores 0) + access logging 2 + pseudonymisation 1·0
    //            + test data 1·0 + backup 3 + sensitive 3 = 13 of 17 → 39 of 51 (the test dates stay hidden behind
    //            their refused gates and out of the score)
    //   dsr  ×2: assist refused + forward 2 + export 1 = 3 of 6 → 6 of 12
    //   brc  ×3: process, content, log, dpia, data subjects refused + notify 3 + records 1·0 = 3 of 13 → 9 of 39
    //   sub  ×3: authorisation 3 + flowdown 3 + liability 1 + monitoring 2 failed (switch refused) = 0 of 9 → 0 of 27
    //   xfer ×3: mechanism 3 + authority requests 2 failed = 0 of 5 → 0 of 15
    //   end  ×2: return/delete, confirmation refused + deletion 2 = 2 of 6 → 4 of 12
    //   aud  ×2: information refused + audits 3 = 3 of 5 → 6 of 10
    //   and hidden behind refused gates, not known yet, so counted as unanswered: brc.log_share 1·3,
    //   sub.notice_days 2·3, xfer.derogation_use, scc_version, tia, challenge, inform (1 + 1 + 2 + 1 + 1)·3 = 0 of 27
    //   Σw·s = 68, Σw = 257 → 26.46 % → 26.5 (29.6 while those left the score)
    expect([ev.score, ev.band, ev.rating]).toEqual([26.5, 'critical', 'critical']);
    // 21 refused answers, and since the N/A-claim audit the four "n/a" justifications too (2 words, 15 characters).
    expect(ev.issues.filter((i) => i.kind === 'invalid')).toHaveLength(25);
    // Each claim weighs what "no" would (src/questionnaire/na-claim.ts); before the audit both were 1 × 1, low.
    //   NA-sec_mfa:     GDPR-SEC-02 4 × 3, escalated for special-category data → 4 × 4 = 16, critical, a knock-out
    //   NA-brc_records: GDPR-BRC-05 2 × 3 = 6, medium
    expect(findingsOf(ev)).toEqual({
      'NA-sec_mfa': [4, 4, true, 16, 'critical', '2027-01-31'],
      'NA-brc_records': [2, 3, false, 6, 'medium', '2027-03-02'],
    });
  });
});

describe('gdpr-art28-processor@2.0.0: a weak processor of ordinary personal data', () => {
  const WEAK: Answers = {
    'scope.data_subjects': ['customers'],
    'scope.volume': 'medium',
    'scope.purpose': 'Usage analytics for our web shop.',
    'scope.duration': 'For the term of the subscription.',
    'scope.dpo_contact': 'privacy@analytics.example',
    'scope.establishment': 'union',
    'ctr.dpa': 'no',
    'ctr.dpa#comment': 'Our terms of service apply.',
    'ctr.instructions': 'yes',
    'ctr.legal_duty': 'no',
    'ctr.unlawful_instruction': 'no',
    'ctr.own_purposes': 'yes', // its description is missing: comment-required
    'conf.commitment': 'yes',
    'conf.need_to_know': 'no',
    'conf.access_review': 'no',
    'conf.training': 'none',
    // sec.toms is missing: required
    'sec.certification': ['none'],
    'sec.encryption_scope': ['transit'],
    'sec.mfa': 'no',
    'sec.access_logging': 'none',
    'sec.pseudonymisation': 'na',
    'sec.pseudonymisation#comment': 'Every feature needs the full contact record.',
    'sec.test_data': 'no',
    'sec.backup': 'regular',
    'sec.restore_tested': 'no',
    'sec.effectiveness_tested': 'yes',
    'sec.effectiveness_test': '2025-06-01', // 549 days ago
    'dsr.assist': 'yes',
    'dsr.forward_days': 10,
    'dsr.export': 'manual',
    'brc.process': 'yes',
    'brc.notify_hours': 72,
    'brc.content': 'no',
    'brc.log': 'no',
    'brc.dpia': 'no',
    'brc.data_subjects': 'yes',
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
    'sec.sensitive_measures': ['none'],
    'xfer.mechanism': ['none'],
  };
  const ev = run(WEAK, ORDINARY);

  it('scores 26.8 (critical)', () => {
    //   ctr  ×3: dpa 3·0 + instructions 3 + legal duty 1·0 + unlawful 2·0 + own purposes(yes) 3·0 = 3 of 12 → 9 of 36
    //   conf ×2: commitment 3 + need to know 2·0 + access review 1·0 + training 2·0 = 3 of 8 → 6 of 16
    //   sec  ×3: certification 2·0 + encryption(transit only) 3·0.4 + mfa 2·0 + access logging 2·0
    //            + pseudonymisation 1·0 (justified N/A scores 0) + test data 1·0 + backup(regular) 3·0.5
    //            + restore test 2 (never tested: failed) + effectiveness test(549 d) 2·0 = 2.7 of 18 → 8.1 of 54
    //   dsr  ×2: assist 3 + forward(10 d) 2·0 + export(manual) 1·0.3 = 3.3 of 6 → 6.6 of 12
    //   brc  ×3: process 3 + notify(72 h) 3·0 + content 2·0 + log 1·0 + log share 1 (failed) + dpia 2·0
    //            + data subjects 1 + records 1 = 5 of 14 → 15 of 42
    //   sub  ×3: authorisation(none) 3·0 + notice 2 (failed) + flowdown 3·0 + liability 1 + monitoring 2·0
    //            = 1 of 11 → 3 of 33
    //   xfer: only the unscored switch is visible → nothing
    //   end  ×2: return/delete 3 + deletion(180 d) 2·0 + confirmation 1·0 = 3 of 6 → 6 of 12
    //   aud  ×2: information 2 + audits(none) 3·0 = 2 of 5 → 4 of 10
    //   Σw·s = 57.7, Σw = 215 → 26.84 % → 26.8
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([26.8, 'critical', 'critical', []]);
    for (const id of ['sec.sensitive_measures', 'xfer.mechanism', 'xfer.tia', 'scope.representative'])
      expect(ev.questions[id], id).toMatchObject({ visible: false, score: null, weight: 0 });
  });

  it('raises exactly these 21 findings, two of them knock-outs', () => {
    expect(findingsOf(ev)).toEqual({
      'GDPR-CTR-01': [4, 4, false, 16, 'critical', '2027-01-01'],
      'GDPR-CTR-05': [2, 3, false, 6, 'medium', '2027-01-31'],
      'GDPR-CTR-03': [2, 3, false, 6, 'medium', '2027-01-31'],
      'GDPR-CTR-04': [4, 4, false, 16, 'critical', '2027-01-01'],
      'GDPR-CONF-03': [3, 3, false, 9, 'medium', '2027-01-31'],
      'GDPR-CONF-02': [3, 2, false, 6, 'medium', '2027-04-01'],
      'GDPR-SEC-01': [3, 4, false, 12, 'high', '2027-03-02'],
      'GDPR-SEC-06': [2, 4, false, 8, 'medium', '2027-03-02'],
      'GDPR-SEC-02': [4, 3, false, 12, 'high', '2027-01-31'],
      'GDPR-SEC-09': [3, 3, false, 9, 'medium', '2027-03-02'],
      'GDPR-SEC-08': [3, 4, false, 12, 'high', '2027-03-02'],
      'GDPR-SEC-03': [3, 3, false, 9, 'medium', '2027-04-01'],
      'GDPR-DSR-02': [3, 2, false, 6, 'medium', '2027-01-31'],
      'GDPR-BRC-01': [3, 4, false, 12, 'high', '2027-01-01'],
      'GDPR-BRC-04': [3, 3, false, 9, 'medium', '2027-01-31'],
      'GDPR-BRC-02': [2, 3, false, 6, 'medium', '2027-01-31'],
      'GDPR-SUB-01': [3, 4, false, 12, 'high', '2027-01-31'],
      'GDPR-SUB-03': [3, 4, false, 12, 'high', '2027-03-02'],
      'GDPR-SUB-04': [3, 3, false, 9, 'medium', '2027-04-01'],
      'GDPR-END-02': [2, 3, false, 6, 'medium', '2027-03-02'],
      'GDPR-AUD-01': [3, 4, false, 12, 'high', '2027-01-31'],
    });
    expect(ev.findings.filter((f) => q.findings.get(f.id)!.knockout).map((f) => f.id)).toEqual([
      'GDPR-CTR-01',
      'GDPR-SEC-02',
    ]);
  });

  it('cannot be submitted without the description of its own purposes and the TOMs', () => {
    expect(issuesOf(ev)).toEqual(['ctr.own_purposes comment-required', 'sec.toms required']);
  });

  it('escalates and asks for the extra safeguards when the controller says the data is special-category', () => {
    const sensitive = run(WEAK, HEALTH);
    // The kept answer sec.sensitive_measures = none now counts: Σw grows by 3·3 = 9 at score 0.
    // Σw·s = 57.7, Σw = 224 → 25.76 % → 25.8
    expect(sensitive.score).toBe(25.8);
    expect(findingsOf(sensitive)['GDPR-SEC-04']).toEqual([3, 5, false, 15, 'critical', '2027-01-31']);
    expect(findingsOf(sensitive)['GDPR-CTR-01']).toEqual([4, 5, true, 20, 'critical', '2027-01-01']);
    expect(issuesOf(sensitive)).toContain('sec.sensitive_measures comment-required');
  });
});

describe('gdpr-art28-processor@2.0.0: no inversions (review X3)', () => {
  // Each pair: the control missing, then a weak version of it with its follow-ups at their worst; Σw = 254.
  const pairs: Array<[string, Answers, number, Answers, number]> = [
    // no backups: 9 + restore test 6 → 239/254 = 94.1; regular, never restored: 0.5·9 + 6 = 10.5 → 243.5/254 = 95.9
    [
      'backups',
      { 'sec.backup': 'none' },
      94.1,
      { 'sec.backup': 'regular', 'sec.restore_tested': 'no' },
      95.9,
    ],
    // no authorisation: 9 + notice 6 → 94.1; general notice with 0 days: 6 → 248/254 = 97.6
    ['sub-processor authorisation', { 'sub.authorisation': 'none' }, 94.1, { 'sub.notice_days': 0 }, 97.6],
    // no breach record: 3 + sharing 3 → 97.6; a record not shared: 3 → 251/254 = 98.8
    ['breach record', { 'brc.log': 'no' }, 97.6, { 'brc.log_share': 'no' }, 98.8],
    // no authority-request procedure: 6 + 3 + 3 → 95.3; a procedure that neither challenges nor informs: 6 → 97.6
    [
      'authority requests',
      { 'xfer.authority_requests': 'no' },
      95.3,
      { 'xfer.authority_challenge': 'no', 'xfer.authority_inform': 'no' },
      97.6,
    ],
    // never tested: effectiveness test 6 → 97.6; tested in 2020: 6 → 97.6 (equal, never better)
    [
      'effectiveness test',
      { 'sec.effectiveness_tested': 'no' },
      97.6,
      { 'sec.effectiveness_test': '2020-01-01' },
      97.6,
    ],
  ];
  for (const [what, missing, missingScore, weak, weakScore] of pairs) {
    it(`${what}: missing (${missingScore}) never scores above a weak version (${weakScore})`, () => {
      expect(run({ ...BEST, ...missing }).score).toBe(missingScore);
      expect(run({ ...BEST, ...weak }).score).toBe(weakScore);
    });
  }

  it('a date question has a "never" path: a processor that never tested need not invent a date', () => {
    const ev = run({ ...BEST, 'sec.effectiveness_tested': 'no' });
    expect(ev.questions['sec.effectiveness_test']).toMatchObject({ visible: false, required: false });
    expect(ev.issues).toEqual([]);
    expect(findingsOf(ev)['GDPR-SEC-03']).toEqual([3, 3, false, 9, 'medium', '2027-04-01']);
  });
});

describe("gdpr-art28-processor@2.0.0: transfers, sub-processors and the controller's facts", () => {
  it('flags a derogation only when the transfers are regular, and superseded SCCs', () => {
    const occasional = run({
      ...BEST,
      'xfer.mechanism': ['derogation'],
      'xfer.derogation_use': 'occasional',
    });
    expect(findingsOf(occasional)['GDPR-XFER-02']).toBeUndefined();
    const regular = run({ ...BEST, 'xfer.mechanism': ['derogation'], 'xfer.derogation_use': 'regular' });
    expect(findingsOf(regular)['GDPR-XFER-02']).toEqual([3, 4, true, 12, 'high', '2027-03-02']);
    const legacy = run({ ...BEST, 'xfer.scc_version': 'legacy' });
    expect(findingsOf(legacy)).toEqual({ 'GDPR-XFER-05': [3, 5, true, 15, 'critical', '2027-01-31'] });
    expect(run({ ...BEST, 'xfer.mechanism': ['adequacy'] }).questions['xfer.tia']!.visible).toBe(false);
  });

  it('scores "informed, but no objection" at 0 and raises GDPR-SUB-01 for it (Art. 28(2))', () => {
    const ev = run({ ...BEST, 'sub.authorisation': 'informed_only' });
    expect(ev.questions['sub.authorisation']!.score).toBe(0);
    expect(ev.questions['sub.notice_days']).toMatchObject({ visible: false, score: 0, weight: 6 });
    expect(findingsOf(ev)).toEqual({ 'GDPR-SUB-01': [3, 5, true, 15, 'critical', '2027-01-31'] });
  });

  it('offers the approved GDPR instruments of Art. 28(5)', () => {
    const values = q.questions.get('sec.certification')!.options!.map((o) => o.value);
    expect(values).toEqual(expect.arrayContaining(['code_of_conduct', 'gdpr_certification']));
  });

  it('asks a processor outside the Union for its Art. 27 representative', () => {
    const ev = run({ ...BEST, 'scope.establishment': 'outside' });
    expect(issuesOf(ev)).toEqual(['scope.representative required']);
  });

  it('hides everything, with no score and no finding, when the controller says no personal data is processed', () => {
    const ev = evaluate(q, { 'fin.completed_by': 'Kim Example', 'ctr.dpa': 'no' }, TODAY, {
      context: { 'scope.personal_data': 'no' },
    });
    expect(ev.sections.filter((s) => s.visible).map((s) => s.id)).toEqual(['scope', 'fin']);
    expect([ev.score, ev.band, ev.rating, ev.findings, ev.canSubmit]).toEqual([null, null, null, [], true]);
  });

  it("ignores the processor's own answer to a context fact, and assumes personal data until the controller says", () => {
    const own = run({ ...BEST, 'scope.personal_data': 'no', 'scope.data_categories': ['contact'] });
    expect(own.score).toBe(100);
    expect(own.questions['sec.sensitive_measures']!.visible).toBe(true);
    // No context at all: personal data is assumed; no categories stated, so not sensitive: sec.sensitive_measures
    // (3·3) is not asked and nothing escalates. Σw = 254 − 9 = 245, lost sec.mfa 2·3 = 6: 239 / 245 = 97.55 % → 97.6
    const unstated = evaluate(q, { ...BEST, 'sec.mfa': 'no' }, TODAY);
    expect([unstated.score, unstated.rating]).toEqual([97.6, 'critical']);
    expect(findingsOf(unstated)).toEqual({ 'GDPR-SEC-02': [4, 3, false, 12, 'high', '2027-01-31'] });
  });
});
