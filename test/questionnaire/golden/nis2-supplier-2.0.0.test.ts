// Golden tests for nis2-supplier@2.0.0 (questionnaires/nis2-supplier.yaml, vrq/1.1). Every expected number
// is worked out by hand from the file: question weight × section weight, the answer scores, likelihood ×
// impact (+1 impact when escalated), the rating rule and the due days. Version 1.0.0 is covered, unchanged, by
// nis2-supplier-1.0.0.test.ts; the review's scenarios are run against both here (docs/content-review/nis2-supplier.md).
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
import { BEST } from './answers/nis2-supplier.js';
import { findingsOf, issuesOf, visibleIds } from './support.js';

const FILE = 'test/questionnaire/fixtures/shipped-2.0.0/nis2-supplier.yaml';
const SOURCE = readFileSync(new URL(`../../../${FILE}`, import.meta.url), 'utf8');
const compiled = compileQuestionnaire(SOURCE, { file: FILE });
const q = compiled.questionnaire!;
const V1_FILE = 'test/questionnaire/fixtures/shipped-1.0.0/nis2-supplier.yaml';
const v1 = compileQuestionnaire(readFileSync(new URL(`../../../${V1_FILE}`, import.meta.url), 'utf8'))
  .questionnaire!;
const TABLE = parse(
  readFileSync(new URL('../../../questionnaires/thresholds/eu-supplier.yaml', import.meta.url), 'utf8'),
) as { version: string; values: Record<string, { value: number }> };
const TODAY = '2026-12-02'; // the review's evaluation date

// The requester's context facts (context: true): the vendor cannot set them.
const CRITICAL: Answers = { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] };
const SUPPORTING: Answers = { 'scope.criticality': 'supporting', 'scope.access': ['data', 'remote'] };
const run = (answers: Answers, context: Answers = CRITICAL) => evaluate(q, answers, TODAY, { context });

// The best answer to every question of a critical cloud service, built in-house, with subcontractors.
// (BEST: ./answers/, shared with the before/after table in docs/content-review/ratings.md.)

// Σw of BEST (critical service, everything visible except dev.support_until, which a cloud service does not
// have), w = question weight × section weight:
//   gov  ×3: policy 3 + risk 3 + owner 1 + reporting 1 + certification 2 + cert_expiry 1 + report_end 1 = 12 → 36
//   inc  ×3: process 3 + exercise 1 + logging 2 + retention 1 + monitoring 2 + notify 3 + contact 2 + support 2 = 16 → 48
//   bcm  ×2: plan 3 + dr_test 2 + backup 3 + rpo 2 + rto 2 + crisis 1 = 13 → 26
//   sup  ×3: inventory 2 + flowdown 3 + assessment 3 + changes 2 + objection 1 + audit 2 + reports 1 + subcontractors 1 = 15 → 45
//   dev  ×3: sdlc 3 + testing 2 + sbom 1 + cvd 2 + scan 2 + patch 3 + pentest 2 + pentest_date 2 + change 1 + rollback 1 = 19 → 57
//   net  ×2: segmentation 3 + physical 2 = 5 → 10
//   eff  ×2: audit 2 + management 1 + open findings 2 = 5 → 10
//   hyg  ×2: training 2 + phishing 1 + patching 3 + malware 2 + hardening 1 = 9 → 18
//   cry  ×2: policy 2 + transit 3 + at_rest 3 + backup encryption 2 + keys 1 = 11 → 22
//   acc  ×3: screening 2 + confidentiality 1 + leaver 2 + review 2 + privileged 3 + admin accounts 1 + admin logging 1 + assets 2 = 14 → 42
//   auth ×3: admin 3 + remote 3 + user 2 + comms 1 + emergency 2 = 11 → 33
//   Σw = 36 + 48 + 26 + 45 + 57 + 10 + 10 + 18 + 22 + 42 + 33 = 347
const BEST_WEIGHT = 347;

// The review's "no MFA, no incident process, no backups" answers.
const NO_KEY_CONTROLS: Answers = {
  'auth.admin_mfa': 'password',
  'auth.remote_mfa': 'no',
  'auth.remote_mfa#comment': 'VPN with a password.',
  'auth.user_mfa': 'no',
  'inc.process': 'no',
  'inc.process#comment': 'The on-call engineer handles incidents.',
  'bcm.backup': 'none',
};

/** Every yes/no/N-A question answered N/A with a throw-away comment, the rest as given. */
const naEverywhere = (base: Answers): Answers => {
  const out: Record<string, Answers[string]> = { ...base };
  for (const x of q.questions.values()) {
    if (x.type !== 'yes_no_na' || x.context) continue;
    out[x.id] = 'na';
    out[`${x.id}#comment`] = 'n/a';
  }
  return out;
};

describe('nis2-supplier@2.0.0: the file', () => {
  it('compiles and lints without a single error or warning', () => {
    expect(compiled.problems).toEqual([]);
    expect(lintFiles([FILE])).toMatchObject({ errors: 0, warnings: 0 });
    expect(q.ref).toBe('nis2-supplier@2.0.0');
    expect(q.status).toBe('published');
    expect(q.locales).toEqual(['en', 'de']);
    expect(q.changelog.map((c) => c.version)).toEqual(['1.0.0', '2.0.0']);
  });

  it('has 82 questions in 13 sections and 66 findings, 10 of them the automatic N/A claims of must-haves', () => {
    expect(q.questions.size).toBe(82);
    expect(Object.fromEntries(q.sections.map((s) => [s.id, s.questions.length]))).toEqual({
      scope: 7,
      gov: 7,
      inc: 9,
      bcm: 7,
      sup: 10,
      dev: 11,
      net: 2,
      eff: 4,
      hyg: 5,
      cry: 5,
      acc: 8,
      auth: 5,
      fin: 2,
    });
    expect(q.findings.size).toBe(66);
    const mustHaves = [...q.questions.values()].filter((x) => x.mustHave).map((x) => x.id);
    expect(mustHaves).toEqual([
      'inc.contact',
      'dev.cvd',
      'dev.pentest',
      'hyg.malware',
      'cry.policy',
      'cry.at_rest',
      'cry.backup_encryption',
      'acc.screening',
      'auth.remote_mfa',
      'auth.user_mfa',
    ]);
    expect([...q.findings.keys()].filter((id) => id.startsWith('NA-'))).toEqual(
      mustHaves.map((id) => `NA-${id.replace('.', '_')}`),
    );
  });

  it('rates the headline at least high for a critical finding, medium for a high one, critical for a knock-out', () => {
    expect(q.rating).toMatchObject({
      order: ['low', 'medium', 'high', 'critical'],
      floors: [
        { finding: 'critical', rating: 'high' },
        { finding: 'high', rating: 'medium' },
      ],
      knockout: 'critical',
    });
    const knockouts = [...q.findings.values()].filter((f) => f.knockout).map((f) => f.id);
    expect(knockouts).toEqual(['NIS-INC-01', 'NIS-BCM-03', 'NIS-AUT-01', 'NIS-AUT-02']);
  });

  it('lets the requester, not the vendor, set the criticality and the access', () => {
    expect(q.contextFacts.map((x) => x.id)).toEqual(['scope.criticality', 'scope.access']);
  });

  it('takes its thresholds unchanged from the shared table eu-supplier@1.0.0', () => {
    expect(q.thresholds.table).toBe(`eu-supplier@${TABLE.version}`);
    expect(q.thresholds.table).toBe('eu-supplier@1.0.0');
    for (const [name, value] of q.thresholds.values)
      expect([name, TABLE.values[name]?.value]).toEqual([name, value]);
    expect([...q.thresholds.values.keys()].sort()).toEqual([
      'cert_expiry_warning_days',
      'critical_vuln_fix_days',
      'exercise_age_days',
      'incident_notice_hours',
      'leaver_access_hours',
      'log_retention_days',
      'pentest_age_days',
      'report_age_days',
      'rpo_critical_hours',
      'rto_critical_hours',
    ]);
  });

  it('accepts N/A only with a reason, and never where it cannot apply (scope switches and core controls)', () => {
    const yesNo = [...q.questions.values()].filter((x) => x.type === 'yes_no_na' && !x.context);
    expect(yesNo.filter((x) => x.na !== 'forbidden' && x.na !== 'justify').map((x) => x.id)).toEqual([]);
    expect(yesNo.filter((x) => x.na === 'forbidden').map((x) => x.id)).toEqual([
      'scope.software',
      'scope.subcontractors',
      'gov.policy',
      'gov.owner',
      'inc.process',
      'inc.exercised',
      'inc.support',
      'bcm.plan',
      'bcm.dr_tested',
      'sup.inventory',
      'sup.flowdown',
      'sup.changes',
      'sup.objection',
      'sup.audit',
      'sup.reports',
      'dev.sdlc',
      'eff.audit',
      'acc.confidentiality',
      'acc.privileged',
      'acc.admin_accounts',
      'acc.admin_logging',
      'acc.assets',
    ]);
  });

  it('can replace 1.0.0: no incompatible change, only the warnings that make it a major version', () => {
    const problems = checkCompatibility(v1, q);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const byCode = (code: string) => problems.filter((p) => p.code === code).length;
    expect(byCode('became-context')).toBe(2); // scope.criticality, scope.access
    expect(byCode('option-removed')).toBe(16); // N/A no longer accepted
    expect(problems.filter((p) => p.code === 'question-removed').map((p) => p.message)).toEqual([
      'Question sup.high_risk of nis2-supplier@1.0.0 no longer exists; its stored answers will not carry over.',
    ]);
    expect(problems.length).toBe(19);
    expect(q.version.split('.')[0]).toBe('2');
  });

  it("maps all of Art. 21(2)(a)-(j), its all-hazards lead-in and 21(3), with the review's corrected ids", () => {
    const used = new Set([...q.questions.values()].flatMap((x) => x.controls));
    for (const point of 'abcdefghij') expect(used).toContain(`nis2:21.2.${point}`);
    expect(used).toContain('nis2:21.2');
    expect(used).toContain('nis2:21.3');
    const controls = (id: string) => q.questions.get(id)!.controls;
    expect(controls('gov.risk_assessment')).toContain('caiq:GRC-02.1');
    expect(controls('gov.risk_assessment')).not.toContain('caiq:GRC-01.1');
    expect(controls('sup.flowdown')).toContain('caiq:STA-12.1');
    expect(controls('sup.flowdown')).not.toContain('caiq:STA-09.1');
    expect(controls('dev.sdlc')).toEqual(expect.arrayContaining(['iso27001:A.8.25', 'iso27001:A.8.28']));
    expect(controls('dev.testing')).toContain('iso27001:A.8.29');
    expect(used).not.toContain('iso27001:A.8.30');
    expect(controls('bcm.backup')).toContain('iso27001:A.8.13');
    expect(controls('dev.change')).toContain('iso27001:A.8.32');
    for (const id of ['cry.policy', 'cry.transit', 'cry.at_rest', 'cry.backup_encryption', 'cry.keys'])
      expect(controls(id), id).toContain('iso27001:A.8.24');
    for (const x of q.questions.values()) {
      if (!/^(acc|hyg)\./.test(x.id)) continue;
      expect(
        x.controls.some((c) => c.startsWith('iso27001:')),
        x.id,
      ).toBe(true);
    }
    // Every id is one the review checked or one of CAIQ v4.0.3 / ISO/IEC 27001:2022 Annex A.
    const iso = [
      ...[
        '5.1',
        '5.2',
        '5.9',
        '5.14',
        '5.18',
        '5.19',
        '5.20',
        '5.21',
        '5.22',
        '5.24',
        '5.25',
        '5.26',
        '5.27',
      ],
      ...['5.29', '5.30', '5.35', '6.1', '6.3', '6.6', '7.1', '7.2', '7.4', '7.5', '7.11'],
      ...['8.2', '8.5', '8.7', '8.8', '8.9', '8.13', '8.15', '8.16', '8.20', '8.22', '8.24', '8.25', '8.28'],
      ...['8.29', '8.32'],
    ].map((n) => `iso27001:A.${n}`);
    const caiq = [
      ...['A&A-02.1', 'A&A-06.1', 'A&A-06.2', 'AIS-04.1', 'AIS-05.1', 'BCR-03.1', 'BCR-04.1', 'BCR-06.1'],
      ...['BCR-07.1', 'BCR-08.1', 'BCR-08.2', 'BCR-08.3', 'BCR-09.1', 'CCC-02.1', 'CCC-09.1', 'CEK-01.1'],
      ...['CEK-03.1', 'CEK-21.1', 'DCS-06.1', 'DCS-07.1', 'DCS-09.1', 'DCS-14.1', 'GRC-01.1', 'GRC-02.1'],
      ...['GRC-06.1', 'HRS-01.1', 'HRS-10.1', 'HRS-11.1', 'IAM-05.1', 'IAM-07.1', 'IAM-08.1', 'IAM-09.1'],
      ...['IAM-14.1', 'IVS-03.3', 'IVS-04.1', 'IVS-06.1', 'LOG-02.1', 'LOG-03.1', 'LOG-05.1', 'LOG-08.1'],
      ...['LOG-09.1', 'SEF-03.1', 'SEF-04.1', 'SEF-07.1', 'SEF-07.2', 'SEF-08.1', 'STA-07.1', 'STA-08.1'],
      ...['STA-09.1', 'STA-12.1', 'STA-14.1', 'TVM-03.1', 'TVM-06.1', 'TVM-07.1', 'UEM-09.1'],
    ].map((c) => `caiq:${c}`);
    const nis2 = ['nis2:21.2', 'nis2:21.3', ...'abcdefghij'.split('').map((p) => `nis2:21.2.${p}`)];
    const known = new Set([...iso, ...caiq, ...nis2]);
    expect([...used].filter((c) => !known.has(c)).sort()).toEqual([]);
  });

  it('has English and German for every text, in the compiled questionnaire and in the YAML itself', () => {
    const texts: Array<[string, Text | null | undefined]> = [
      ['title', q.title],
      ['description', q.description],
      ...[...q.frameworks.values()].map((f): [string, Text] => [`framework ${f.key}`, f.title]),
      ...q.scoring.bands.map((b): [string, Text | null] => [`band ${b.rating}`, b.label]),
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
      }
    }
    for (const f of q.findings.values()) {
      texts.push([`${f.id} title`, f.title]);
      texts.push([`${f.id} remediation`, f.remediation]);
    }
    expect(texts.filter(([, t]) => !t?.en?.trim() || !t.de?.trim()).map(([where]) => where)).toEqual([]);
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

  it('carries the German corrections of the review (N15)', () => {
    const de = (t: Text | null | undefined) => t?.de;
    expect(de(q.findings.get('NIS-INC-03')!.title)).toBe(
      'Meldung von Sicherheitsvorfällen erst nach mehr als 24 Stunden',
    );
    expect(q.findings.get('NIS-INC-03')!.title.en).toBe('Incidents reported to us later than 24 hours');
    expect(de(q.questions.get('cry.at_rest')!.text)).toBe(
      'Werden unsere gespeicherten Daten (ruhende Daten) verschlüsselt?',
    );
    expect(de(q.findings.get('NIS-CRY-02')!.title)).toBe(
      'Unsere gespeicherten Daten werden nicht verschlüsselt',
    );
    expect(SOURCE).not.toMatch(/Ruhezustand/);
    expect(de(q.questions.get('acc.privileged')!.text)).toBe(
      'Sind Administratorrechte auf namentlich benannte Personen mit tatsächlichem Bedarf beschränkt?',
    );
    expect(de(q.questions.get('acc.admin_accounts')!.text)).toMatch(
      /nur über gesonderte Administratorkonten/,
    );
    expect(de(q.questions.get('inc.support')!.text)).toMatch(
      /\(Ursache, Auswirkungen, Kompromittierungsindikatoren\/IoCs, ergriffene Maßnahmen\)/,
    );
    expect(de(q.questions.get('sup.flowdown')!.text)).toBe(
      'Verpflichten Ihre Verträge diese Unterauftragnehmer auf Sicherheitsanforderungen, die mindestens so streng sind wie unsere Anforderungen an Sie?',
    );
    expect(de(q.questions.get('sup.changes')!.text)).toMatch(
      /^Verpflichten Sie sich, uns rechtzeitig zu informieren, bevor/,
    );
    expect(de(q.findings.get('NIS-SUP-03')!.remediation)).toMatch(
      /ein neuer\s+Unterauftragnehmer oder ein Ersatz für einen bisherigen/,
    );
    expect(de(q.findings.get('NIS-DEV-01')!.remediation)).toMatch(
      /Prozess für die sichere Softwareentwicklung \(Secure\s+Development Lifecycle\)/,
    );
    expect(de(q.sections.find((s) => s.id === 'acc')!.title)).toBe(
      'Personalsicherheit, Zugriffskontrolle und Asset-Management (Management von Anlagen)',
    );
    expect(de(q.questions.get('scope.criticality')!.options![0]!.label)).toMatch(/stören oder unterbrechen$/);
  });
});

describe('nis2-supplier@2.0.0: the best answers (review scenario "all best answers")', () => {
  const ev = run(BEST);

  it('scores 100 (low), rated low, with nothing raised, and can be submitted', () => {
    // Every counted question scores 1: 347 / 347.
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([100, 'low', 'low', []]);
    expect(Object.values(ev.questions).reduce((sum, x) => sum + x.weight, 0)).toBe(BEST_WEIGHT);
    expect(ev.findings).toEqual([]);
    expect(ev.issues).toEqual([]);
    // Hidden: dev.support_until (a cloud service is no versioned product) and eff.overdue_findings (none open).
    expect(visibleIds(ev)).toHaveLength(80);
  });
});

// The same vendor under 1.0.0 (its question ids), for the before/after comparison of the review's scenarios.
const BEST_V1: Answers = {
  ...Object.fromEntries(Object.entries(BEST).filter(([id]) => v1.questions.has(id.split('#')[0]!))),
  'scope.criticality': 'critical',
  'scope.access': ['data', 'remote'],
  'sup.high_risk': 'no',
  'dev.support_until': '2029-01-31',
};
const underV1 = (answers: Answers) => evaluate(v1, { ...BEST_V1, ...answers }, TODAY);

describe('nis2-supplier@2.0.0: a good vendor of a critical cloud service', () => {
  const GOOD: Answers = {
    ...BEST,
    'gov.risk_assessment': 'yearly',
    'gov.certification': ['iso27001'],
    'gov.certification#evidence': ['ev-iso'],
    'gov.cert_expiry': '2027-02-15', // 75 days ahead: NIS-GOV-03
    'inc.monitoring': 'business_hours',
    'inc.notify_hours': 12,
    'bcm.dr_test': '2025-10-01', // 427 days ago: NIS-BCM-02
    'bcm.backup': 'tested',
    'bcm.rpo_hours': 4,
    'bcm.rto_hours': 8,
    'dev.testing': ['sast', 'sca'],
    'dev.sbom': 'no',
    'dev.patch_days': 10,
    'eff.open_findings': 2,
    'eff.overdue_findings': 1, // NIS-EFF-02
    'hyg.hardening': 'na',
    'hyg.hardening#comment': 'The service runs on managed platform services only; the provider hardens them.',
    'cry.keys': 'separate',
    'auth.admin_mfa': 'mfa',
  };
  delete (GOOD as Record<string, unknown>)['gov.report_end']; // no SOC 2 or C5 report: not asked
  const ev = run(GOOD);

  it('scores 89.4 (low) but is rated medium, because two findings are rated high', () => {
    //   gov  ×3: policy 3 + risk(yearly) 3·0.7 + owner 1 + reporting 1 + certification 2 + cert_expiry(valid) 1
    //            = 10.1 of 11 → 30.3 of 33
    //   inc  ×3: process 3 + exercise 1 + logging 2 + retention 1 + monitoring(business hours) 2·0.5
    //            + notify(12 h) 3·0.5 + contact 2 + support 2 = 13.5 of 16 → 40.5 of 48
    //   bcm  ×2: plan 3 + dr_test(427 d) 2·0 + backup(tested) 3·0.7 + rpo(4 h) 2·0.5 + rto(8 h) 2·0.5 + crisis 1
    //            = 8.1 of 13 → 16.2 of 26
    //   sup  ×3: 15 of 15 → 45 of 45
    //   dev  ×3: sdlc 3 + testing(2 of 4) 2·0.5 + sbom 1·0 + cvd 2 + scan 2 + patch(10 d) 3·0.7 + pentest 2
    //            + pentest_date 2 + change 1 + rollback 1 = 16.1 of 19 → 48.3 of 57
    //   net  ×2: 5 of 5 → 10 of 10
    //   eff  ×2: audit 2 + management 1 + open(2) 2·0.5 + overdue(1) 1·0 = 4 of 6 → 8 of 12
    //   hyg  ×2: training 2 + phishing 1 + patching 3 + malware 2; hardening N/A (justified) excluded = 8 → 16 of 16
    //   cry  ×2: policy 2 + transit 3 + at_rest 3 + backup encryption 2 + keys(separate) 1·0.5 = 10.5 → 21 of 22
    //   acc  ×3: 14 of 14 → 42 of 42
    //   auth ×3: admin(app MFA) 3·0.7 + remote 3 + user 2 + comms 1 + emergency 2 = 10.1 → 30.3 of 33
    //   Σw·s = 307.6, Σw = 344 → 89.42 % → 89.4, band low; NIS-BCM-02 and NIS-EFF-02 (high) floor it at medium
    expect([ev.score, ev.band, ev.rating]).toEqual([89.4, 'low', 'medium']);
    expect(ev.ratingDrivers).toEqual(['NIS-BCM-02', 'NIS-EFF-02']);
    expect(ev.questions['hyg.hardening']).toMatchObject({ answered: true, score: null, weight: 0 });
    expect(ev.canSubmit).toBe(true);
  });

  it('raises NIS-GOV-03, NIS-BCM-02 and NIS-EFF-02 (both escalated for the critical service)', () => {
    expect(findingsOf(ev)).toEqual({
      'NIS-GOV-03': [2, 2, false, 4, 'low', '2027-03-02'],
      'NIS-BCM-02': [3, 4, true, 12, 'high', '2027-05-31'],
      'NIS-EFF-02': [3, 4, true, 12, 'high', '2027-03-02'],
    });
    expect(ev.findings.find((f) => f.id === 'NIS-BCM-02')!.questionId).toBe('bcm.dr_tested');
  });
});

describe('nis2-supplier@2.0.0: review scenario, critical service without MFA, incident process or backups', () => {
  const ev = run({ ...BEST, ...NO_KEY_CONTROLS });

  it('is rated critical, not low: before 86.6 low/low, now 86.7 low/critical', () => {
    const old = underV1(NO_KEY_CONTROLS);
    expect([old.score, old.band, old.rating]).toEqual([86.6, 'low', 'low']);
    // Lost weight out of 347: inc.process 3·3 = 9, inc.exercise 1·3 = 3 (hidden behind "no", counts as failed),
    // bcm.backup 3·2 = 6, bcm.rpo_hours 2·2 = 4 (hidden behind "none", counts as failed), auth.admin_mfa 3·3 = 9,
    // auth.remote_mfa 3·3 = 9, auth.user_mfa 2·3 = 6: 46. (347 − 46) / 347 = 86.74 % → 86.7, band low.
    expect([ev.score, ev.band, ev.rating]).toEqual([86.7, 'low', 'critical']);
    expect(ev.questions['inc.exercise']).toMatchObject({ visible: false, score: 0, weight: 3 });
    expect(ev.questions['bcm.rpo_hours']).toMatchObject({ visible: false, score: 0, weight: 4 });
    // Four knock-outs force critical; NIS-AUT-04 alone would have floored it at high.
    expect(ev.ratingDrivers).toEqual(['NIS-INC-01', 'NIS-BCM-03', 'NIS-AUT-01', 'NIS-AUT-02']);
  });

  it('raises five critical findings, four of them knock-outs', () => {
    expect(findingsOf(ev)).toEqual({
      'NIS-INC-01': [3, 5, true, 15, 'critical', '2027-03-02'],
      'NIS-BCM-03': [4, 5, false, 20, 'critical', '2027-01-01'],
      'NIS-AUT-01': [4, 5, true, 20, 'critical', '2027-01-01'],
      'NIS-AUT-02': [4, 5, true, 20, 'critical', '2027-01-01'],
      'NIS-AUT-04': [3, 5, true, 15, 'critical', '2027-03-02'],
    });
  });
});

describe('nis2-supplier@2.0.0: review scenario, supporting service without admin MFA, incident process or backups', () => {
  const answers: Answers = {
    'auth.admin_mfa': 'password',
    'inc.process': 'no',
    'inc.process#comment': 'The on-call engineer handles incidents.',
    'bcm.backup': 'none',
  };
  const ev = run({ ...BEST, ...answers }, SUPPORTING);

  it('before 91.4 low/low, now 90.8 low/critical: knock-outs apply whatever the criticality', () => {
    const old = underV1({ ...answers, 'scope.criticality': 'supporting' });
    expect([old.score, old.band, old.rating]).toEqual([91.4, 'low', 'low']);
    // A supporting service hides bcm.rto_hours (2·2) and auth.emergency (2·3): Σw = 347 − 10 = 337.
    // Lost: inc.process 9 + inc.exercise 3 + bcm.backup 6 + bcm.rpo_hours 4 + auth.admin_mfa 9 = 31.
    // (337 − 31) / 337 = 90.80 % → 90.8
    expect([ev.score, ev.band, ev.rating]).toEqual([90.8, 'low', 'critical']);
    expect(findingsOf(ev)).toEqual({
      'NIS-INC-01': [3, 4, false, 12, 'high', '2027-03-02'],
      'NIS-BCM-03': [4, 5, false, 20, 'critical', '2027-01-01'],
      'NIS-AUT-01': [4, 4, false, 16, 'critical', '2027-01-01'],
    });
    expect(ev.ratingDrivers).toEqual(['NIS-INC-01', 'NIS-BCM-03', 'NIS-AUT-01']);
  });
});

describe('nis2-supplier@2.0.0: review scenario, the N/A gamer (N/A with a throw-away comment on every yes/no)', () => {
  const ev = run(naEverywhere(BEST));

  it('before 100 low/low with nothing raised, now 47.6 high/critical and it cannot be submitted', () => {
    const old = evaluate(
      v1,
      Object.fromEntries([
        ...Object.entries(BEST_V1),
        ...[...v1.questions.values()]
          .filter((x) => x.type === 'yes_no_na')
          .flatMap((x) => [
            [x.id, 'na'],
            [`${x.id}#comment`, 'n/a'],
          ]),
      ]),
      TODAY,
    );
    expect([old.score, old.band, old.rating, old.findings]).toEqual([100, 'low', 'low', []]);
    // N/A is refused (invalid, scored 0 at full weight) where it cannot apply; an unanswered scope switch counts
    // its hidden follow-ups as failed; a justified N/A elsewhere is excluded (na_policy: exclude).
    //   gov  ×3: policy 3·0 + risk 3 + owner 1·0 + certification 2 + cert_expiry 1 + report_end 1 = 7 of 11 → 21 of 33
    //   inc  ×3: process 3·0 + logging 2 + retention 1 + monitoring 2 + notify 3 + support 2·0 = 8 of 13 → 24 of 39
    //   bcm  ×2: plan 3·0 + backup 3 + rpo 2 + rto 2 = 7 of 10 → 14 of 20
    //   sup  ×3: inventory 2 + flowdown 3 + assessment 3 + changes 2 + objection 1 + subcontractors 1 (all hidden
    //            behind the refused scope.subcontractors, failed) + audit 2·0 + reports 1·0 = 0 of 15 → 0 of 45
    //   dev  ×3: sdlc 3 + testing 2 + sbom 1 (hidden behind scope.software, failed) + scan 2 + patch 3 = 5 of 11 → 15 of 33
    //   net  ×2: 5 of 5 → 10 of 10
    //   eff  ×2: audit 2·0 + open findings 2 = 2 of 4 → 4 of 8
    //   hyg  ×2: training 2 + patching 3 = 5 of 5 → 10 of 10
    //   cry  ×2: transit 3 + keys 1 = 4 of 4 → 8 of 8
    //   acc  ×3: confidentiality 1·0 + leaver 2 + review 2 + privileged 3·0 + admin accounts 1·0 + admin logging 1·0
    //            + assets 2·0 = 4 of 12 → 12 of 36
    //   auth ×3: admin 3 = 3 of 3 → 9 of 9
    //   and hidden behind their refused gates, not known yet, so counted as unanswered: gov.owner_reporting 1·3 +
    //   inc.exercise 1·3 + bcm.dr_test 2·2 + dev.support_until 2·3 = 0 of 16
    //   Σw·s = 127, Σw = 267 → 47.57 % → 47.6, band high (50.6 while those left the score)
    // Rating critical (high before the N/A-claim audit): the N/A on auth.remote_mfa weighs what "no" would,
    // NIS-AUT-02, a knock-out (src/questionnaire/na-claim.ts), so the rating is at least rating.knockout.
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([
      47.6,
      'high',
      'critical',
      ['NA-auth_remote_mfa'],
    ]);
    expect(ev.canSubmit).toBe(false);
    // "n/a" is no justification (at least 2 words and 15 characters): each justified-N/A question is refused
    // too, besides those where N/A is forbidden.
    expect(issuesOf(ev)).toEqual(
      [
        'acc.screening',
        'auth.emergency',
        'auth.remote_mfa',
        'auth.secure_comms',
        'auth.user_mfa',
        'bcm.crisis',
        'cry.at_rest',
        'cry.backup_encryption',
        'cry.policy',
        'dev.change',
        'dev.cvd',
        'dev.pentest',
        'dev.rollback',
        'eff.management',
        'hyg.hardening',
        'hyg.malware',
        'hyg.phishing',
        'inc.contact',
        'acc.admin_accounts',
        'acc.admin_logging',
        'acc.assets',
        'acc.confidentiality',
        'acc.privileged',
        'bcm.plan',
        'eff.audit',
        'gov.owner',
        'gov.policy',
        'inc.process',
        'inc.support',
        'scope.software',
        'scope.subcontractors',
        'sup.audit',
        'sup.reports',
      ]
        .sort()
        .map((id) => `${id} invalid`),
    );
  });

  it('leaves a reviewer an "N/A claimed" finding on each must-have answered N/A, weighing what "no" would', () => {
    // Each claim takes the likelihood, impact (escalated for a critical service), rating and due date of the
    // finding that "no" raises on the same question; before the audit each was 1 × 1 = 1, low, no due date.
    // Due dates from 2026-12-02: 30 days → 2027-01-01, 90 → 2027-03-02, 120 → 2027-04-01.
    expect(findingsOf(ev)).toEqual({
      'NA-inc_contact': [3, 4, true, 12, 'high', '2027-01-01'], // NIS-INC-04 3×3, escalated
      'NA-dev_cvd': [3, 3, false, 9, 'medium', '2027-03-02'], // NIS-DEV-04 3×3
      'NA-dev_pentest': [3, 5, true, 15, 'critical', '2027-04-01'], // NIS-DEV-06 3×4, escalated
      'NA-hyg_malware': [3, 4, true, 12, 'high', '2027-03-02'],
      'NA-cry_policy': [3, 4, true, 12, 'high', '2027-04-01'],
      'NA-cry_at_rest': [3, 5, true, 15, 'critical', '2027-03-02'], // NIS-CRY-02 3×4, escalated
      'NA-cry_backup_encryption': [3, 4, true, 12, 'high', '2027-03-02'],
      'NA-acc_screening': [3, 4, true, 12, 'high', '2027-04-01'],
      'NA-auth_remote_mfa': [4, 5, true, 20, 'critical', '2027-01-01'], // NIS-AUT-02 4×4, escalated, knock-out
      'NA-auth_user_mfa': [3, 5, true, 15, 'critical', '2027-03-02'],
    });
    const claim = ev.findings.find((f) => f.id === 'NA-auth_remote_mfa')!;
    expect(claim.title.de).toBeTruthy();
    expect(claim.controls).toEqual(['nis2:21.2.j', 'iso27001:A.8.5', 'caiq:IAM-14.1']);
  });
});

describe('nis2-supplier@2.0.0: review scenario, never pen-tested or audited but "0 open findings"', () => {
  const answers: Answers = {
    'dev.pentest': 'no',
    'eff.audit': 'no',
    'eff.open_findings': 0,
    'gov.certification': ['none'],
  };

  it('no longer earns full credit for open findings: the question is hidden and counts as failed', () => {
    const old = underV1(answers);
    expect(old.questions['eff.open_findings']).toMatchObject({ visible: true, score: 1, weight: 4 });
    expect([old.score, old.band, old.rating]).toEqual([94.4, 'low', 'low']);
    const ev = run({ ...BEST, ...answers });
    expect(ev.questions['eff.open_findings']).toMatchObject({ visible: false, score: 0, weight: 4 });
    // No certificate: gov.cert_expiry and gov.report_end are not asked (1·3 each), Σw = 341.
    // Lost: certification 2·3 = 6, dev.pentest 2·3 = 6, dev.pentest_date 2·3 = 6 (failed), eff.audit 2·2 = 4,
    // eff.open_findings 2·2 = 4 (failed): 26. (341 − 26) / 341 = 92.38 % → 92.4
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([92.4, 'low', 'high', ['NIS-DEV-06']]);
    expect(findingsOf(ev)).toEqual({
      'NIS-DEV-06': [3, 5, true, 15, 'critical', '2027-04-01'],
      'NIS-EFF-01': [3, 3, false, 9, 'medium', '2027-05-31'],
    });
  });
});

describe('nis2-supplier@2.0.0: no inversions (review X3)', () => {
  // Each pair: the control missing, then a weak version of it with its follow-ups at their worst.
  // Out of Σw = 347 (BEST), unless stated.
  const pairs: Array<[string, Answers, number, Answers, number]> = [
    // none: backup 6 + rpo 4 lost → 337/347 = 97.1; untested, RPO 720 h: 0.7·6 + 4 = 8.2 lost → 97.6
    ['backups', { 'bcm.backup': 'none' }, 97.1, { 'bcm.backup': 'untested', 'bcm.rpo_hours': 720 }, 97.6],
    // no process: 9 + exercise 3 → 335/347 = 96.5; never exercised: exercise 3 → 344/347 = 99.1
    [
      'incident process',
      { 'inc.process': 'no', 'inc.process#comment': 'Ad hoc.' },
      96.5,
      { 'inc.exercised': 'no' },
      99.1,
    ],
    // no plan: 6 + dr_test 4 → 97.1; plan never tested: 4 → 343/347 = 98.8
    [
      'recovery plan',
      { 'bcm.plan': 'no', 'bcm.plan#comment': 'We would rebuild.' },
      97.1,
      { 'bcm.dr_tested': 'no' },
      98.8,
    ],
    // never pen-tested: 6 + date 6 → 96.5; tested 2023: date 6 → 341/347 = 98.3
    ['penetration test', { 'dev.pentest': 'no' }, 96.5, { 'dev.pentest_date': '2023-06-01' }, 98.3],
    // no logging: 6 + retention 3 → 338/347 = 97.4; local logs kept 0 days: 0.6·6 + 3 = 6.6 → 98.1
    [
      'logging',
      { 'inc.logging': 'none' },
      97.4,
      { 'inc.logging': 'local', 'inc.log_retention_days': 0 },
      98.1,
    ],
    // nobody responsible: 3 + reporting 3 → 341/347 = 98.3; responsible, not reporting to management: 3 → 99.1
    ['security owner', { 'gov.owner': 'no' }, 98.3, { 'gov.owner_reporting': 'no' }, 99.1],
    // no notice of subcontractor changes: 6 + objection 3 → 97.4; notice without objection: 3 → 99.1
    ['subcontractor changes', { 'sup.changes': 'no' }, 97.4, { 'sup.objection': 'no' }, 99.1],
  ];
  for (const [what, missing, missingScore, weak, weakScore] of pairs) {
    it(`${what}: missing (${missingScore}) scores below a weak version (${weakScore})`, () => {
      expect(run({ ...BEST, ...missing }).score).toBe(missingScore);
      expect(run({ ...BEST, ...weak }).score).toBe(weakScore);
    });
  }

  it('never tested at all scores below tested with a thousand overdue findings', () => {
    const base: Answers = { ...BEST, 'gov.certification': ['none'] };
    delete (base as Record<string, unknown>)['gov.certification#evidence'];
    // 92.4 as computed above; tested badly: Σw = 341 + eff.overdue_findings 1·2 = 343, lost certification 6
    // + pentest_date 6 + open findings 4 + overdue 2 = 18 → 325/343 = 94.75 % → 94.8
    expect(run({ ...base, 'dev.pentest': 'no', 'eff.audit': 'no' }).score).toBe(92.4);
    const bad = run({
      ...base,
      'dev.pentest_date': '2020-01-01',
      'eff.open_findings': 1000,
      'eff.overdue_findings': 1000,
    });
    expect(bad.score).toBe(94.8);
  });
});

describe('nis2-supplier@2.0.0: a weak vendor of a supporting managed service', () => {
  const WEAK: Answers = {
    'scope.service_type': 'managed',
    'scope.software': 'no',
    'scope.subcontractors': 'no',
    'scope.security_contact': 'IT manager, it@small.example',
    'gov.policy': 'no',
    'gov.policy#comment': 'Security rules are part of the IT operations manual.',
    'gov.risk_assessment': 'never',
    'gov.owner': 'no',
    'gov.certification': ['none'],
    'inc.process': 'no',
    'inc.process#comment': 'The on-call engineer handles incidents.',
    'inc.logging': 'local',
    'inc.log_retention_days': 30,
    'inc.monitoring': 'none',
    'inc.notify_hours': 48,
    'inc.contact': 'no',
    'inc.support': 'no',
    'inc.support#comment': 'We can send a summary after the incident.',
    'bcm.plan': 'yes',
    'bcm.dr_tested': 'yes',
    'bcm.dr_test': '2026-06-30',
    'bcm.backup': 'untested',
    'bcm.rpo_hours': 48,
    'bcm.crisis': 'no',
    'sup.components': 'Firewalls from a German manufacturer; Microsoft Windows Server.',
    'sup.audit': 'yes',
    'sup.reports': 'no',
    'dev.cvd': 'no',
    'dev.vuln_scan': 'rarely',
    'dev.patch_days': 45,
    'dev.pentest': 'no',
    'dev.change': 'yes',
    'dev.rollback': 'no',
    'net.segmentation': 'flat',
    'net.physical': ['access_control'],
    'eff.audit': 'no',
    'eff.management': 'no',
    'hyg.training': 'onboarding',
    'hyg.phishing': 'no',
    'hyg.patching': 'monthly',
    'hyg.malware': 'yes',
    'hyg.hardening': 'no',
    'cry.policy': 'no',
    'cry.transit': 'mixed',
    'acc.screening': 'yes',
    'acc.confidentiality': 'yes',
    'acc.leaver_hours': 96,
    'acc.review': 'yearly',
    'acc.privileged': 'yes',
    'acc.admin_accounts': 'no',
    'acc.admin_logging': 'no',
    'acc.assets': 'no',
    'auth.admin_mfa': 'password',
    'auth.remote_mfa': 'no',
    'auth.remote_mfa#comment': 'VPN with password and client certificate.',
    'auth.secure_comms': 'yes',
    // Left over from an earlier draft; their questions are hidden, so they are never scored and raise nothing.
    'dev.sdlc': 'no',
    'sup.flowdown': 'no',
    'cry.at_rest': 'no',
    'bcm.rto_hours': 72,
    // the vendor's own view of its criticality is ignored: the requester's context decides
    'scope.criticality': 'critical',
    // fin.completed_by is missing: required
  };
  const SMALL: Answers = { 'scope.criticality': 'supporting', 'scope.access': ['remote'] };
  const ev = run(WEAK, SMALL);

  it('scores 23.8 (critical)', () => {
    //   gov  ×3: policy 3·0 + risk(never) 3·0 + owner 1·0 + reporting 1 (hidden behind "no", failed)
    //            + certification(none) 2·0 = 0 of 10 → 0 of 30
    //   inc  ×3: process 3·0 + exercise 1 (failed) + logging(local) 2·0.4 + retention(30 d) 1·0 + monitoring 2·0
    //            + notify(48 h) 3·0 + contact 2·0 + support 2·0 = 0.8 of 16 → 2.4 of 48
    //   bcm  ×2: plan 3 + dr_test(155 d) 2 + backup(untested) 3·0.3 + rpo(48 h) 2·0 + crisis 1·0 = 5.9 of 11
    //            → 11.8 of 22 (no rto: a supporting service)
    //   sup  ×3: audit 2 + reports 1·0 = 2 of 3 → 6 of 9 (no subcontractors: the rest is out of scope)
    //   dev  ×3: cvd 2·0 + scan(rarely) 2·0.3 + patch(45 d) 3·0 + pentest 2·0 + pentest_date 2 (failed)
    //            + change 1 + rollback 1·0 = 1.6 of 13 → 4.8 of 39 (no own code)
    //   net  ×2: segmentation(flat) 3·0 + physical(access control) 2·0.4 = 0.8 of 5 → 1.6 of 10
    //   eff  ×2: audit 2·0 + management 1·0 + open findings 2 (nothing tested: failed) = 0 of 5 → 0 of 10
    //   hyg  ×2: training(onboarding) 2·0.4 + phishing 1·0 + patching(30 d) 3·0.6 + malware 2 + hardening 1·0
    //            = 4.6 of 9 → 9.2 of 18
    //   cry  ×2: policy 2·0 + transit(mixed) 3·0.3 = 0.9 of 5 → 1.8 of 10 (no data of ours)
    //   acc  ×3: screening 2 + confidentiality 1 + leaver(96 h) 2·0 + review(yearly) 2·0.5 + privileged 3
    //            + admin accounts 1·0 + admin logging 1·0 + assets 2·0 = 7 of 14 → 21 of 42
    //   auth ×3: admin(password) 3·0 + remote 3·0 + comms 1 = 1 of 7 → 3 of 21
    //   Σw·s = 61.6, Σw = 259 → 23.78 % → 23.8
    expect([ev.score, ev.band, ev.rating, ev.ratingDrivers]).toEqual([23.8, 'critical', 'critical', []]);
    for (const id of [
      'dev.sdlc',
      'sup.flowdown',
      'cry.at_rest',
      'bcm.rto_hours',
      'auth.emergency',
      'scope.data_location',
    ])
      expect(ev.questions[id], id).toMatchObject({ visible: false, score: null, weight: 0 });
  });

  it('raises exactly these 23 findings, none escalated (a supporting service) and none for hidden answers', () => {
    expect(findingsOf(ev)).toEqual({
      'NIS-GOV-01': [3, 4, false, 12, 'high', '2027-03-02'],
      'NIS-GOV-02': [3, 3, false, 9, 'medium', '2027-04-01'],
      'NIS-GOV-04': [3, 3, false, 9, 'medium', '2027-01-31'],
      'NIS-INC-01': [3, 4, false, 12, 'high', '2027-03-02'],
      'NIS-INC-07': [2, 3, false, 6, 'medium', '2027-03-02'],
      'NIS-INC-08': [3, 4, false, 12, 'high', '2027-03-02'],
      'NIS-INC-03': [3, 4, false, 12, 'high', '2027-01-31'],
      'NIS-INC-04': [3, 3, false, 9, 'medium', '2027-01-01'],
      'NIS-INC-05': [3, 3, false, 9, 'medium', '2027-01-31'],
      'NIS-BCM-05': [3, 4, false, 12, 'high', '2027-03-02'],
      'NIS-DEV-04': [3, 3, false, 9, 'medium', '2027-03-02'],
      'NIS-DEV-05': [4, 4, false, 16, 'critical', '2027-01-31'],
      'NIS-DEV-06': [3, 4, false, 12, 'high', '2027-04-01'],
      'NIS-NET-01': [3, 4, false, 12, 'high', '2027-04-01'],
      'NIS-EFF-01': [3, 3, false, 9, 'medium', '2027-05-31'],
      'NIS-CRY-04': [3, 3, false, 9, 'medium', '2027-04-01'],
      'NIS-CRY-01': [3, 4, false, 12, 'high', '2027-01-31'],
      'NIS-ACC-01': [3, 3, false, 9, 'medium', '2027-03-02'],
      'NIS-ACC-05': [3, 3, false, 9, 'medium', '2027-03-02'],
      'NIS-ACC-06': [3, 3, false, 9, 'medium', '2027-03-02'],
      'NIS-ACC-07': [3, 3, false, 9, 'medium', '2027-04-01'],
      'NIS-AUT-01': [4, 4, false, 16, 'critical', '2027-01-01'],
      'NIS-AUT-02': [4, 4, false, 16, 'critical', '2027-01-01'],
    });
  });

  it('cannot be submitted without the name of the respondent', () => {
    expect(issuesOf(ev)).toEqual(['fin.completed_by required']);
    expect(run({ ...WEAK, 'fin.completed_by': 'Sam Example, IT manager' }, SMALL).canSubmit).toBe(true);
  });
});

describe('nis2-supplier@2.0.0: the requester sets the scope', () => {
  it('ignores a vendor answer to a context fact', () => {
    const ev = run({
      ...BEST,
      ...NO_KEY_CONTROLS,
      'scope.criticality': 'supporting',
      'scope.access': ['none'],
    });
    expect(ev.score).toBe(86.7);
    expect(ev.findings.find((f) => f.id === 'NIS-INC-01')!.escalated).toBe(true);
  });

  it('treats a service without a stated criticality or access as critical, with our data and remote access', () => {
    const ev = evaluate(q, { ...BEST, ...NO_KEY_CONTROLS }, TODAY);
    expect([ev.score, ev.rating]).toEqual([86.7, 'critical']);
    for (const id of [
      'bcm.rto_hours',
      'auth.emergency',
      'cry.at_rest',
      'auth.remote_mfa',
      'scope.data_location',
    ])
      expect(ev.questions[id]!.visible, id).toBe(true);
  });

  it('asks about stored data and remote access only when the requester says the service involves them', () => {
    const ev = run(BEST, { 'scope.criticality': 'critical', 'scope.access': ['onsite'] });
    for (const id of [
      'scope.data_location',
      'cry.transit',
      'cry.at_rest',
      'cry.backup_encryption',
      'cry.keys',
      'auth.remote_mfa',
    ])
      expect(ev.questions[id]!.visible, id).toBe(false);
  });

  it('asks for the support period only for a software or hardware product', () => {
    expect(run(BEST).questions['dev.support_until']!.visible).toBe(false);
    const product = run({ ...BEST, 'scope.service_type': 'software', 'dev.support_until': '2029-06-30' });
    expect(product.questions['dev.support_until']).toMatchObject({ visible: true, score: 1, weight: 6 });
  });

  it('refuses N/A on a scope switch, and an unanswered switch counts what it hides as failed', () => {
    const ev = run({ ...BEST, 'scope.subcontractors': 'na', 'scope.subcontractors#comment': 'n/a' });
    expect(issuesOf(ev)).toEqual(['scope.subcontractors invalid']);
    // sup.inventory 2 + flowdown 3 + assessment 3 + changes 2 + objection 1 + subcontractors 1 = 12·3 = 36 failed:
    // (347 − 36) / 347 = 89.63 % → 89.6
    expect(ev.score).toBe(89.6);
    expect(ev.questions['sup.flowdown']).toMatchObject({ visible: false, score: 0, weight: 9 });
  });
});
