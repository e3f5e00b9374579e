import { isIsoDate } from '../dates.js';
import { isReservedWord } from '../expr/parser.js';
import { compareSemver, isVersionRange, parseSemver, rangeIncludes } from '../semver.js';
import { suggest } from '../suggest.js';
import type {
  Band,
  ChangelogEntry,
  Expression,
  Framework,
  Migration,
  NaPolicy,
  RatingPolicy,
  RiskPolicy,
  ScoringPolicy,
  Status,
  Text,
  Thresholds,
} from '../types.js';
import type { YMap, YNode, YScalar } from '../yaml-tree.js';
import type { LoadContext } from './context.js';
import {
  at,
  capitalise,
  describeNode,
  type Fields,
  join,
  readFields,
  readList,
  readNumber,
  readString,
  requireField,
} from './fields.js';
import { NA_POLICIES, QUESTION_ID, QuestionReader } from './questions.js';

const QUESTIONNAIRE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const RATING = /^[a-z][a-z0-9_]{0,39}$/;
const COMPUTED_NAME = /^[a-z_][a-z0-9_]{0,63}$/;
const FRAMEWORK_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

const TOP_KEYS = [
  'schema',
  'id',
  'version',
  'status',
  'default_locale',
  'locales',
  'title',
  'description',
  'frameworks',
  'scoring',
  'risk',
  'computed',
  'sections',
  'changelog',
  'migrations',
  // vrq/1.1
  'rating',
  'thresholds',
];

/** Everything read from one file before references are resolved. */
export interface DocumentDraft {
  id: string;
  version: string;
  status: Status;
  title: Text;
  description: Text | null;
  frameworks: Map<string, Framework>;
  scoring: ScoringPolicy;
  risk: RiskPolicy | null;
  rating: RatingPolicy | null;
  thresholds: Thresholds;
  computed: Map<string, { expr: Expression | null; node: YScalar | null; path: string }>;
  reader: QuestionReader;
  changelog: ChangelogEntry[];
  migrations: Migration[];
  /** Migration renames with their positions, checked once question ids are known. */
  renames: Array<{ from: string; to: string; fromNode: YNode; toNode: YNode; path: string }>;
}

/** Reads the whole document. Returns null only when the schema line rules out reading further. */
export function readDocument(c: LoadContext, root: YNode): DocumentDraft | null {
  const r = c.r;
  const f = readFields(r, root, '', 'a questionnaire', TOP_KEYS);
  if (!f) return null;

  const schemaNode = requireField(r, f, 'schema', 'a questionnaire file');
  if (schemaNode === undefined) return null;
  const schema = readString(r, schemaNode, 'schema', 'schema');
  if (schema === undefined) return null;
  const m = /^vrq\/(\d+)(?:\.(\d+))?$/.exec(schema);
  if (!m) {
    r.error(
      'bad-value',
      schemaNode.pos,
      'schema',
      `schema must be "vrq/1" (the file-format version), not "${schema}".`,
    );
    return null;
  }
  c.schemaMinor = m[2] === undefined ? 0 : Number(m[2]);
  if (m[1] !== '1') {
    r.error(
      'unsupported-schema',
      schemaNode.pos,
      'schema',
      `This engine reads format vrq/1; "${schema}" is a different major version it does not understand.`,
    );
    return null;
  }

  readLocales(c, f);

  const idNode = requireField(r, f, 'id', 'a questionnaire');
  const id =
    idNode &&
    readString(r, idNode, 'id', 'the questionnaire id', {
      pattern: QUESTIONNAIRE_ID,
      patternText: 'lower-case letters, digits, - and _ (at most 64), like vendor-baseline',
    });
  if (idNode) c.locs.set('id', { pos: idNode.pos, path: 'id' });

  const versionNode = requireField(r, f, 'version', 'a questionnaire');
  const version = versionNode && readVersion(c, versionNode, 'version', 'the version');
  if (versionNode) c.locs.set('version', { pos: versionNode.pos, path: 'version' });

  let status: Status = 'draft';
  const statusNode = requireField(r, f, 'status', 'a questionnaire');
  const s = statusNode && readString(r, statusNode, 'status', 'status');
  if (s === 'draft' || s === 'published' || s === 'retired') status = s;
  else if (s !== undefined) {
    r.error(
      'bad-value',
      statusNode!.pos,
      'status',
      `status must be draft, published or retired, not "${s}".`,
    );
  }

  const title = c.text(requireField(r, f, 'title', 'a questionnaire'), 'title', 'the title');
  const description = c.text(f.get('description'), 'description', 'the description');
  const frameworks = readFrameworks(c, f.get('frameworks'));
  const scoring = readScoring(c, f.get('scoring'));
  const risk = readRisk(c, f.get('risk'));
  const computed = readComputed(c, f.get('computed'));
  c.needsMinor(f, 'rating', 1);
  c.needsMinor(f, 'thresholds', 1);
  const rating = readRating(c, f.get('rating'), scoring, risk);
  const thresholds = readThresholds(c, f.get('thresholds'), computed);

  const reader = new QuestionReader(c);
  reader.readSections(requireField(r, f, 'sections', 'a questionnaire'));
  if (reader.findings.size > 0 && risk === null && !f.has('risk')) {
    r.error(
      'missing-field',
      f.pos,
      '',
      'The questionnaire declares findings but no risk table; add risk.rating so findings can be rated.',
    );
  }

  const parsedVersion = version === undefined ? null : parseSemver(version);
  const changelog = readChangelog(c, f.get('changelog'), version);
  const { migrations, renames } = readMigrations(c, f.get('migrations'), parsedVersion);

  return {
    id: id ?? '',
    version: version ?? '',
    status,
    title: title ?? {},
    description: description ?? null,
    frameworks,
    scoring,
    risk,
    rating,
    thresholds,
    computed,
    reader,
    changelog,
    migrations,
    renames,
  };
}

function readVersion(c: LoadContext, node: YNode, path: string, what: string): string | undefined {
  if (node.kind === 'scalar' && typeof node.value === 'number') {
    c.r.error(
      'bad-type',
      node.pos,
      path,
      `${capitalise(what)} must be a semantic version like 2.1.0, not the number ${node.value}; write three parts.`,
    );
    return undefined;
  }
  const v = readString(c.r, node, path, what);
  if (v === undefined) return undefined;
  if (parseSemver(v) === null) {
    c.r.error(
      'bad-value',
      node.pos,
      path,
      `"${v}" is not a semantic version; use MAJOR.MINOR.PATCH like 2.1.0.`,
    );
    return undefined;
  }
  return v;
}

function readLocales(c: LoadContext, f: Fields): void {
  const r = c.r;
  const dNode = requireField(r, f, 'default_locale', 'a questionnaire');
  const d =
    dNode &&
    readString(r, dNode, 'default_locale', 'default_locale', {
      pattern: LOCALE,
      patternText: 'a language code like en or de-CH',
    });
  if (d !== undefined) c.defaultLocale = d;
  const lNode = f.get('locales');
  if (lNode === undefined) {
    c.locales = [c.defaultLocale];
    return;
  }
  const seq = readList(r, lNode, 'locales', 'locales');
  const locales: string[] = [];
  seq?.items.forEach((item, i) => {
    const l = readString(r, item, at('locales', i), 'a locale', {
      pattern: LOCALE,
      patternText: 'a language code like en or de-CH',
    });
    if (l === undefined) return;
    if (locales.includes(l))
      r.error('duplicate-id', item.pos, at('locales', i), `Locale "${l}" is listed twice.`);
    else locales.push(l);
  });
  if (seq && d !== undefined && !locales.includes(d)) {
    r.error('missing-locale', seq.pos, 'locales', `locales must include the default locale "${d}".`);
    locales.unshift(d);
  }
  c.locales = locales.length > 0 ? locales : [c.defaultLocale];
}

function readFrameworks(c: LoadContext, node: YNode | undefined): Map<string, Framework> {
  const out = new Map<string, Framework>();
  if (node === undefined) return out;
  const r = c.r;
  if (node.kind !== 'map') {
    r.error(
      'bad-type',
      node.pos,
      'frameworks',
      `frameworks must be a mapping of key to { title, ref }, not ${describeNode(node)}.`,
    );
    return out;
  }
  for (const e of node.entries) {
    const p = join('frameworks', e.key);
    if (!FRAMEWORK_KEY.test(e.key)) {
      r.error(
        'bad-value',
        e.keyPos,
        p,
        `Framework key "${e.key}" must be lower-case letters, digits, - or _, like iso27001.`,
      );
      continue;
    }
    const ff = readFields(r, e.value, p, 'a framework', ['title', 'ref']);
    if (!ff) continue;
    const title = c.text(
      requireField(r, ff, 'title', 'a framework'),
      join(p, 'title'),
      `the title of framework ${e.key}`,
    );
    const refNode = ff.get('ref');
    const ref =
      refNode === undefined
        ? null
        : (readString(r, refNode, join(p, 'ref'), 'ref', { maxLength: 500 }) ?? null);
    c.frameworks.add(e.key);
    if (title) out.set(e.key, Object.freeze({ key: e.key, title, ref }));
  }
  return out;
}

function readBands(
  c: LoadContext,
  node: YNode,
  path: string,
  what: string,
  range: { min: number; max: number; integer: boolean; floor: number },
): Band[] {
  const r = c.r;
  const seq = readList(r, node, path, what);
  if (!seq) return [];
  const out: Band[] = [];
  const ratings = new Set<string>();
  seq.items.forEach((item, i) => {
    const p = at(path, i);
    const f = readFields(r, item, p, `an entry of ${what}`, ['min', 'rating', 'label']);
    if (!f) return;
    const mNode = requireField(r, f, 'min', `an entry of ${what}`);
    const min =
      mNode &&
      readNumber(r, mNode, join(p, 'min'), 'min', { min: range.min, max: range.max, integer: range.integer });
    const rNode = requireField(r, f, 'rating', `an entry of ${what}`);
    const rating =
      rNode &&
      readString(r, rNode, join(p, 'rating'), 'rating', {
        pattern: RATING,
        patternText: 'lower-case letters, digits and _, like high',
      });
    const label = c.text(f.get('label'), join(p, 'label'), `the label of rating ${rating ?? ''}`.trimEnd());
    if (rating !== undefined && ratings.has(rating)) {
      r.error('duplicate-id', rNode!.pos, join(p, 'rating'), `Rating "${rating}" appears twice in ${what}.`);
    }
    if (rating !== undefined) ratings.add(rating);
    if (min === undefined || rating === undefined) return;
    const prev = out[out.length - 1];
    if (prev !== undefined && min >= prev.min) {
      r.error(
        'bad-value',
        mNode!.pos,
        join(p, 'min'),
        `The entries of ${what} must be ordered from the highest min to the lowest (first match wins); ${min} follows ${prev.min}.`,
      );
    }
    out.push(Object.freeze({ min, rating, label: label ?? null }));
  });
  const last = out[out.length - 1];
  if (seq.items.length === 0) {
    r.error('bad-value', seq.pos, path, `${what} needs at least one entry.`);
  } else if (last !== undefined && last.min > range.floor) {
    r.error(
      'bad-value',
      seq.pos,
      path,
      `The last entry of ${what} must have min: ${range.floor} so that every value gets a rating.`,
    );
  }
  return out;
}

function readScoring(c: LoadContext, node: YNode | undefined): ScoringPolicy {
  const r = c.r;
  const policy = {
    method: 'weighted_ratio' as const,
    naPolicy: 'exclude' as ScoringPolicy['naPolicy'],
    na: 'allowed' as NaPolicy,
    unansweredPolicy: 'zero' as ScoringPolicy['unansweredPolicy'],
    bands: [] as Band[],
  };
  const f = readFields(r, node, 'scoring', 'scoring', [
    'method',
    'answer_score_range',
    'na_policy',
    'unanswered_policy',
    'hidden_policy',
    'bands',
    'na',
  ]);
  if (!f) return Object.freeze(policy);
  const choice = <T extends string>(key: string, allowed: readonly T[], why: string): T | undefined => {
    const n = f.get(key);
    if (n === undefined) return undefined;
    const s = readString(r, n, join('scoring', key), key);
    if (s === undefined) return undefined;
    if ((allowed as readonly string[]).includes(s)) return s as T;
    r.error(
      'bad-value',
      n.pos,
      join('scoring', key),
      `${key} must be ${allowed.join(' or ')}${why}, not "${s}".`,
    );
    return undefined;
  };
  choice('method', ['weighted_ratio'], '');
  choice('hidden_policy', ['exclude'], ' (hidden answers are kept but never scored)');
  policy.naPolicy = choice('na_policy', ['exclude', 'zero', 'full'] as const, '') ?? 'exclude';
  policy.unansweredPolicy = choice('unanswered_policy', ['zero', 'exclude'] as const, '') ?? 'zero';
  c.needsMinor(f, 'na', 1);
  policy.na = choice('na', NA_POLICIES, ' (the N/A policy of questions that declare none)') ?? 'allowed';
  c.naDefault = policy.na;
  const range = f.get('answer_score_range');
  if (range !== undefined) {
    const ok =
      range.kind === 'seq' &&
      range.items.length === 2 &&
      range.items.every((n, i) => n.kind === 'scalar' && n.value === i);
    if (!ok)
      r.error(
        'bad-value',
        range.pos,
        'scoring.answer_score_range',
        'answer_score_range can only be [0, 1]: every answer score is normalised to 0..1.',
      );
  }
  const bands = f.get('bands');
  if (bands !== undefined)
    policy.bands = readBands(c, bands, 'scoring.bands', 'scoring.bands', {
      min: 0,
      max: 100,
      integer: false,
      floor: 0,
    });
  return Object.freeze({ ...policy, bands: Object.freeze(policy.bands) });
}

function readRisk(c: LoadContext, node: YNode | undefined): RiskPolicy | null {
  const r = c.r;
  const f = readFields(r, node, 'risk', 'risk', ['likelihood', 'impact', 'rating']);
  if (!f) return null;
  const labels = (key: 'likelihood' | 'impact'): Record<string, Text> => {
    const n = f.get(key);
    const out: Record<string, Text> = {};
    if (n === undefined) return out;
    if (n.kind !== 'map') {
      r.error(
        'bad-type',
        n.pos,
        join('risk', key),
        `risk.${key} must map the levels 1 to 5 to labels, not ${describeNode(n)}.`,
      );
      return out;
    }
    for (const e of (n as YMap).entries) {
      const p = join(join('risk', key), e.key);
      if (!/^[1-5]$/.test(e.key)) {
        r.error('bad-value', e.keyPos, p, `risk.${key} levels are 1 to 5; "${e.key}" is not one of them.`);
        continue;
      }
      const t = c.text(e.value, p, `the label of ${key} ${e.key}`);
      if (t) out[e.key] = t;
    }
    const missing = ['1', '2', '3', '4', '5'].filter((k) => !(n as YMap).entries.some((e) => e.key === k));
    if (missing.length > 0)
      r.error(
        'missing-field',
        n.pos,
        join('risk', key),
        `risk.${key} must label every level 1 to 5; missing ${missing.join(', ')}.`,
      );
    return out;
  };
  const likelihood = labels('likelihood');
  const impact = labels('impact');
  const ratingNode = requireField(r, f, 'rating', 'risk');
  const rating = ratingNode
    ? readBands(c, ratingNode, 'risk.rating', 'risk.rating', { min: 1, max: 25, integer: true, floor: 1 })
    : [];
  return Object.freeze({
    likelihood: Object.freeze(likelihood),
    impact: Object.freeze(impact),
    rating: Object.freeze(rating),
  });
}

/** `rating:` (vrq/1.1): the order of ratings, what raised findings force, and the knock-out rating. */
function readRating(
  c: LoadContext,
  node: YNode | undefined,
  scoring: ScoringPolicy,
  risk: RiskPolicy | null,
): RatingPolicy | null {
  const r = c.r;
  const f = readFields(r, node, 'rating', 'rating', ['order', 'floors', 'knockout']);
  if (!f) return null;
  const bandRatings = scoring.bands.map((b) => b.rating);
  let order = bandRatings;
  const orderNode = f.get('order');
  if (orderNode !== undefined) {
    const seq = readList(r, orderNode, 'rating.order', 'rating.order');
    const out: string[] = [];
    seq?.items.forEach((item, i) => {
      const s = readString(r, item, at('rating.order', i), 'a rating', {
        pattern: RATING,
        patternText: 'lower-case letters, digits and _, like high',
      });
      if (s === undefined) return;
      if (out.includes(s))
        r.error('duplicate-id', item.pos, at('rating.order', i), `Rating "${s}" is listed twice.`);
      else out.push(s);
    });
    for (const b of bandRatings) {
      if (!out.includes(b))
        r.error('bad-value', orderNode.pos, 'rating.order', `rating.order must list the band rating "${b}".`);
    }
    order = out;
  }
  if (order.length === 0) {
    r.error(
      'missing-field',
      f.pos,
      'rating',
      'rating needs scoring.bands or rating.order: the ratings from best to worst.',
    );
  }
  const inOrder = (n: YNode, path: string, what: string): string | undefined => {
    const s = readString(r, n, path, what);
    if (s !== undefined && !order.includes(s)) {
      const guess = suggest(s, order);
      r.error(
        'bad-value',
        n.pos,
        path,
        `"${s}" is not a rating of this questionnaire (${order.join(', ')})${guess ? `; did you mean "${guess}"?` : '.'}`,
      );
      return undefined;
    }
    return s;
  };
  const riskRatings = risk?.rating.map((b) => b.rating) ?? [];
  const floors: Array<{ finding: string; rating: string }> = [];
  const floorsNode = f.get('floors');
  if (floorsNode !== undefined) {
    const seq = readList(r, floorsNode, 'rating.floors', 'rating.floors');
    seq?.items.forEach((item, i) => {
      const p = at('rating.floors', i);
      const ff = readFields(r, item, p, 'an entry of rating.floors', ['finding', 'rating']);
      if (!ff) return;
      const fNode = requireField(r, ff, 'finding', 'an entry of rating.floors');
      const finding = fNode && readString(r, fNode, join(p, 'finding'), 'finding');
      if (finding !== undefined && !riskRatings.includes(finding)) {
        r.error(
          'bad-value',
          fNode!.pos,
          join(p, 'finding'),
          risk === null
            ? 'rating.floors refer to finding ratings, so the questionnaire needs a risk table.'
            : `"${finding}" is not a rating of risk.rating (${riskRatings.join(', ')}).`,
        );
      }
      const rNode = requireField(r, ff, 'rating', 'an entry of rating.floors');
      const rating = rNode && inOrder(rNode, join(p, 'rating'), 'rating');
      if (finding !== undefined && riskRatings.includes(finding) && rating !== undefined)
        floors.push(Object.freeze({ finding, rating }));
    });
  }
  const koNode = f.get('knockout');
  const knockout =
    (koNode && inOrder(koNode, 'rating.knockout', 'rating.knockout')) ?? order[order.length - 1] ?? '';
  return Object.freeze({ order: Object.freeze([...order]), floors: Object.freeze(floors), knockout });
}

const THRESHOLD_TABLE_REF = /^[a-z0-9][a-z0-9_-]{0,63}@.+$/;

/** `thresholds:` (vrq/1.1): named numbers the expressions use, with the shared table they come from. */
function readThresholds(
  c: LoadContext,
  node: YNode | undefined,
  computed: DocumentDraft['computed'],
): Thresholds {
  const r = c.r;
  const values = new Map<string, number>();
  const f = readFields(r, node, 'thresholds', 'thresholds', ['table', 'values']);
  if (!f) return Object.freeze({ table: null, values });
  let table: string | null = null;
  const tNode = f.get('table');
  if (tNode !== undefined) {
    const s = readString(r, tNode, 'thresholds.table', 'thresholds.table');
    if (s !== undefined) {
      const version = s.slice(s.indexOf('@') + 1);
      if (!THRESHOLD_TABLE_REF.test(s) || parseSemver(version) === null) {
        r.error(
          'bad-value',
          tNode.pos,
          'thresholds.table',
          `thresholds.table must name a shared table as id@version, like eu-supplier@1.0.0, not "${s}".`,
        );
      } else {
        table = s;
        c.locs.set('thresholds.table', { pos: tNode.pos, path: 'thresholds.table' });
      }
    }
  }
  const vNode = requireField(r, f, 'values', 'thresholds');
  if (vNode !== undefined && vNode.kind !== 'map') {
    r.error(
      'bad-type',
      vNode.pos,
      'thresholds.values',
      `thresholds.values must map names to numbers, not ${describeNode(vNode)}.`,
    );
  } else if (vNode !== undefined) {
    for (const e of vNode.entries) {
      const p = join('thresholds.values', e.key);
      if (!COMPUTED_NAME.test(e.key) || isReservedWord(e.key)) {
        r.error(
          'bad-value',
          e.keyPos,
          p,
          `Threshold name "${e.key}" must be lower-case letters, digits and _ without dots, and not a word of the expression language.`,
        );
        continue;
      }
      if (computed.has(e.key)) {
        r.error('duplicate-id', e.keyPos, p, `"${e.key}" is both a computed value and a threshold.`);
        continue;
      }
      const n = readNumber(r, e.value, p, `threshold ${e.key}`);
      if (n === undefined) continue;
      values.set(e.key, n);
      c.locs.set(`t:${e.key}`, { pos: e.value.pos, path: p });
    }
  }
  return Object.freeze({ table, values });
}

function readComputed(c: LoadContext, node: YNode | undefined): DocumentDraft['computed'] {
  const out: DocumentDraft['computed'] = new Map();
  if (node === undefined) return out;
  const r = c.r;
  if (node.kind !== 'map') {
    r.error(
      'bad-type',
      node.pos,
      'computed',
      `computed must be a mapping of name to expression, not ${describeNode(node)}.`,
    );
    return out;
  }
  for (const e of node.entries) {
    const p = join('computed', e.key);
    if (!COMPUTED_NAME.test(e.key)) {
      r.error(
        'bad-value',
        e.keyPos,
        p,
        `Computed name "${e.key}" must be lower-case letters, digits and _ without dots (dots are for question ids).`,
      );
      continue;
    }
    if (isReservedWord(e.key)) {
      r.error(
        'bad-value',
        e.keyPos,
        p,
        `"${e.key}" is a reserved word of the expression language and cannot name a computed value.`,
      );
      continue;
    }
    const expr = c.expression(e.value, p, 'computed', {
      computed: e.key,
      describe: `computed value ${e.key}`,
    });
    out.set(e.key, { expr, node: e.value.kind === 'scalar' ? e.value : null, path: p });
    c.locs.set(`c:${e.key}`, { pos: e.keyPos, path: p });
  }
  return out;
}

function readChangelog(
  c: LoadContext,
  node: YNode | undefined,
  version: string | undefined,
): ChangelogEntry[] {
  if (node === undefined) return [];
  const r = c.r;
  const seq = readList(r, node, 'changelog', 'changelog');
  if (!seq) return [];
  const out: ChangelogEntry[] = [];
  const current = version === undefined ? null : parseSemver(version);
  seq.items.forEach((item, i) => {
    const p = at('changelog', i);
    const f = readFields(r, item, p, 'a changelog entry', ['version', 'date', 'note']);
    if (!f) return;
    const vNode = requireField(r, f, 'version', 'a changelog entry');
    const v = vNode && readVersion(c, vNode, join(p, 'version'), 'the changelog version');
    const dNode = requireField(r, f, 'date', 'a changelog entry');
    const d = dNode && readString(r, dNode, join(p, 'date'), 'the changelog date');
    if (d !== undefined && !isIsoDate(d))
      r.error('bad-value', dNode!.pos, join(p, 'date'), `"${d}" is not a valid date; use YYYY-MM-DD.`);
    const note = c.text(
      requireField(r, f, 'note', 'a changelog entry'),
      join(p, 'note'),
      'the changelog note',
    );
    if (v !== undefined) {
      if (out.some((e) => e.version === v))
        r.error(
          'duplicate-id',
          vNode!.pos,
          join(p, 'version'),
          `Version ${v} appears twice in the changelog.`,
        );
      const pv = parseSemver(v);
      if (current && pv && compareSemver(pv, current) > 0) {
        r.error(
          'bad-value',
          vNode!.pos,
          join(p, 'version'),
          `The changelog mentions ${v}, which is newer than this questionnaire's version ${version}.`,
        );
      }
    }
    if (v !== undefined && d !== undefined && isIsoDate(d) && note)
      out.push(Object.freeze({ version: v, date: d, note }));
  });
  if (version !== undefined && out.length > 0 && !out.some((e) => e.version === version)) {
    r.warn(
      'changelog-missing',
      seq.pos,
      'changelog',
      `The changelog has no entry for the current version ${version}.`,
    );
  }
  return out;
}

function readMigrations(
  c: LoadContext,
  node: YNode | undefined,
  version: ReturnType<typeof parseSemver>,
): { migrations: Migration[]; renames: DocumentDraft['renames'] } {
  const migrations: Migration[] = [];
  const renames: DocumentDraft['renames'] = [];
  if (node === undefined) return { migrations, renames };
  const r = c.r;
  const seq = readList(r, node, 'migrations', 'migrations');
  seq?.items.forEach((item, i) => {
    const p = at('migrations', i);
    const f = readFields(r, item, p, 'a migration', ['from', 'rename']);
    if (!f) return;
    const fromNode = requireField(r, f, 'from', 'a migration');
    const from = fromNode && readString(r, fromNode, join(p, 'from'), 'from');
    if (from !== undefined && !isVersionRange(from)) {
      r.error(
        'bad-value',
        fromNode!.pos,
        join(p, 'from'),
        `from must be a version or range like 2.0.3, 2.0.x, 2.x or *, not "${from}".`,
      );
      return;
    }
    if (from !== undefined && version && from !== '*' && rangeIncludes(from, version)) {
      r.error(
        'bad-value',
        fromNode!.pos,
        join(p, 'from'),
        `from "${from}" includes this questionnaire's own version; migrations describe earlier versions.`,
      );
    }
    const rename = new Map<string, string>();
    const rn = requireField(r, f, 'rename', 'a migration');
    if (rn !== undefined) {
      if (rn.kind !== 'map') {
        r.error(
          'bad-type',
          rn.pos,
          join(p, 'rename'),
          `rename must map old question ids to new ones, not ${describeNode(rn)}.`,
        );
      } else {
        for (const e of rn.entries) {
          const ep = join(join(p, 'rename'), e.key);
          if (!QUESTION_ID.test(e.key)) {
            r.error('bad-value', e.keyPos, ep, `"${e.key}" is not a question id.`);
            continue;
          }
          const to = readString(r, e.value, ep, 'the new question id', {
            pattern: QUESTION_ID,
            patternText: 'a question id like gov.isms',
          });
          if (to === undefined) continue;
          if ([...rename.values()].includes(to)) {
            r.error(
              'duplicate-id',
              e.value.pos,
              ep,
              `Two old ids are renamed to "${to}" in the same migration.`,
            );
            continue;
          }
          rename.set(e.key, to);
          renames.push({
            from: e.key,
            to,
            fromNode: { kind: 'scalar', pos: e.keyPos, value: e.key, exactStart: null },
            toNode: e.value,
            path: ep,
          });
        }
      }
    }
    if (from !== undefined) migrations.push(Object.freeze({ from, rename }));
  });
  return { migrations, renames };
}
