import type { Expression } from '../expr/ast.js';
import { parseExpression } from '../expr/parser.js';
import { MESSAGES } from '../messages.js';
import { suggest } from '../suggest.js';
import type {
  CommentRule,
  EvidenceRule,
  FindingDef,
  NaPolicy,
  Option,
  Question,
  QuestionType,
  Section,
  Text,
  ValidationRule,
} from '../types.js';
import type { YNode } from '../yaml-tree.js';
import type { LoadContext } from './context.js';
import {
  at,
  capitalise,
  type Fields,
  join,
  readBoolean,
  readFields,
  readList,
  readNumber,
  readString,
  readStringList,
  requireField,
} from './fields.js';

const SECTION_ID = /^[a-z][a-z0-9_]{0,39}$/;
export const QUESTION_ID = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
const FINDING_ID = /^[A-Za-z][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$/;
const OPTION_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EXTENSION = /^[a-z0-9]{1,10}$/;

const QUESTION_TYPES: readonly QuestionType[] = [
  'yes_no_na',
  'single',
  'multi',
  'text',
  'number',
  'date',
  'file',
];

/** Hard caps that keep a single answer bounded whatever the file says. */
const DEFAULT_TEXT_MAX_LENGTH = 10_000;
const MAX_TEXT_LENGTH = 100_000;
export const DEFAULT_COMMENT_MAX_LENGTH = 4_000;
const DEFAULT_MAX_FILES = 10;
export const MAX_FILES = 50;

const COMMON_KEYS = [
  'id',
  'type',
  'text',
  'help',
  'required',
  'required_if',
  'visible_if',
  'weight',
  'controls',
  'comment',
  'evidence',
  'validate',
  'findings',
  'score_expr',
  // vrq/1.1
  'context',
  'na',
  'must_have',
  'hidden_zero_if',
];

export const NA_POLICIES: readonly NaPolicy[] = ['allowed', 'justify', 'forbidden', 'scores_zero'];

/**
 * The comment a question gets when it offers N/A under `na: justify` but declares no comment of its
 * own: the engine requires the reason in the comment, so without this field the vendor could pick N/A
 * and never submit. Optional in itself; evaluate() marks it required once N/A is chosen.
 */
const JUSTIFY_COMMENT: CommentRule = Object.freeze({
  required: false,
  requiredIf: null,
  label: Object.freeze({
    en: 'Reason, if this does not apply',
    de: 'Begründung, falls dies nicht zutrifft',
    fr: 'Justification, si cela ne s’applique pas',
  }),
  maxLength: DEFAULT_COMMENT_MAX_LENGTH,
});

/** What a context fact may not have: the vendor never answers it, so nothing may ask them to. */
const NOT_FOR_CONTEXT = [
  'visible_if',
  'required',
  'required_if',
  'comment',
  'evidence',
  'validate',
  'findings',
];

/** The id of the automatic 'N/A claimed' finding of a must-have question: NA-<id with dots as _>. */
export const naClaimId = (questionId: string): string => `NA-${questionId.replaceAll('.', '_')}`;

const TYPE_KEYS: Readonly<Record<QuestionType, readonly string[]>> = {
  yes_no_na: ['scores'],
  single: ['options'],
  multi: ['options', 'scoring'],
  text: ['multiline', 'max_length'],
  number: ['min', 'max', 'unit'],
  date: [],
  file: ['accept', 'max_files', 'max_size'],
};

/** Which types a type-specific key belongs to, for "not a field of … questions" messages. */
function ownerTypes(key: string): QuestionType[] {
  return QUESTION_TYPES.filter((t) => TYPE_KEYS[t].includes(key));
}

/** Reads `sections:` and everything below it. */
export class QuestionReader {
  readonly sections: Section[] = [];
  readonly questions = new Map<string, Question>();
  readonly findings = new Map<string, FindingDef>();
  private readonly sectionIds = new Map<string, number>();

  constructor(private readonly c: LoadContext) {}

  private get r() {
    return this.c.r;
  }

  readSections(node: YNode | undefined): void {
    if (node === undefined) return;
    const seq = readList(this.r, node, 'sections', 'sections');
    if (!seq) return;
    if (seq.items.length === 0) {
      this.r.error('bad-value', seq.pos, 'sections', 'A questionnaire needs at least one section.');
    }
    seq.items.forEach((item, i) => {
      this.readSection(item, at('sections', i), i);
    });
  }

  private readSection(node: YNode, path: string, index: number): void {
    const r = this.r;
    const f = readFields(r, node, path, 'a section', [
      'id',
      'title',
      'description',
      'weight',
      'visible_if',
      'questions',
    ]);
    if (!f) return;
    const idNode = requireField(r, f, 'id', 'a section');
    const id =
      idNode &&
      readString(r, idNode, join(path, 'id'), 'a section id', {
        pattern: SECTION_ID,
        patternText: 'a lower-case letter followed by lower-case letters, digits or _ (at most 40)',
      });
    if (id !== undefined) {
      if (this.sectionIds.has(id)) {
        r.error(
          'duplicate-id',
          idNode!.pos,
          join(path, 'id'),
          `Section id "${id}" is used by another section.`,
        );
      } else {
        this.sectionIds.set(id, index);
        this.c.locs.set(`s:${id}`, { pos: idNode!.pos, path });
      }
    }
    const describe = `section ${id ?? `#${index + 1}`}`;
    const title = this.c.text(
      requireField(r, f, 'title', 'a section'),
      join(path, 'title'),
      `the title of ${describe}`,
    );
    const description = this.c.text(
      f.get('description'),
      join(path, 'description'),
      `the description of ${describe}`,
    );
    const weight = this.weight(f, path, describe);
    const visibleIf = this.c.expression(f.get('visible_if'), join(path, 'visible_if'), 'section-visible', {
      section: index,
      describe,
    });
    const questions: Question[] = [];
    const qNode = requireField(r, f, 'questions', 'a section');
    const seq = qNode && readList(r, qNode, join(path, 'questions'), `the questions of ${describe}`);
    if (seq) {
      if (seq.items.length === 0) {
        r.error('bad-value', seq.pos, join(path, 'questions'), `${capitalise(describe)} has no questions.`);
      }
      seq.items.forEach((item, i) => {
        const q = this.readQuestion(item, at(join(path, 'questions'), i), id ?? null, index, weight ?? 1);
        if (q) questions.push(q);
      });
    }
    this.sections.push(
      Object.freeze({
        id: id ?? '',
        title: title ?? {},
        description: description ?? null,
        weight: weight ?? 1,
        visibleIf,
        questions: Object.freeze(questions),
      }),
    );
  }

  private weight(f: Fields, path: string, describe: string): number | undefined {
    const w = f.get('weight');
    return w === undefined
      ? 1
      : readNumber(this.r, w, join(path, 'weight'), `the weight of ${describe}`, { min: 0, max: 1000 });
  }

  private readQuestion(
    node: YNode,
    path: string,
    sectionId: string | null,
    sectionIndex: number,
    sectionWeight: number,
  ): Question | null {
    const r = this.r;
    const c = this.c;
    if (node.kind !== 'map') {
      readFields(r, node, path, 'a question', COMMON_KEYS);
      return null;
    }
    // The type decides which fields are allowed, so read it before checking keys.
    const typeEntry = node.entries.find((e) => e.key === 'type');
    let type: QuestionType | null = null;
    if (typeEntry) {
      const t = typeEntry.value;
      if (
        t.kind === 'scalar' &&
        typeof t.value === 'string' &&
        (QUESTION_TYPES as readonly string[]).includes(t.value)
      ) {
        type = t.value as QuestionType;
      } else {
        const guess =
          t.kind === 'scalar' && typeof t.value === 'string' ? suggest(t.value, QUESTION_TYPES) : null;
        r.error(
          'bad-type',
          t.pos,
          join(path, 'type'),
          `Unknown question type ${t.kind === 'scalar' ? JSON.stringify(t.value) : ''}`.trimEnd() +
            `${guess ? `; did you mean "${guess}"?` : `; use one of ${QUESTION_TYPES.join(', ')}.`}`,
        );
      }
    }
    const allTypeKeys = new Set(Object.values(TYPE_KEYS).flat());
    const allowed = type ? [...COMMON_KEYS, ...TYPE_KEYS[type]] : [...COMMON_KEYS, ...allTypeKeys];
    const elsewhere = new Map<string, string>();
    if (type) {
      for (const k of allTypeKeys) {
        if (!TYPE_KEYS[type].includes(k)) {
          elsewhere.set(k, `it applies to ${ownerTypes(k).join(' and ')} questions, and this one is ${type}`);
        }
      }
    }
    const f = readFields(r, node, path, type ? `a ${type} question` : 'a question', allowed, elsewhere);
    if (!f) return null;
    if (!typeEntry)
      r.error(
        'missing-field',
        f.pos,
        path,
        `A question needs a "type" field (${QUESTION_TYPES.join(', ')}).`,
      );

    const idNode = requireField(r, f, 'id', 'a question');
    const id =
      idNode &&
      readString(r, idNode, join(path, 'id'), 'a question id', {
        pattern: QUESTION_ID,
        patternText: 'the section id, a dot and lower-case letters, digits or _ (like gov.isms)',
        maxLength: 100,
      });
    if (id !== undefined && sectionId !== null && !id.startsWith(`${sectionId}.`)) {
      r.error(
        'id-prefix',
        idNode!.pos,
        join(path, 'id'),
        `Question id "${id}" must start with its section id "${sectionId}." (for example "${sectionId}.${id.split('.').pop()}").`,
      );
    }
    if (id !== undefined) {
      if (this.questions.has(id)) {
        r.error(
          'duplicate-id',
          idNode!.pos,
          join(path, 'id'),
          `Question id "${id}" is used by another question.`,
        );
      } else {
        c.locs.set(`q:${id}`, { pos: idNode!.pos, path });
      }
    }
    const qid = id ?? `${sectionId ?? '?'}.#${path}`;
    const describe = `question ${id ?? path}`;
    const owner = { question: qid, section: sectionIndex, describe };

    const text = c.text(
      requireField(r, f, 'text', 'a question'),
      join(path, 'text'),
      `the text of ${describe}`,
    );
    const help = c.text(f.get('help'), join(path, 'help'), `the help of ${describe}`);
    const { required, requiredIf } = c.requirement(f, 'required', owner, (n, p) =>
      readBoolean(r, n, p, `required of ${describe}`),
    );
    const visibleIf = c.expression(f.get('visible_if'), join(path, 'visible_if'), 'visible', owner);
    const weightNode = f.get('weight');
    const weight = this.weight(f, path, describe);
    const controls = this.controls(f.get('controls'), join(path, 'controls')) ?? [];
    const comment = this.comment(f.get('comment'), join(path, 'comment'), owner);
    const evidence = this.evidence(f.get('evidence'), join(path, 'evidence'), owner);
    const validate = this.validate(f.get('validate'), join(path, 'validate'), owner);
    const scoreExpr = c.expression(f.get('score_expr'), join(path, 'score_expr'), 'score', owner);

    const specific = type ? this.typeSpecific(f, path, type, qid, describe, scoreExpr) : null;
    const scored = scoreExpr !== null || (specific?.staticallyScored ?? false);
    if (type !== null && weightNode !== undefined && weight !== undefined && weight > 0 && !scored) {
      r.error(
        'weight-without-scores',
        weightNode.pos,
        join(path, 'weight'),
        `${capitalise(describe)} has weight ${weight} but no way to be scored (${scoringHint(type)}); add scores or set weight: 0.`,
      );
    }
    const findings = this.findings_(f.get('findings'), join(path, 'findings'), qid, controls, owner);
    const extra = this.v11Fields(f, path, qid, describe, owner, {
      type,
      options: specific?.options ?? null,
      scored: scored && (weight ?? 1) * sectionWeight > 0,
      visible: visibleIf !== null,
      controls,
    });
    if (extra.naClaim) findings.push(extra.naClaim);

    const q: Question = Object.freeze({
      id: qid,
      sectionId: sectionId ?? '',
      type: type ?? 'text',
      context: extra.context,
      na: extra.na,
      hasNa: extra.hasNa,
      mustHave: extra.mustHave,
      hiddenZeroIf: extra.hiddenZeroIf,
      text: text ?? {},
      help: help ?? null,
      required,
      requiredIf,
      visibleIf,
      weight: weight ?? 1,
      scored,
      controls: Object.freeze(controls),
      comment: comment ?? (extra.na === 'justify' && extra.hasNa && !extra.context ? JUSTIFY_COMMENT : null),
      evidence,
      validate: Object.freeze(validate),
      findings: Object.freeze(findings),
      options: specific?.options ?? null,
      scores: specific?.scores ?? null,
      scoringMode: specific?.scoringMode ?? null,
      scoreExpr,
      min: specific?.min ?? null,
      max: specific?.max ?? null,
      unit: specific?.unit ?? null,
      multiline: specific?.multiline ?? false,
      maxLength: type === 'text' ? (specific?.maxLength ?? DEFAULT_TEXT_MAX_LENGTH) : null,
      accept: specific?.accept ?? [],
      maxFiles: type === 'file' ? (specific?.maxFiles ?? DEFAULT_MAX_FILES) : null,
      maxSize: specific?.maxSize ?? null,
    });
    if (id !== undefined && !this.questions.has(id)) this.questions.set(id, q);
    return q;
  }

  /** The vrq/1.1 fields of a question: context facts, the N/A policy, must-have controls, hidden_zero_if. */
  private v11Fields(
    f: Fields,
    path: string,
    qid: string,
    describe: string,
    owner: { question: string; section: number; describe: string },
    about: {
      type: QuestionType | null;
      options: readonly Option[] | null;
      scored: boolean;
      visible: boolean;
      controls: readonly string[];
    },
  ): {
    context: boolean;
    na: NaPolicy;
    hasNa: boolean;
    mustHave: boolean;
    hiddenZeroIf: Expression | null;
    naClaim: FindingDef | null;
  } {
    const r = this.r;
    const c = this.c;
    for (const key of ['context', 'na', 'must_have', 'hidden_zero_if']) c.needsMinor(f, key, 1);
    const flag = (key: string): boolean => {
      const n = f.get(key);
      return n === undefined ? false : (readBoolean(r, n, join(path, key), key) ?? false);
    };
    const context = flag('context');
    const mustHave = flag('must_have');
    const naOption = about.options?.some((o) => o.value === 'na') ?? false;
    const hasNa = about.type === 'yes_no_na' || naOption;

    let na: NaPolicy = c.naDefault;
    const naNode = f.get('na');
    if (naNode !== undefined) {
      const s = readString(r, naNode, join(path, 'na'), 'na');
      if (s !== undefined && (NA_POLICIES as readonly string[]).includes(s)) na = s as NaPolicy;
      else if (s !== undefined)
        r.error(
          'bad-value',
          naNode.pos,
          join(path, 'na'),
          `na must be ${NA_POLICIES.join(', ')}, not "${s}".`,
        );
      if (s !== undefined && about.type !== null && !hasNa) {
        r.error(
          'bad-value',
          naNode.pos,
          join(path, 'na'),
          `na has no effect: ${qid} cannot be answered "not applicable" (only yes_no_na questions and choices with an option 'na' can).`,
        );
      }
    }
    if (na === 'forbidden' && naOption) {
      const loc = c.locs.get(`o:${qid}:na`);
      r.error(
        'na-forbidden',
        loc?.pos ?? f.pos,
        loc?.path ?? join(path, 'options'),
        `${capitalise(describe)} offers an option 'na' but its N/A policy is forbidden; remove the option or allow N/A with na: justify.`,
      );
    }

    if (context) {
      for (const key of NOT_FOR_CONTEXT) {
        if (!f.has(key)) continue;
        r.error(
          'context-fact',
          f.keyPos(key),
          join(path, key),
          `${capitalise(describe)} is a context fact, set by the requester and read-only for the vendor, so it cannot have ${key}.`,
        );
      }
      if (about.type === 'file') {
        r.error(
          'context-fact',
          f.keyPos('context'),
          join(path, 'context'),
          'A file question cannot be a context fact.',
        );
      }
      if (about.scored) {
        r.error(
          'context-fact',
          f.keyPos('context'),
          join(path, 'context'),
          `${capitalise(describe)} is a context fact and scored; the vendor's score must not depend on what the requester sets (give it weight: 0 or put it in a section with weight: 0).`,
        );
      }
    }

    const hzNode = f.get('hidden_zero_if');
    const hiddenZeroIf = c.expression(hzNode, join(path, 'hidden_zero_if'), 'hidden-zero', owner);
    if (hzNode !== undefined && about.type !== null && !about.scored) {
      r.error(
        'bad-value',
        f.keyPos('hidden_zero_if'),
        join(path, 'hidden_zero_if'),
        `hidden_zero_if has no effect: ${qid} does not count in the score.`,
      );
    }

    let naClaim: FindingDef | null = null;
    if (mustHave && hasNa && na !== 'forbidden' && !context) {
      const id = naClaimId(qid);
      if (this.findings.has(id) || c.locs.has(`f:${id}`)) {
        r.error(
          'duplicate-id',
          f.keyPos('must_have'),
          join(path, 'must_have'),
          `The automatic finding of must-have ${qid} is called ${id}, which another finding already uses.`,
        );
      } else {
        c.locs.set(`f:${id}`, { pos: f.keyPos('must_have'), path: join(path, 'must_have') });
        const source = about.type === 'multi' ? `${qid} contains 'na'` : `${qid} == 'na'`;
        naClaim = Object.freeze({
          id,
          questionId: qid,
          origin: 'na-claim',
          knockout: false,
          when: Object.freeze({ source, ast: parseExpression(source) }),
          title: MESSAGES.naClaimTitle,
          // The lowest rating of any risk table: its last entry starts at 1.
          likelihood: 1,
          impact: 1,
          escalateIf: null,
          remediation: MESSAGES.naClaimRemediation,
          dueDays: null,
          controls: Object.freeze([...about.controls]),
        });
        this.findings.set(id, naClaim);
      }
    }
    return { context, na, hasNa, mustHave, hiddenZeroIf, naClaim };
  }

  private typeSpecific(
    f: Fields,
    path: string,
    type: QuestionType,
    qid: string,
    describe: string,
    scoreExpr: Expression | null,
  ) {
    const r = this.r;
    const out: {
      staticallyScored: boolean;
      options?: readonly Option[];
      scores?: { yes: number; no: number };
      scoringMode?: 'max' | 'sum_capped';
      min?: number;
      max?: number;
      unit?: Text;
      multiline?: boolean;
      maxLength?: number;
      accept?: readonly string[];
      maxFiles?: number;
      maxSize?: number;
    } = { staticallyScored: false };
    switch (type) {
      case 'yes_no_na': {
        const s = readFields(r, f.get('scores'), join(path, 'scores'), 'scores', ['yes', 'no']);
        if (s) {
          const yes = requireField(r, s, 'yes', 'scores');
          const no = requireField(r, s, 'no', 'scores');
          const y = yes && readNumber(r, yes, join(s.path, 'yes'), 'the score of yes', { min: 0, max: 1 });
          const n = no && readNumber(r, no, join(s.path, 'no'), 'the score of no', { min: 0, max: 1 });
          if (y !== undefined && n !== undefined) out.scores = Object.freeze({ yes: y, no: n });
          out.staticallyScored = true;
          this.conflict(scoreExpr, s.pos, join(path, 'scores'), 'scores');
        }
        break;
      }
      case 'single':
      case 'multi': {
        const optionsNode = requireField(r, f, 'options', `a ${type} question`);
        const options = optionsNode
          ? this.options(optionsNode, join(path, 'options'), type, qid, describe)
          : [];
        out.options = Object.freeze(options);
        out.staticallyScored = options.some((o) => o.score !== null);
        if (out.staticallyScored)
          this.conflict(scoreExpr, optionsNode!.pos, join(path, 'options'), 'option scores');
        if (type === 'multi') {
          const sc = readFields(
            r,
            f.get('scoring'),
            join(path, 'scoring'),
            'the scoring of a multi question',
            ['mode'],
          );
          if (sc) {
            const m = requireField(r, sc, 'mode', 'scoring');
            const mode = m && readString(r, m, join(sc.path, 'mode'), 'scoring.mode');
            if (mode !== undefined) {
              if (mode === 'max' || mode === 'sum_capped') out.scoringMode = mode;
              else
                r.error(
                  'bad-value',
                  m!.pos,
                  join(sc.path, 'mode'),
                  `scoring.mode must be max (best selected option counts) or sum_capped (sum of selected, capped at 1), not "${mode}".`,
                );
            }
            if (!out.staticallyScored) {
              r.error(
                'bad-value',
                sc.pos,
                join(path, 'scoring'),
                `scoring.mode has no effect because no option of ${describe} has a score.`,
              );
            }
          } else if (out.staticallyScored && scoreExpr === null) {
            r.error(
              'missing-field',
              f.pos,
              path,
              `${capitalise(describe)} has scored options; say how selections combine with scoring: { mode: max } or { mode: sum_capped }.`,
            );
          }
        }
        break;
      }
      case 'text': {
        const ml = f.get('multiline');
        if (ml !== undefined)
          out.multiline = readBoolean(r, ml, join(path, 'multiline'), 'multiline') ?? false;
        const len = f.get('max_length');
        if (len !== undefined) {
          out.maxLength = readNumber(r, len, join(path, 'max_length'), 'max_length', {
            integer: true,
            min: 1,
            max: MAX_TEXT_LENGTH,
          });
        }
        break;
      }
      case 'number': {
        const mn = f.get('min');
        const mx = f.get('max');
        if (mn !== undefined) out.min = readNumber(r, mn, join(path, 'min'), 'min');
        if (mx !== undefined) out.max = readNumber(r, mx, join(path, 'max'), 'max');
        if (out.min !== undefined && out.max !== undefined && out.min > out.max) {
          r.error(
            'bad-value',
            mx!.pos,
            join(path, 'max'),
            `max (${out.max}) is smaller than min (${out.min}).`,
          );
        }
        const unit = this.c.text(f.get('unit'), join(path, 'unit'), `the unit of ${describe}`);
        if (unit) out.unit = unit;
        break;
      }
      case 'date':
        break;
      case 'file': {
        const acc = f.get('accept');
        if (acc !== undefined) out.accept = this.extensions(acc, join(path, 'accept'));
        const mf = f.get('max_files');
        if (mf !== undefined) {
          out.maxFiles = readNumber(r, mf, join(path, 'max_files'), 'max_files', {
            integer: true,
            min: 1,
            max: MAX_FILES,
          });
        }
        const ms = f.get('max_size');
        if (ms !== undefined) out.maxSize = this.size(ms, join(path, 'max_size'));
        break;
      }
    }
    return out;
  }

  private conflict(scoreExpr: Expression | null, pos: YNode['pos'], path: string, what: string): void {
    if (scoreExpr !== null) {
      this.r.error('conflicting-fields', pos, path, `Use either ${what} or score_expr, not both.`);
    }
  }

  private options(
    node: YNode,
    path: string,
    type: 'single' | 'multi',
    qid: string,
    describe: string,
  ): Option[] {
    const r = this.r;
    const seq = readList(r, node, path, `the options of ${describe}`);
    if (!seq) return [];
    if (seq.items.length === 0)
      r.error('bad-value', seq.pos, path, `${capitalise(describe)} has no options.`);
    const out: Option[] = [];
    const seen = new Set<string>();
    const keys = type === 'multi' ? ['value', 'label', 'score', 'exclusive'] : ['value', 'label', 'score'];
    const elsewhere = new Map<string, string>();
    if (type === 'single') elsewhere.set('exclusive', 'only options of multi questions can be exclusive');
    let withScore = 0;
    const unscored: Array<{ node: YNode; path: string; value: string }> = [];
    seq.items.forEach((item, i) => {
      const p = at(path, i);
      const o = readFields(r, item, p, `an option`, keys, elsewhere);
      if (!o) return;
      if (o.has('exclusive') && type === 'single') {
        r.error(
          'exclusive-option',
          o.keyPos('exclusive'),
          join(p, 'exclusive'),
          'Only options of multi questions can be exclusive; a single question allows one answer anyway.',
        );
      }
      const vNode = requireField(r, o, 'value', 'an option');
      let value: string | undefined;
      if (vNode && vNode.kind === 'scalar' && typeof vNode.value === 'number') {
        r.error(
          'bad-type',
          vNode.pos,
          join(p, 'value'),
          `Option values are texts; quote it: value: '${vNode.value}'.`,
        );
      } else if (vNode) {
        value = readString(r, vNode, join(p, 'value'), 'an option value', {
          pattern: OPTION_VALUE,
          patternText: 'letters, digits, _, . or - (at most 64, starting with a letter or digit)',
        });
      }
      if (value !== undefined) {
        if (seen.has(value)) {
          r.error(
            'duplicate-option',
            vNode!.pos,
            join(p, 'value'),
            `Option value "${value}" appears twice in ${describe}.`,
          );
        } else {
          seen.add(value);
          this.c.locs.set(`o:${qid}:${value}`, { pos: vNode!.pos, path: join(p, 'value') });
        }
      }
      const label = this.c.text(
        requireField(r, o, 'label', 'an option'),
        join(p, 'label'),
        `the label of option ${value ?? i + 1}`,
      );
      const sNode = o.get('score');
      const score =
        sNode === undefined
          ? null
          : (readNumber(r, sNode, join(p, 'score'), 'an option score', { min: 0, max: 1 }) ?? null);
      if (sNode !== undefined) withScore++;
      else if (value !== undefined) unscored.push({ node: item, path: p, value });
      const exNode = o.get('exclusive');
      const exclusive =
        type === 'multi' && exNode !== undefined
          ? (readBoolean(r, exNode, join(p, 'exclusive'), 'exclusive') ?? false)
          : false;
      if (value !== undefined && label !== undefined)
        out.push(Object.freeze({ value, label, score, exclusive }));
    });
    if (withScore > 0) {
      for (const u of unscored) {
        r.error(
          'missing-score',
          u.node.pos,
          u.path,
          `Option "${u.value}" has no score while other options of ${describe} have one; give every option a score, or none.`,
        );
      }
    }
    if (type === 'multi' && out.length > 1 && out.every((o) => o.exclusive)) {
      r.warn(
        'exclusive-option',
        seq.pos,
        path,
        `Every option of ${describe} is exclusive, so it behaves like a single question; use type: single.`,
      );
    }
    return out;
  }

  private extensions(node: YNode, path: string): string[] {
    const list = readStringList(this.r, node, path, 'accept', {
      pattern: EXTENSION,
      patternText: 'a lower-case file extension without the dot, like pdf',
    });
    return [...new Set((list ?? []).map((e) => e.value))];
  }

  private size(node: YNode, path: string): number | undefined {
    const r = this.r;
    if (node.kind === 'scalar' && typeof node.value === 'number') {
      return readNumber(r, node, path, 'max_size (in bytes)', { integer: true, min: 1, max: 2 ** 40 });
    }
    if (node.kind === 'scalar' && typeof node.value === 'string') {
      const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/.exec(node.value.trim());
      if (m) {
        const unit: Record<string, number> = {
          B: 1,
          KB: 1e3,
          MB: 1e6,
          GB: 1e9,
          KiB: 1024,
          MiB: 1024 ** 2,
          GiB: 1024 ** 3,
        };
        const bytes = Math.round(Number(m[1]) * unit[m[2]!]!);
        if (bytes >= 1) return bytes;
      }
    }
    r.error(
      'bad-value',
      node.pos,
      path,
      'max_size must be a number of bytes or a size like "10 MB" or "5 MiB".',
    );
    return undefined;
  }

  controls(node: YNode | undefined, path: string): string[] | undefined {
    if (node === undefined) return undefined;
    const r = this.r;
    const list = readStringList(r, node, path, 'controls', { maxLength: 200 });
    if (!list) return undefined;
    const out: string[] = [];
    for (const { value, node: n, path: p } of list) {
      const m = /^([a-z][a-z0-9_-]*):(\S+)$/.exec(value);
      if (!m) {
        r.error(
          'bad-value',
          n.pos,
          p,
          `Control "${value}" must be written framework:id, like "iso27001:A.5.19".`,
        );
        continue;
      }
      if (!this.c.frameworks.has(m[1]!)) {
        const guess = suggest(m[1]!, this.c.frameworks);
        r.error(
          'unknown-framework',
          n.pos,
          p,
          `Control "${value}" names framework "${m[1]}", which is not declared under frameworks${guess ? `; did you mean "${guess}"?` : '.'}`,
        );
        continue;
      }
      if (out.includes(value)) {
        r.warn('duplicate-control', n.pos, p, `Control "${value}" is listed twice.`);
        continue;
      }
      out.push(value);
    }
    return out;
  }

  private comment(
    node: YNode | undefined,
    path: string,
    owner: { question: string; section: number; describe: string },
  ): CommentRule | null {
    const r = this.r;
    const f = readFields(r, node, path, 'a comment rule', ['required', 'required_if', 'label', 'max_length']);
    if (!f) return null;
    const req = this.c.requirement(f, 'comment-required', owner, (n, p) =>
      readBoolean(r, n, p, 'comment.required'),
    );
    const label = this.c.text(f.get('label'), join(path, 'label'), 'the comment label');
    const ml = f.get('max_length');
    const maxLength =
      ml === undefined
        ? DEFAULT_COMMENT_MAX_LENGTH
        : readNumber(r, ml, join(path, 'max_length'), 'comment.max_length', {
            integer: true,
            min: 1,
            max: MAX_TEXT_LENGTH,
          });
    return Object.freeze({
      ...req,
      label: label ?? null,
      maxLength: maxLength ?? DEFAULT_COMMENT_MAX_LENGTH,
    });
  }

  private evidence(
    node: YNode | undefined,
    path: string,
    owner: { question: string; section: number; describe: string },
  ): EvidenceRule | null {
    const r = this.r;
    const f = readFields(r, node, path, 'an evidence rule', [
      'required',
      'required_if',
      'accept',
      'max_files',
    ]);
    if (!f) return null;
    const req = this.c.requirement(f, 'evidence-required', owner, (n, p) =>
      readBoolean(r, n, p, 'evidence.required'),
    );
    const acc = f.get('accept');
    const accept = acc === undefined ? [] : this.extensions(acc, join(path, 'accept'));
    const mf = f.get('max_files');
    const maxFiles =
      mf === undefined
        ? DEFAULT_MAX_FILES
        : readNumber(r, mf, join(path, 'max_files'), 'evidence.max_files', {
            integer: true,
            min: 1,
            max: MAX_FILES,
          });
    return Object.freeze({ ...req, accept: Object.freeze(accept), maxFiles: maxFiles ?? DEFAULT_MAX_FILES });
  }

  private validate(
    node: YNode | undefined,
    path: string,
    owner: { question: string; section: number; describe: string },
  ): ValidationRule[] {
    if (node === undefined) return [];
    const r = this.r;
    const seq = readList(r, node, path, 'validate');
    if (!seq) return [];
    const out: ValidationRule[] = [];
    seq.items.forEach((item, i) => {
      const p = at(path, i);
      const f = readFields(r, item, p, 'a validation rule', ['rule', 'message', 'level']);
      if (!f) return;
      const rule = this.c.expression(
        requireField(r, f, 'rule', 'a validation rule'),
        join(p, 'rule'),
        'validate',
        owner,
      );
      const message = this.c.text(
        requireField(r, f, 'message', 'a validation rule'),
        join(p, 'message'),
        'the message of a validation rule',
      );
      const lv = f.get('level');
      let level: 'error' | 'warning' = 'error';
      if (lv !== undefined) {
        const s = readString(r, lv, join(p, 'level'), 'level');
        if (s === 'error' || s === 'warning') level = s;
        else if (s !== undefined)
          r.error(
            'bad-value',
            lv.pos,
            join(p, 'level'),
            `level must be error (blocks submission) or warning, not "${s}".`,
          );
      }
      if (rule && message) out.push(Object.freeze({ rule, message, level }));
    });
    return out;
  }

  private findings_(
    node: YNode | undefined,
    path: string,
    qid: string,
    questionControls: readonly string[],
    owner: { question: string; section: number; describe: string },
  ): FindingDef[] {
    if (node === undefined) return [];
    const r = this.r;
    const c = this.c;
    const seq = readList(r, node, path, 'findings');
    if (!seq) return [];
    const out: FindingDef[] = [];
    seq.items.forEach((item, i) => {
      const p = at(path, i);
      const f = readFields(r, item, p, 'a finding', [
        'id',
        'when',
        'title',
        'likelihood',
        'impact',
        'escalate_if',
        'remediation',
        'due_days',
        'controls',
        'knockout',
      ]);
      if (!f) return;
      c.needsMinor(f, 'knockout', 1);
      const idNode = requireField(r, f, 'id', 'a finding');
      const id =
        idNode &&
        readString(r, idNode, join(p, 'id'), 'a finding id', {
          pattern: FINDING_ID,
          patternText: 'letters, digits and _ in dash-separated groups, like GOV-001',
          maxLength: 64,
        });
      if (id !== undefined) {
        if (this.findings.has(id) || c.locs.has(`f:${id}`)) {
          r.error(
            'duplicate-id',
            idNode!.pos,
            join(p, 'id'),
            `Finding id "${id}" is already used by another finding in this questionnaire.`,
          );
        } else {
          c.locs.set(`f:${id}`, { pos: idNode!.pos, path: p });
        }
      }
      const describe = `finding ${id ?? p}`;
      const fo = { ...owner, describe };
      const when = c.expression(requireField(r, f, 'when', 'a finding'), join(p, 'when'), 'when', fo);
      const title = c.text(
        requireField(r, f, 'title', 'a finding'),
        join(p, 'title'),
        `the title of ${describe}`,
      );
      const lNode = requireField(r, f, 'likelihood', 'a finding');
      const likelihood =
        lNode && readNumber(r, lNode, join(p, 'likelihood'), 'likelihood', { integer: true, min: 1, max: 5 });
      const iNode = requireField(r, f, 'impact', 'a finding');
      const impact =
        iNode && readNumber(r, iNode, join(p, 'impact'), 'impact', { integer: true, min: 1, max: 5 });
      const escalateIf = c.expression(f.get('escalate_if'), join(p, 'escalate_if'), 'escalate', fo);
      const remediation = c.text(
        requireField(r, f, 'remediation', 'a finding'),
        join(p, 'remediation'),
        `the remediation of ${describe}`,
      );
      const dd = f.get('due_days');
      const dueDays =
        dd === undefined
          ? null
          : (readNumber(r, dd, join(p, 'due_days'), 'due_days', { integer: true, min: 0, max: 3650 }) ??
            null);
      const own = this.controls(f.get('controls'), join(p, 'controls'));
      const koNode = f.get('knockout');
      const knockout =
        koNode === undefined ? false : (readBoolean(r, koNode, join(p, 'knockout'), 'knockout') ?? false);
      if (
        id === undefined ||
        when === null ||
        !title ||
        likelihood === undefined ||
        impact === undefined ||
        !remediation
      )
        return;
      const def: FindingDef = Object.freeze({
        id,
        questionId: qid,
        origin: 'file',
        knockout,
        when,
        title,
        likelihood,
        impact,
        escalateIf,
        remediation,
        dueDays,
        controls: Object.freeze(own ?? [...questionControls]),
      });
      if (!this.findings.has(id)) this.findings.set(id, def);
      out.push(def);
    });
    return out;
  }
}

function scoringHint(type: QuestionType): string {
  switch (type) {
    case 'yes_no_na':
      return 'it has no scores: { yes, no } and no score_expr';
    case 'single':
    case 'multi':
      return 'none of its options has a score and it has no score_expr';
    default:
      return `${type} questions are scored only through score_expr`;
  }
}
