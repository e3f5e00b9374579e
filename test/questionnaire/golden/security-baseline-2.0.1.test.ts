// security-baseline@2.0.1 is 2.0.0 with every text in English and German (the review's X5) and the comment
// labels that 2.0.0 left as fragments written as sentences. Nothing else may differ: the raw files are
// compared with every { en, de } text reduced to its English, and both versions are evaluated on the same
// answer sets (best, worst, N/A everywhere and seeded random responses) with identical results.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintFiles } from '../../../src/platform/node/questionnaire-files.js';
import {
  type Answers,
  checkCompatibility,
  compileQuestionnaire,
  evaluate,
  localize,
  type Questionnaire,
} from '../../../src/questionnaire/index.js';
import { findingsOf, issuesOf, sectionScores, visibleIds } from './support.js';

const FILE = 'questionnaires/security-baseline.yaml';
const OLD = 'test/questionnaire/fixtures/shipped-2.0.0/security-baseline.yaml';
const read = (file: string) => readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
const compile = (file: string) => compileQuestionnaire(read(file), { file, completeLocales: true });
const next = compile(FILE);
const q = next.questionnaire!;
const old = compile(OLD).questionnaire!;
const TODAY = '2026-12-02';

type Tree = unknown;
const isText = (v: Tree): v is { en: string; de: string } =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.keys(v).sort().join() === 'de,en' &&
  Object.values(v).every((s) => typeof s === 'string');

/** The raw file with every { en, de } text reduced to its English, and the German texts found on the way. */
function english(v: Tree, de: Array<{ path: string; en: string; de: string }>, path = ''): Tree {
  if (isText(v)) {
    de.push({ path, en: v.en, de: v.de });
    return v.en;
  }
  if (Array.isArray(v)) return v.map((x, i) => english(x, de, `${path}[${i}]`));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, english(x, de, path ? `${path}.${k}` : k)]),
    );
  return v;
}

/** Paths where two raw trees differ, with both values. */
function differences(a: Tree, b: Tree, path = '', out: Array<[string, Tree, Tree]> = []) {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys)
      differences(
        (a as Record<string, Tree>)[k],
        (b as Record<string, Tree>)[k],
        Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k,
        out,
      );
  } else if (a !== b) out.push([path, a, b]);
  return out;
}

const texts: Array<{ path: string; en: string; de: string }> = [];
const reduced = english(parse(read(FILE)), texts);
const original = parse(read(OLD)) as Tree;

describe('security-baseline@2.0.1: the file', () => {
  it('compiles and lints without a single problem, also when every declared locale is required', () => {
    expect(next.problems).toEqual([]);
    expect(lintFiles([FILE], { completeLocales: true })).toMatchObject({ errors: 0, warnings: 0 });
    expect(q.ref).toBe('security-baseline@2.0.1');
    expect(q.status).toBe('published');
    expect(q.locales).toEqual(['en', 'de']);
    expect(q.changelog.map((c) => c.version)).toEqual(['1.0.0', '2.0.0', '2.0.1']);
  });

  it('gives every text an English and a German version, and translates every sentence', () => {
    // The loader's own count: a text without de would be a missing-translation warning above.
    expect(texts.length).toBeGreaterThan(600);
    for (const t of texts) {
      expect(t.de.trim(), t.path).not.toBe('');
      // Only names, codes and units may read the same in both languages.
      if (t.en.split(' ').length > 3) expect(t.de, t.path).not.toBe(t.en);
    }
    const id = q.questions.get('bcr.backups')!;
    expect(localize(id.text, 'de', q)).toBe('Wie oft werden die Daten der Leistung gesichert?');
    expect(localize(id.text, 'de-AT', q)).toBe('Wie oft werden die Daten der Leistung gesichert?');
    expect(localize(id.text, 'fr', q)).toBe('How often is the data of the service backed up?');
  });

  it('differs from 2.0.0 only in its texts: version, locales, one changelog entry, the comment sentences', () => {
    const diff = differences(original, reduced);
    const other = diff.filter(
      ([path, before, after]) =>
        !(
          path.endsWith('.comment.label') &&
          typeof before === 'string' &&
          /^[a-z]/.test(before) &&
          after === `Explain ${before}`
        ),
    );
    expect(other.map(([path, before, after]) => [path, before, after])).toEqual([
      ['version', '2.0.0', '2.0.1'],
      ['locales[1]', undefined, 'de'],
      ['changelog[2]', undefined, expect.objectContaining({ version: '2.0.1' })],
    ]);
    // The fragments 2.0.0 left ("how changes are controlled today.") are all sentences now.
    expect(diff.length - other.length).toBe(42);
    for (const x of q.questions.values())
      if (x.comment?.label) expect(localize(x.comment.label, 'en', q), x.id).toMatch(/^[A-Z]/);
  });

  it('is compatible with 2.0.0 without a single error or warning', () => {
    expect(checkCompatibility(old, q)).toEqual([]);
  });
});

// Same answers, same results: score, band, headline rating and its drivers, findings with likelihood,
// impact, escalation, risk score, rating and due date, section scores, visibility and open issues.
function outcome(questionnaire: Questionnaire, answers: Answers, context: Record<string, unknown>) {
  const ev = evaluate(questionnaire, answers, TODAY, { context: context as never });
  return {
    score: ev.score,
    band: ev.band,
    rating: ev.rating,
    drivers: ev.ratingDrivers,
    findings: findingsOf(ev),
    sections: sectionScores(ev),
    visible: visibleIds(ev),
    issues: issuesOf(ev),
    canSubmit: ev.canSubmit,
  };
}

/** Small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pick = 'best' | 'worst' | 'na' | (() => number);
function answersFor(questionnaire: Questionnaire, pick: Pick): Answers {
  const rnd = typeof pick === 'function' ? pick : () => (pick === 'best' ? 0 : 0.999);
  const out: Record<string, Answers[string]> = {};
  for (const x of questionnaire.questions.values()) {
    if (x.context) continue;
    const byScore = [...(x.options ?? [])].sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
    const choose = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
    switch (x.type) {
      case 'yes_no_na':
        out[x.id] = pick === 'na' ? 'na' : choose(['yes', 'no', 'na']);
        if (pick === 'best') out[x.id] = 'yes';
        break;
      case 'single':
        if (byScore.length) out[x.id] = choose(byScore).value;
        break;
      case 'multi':
        if (byScore.length)
          out[x.id] =
            pick === 'best'
              ? byScore.filter((o) => !o.exclusive).map((o) => o.value)
              : byScore.filter(() => rnd() < 0.5).map((o) => o.value);
        break;
      case 'number':
        out[x.id] = Math.round(choose([0, 1, 4, 12, 24, 48, 72, 90, 99, 99.9, 180, 400, 1000]));
        break;
      case 'date':
        out[x.id] = choose([
          '2023-01-15',
          '2025-06-30',
          '2026-05-01',
          '2026-11-30',
          '2027-03-01',
          '2029-12-31',
        ]);
        break;
      case 'text':
        out[x.id] = 'Hosted service, security@vendor.example';
        break;
      default:
        break;
    }
    if (rnd() < 0.3) out[`${x.id}#comment`] = 'reason';
    if (rnd() < 0.5) out[`${x.id}#evidence`] = ['ev'];
  }
  return out;
}

describe('security-baseline@2.0.1 scores exactly as 2.0.0', () => {
  const contexts = [{}, { 'scope.criticality': 'critical' }, { 'scope.criticality': 'standard' }];

  it('on the best, the worst and the all-N/A response, in every criticality', () => {
    for (const pick of ['best', 'worst', 'na'] as const)
      for (const context of contexts) {
        const answers = answersFor(old, pick);
        expect(outcome(q, answers, context), `${pick} ${JSON.stringify(context)}`).toEqual(
          outcome(old, answers, context),
        );
      }
  });

  it('on 300 seeded random responses', () => {
    let raised = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const answers = answersFor(old, random(seed));
      const context = contexts[seed % contexts.length]!;
      const before = outcome(old, answers, context);
      expect(outcome(q, answers, context), `seed ${seed}`).toEqual(before);
      raised += Object.keys(before.findings).length;
    }
    // The responses are varied enough to raise findings, not only to fail validation.
    expect(raised).toBeGreaterThan(300);
  });
});
