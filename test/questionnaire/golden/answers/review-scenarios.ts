/**
 * The content review's measured scenarios (content-review.md, "Measured scenarios"), per shipped file, run
 * with the engine's own evaluate() against version 1.0.0 (the fixture kept for assessments pinned to it) and
 * against the current version in questionnaires/. The answer sets are those of the golden tests, which assert
 * the same figures with their hand computation; scripts/content-ratings.ts writes the table to
 * docs/content-review/ratings.md and test/questionnaire/golden/ratings.test.ts checks that the page is what
 * the engine gives today.
 */
import { readFileSync } from 'node:fs';
import {
  type Answers,
  compileQuestionnaire,
  type Evaluation,
  evaluate,
  type Questionnaire,
} from '../../../../src/questionnaire/index.js';
import { BEST as DORA_BEST } from './dora-ict-provider.js';
import { BEST as GDPR_BEST } from './gdpr-art28-processor.js';
import { BEST as NIS2_BEST } from './nis2-supplier.js';
import * as baseline from './security-baseline.js';

export const TODAY = '2026-12-02'; // the review's evaluation date

const ROOT = new URL('../../../../', import.meta.url);
const load = (file: string): Questionnaire =>
  compileQuestionnaire(readFileSync(new URL(file, ROOT), 'utf8'), { file }).questionnaire!;

/** One answer set per version; `context` is the requester's (vrq/1.1), 1.0.0 had none. */
interface Side {
  answers: Answers;
  context?: Answers;
}
export interface Scenario {
  name: string;
  before: Side | null; // null: the scenario cannot be answered in 1.0.0
  after: Side;
}
export interface FileScenarios {
  id: string;
  v1: Questionnaire;
  current: Questionnaire;
  scenarios: Scenario[];
}

const onlyIn = (q: Questionnaire, answers: Answers): Answers =>
  Object.fromEntries(Object.entries(answers).filter(([id]) => q.questions.has(id.split('#')[0]!)));

/** Every yes/no/N-A question (context facts and, if asked, the scope section left alone) N/A with a comment. */
function naEverywhere(q: Questionnaire, base: Answers, opts: { scope: boolean }): Answers {
  const out: Record<string, Answers[string]> = { ...base };
  for (const x of q.questions.values()) {
    if (x.type !== 'yes_no_na' || x.context || (!opts.scope && x.id.startsWith('scope.'))) continue;
    out[x.id] = 'na';
    out[`${x.id}#comment`] = 'n/a';
  }
  return out;
}

function nis2(): FileScenarios {
  const v1 = load('test/questionnaire/fixtures/shipped-1.0.0/nis2-supplier.yaml');
  const current = load('questionnaires/nis2-supplier.yaml');
  const CRITICAL = { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] };
  const SUPPORTING = { 'scope.criticality': 'supporting', 'scope.access': ['data', 'remote'] };
  const BEST_V1 = {
    ...onlyIn(v1, NIS2_BEST),
    ...CRITICAL,
    'sup.high_risk': 'no',
    'dev.support_until': '2029-01-31',
  };
  const both = (name: string, change: Answers, v1Extra: Answers = {}, context = CRITICAL): Scenario => ({
    name,
    before: { answers: { ...BEST_V1, ...change, ...v1Extra } },
    after: { answers: { ...NIS2_BEST, ...change }, context },
  });
  return {
    id: 'nis2-supplier',
    v1,
    current,
    scenarios: [
      both('All best answers', {}),
      both(
        'Critical service; best answers except no admin, remote or user MFA, no incident process, no backups',
        {
          'auth.admin_mfa': 'password',
          'auth.remote_mfa': 'no',
          'auth.remote_mfa#comment': 'VPN with a password.',
          'auth.user_mfa': 'no',
          'inc.process': 'no',
          'inc.process#comment': 'The on-call engineer handles incidents.',
          'bcm.backup': 'none',
        },
      ),
      both(
        'Supporting service; best answers except no admin MFA, no incident process, no backups',
        {
          'auth.admin_mfa': 'password',
          'inc.process': 'no',
          'inc.process#comment': 'The on-call engineer handles incidents.',
          'bcm.backup': 'none',
        },
        { 'scope.criticality': 'supporting' },
        SUPPORTING,
      ),
      {
        name: 'N/A with a throw-away comment on every yes/no, best answers elsewhere',
        before: { answers: naEverywhere(v1, BEST_V1, { scope: true }) },
        after: { answers: naEverywhere(current, NIS2_BEST, { scope: true }), context: CRITICAL },
      },
      both('Never pen-tested or audited, no certificate, "0 open findings"', {
        'dev.pentest': 'no',
        'eff.audit': 'no',
        'eff.open_findings': 0,
        'gov.certification': ['none'],
      }),
    ],
  };
}

function gdpr(): FileScenarios {
  const v1 = load('test/questionnaire/fixtures/shipped-1.0.0/gdpr-art28-processor.yaml');
  const current = load('questionnaires/gdpr-art28-processor.yaml');
  const HEALTH = { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'special'] };
  const BEST_V1 = {
    ...onlyIn(v1, GDPR_BEST),
    ...HEALTH,
    'sec.encryption': 'both',
    'sec.sensitive_safeguards': 'yes',
  };
  const both = (name: string, change: Answers, v1Change: Answers = change): Scenario => ({
    name,
    before: { answers: { ...BEST_V1, ...v1Change } },
    after: { answers: { ...GDPR_BEST, ...change }, context: HEALTH },
  });
  const na = (id: string) => ({ [id]: 'na', [`${id}#comment`]: 'n/a' });
  return {
    id: 'gdpr-art28-processor',
    v1,
    current,
    scenarios: [
      both('All best answers', {}),
      both('Best answers except no MFA, breach notice after 72 h', {
        'sec.mfa': 'no',
        'brc.notify_hours': 72,
      }),
      both(
        'N/A on DPA, instructions, confidentiality and return/delete; "no" to sub-processor liability, legal-duty notice and authority requests',
        {
          ...na('ctr.dpa'),
          ...na('ctr.instructions'),
          ...na('conf.commitment'),
          ...na('end.return_delete'),
          'sub.liability': 'no',
          'ctr.legal_duty': 'no',
          'xfer.authority_requests': 'no',
        },
      ),
      both('`sub.uses = na` and `xfer.outside_eea = na`, no comments', {
        'sub.uses': 'na',
        'xfer.outside_eea': 'na',
      }),
      both(
        'Health-data processor without MFA, breach process or backups (1.0.0 asks only about MFA)',
        {
          'sec.mfa': 'no',
          'brc.process': 'no',
          'brc.process#comment': 'Handled case by case.',
          'sec.backup': 'none',
        },
        { 'sec.mfa': 'no' },
      ),
      {
        name: 'N/A with a throw-away comment on every yes/no, best answers elsewhere',
        before: { answers: naEverywhere(v1, BEST_V1, { scope: false }) },
        after: { answers: naEverywhere(current, GDPR_BEST, { scope: false }), context: HEALTH },
      },
    ],
  };
}

function dora(): FileScenarios {
  const v1 = load('test/questionnaire/fixtures/shipped-1.0.0/dora-ict-provider.yaml');
  const current = load('questionnaires/dora-ict-provider.yaml');
  const CRITICAL = { 'scope.function': 'critical' };
  const BEST_V1 = { ...onlyIn(v1, DORA_BEST), ...CRITICAL, 'cif.audit_rights': 'unrestricted' };
  const contract: Answers = {
    'ctr.description': 'no',
    'ctr.service_levels': 'no',
    'ctr.training': 'no',
    'cif.audit_scope': 'no',
    'cif.rto_hours': 720,
    'ops.availability': 90,
  };
  const withoutSub = (answers: Answers) =>
    Object.fromEntries(Object.entries(answers).filter(([k]) => !k.startsWith('sub.')));
  const keyControls: Answers = {
    'ops.admin_mfa': 'password',
    'ops.continuity': 'no',
    'ops.continuity#comment': 'We would rebuild the platform from our images.',
    'ops.backup': 'untested',
    'ops.incident_hours': 72,
  };
  return {
    id: 'dora-ict-provider',
    v1,
    current,
    scenarios: [
      {
        name: 'All best answers',
        before: { answers: BEST_V1 },
        after: { answers: DORA_BEST, context: CRITICAL },
      },
      {
        name: 'Critical function; best answers except no admin MFA, no BCP/DR, untested backups, incident notice after 72 h',
        before: { answers: { ...BEST_V1, ...keyControls } },
        after: { answers: { ...DORA_BEST, ...keyControls }, context: CRITICAL },
      },
      {
        name: 'The same with no backups at all (1.0.0 has no such option)',
        before: null,
        after: { answers: { ...DORA_BEST, ...keyControls, 'ops.backup': 'none' }, context: CRITICAL },
      },
      {
        name: 'Critical function; contract lacks 30(2)(a), (e), (i) and 30(3)(e)(iv); RTO 720 h; 90 % availability; "alternative assurance" instead of audit rights',
        before: {
          answers: {
            ...BEST_V1,
            ...contract,
            'cif.audit_rights': 'alternative',
            'cif.audit_rights#comment': 'Pooled audits twice a year and our ISO certificate.',
          },
        },
        after: {
          answers: {
            ...DORA_BEST,
            ...contract,
            'ctr.subcontracting_terms': 'no',
            'cif.audit_access': 'no',
            'cif.audit_access#comment': 'We offer pooled audits and our ISO certificate instead.',
          },
          context: CRITICAL,
        },
      },
      {
        name: '`scope.subcontracting = na`, no subcontracting answers',
        before: { answers: { ...withoutSub(BEST_V1), 'scope.subcontracting': 'na' } },
        after: { answers: { ...withoutSub(DORA_BEST), 'scope.subcontracting': 'na' }, context: CRITICAL },
      },
      {
        name: 'N/A with a throw-away comment on every yes/no, best answers elsewhere',
        before: { answers: naEverywhere(v1, BEST_V1, { scope: true }) },
        after: { answers: naEverywhere(current, DORA_BEST, { scope: true }), context: CRITICAL },
      },
    ],
  };
}

function securityBaseline(): FileScenarios {
  const v1 = load('test/questionnaire/fixtures/shipped-1.0.0/security-baseline.yaml');
  const current = load('questionnaires/security-baseline.yaml');
  const CRITICAL = { 'scope.criticality': 'critical' };
  const BEST = baseline.bestAnswers(current);
  const BEST_V1 = baseline.bestAnswers(v1, { ...BEST, ...CRITICAL });
  const both = (name: string, change: Answers, v1Change: Answers = change): Scenario => ({
    name,
    before: { answers: { ...BEST_V1, ...v1Change } },
    after: { answers: { ...BEST, ...change }, context: CRITICAL },
  });
  return {
    id: 'security-baseline',
    v1,
    current,
    scenarios: [
      both('All best answers', {}),
      both(
        'Critical SaaS; best answers except staff and customers password-only, no IR plan, no backups',
        baseline.NO_KEY_CONTROLS,
      ),
      both('No backups at all', { 'bcr.backups': 'none' }),
      both('Weekly backups, unprotected and never restored', baseline.WEAK_BACKUPS, baseline.WEAK_BACKUPS_V1),
      both('Never pen-tested', baseline.NEVER_PENTESTED),
      both('Pen test 30 months old with criticals open', baseline.OLD_PENTEST, baseline.OLD_PENTEST_V1),
      {
        name: 'N/A on every yes/no, best answers elsewhere',
        before: { answers: baseline.naEverywhere(v1, BEST_V1) },
        after: { answers: baseline.naEverywhere(current, BEST), context: CRITICAL },
      },
    ],
  };
}

export const reviewScenarios = (): FileScenarios[] => [nis2(), gdpr(), dora(), securityBaseline()];

const cell = (ev: Evaluation | null): string => {
  if (ev === null) return 'cannot be answered';
  const score = ev.score === null ? '–' : ev.score.toFixed(1);
  const raised = ev.findings.length;
  return `${score} · ${ev.band ?? '–'} · **${ev.rating ?? '–'}** · ${raised} finding${raised === 1 ? '' : 's'}${ev.canSubmit ? '' : ' · not submittable'}`;
};

/** The markdown table of one file: score · band · rating · findings, before and after, per scenario. */
export function ratingsTable(file: FileScenarios): string {
  const run = (q: Questionnaire, side: Side | null) =>
    side === null ? null : evaluate(q, side.answers, TODAY, side.context ? { context: side.context } : {});
  const lines = [
    `| Scenario | ${file.v1.ref} (before) | ${file.current.ref} (after) |`,
    '|---|---|---|',
    ...file.scenarios.map(
      (s) => `| ${s.name} | ${cell(run(file.v1, s.before))} | ${cell(run(file.current, s.after))} |`,
    ),
  ];
  return lines.join('\n');
}

/** One scenario of the N/A-claim audit of 2.0.0: the audit's own figure, then 2.0.0 and 3.0.0 now. */
interface NaClaimScenario {
  name: string;
  audit: string;
  file: string;
  /** The answers, or per version (N/A on whatever that version allows). */
  answers: Answers | ((q: Questionnaire) => Answers);
  context: Answers;
}

const JUSTIFIED = 'Not used for this service.';
const naWith = (ids: readonly string[], comment: string): Answers =>
  Object.fromEntries(
    ids.flatMap((id) => [
      [id, 'na'],
      [`${id}#comment`, comment],
    ]),
  );

function naClaimScenarios(): NaClaimScenario[] {
  const critical = { 'scope.criticality': 'critical', 'scope.access': ['data', 'remote'] };
  const mfa = ['auth.remote_mfa', 'auth.user_mfa', 'cry.at_rest'];
  const allowed = (q: Questionnaire) =>
    [...q.questions.values()].filter((x) => x.hasNa && !x.context && x.na !== 'forbidden').map((x) => x.id);
  const dora = (id: string, answer: 'na' | 'no'): NaClaimScenario => ({
    name: `\`${id}\` ${answer === 'na' ? 'N/A, justified' : '"no"'}`,
    audit: answer === 'na' ? '100 · low · **low**' : id === 'ops.continuity' ? '**critical**' : '**high**',
    file: 'dora-ict-provider',
    answers: {
      ...DORA_BEST,
      ...(answer === 'na' ? naWith([id], JUSTIFIED) : { [id]: 'no', [`${id}#comment`]: JUSTIFIED }),
    },
    context: { 'scope.function': 'critical' },
  });
  return [
    {
      name: '`auth.remote_mfa`, `auth.user_mfa`, `cry.at_rest` N/A with the comment "x"',
      audit: '100 · low · **low** · submittable',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, ...naWith(mfa, 'x') },
      context: critical,
    },
    {
      name: 'the same three N/A, justified',
      audit: '100 · low · **low**',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, ...naWith(mfa, JUSTIFIED) },
      context: critical,
    },
    {
      name: '`auth.remote_mfa` "no"',
      audit: '**critical** (knock-out)',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, 'auth.remote_mfa': 'no', 'auth.remote_mfa#comment': 'VPN with a password.' },
      context: critical,
    },
    {
      name: '`dev.pentest` N/A, justified',
      audit: '100 · low · **low**',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, ...naWith(['dev.pentest'], JUSTIFIED) },
      context: critical,
    },
    {
      name: '`dev.pentest` done in 2019',
      audit: '98.3 · **medium**',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, 'dev.pentest_date': '2019-01-01' },
      context: critical,
    },
    {
      name: '`dev.pentest` "no"',
      audit: '96.5 · **high**',
      file: 'nis2-supplier',
      answers: { ...NIS2_BEST, 'dev.pentest': 'no', 'dev.pentest#comment': 'never' },
      context: critical,
    },
    {
      name: 'N/A, justified, on every question whose policy allows it (21 of 43 in 2.0.0, 17 in 3.0.0)',
      audit: '100 · low · **low**',
      file: 'nis2-supplier',
      answers: (q) => ({ ...NIS2_BEST, ...naWith(allowed(q), JUSTIFIED) }),
      context: critical,
    },
    dora('ops.continuity', 'na'),
    dora('ops.continuity', 'no'),
    dora('ops.pentest', 'na'),
    dora('ops.pentest', 'no'),
    dora('sub.flowdown', 'na'),
    dora('sub.flowdown', 'no'),
    {
      name: '`sec.mfa` N/A, justified (special-category data)',
      audit: "**low** (93.9 · low · low on the audit's answers)",
      file: 'gdpr-art28-processor',
      answers: { ...GDPR_BEST, ...naWith(['sec.mfa'], JUSTIFIED) },
      context: { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'special'] },
    },
    {
      name: '`sec.mfa` "no" (special-category data)',
      audit: '**critical** (knock-out)',
      file: 'gdpr-art28-processor',
      answers: { ...GDPR_BEST, 'sec.mfa': 'no', 'sec.mfa#comment': JUSTIFIED },
      context: { 'scope.personal_data': 'yes', 'scope.data_categories': ['contact', 'special'] },
    },
  ];
}

/** The N/A-claim audit's table: the audit's figure (engine of that day, 2.0.0), 2.0.0 now, 3.0.0. */
export function naClaimsTable(): string {
  const cache = new Map<string, Questionnaire>();
  const get = (file: string) => {
    if (!cache.has(file)) cache.set(file, load(file));
    return cache.get(file)!;
  };
  const rows = naClaimScenarios().map((s) => {
    const old = get(`test/questionnaire/fixtures/shipped-2.0.0/${s.file}.yaml`);
    const cur = get(`questionnaires/${s.file}.yaml`);
    const run = (q: Questionnaire) =>
      evaluate(q, typeof s.answers === 'function' ? s.answers(q) : s.answers, TODAY, { context: s.context });
    return `| ${s.file} | ${s.name} | ${s.audit} | ${cell(run(old))} | ${cell(run(cur))} |`;
  });
  return [
    '| File | Scenario | 2.0.0, audit (engine before) | 2.0.0 now | 3.0.0 |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** docs/content-review/ratings.md: the page as the engine gives it today. */
export function ratingsPage(): string {
  const files = reviewScenarios();
  return [
    "# The content review's scenarios: ratings before and after",
    '',
    '<!-- Generated by `npx tsx scripts/content-ratings.ts --write`; test/questionnaire/golden/ratings.test.ts',
    '     fails when this page differs from what the engine gives. Do not edit by hand. -->',
    '',
    "Issue #10 asks, per shipped questionnaire, for the ratings of the content review's measured scenarios",
    '(`content-review.md`, "Measured scenarios") before and after. Every cell below is the output of the engine\'s own',
    '`evaluate()` on ' + TODAY + ' (the review\'s date): "before" is version 1.0.0, kept as',
    '`test/questionnaire/fixtures/shipped-1.0.0/` for assessments pinned to it, "after" is the version in',
    '`questionnaires/`. A cell reads score · band · **headline rating** · number of raised findings, and says when',
    'the response could not be submitted. vrq/1 files (1.0.0) have no rating rule, so their rating is the band.',
    '',
    'The answer sets are those of the golden tests (`test/questionnaire/golden/`), which assert the same figures',
    "with the hand computation and the findings: `test/questionnaire/golden/answers/` holds them (security-baseline's",
    'shared with its golden test, the best answers of the other three copied from theirs). The review',
    'did not publish its answer sets, so a few "before" figures differ slightly from the ones it measured (each',
    "file's page says where). In 2.0.x the criticality or function is the requester's context fact, set to",
    "critical unless the scenario says otherwise; in 1.0.0 it was the vendor's answer, given the same value.",
    '',
    ...files.flatMap((f) => [`## ${f.id}`, '', ratingsTable(f), '']),
    '## N/A claims: the audit of 2.0.0',
    '',
    'A read-only audit of 2.0.0 found that a justified N/A with the comment "x" rated better than "no" and got past',
    'knock-out controls. The engine now weighs an unconfirmed N/A claim on a must-have control as the control',
    "failing would (`src/questionnaire/na-claim.ts`: the worst finding the question's real answers raise, with its",
    'knock-out and due date) and refuses a justification under 2 words or 15 characters; 3.0.0 refuses N/A where the',
    'requester\'s scope makes it implausible on knock-out controls. "2.0.0, audit" is what the audit measured with',
    'the engine of that day; the other two columns are the engine now (critical service / function; best answers',
    'otherwise). Scores on 2.0.0 do not move: only ratings, findings and what can be submitted do.',
    '',
    naClaimsTable(),
    '',
    '## Reading the table',
    '',
    '- **The rating, not the score, is what changed for the key controls.** The score stays a weighted summary of',
    '  many questions and may stay in the low band; the rating is the worse of the band and what the open findings',
    '  force (a critical finding: at least high; a high finding: at least medium; a knock-out: critical).',
    '- **N/A no longer helps.** Where N/A cannot apply it is refused: the answer counts as 0 and the response',
    '  cannot be submitted; a justified N/A (at least 2 words, 15 characters) on a must-have control leaves an',
    '  "N/A claimed" finding for a reviewer that weighs what the control failing would (its rating, knock-out and',
    '  due date) until the reviewer accepts or closes its risk. The audit of 2.0.0 (N/A with the comment "x" beat',
    '  "no" and knock-outs) and the 3.0.0 answer to it: [ratings.md, "N/A claims"](#na-claims-the-audit-of-200).',
    '- **No inversions.** Having no control (no backups, never pen-tested) now scores below a weak version of it.',
    '- Per-file detail: [nis2-supplier.md](nis2-supplier.md), [gdpr-art28-processor.md](gdpr-art28-processor.md),',
    '  [dora-ict-provider.md](dora-ict-provider.md), [security-baseline.md](security-baseline.md),',
    '  [cross-cutting.md](cross-cutting.md); every review item and where it stands: [items.md](items.md).',
    '',
  ].join('\n');
}
