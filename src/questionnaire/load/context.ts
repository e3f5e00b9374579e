import type { Expression } from '../expr/ast.js';
import { ExpressionError } from '../expr/errors.js';
import { parseExpression } from '../expr/parser.js';
import type { NaPolicy, Text } from '../types.js';
import type { Pos, YNode, YScalar } from '../yaml-tree.js';
import { capitalise, describeNode, join, type readFields } from './fields.js';
import type { Reporter } from './reporter.js';

/** A key that could be a locale; anything else with no value is text cut off at a comma. */
const LOCALE_KEY = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** Where an expression sits and what it decides: drives type checks and lint messages. */
export type Role =
  | 'section-visible'
  | 'visible'
  | 'required'
  | 'comment-required'
  | 'evidence-required'
  | 'validate'
  | 'score'
  | 'when'
  | 'escalate'
  | 'hidden-zero'
  | 'computed';

export interface ExprSite {
  readonly expr: Expression;
  readonly node: YScalar;
  readonly path: string;
  readonly role: Role;
  /** Question the expression belongs to (null for sections and computed values). */
  readonly question: string | null;
  /** Index of the owning section (null for computed values). */
  readonly section: number | null;
  /** Name of the computed value (role 'computed' only). */
  readonly computed: string | null;
  /** What the expression belongs to, for messages: 'question gov.isms', 'finding GOV-001'. */
  readonly owner: string;
}

export interface Loc {
  readonly pos: Pos;
  readonly path: string;
}

/** State shared while reading one file. */
export class LoadContext {
  defaultLocale = 'en';
  locales: string[] = ['en'];
  /** The minor revision the file declares: 0 for vrq/1, 1 for vrq/1.1. */
  schemaMinor = 0;
  /** scoring.na: the N/A policy of questions that declare none. */
  naDefault: NaPolicy = 'allowed';
  readonly frameworks = new Set<string>();
  readonly sites: ExprSite[] = [];
  /** Positions of named things for later checks and compatibility reports: 'q:<id>', 'o:<qid>:<value>', … */
  readonly locs = new Map<string, Loc>();
  /** Texts that lack one of the declared locales (they fall back when shown); see CompileOptions.completeLocales. */
  readonly untranslated: Array<{ pos: Pos; path: string; what: string; missing: string[] }> = [];

  constructor(readonly r: Reporter) {}

  /**
   * Fields added in a later revision of the format need the file to say so (`schema: vrq/1.1`): an engine
   * that reads only vrq/1 would otherwise refuse them as unknown, or worse, a reader might ignore them.
   */
  needsMinor(
    f: { has(key: string): boolean; keyPos(key: string): Pos; path: string },
    key: string,
    minor: number,
  ): void {
    if (!f.has(key) || this.schemaMinor >= minor) return;
    this.r.error(
      'needs-schema',
      f.keyPos(key),
      f.path === '' ? key : `${f.path}.${key}`,
      `"${key}" is part of format vrq/1.${minor}; declare schema: vrq/1.${minor} to use it.`,
    );
  }

  /** Position of a column inside an expression, exact when the YAML scalar maps 1:1 onto the source. */
  exprPos(node: YScalar, column: number): Pos {
    return node.exactStart
      ? { line: node.exactStart.line, column: node.exactStart.column + column - 1 }
      : node.pos;
  }

  /** Reads a text field: a string (the default locale) or a map of locale → string. */
  text(node: YNode | undefined, path: string, what: string): Text | undefined {
    if (node === undefined) return undefined;
    const r = this.r;
    if (node.kind === 'scalar' && typeof node.value === 'string') {
      if (node.value.trim() === '') {
        r.error('bad-value', node.pos, path, `${capitalise(what)} must not be empty.`);
        return undefined;
      }
      this.noteUntranslated(node.pos, path, what, [this.defaultLocale]);
      return Object.freeze({ [this.defaultLocale]: node.value });
    }
    if (node.kind !== 'map') {
      r.error(
        'bad-type',
        node.pos,
        path,
        `${capitalise(what)} must be a text or a map of locale to text (like { en: …, de: … }), not ${describeNode(node)}.`,
      );
      return undefined;
    }
    const out: Record<string, string> = {};
    let ok = true;
    for (const e of node.entries) {
      const p = join(path, e.key);
      if (!this.locales.includes(e.key)) {
        if (e.value.kind === 'scalar' && e.value.value === null && !LOCALE_KEY.test(e.key)) {
          // `{ en: a, b }` parses as two keys: the text after the comma became a key without value.
          r.error(
            'unknown-locale',
            e.keyPos,
            path,
            `${capitalise(what)} was cut at a comma: inside { … } a comma starts a new entry, so "${e.key}" became a key. Quote the text: { ${this.defaultLocale}: "…, …" }.`,
          );
          ok = false;
          continue;
        }
        r.error(
          'unknown-locale',
          e.keyPos,
          p,
          `"${e.key}" is not one of the declared locales (${this.locales.join(', ')}); add it to locales or fix the key.`,
        );
        ok = false;
        continue;
      }
      const v = e.value;
      if (v.kind !== 'scalar' || typeof v.value !== 'string' || v.value.trim() === '') {
        r.error(
          'bad-type',
          v.pos,
          p,
          `The ${e.key} text of ${what} must be a non-empty text, not ${describeNode(v)}.`,
        );
        ok = false;
        continue;
      }
      out[e.key] = v.value;
    }
    if (!Object.hasOwn(out, this.defaultLocale) && ok) {
      r.error(
        'missing-locale',
        node.pos,
        path,
        `${capitalise(what)} has no text in the default locale "${this.defaultLocale}".`,
      );
      ok = false;
    }
    if (ok) this.noteUntranslated(node.pos, path, what, Object.keys(out));
    return ok ? Object.freeze(out) : undefined;
  }

  private noteUntranslated(pos: Pos, path: string, what: string, present: readonly string[]): void {
    const missing = this.locales.filter((l) => !present.includes(l));
    if (missing.length > 0) this.untranslated.push({ pos, path, what, missing });
  }

  /** Parses an expression field and records it for the reference and type checks that follow. */
  expression(
    node: YNode | undefined,
    path: string,
    role: Role,
    owner: { question?: string; section?: number; computed?: string; describe: string },
  ): Expression | null {
    if (node === undefined) return null;
    const r = this.r;
    if (node.kind !== 'scalar' || typeof node.value !== 'string') {
      const hint =
        node.kind === 'scalar' && typeof node.value === 'boolean' && role !== 'computed'
          ? role === 'required' || role === 'comment-required' || role === 'evidence-required'
            ? '; for a fixed requirement write required: true'
            : `; write it as a quoted expression such as "${String(node.value)}"`
          : '';
      r.error(
        'bad-type',
        node.pos,
        path,
        `An expression must be written as text, like "gov.isms == 'yes'", not ${describeNode(node)}${hint}.`,
      );
      return null;
    }
    try {
      const ast = parseExpression(node.value);
      const expr: Expression = Object.freeze({ source: node.value, ast });
      this.sites.push({
        expr,
        node,
        path,
        role,
        question: owner.question ?? null,
        section: owner.section ?? null,
        computed: owner.computed ?? null,
        owner: owner.describe,
      });
      return expr;
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      r.error(e.code, this.exprPos(node, e.column), path, e.message);
      return null;
    }
  }

  /** Reads `{ required, required_if }`-style pairs, which are mutually exclusive. */
  requirement(
    f: ReturnType<typeof readFields>,
    role: Role,
    owner: { question?: string; section?: number; describe: string },
    readBool: (node: YNode, path: string) => boolean | undefined,
  ): { required: boolean; requiredIf: Expression | null } {
    if (f === null) return { required: false, requiredIf: null };
    const req = f.get('required');
    const reqIf = f.get('required_if');
    if (req !== undefined && reqIf !== undefined) {
      this.r.error(
        'conflicting-fields',
        f.keyPos('required_if'),
        join(f.path, 'required_if'),
        'Use either required or required_if, not both.',
      );
    }
    const required = req === undefined ? false : (readBool(req, join(f.path, 'required')) ?? false);
    const requiredIf = this.expression(reqIf, join(f.path, 'required_if'), role, owner);
    return { required, requiredIf };
  }
}
