import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Expression as Expr } from './expr/ast.js';
import { Analyzer } from './load/analyze.js';
import { LoadContext } from './load/context.js';
import { readDocument } from './load/document.js';
import { checkGates } from './load/gates.js';
import { Reporter } from './load/reporter.js';
import { attachPlan, buildPlan } from './plan.js';
import type { Expression, Problem, Questionnaire } from './types.js';
import { readYaml } from './yaml-tree.js';

export interface CompileResult {
  /** Null if and only if there is at least one error. */
  questionnaire: Questionnaire | null;
  /** Errors and warnings in file order. */
  problems: Problem[];
}

/**
 * Compiles one questionnaire file (format vrq/1). Never throws for bad content: every problem is
 * reported with its position, path, code and a sentence, and any error yields no questionnaire.
 */
export interface CompileOptions {
  file?: string;
  /**
   * Also check a vrq/1 file against the rules vrq/1.1 adds (score inversions, scope switches without a
   * plain yes/no), as warnings. `assay questionnaire lint` asks for this; loading does not, so a vrq/1 file
   * loads exactly as it always did. A vrq/1.1 file is always checked.
   */
  advisory?: boolean;
  /**
   * Report every text that lacks one of the declared `locales` (`missing-translation`, a warning: the text
   * falls back when shown). For files that claim a full translation; `assay questionnaire lint
   * --complete-locales` asks for it.
   */
  completeLocales?: boolean;
}

export function compileQuestionnaire(source: string, opts: CompileOptions = {}): CompileResult {
  if (typeof source !== 'string')
    throw new TypeError('compileQuestionnaire expects the file content as a string.');
  const r = new Reporter(opts.file);
  const { tree, issues } = readYaml(source);
  for (const i of issues) r.error(i.code, i.pos, '', i.message);
  if (tree === null) return { questionnaire: null, problems: r.sorted() };

  const c = new LoadContext(r);
  const draft = readDocument(c, tree);
  if (draft === null) return { questionnaire: null, problems: r.sorted() };
  const { reader } = draft;

  for (const rn of draft.renames) {
    if (!reader.questions.has(rn.to)) {
      r.error(
        'unknown-reference',
        rn.toNode.pos,
        rn.path,
        `"${rn.to}" is not a question id of this questionnaire.`,
      );
    }
    if (reader.questions.has(rn.from)) {
      r.error(
        'bad-value',
        rn.fromNode.pos,
        rn.path,
        `"${rn.from}" is still a question id here; a renamed id cannot be reused.`,
      );
    }
  }

  // Thresholds are named constants: to the checks and the evaluator they are computed values.
  const named = new Map<string, { expr: Expr | null }>(draft.computed);
  for (const [name, value] of draft.thresholds.values) named.set(name, { expr: constant(value) });
  if (opts.completeLocales) {
    for (const u of c.untranslated)
      r.warn(
        'missing-translation',
        u.pos,
        u.path,
        `${u.what.charAt(0).toUpperCase()}${u.what.slice(1)} has no ${u.missing.join(', ')} text, although the file declares ${u.missing.length === 1 ? 'that locale' : 'those locales'}.`,
      );
  }
  const order = new Analyzer(c, reader.sections, reader.questions, named).run();
  if (order !== null && (c.schemaMinor >= 1 || opts.advisory)) {
    checkGates(c, reader.sections, reader.questions, named, c.schemaMinor >= 1 ? 'error' : 'warning');
  }
  if (r.errors > 0 || order === null) return { questionnaire: null, problems: r.sorted() };

  const computed = new Map<string, Expression>();
  // No errors means every computed expression parsed.
  for (const [name, entry] of draft.computed) if (entry.expr) computed.set(name, entry.expr);

  const questionnaire: Questionnaire = Object.freeze({
    id: draft.id,
    version: draft.version,
    ref: `${draft.id}@${draft.version}`,
    status: draft.status,
    title: draft.title,
    description: draft.description,
    defaultLocale: c.defaultLocale,
    locales: Object.freeze([...c.locales]),
    frameworks: draft.frameworks,
    scoring: draft.scoring,
    risk: draft.risk,
    rating: draft.rating,
    thresholds: draft.thresholds,
    computed,
    sections: Object.freeze([...reader.sections]),
    questions: reader.questions,
    findings: reader.findings,
    contextFacts: Object.freeze([...reader.questions.values()].filter((x) => x.context)),
    changelog: Object.freeze(draft.changelog),
    migrations: Object.freeze(draft.migrations),
    // @noble/hashes rather than node:crypto: the same synchronous SHA-256 on Node and on Workers.
    sourceHash: bytesToHex(sha256(utf8ToBytes(source))),
    file: opts.file ?? null,
  });
  const expressions = new Map<string, Expression>(computed);
  for (const [name, value] of draft.thresholds.values) expressions.set(name, constant(value));
  attachPlan(questionnaire, buildPlan(questionnaire, order, c.locs, expressions));
  return { questionnaire, problems: r.sorted() };
}

function constant(value: number): Expression {
  const source = String(value);
  return Object.freeze({ source, ast: { kind: 'literal' as const, value, start: 0, end: source.length } });
}
