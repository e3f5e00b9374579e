import type { CompareOp, ExprNode, Literal } from '../expr/ast.js';
import { FUNCTIONS, T } from '../expr/functions.js';
import { suggest } from '../suggest.js';
import type { Question, QuestionType, Section } from '../types.js';
import type { ExprSite, LoadContext, Role } from './context.js';
import { capitalise } from './fields.js';

/** One unit of the single evaluation pass, in dependency order. */
export type Step =
  | { readonly kind: 'section'; readonly index: number }
  | { readonly kind: 'question'; readonly id: string }
  | { readonly kind: 'computed'; readonly name: string };

const CONDITION_ROLES: ReadonlySet<Role> = new Set([
  'section-visible',
  'visible',
  'required',
  'comment-required',
  'evidence-required',
  'validate',
  'when',
  'escalate',
  'hidden-zero',
]);
/** Roles evaluated while the respondent answers: a reference to a later question is confusing there. */
const LIVE_ROLES: ReadonlySet<Role> = new Set([
  'section-visible',
  'visible',
  'required',
  'comment-required',
  'evidence-required',
  'validate',
]);

function typeOfQuestion(t: QuestionType): number {
  switch (t) {
    case 'multi':
    case 'file':
      return T.LIST | T.NULL;
    case 'number':
      return T.NUM | T.NULL;
    default:
      return T.STR | T.NULL;
  }
}

function typeName(mask: number): string {
  const names: string[] = [];
  if (mask & T.BOOL) names.push('true/false');
  if (mask & T.NUM) names.push('a number');
  if (mask & T.STR) names.push('a text');
  if (mask & T.LIST) names.push('a list');
  if (names.length === 0) return 'nothing but null';
  return names.join(' or ');
}

function walk(node: ExprNode, visit: (n: ExprNode) => void): void {
  visit(node);
  switch (node.kind) {
    case 'call':
      for (const a of node.args) walk(a, visit);
      break;
    case 'not':
      walk(node.operand, visit);
      break;
    case 'and':
    case 'or':
    case 'compare':
      walk(node.left, visit);
      walk(node.right, visit);
      break;
    default:
      break;
  }
}

export function references(node: ExprNode): Array<{ name: string; start: number }> {
  const out: Array<{ name: string; start: number }> = [];
  walk(node, (n) => {
    if (n.kind === 'ref') out.push({ name: n.name, start: n.start });
  });
  return out;
}

interface Truth {
  /** Can the expression evaluate to true? */
  readonly t: boolean;
  /** Can it evaluate to anything other than true? */
  readonly f: boolean;
}
const UNKNOWN: Truth = { t: true, f: true };

/**
 * Load-time checks over every expression: unknown references, type mismatches, comparisons with
 * values that are not options, forward references, cycles, and conditions that can never be true.
 */
export class Analyzer {
  private readonly questionIndex = new Map<string, number>();
  private readonly questionSection = new Map<string, number>();
  private readonly computedTypes = new Map<string, number>();
  private readonly computedDeps = new Map<string, Set<string>>();
  private readonly alwaysHidden = new Set<string>();
  private readonly hiddenSections = new Set<number>();
  private readonly computedTruth = new Map<string, Truth>();
  private readonly computedNull = new Map<string, boolean>();
  private ownSites: Map<string, ExprSite> | null = null;

  constructor(
    private readonly c: LoadContext,
    private readonly sections: readonly Section[],
    private readonly questions: ReadonlyMap<string, Question>,
    private readonly computed: ReadonlyMap<string, { expr: { ast: ExprNode } | null }>,
  ) {
    let i = 0;
    sections.forEach((s, si) => {
      for (const q of s.questions) {
        // Questions with invalid or duplicate ids are not in the map; their problems are already reported.
        if (this.questions.get(q.id) === q && !this.questionIndex.has(q.id)) {
          this.questionIndex.set(q.id, i++);
          this.questionSection.set(q.id, si);
        }
      }
    });
  }

  /** Runs every check; returns the evaluation order, or null when a cycle makes one impossible. */
  run(): Step[] | null {
    const known = [...this.questions.keys(), ...this.computed.keys()];
    let resolved = true;
    for (const site of this.c.sites) {
      for (const ref of references(site.expr.ast)) {
        if (this.questions.has(ref.name) || this.computed.has(ref.name)) continue;
        resolved = false;
        // Suggestions cost a distance per known name: only while the report is still being read.
        const guess = this.c.r.wantsDetail ? suggest(ref.name, known) : null;
        this.c.r.error(
          'unknown-reference',
          this.c.exprPos(site.node, ref.start + 1),
          site.path,
          `"${ref.name}" is not a question id or computed name${guess ? `; did you mean "${guess}"?` : ''}`,
        );
      }
    }
    if (!resolved) return null;
    const order = this.order();
    if (order === null) return null;
    // Facts about computed values are derived in dependency order, so no check ever recurses
    // through a chain of computed values (a file may hold thousands of them).
    for (const step of order) {
      if (step.kind !== 'computed') continue;
      const ast = this.computed.get(step.name)?.expr?.ast;
      // A computed value reads answers that may be missing, so it can always be null too.
      this.computedTypes.set(step.name, (ast ? this.typeOf(ast, null) : T.ANY) | T.NULL);
      const deps = new Set<string>();
      if (ast) for (const read of this.questionsRead(ast)) deps.add(read.id);
      this.computedDeps.set(step.name, deps);
    }
    for (const site of this.c.sites) this.checkTypes(site);
    this.checkForwardReferences();
    this.checkReachability(order);
    return order;
  }

  // ---- types ---------------------------------------------------------------------------------

  private typeOf(node: ExprNode, site: ExprSite | null): number {
    switch (node.kind) {
      case 'literal':
        return node.value === null
          ? T.NULL
          : typeof node.value === 'boolean'
            ? T.BOOL
            : typeof node.value === 'number'
              ? T.NUM
              : T.STR;
      case 'list':
        return T.LIST;
      case 'ref': {
        const q = this.questions.get(node.name);
        if (q) return typeOfQuestion(q.type);
        return this.computedTypes.get(node.name) ?? T.ANY;
      }
      case 'call': {
        const fn = FUNCTIONS.get(node.name)!;
        const argTypes = node.args.map((a) => this.typeOf(a, site));
        if (site) {
          node.args.forEach((a, i) => {
            const accepted = fn.args[Math.min(i, fn.args.length - 1)] ?? T.ANY;
            const actual = argTypes[i]! & ~T.NULL;
            if (actual !== 0 && (actual & accepted) === 0) {
              this.c.r.error(
                'bad-type',
                this.c.exprPos(site.node, a.start + 1),
                site.path,
                `Argument ${i + 1} of ${node.name}() must be ${typeName(accepted)}, but it is ${typeName(actual)}.`,
              );
            }
          });
        }
        if (node.name === 'iif') return (argTypes[1] ?? 0) | (argTypes[2] ?? 0);
        if (node.name === 'coalesce') return argTypes.reduce((a, b) => a | b, 0);
        return fn.returns;
      }
      case 'not':
        this.typeOf(node.operand, site);
        return T.BOOL;
      case 'and':
      case 'or':
        this.typeOf(node.left, site);
        this.typeOf(node.right, site);
        return T.BOOL;
      case 'compare': {
        const l = this.typeOf(node.left, site);
        const r = this.typeOf(node.right, site);
        if (site) this.checkComparison(node.op, node, l, r, site);
        return T.BOOL;
      }
    }
  }

  private checkComparison(
    op: CompareOp,
    node: ExprNode & { kind: 'compare' },
    l: number,
    r: number,
    site: ExprSite,
  ): void {
    const a = l & ~T.NULL;
    const b = r & ~T.NULL;
    const pos = this.c.exprPos(site.node, node.start + 1);
    const report = (msg: string) => this.c.r.error('bad-type', pos, site.path, msg);
    if (a === 0 || b === 0) return; // `x == null` and friends
    switch (op) {
      case '==':
      case '!=':
        if ((a & b) === 0) {
          const hint =
            a & T.LIST || b & T.LIST ? '; to test whether a multi answer includes a value, use contains' : '';
          report(`"${op}" compares ${typeName(a)} with ${typeName(b)}, which are never equal${hint}.`);
        }
        break;
      case '<':
      case '<=':
      case '>':
      case '>=':
        if ((a & (T.NUM | T.STR)) === 0 || (b & (T.NUM | T.STR)) === 0 || (a & b & (T.NUM | T.STR)) === 0) {
          report(
            `"${op}" orders two numbers or two texts/dates, but here compares ${typeName(a)} with ${typeName(b)}.`,
          );
        }
        break;
      case 'in':
        if ((b & T.LIST) === 0) report(`The right side of "in" must be a list, but it is ${typeName(b)}.`);
        break;
      case 'contains':
        if ((a & (T.LIST | T.STR)) === 0)
          report(`The left side of "contains" must be a list or a text, but it is ${typeName(a)}.`);
        break;
    }
    this.checkOptions(op, node, site);
  }

  /** Literal values compared with a choice question must be among its options. */
  private checkOptions(op: CompareOp, node: ExprNode & { kind: 'compare' }, site: ExprSite): void {
    for (const bad of this.impossibleValues(node)) {
      const pos = this.c.exprPos(site.node, bad.start + 1);
      const verdict =
        op === '!='
          ? 'this comparison is always true once it is answered'
          : op === 'in'
            ? 'it never matches'
            : 'this comparison is never true';
      this.c.r.warn(
        'unknown-option',
        pos,
        site.path,
        `'${bad.value}' is not a value of ${bad.question} (${bad.options.join(', ')}), so ${verdict}.`,
      );
    }
  }

  private optionsOf(node: ExprNode): { id: string; values: readonly string[] } | null {
    if (node.kind !== 'ref') return null;
    const q = this.questions.get(node.name);
    if (!q) return null;
    if (q.type === 'yes_no_na') return { id: q.id, values: ['yes', 'no', 'na'] };
    if ((q.type === 'single' || q.type === 'multi') && q.options)
      return { id: q.id, values: q.options.map((o) => o.value) };
    return null;
  }

  private impossibleValues(
    node: ExprNode & { kind: 'compare' },
  ): Array<{ value: string; start: number; question: string; options: readonly string[] }> {
    const out: Array<{ value: string; start: number; question: string; options: readonly string[] }> = [];
    const pairs: Array<[ExprNode, ExprNode]> = [
      [node.left, node.right],
      [node.right, node.left],
    ];
    for (const [refSide, litSide] of pairs) {
      const opts = this.optionsOf(refSide);
      if (!opts) continue;
      const literals: Literal[] =
        litSide.kind === 'literal' ? [litSide.value] : litSide.kind === 'list' ? [...litSide.items] : [];
      for (const v of literals) {
        if (typeof v === 'string' && !opts.values.includes(v)) {
          out.push({ value: v, start: litSide.start, question: opts.id, options: opts.values });
        }
      }
    }
    return out;
  }

  private checkTypes(site: ExprSite): void {
    const t = this.typeOf(site.expr.ast, site);
    const r = this.c.r;
    const pos = site.node.pos;
    if (CONDITION_ROLES.has(site.role) && (t & T.BOOL) === 0) {
      r.error(
        'bad-type',
        pos,
        site.path,
        `This must be a condition that is true or false, but it gives ${typeName(t & ~T.NULL)}; compare it, e.g. "x == 'yes'".`,
      );
    }
    if (site.role === 'score' && (t & T.NUM) === 0) {
      r.error(
        'bad-type',
        pos,
        site.path,
        `score_expr must give a number from 0 to 1, but it gives ${typeName(t & ~T.NULL)}.`,
      );
    }
  }

  // ---- forward references ------------------------------------------------------------------------

  /** Questions an expression reads, directly or through computed values. */
  private questionsRead(node: ExprNode): Array<{ id: string; via: string | null; start: number }> {
    const out: Array<{ id: string; via: string | null; start: number }> = [];
    for (const ref of references(node)) {
      if (this.questions.has(ref.name)) out.push({ id: ref.name, via: null, start: ref.start });
      else
        for (const id of this.computedDeps.get(ref.name) ?? [])
          out.push({ id, via: ref.name, start: ref.start });
    }
    return out;
  }

  private checkForwardReferences(): void {
    for (const site of this.c.sites) {
      if (!LIVE_ROLES.has(site.role)) continue;
      // A section's visibility is decided before any of its questions is shown.
      const ownerIndex =
        site.role === 'section-visible'
          ? this.firstQuestionIndex(site.section!)
          : (this.questionIndex.get(site.question ?? '') ?? -1);
      if (ownerIndex < 0) continue;
      const reported = new Set<string>();
      for (const read of this.questionsRead(site.expr.ast)) {
        const idx = this.questionIndex.get(read.id)!;
        const self = site.role !== 'section-visible' && read.id === site.question;
        if (self || idx < ownerIndex || reported.has(read.id)) continue;
        if (site.role === 'section-visible' && this.questionSection.get(read.id) === site.section) continue; // a cycle, reported below
        reported.add(read.id);
        this.c.r.warn(
          'forward-reference',
          this.c.exprPos(site.node, read.start + 1),
          site.path,
          `${capitalise(site.owner)} depends on ${read.id}${read.via ? ` (through ${read.via})` : ''}, which comes later in the questionnaire; respondents will answer it after the question that depends on it.`,
        );
      }
    }
  }

  private firstQuestionIndex(section: number): number {
    const first = this.sections[section]?.questions[0];
    return first ? (this.questionIndex.get(first.id) ?? -1) : -1;
  }

  // ---- dependency order ----------------------------------------------------------------------

  /**
   * Topological order of section visibility, question visibility (which fixes the question's
   * value: hidden reads as null) and computed values. A cycle is an error: evaluation must be one pass.
   */
  private order(): Step[] | null {
    const key = (s: Step): string =>
      s.kind === 'section' ? `s:${s.index}` : s.kind === 'question' ? `q:${s.id}` : `c:${s.name}`;
    const deps = new Map<string, { step: Step; deps: Step[]; site: ExprSite | null }>();
    const refSteps = (node: ExprNode | undefined): Step[] =>
      node === undefined
        ? []
        : references(node).map((r) =>
            this.questions.has(r.name)
              ? { kind: 'question', id: r.name }
              : { kind: 'computed', name: r.name },
          );
    this.sections.forEach((s, index) => {
      const step: Step = { kind: 'section', index };
      deps.set(key(step), {
        step,
        deps: refSteps(s.visibleIf?.ast),
        site: this.siteFor('section-visible', index),
      });
      for (const q of s.questions) {
        if (!this.questionIndex.has(q.id) || deps.has(`q:${q.id}`)) continue;
        const qs: Step = { kind: 'question', id: q.id };
        deps.set(key(qs), {
          step: qs,
          deps: [step, ...refSteps(q.visibleIf?.ast)],
          site: this.siteFor('visible', q.id),
        });
      }
    });
    for (const [name, entry] of this.computed) {
      const cs: Step = { kind: 'computed', name };
      deps.set(key(cs), {
        step: cs,
        deps: refSteps(entry.expr?.ast),
        site: this.siteFor('computed', name),
      });
    }
    // Iterative depth-first search: a long chain of dependencies must not exhaust the call stack.
    const order: Step[] = [];
    const state = new Map<string, 'active' | 'done'>();
    for (const root of deps.keys()) {
      if (state.has(root)) continue;
      const stack: Array<{ key: string; next: number }> = [{ key: root, next: 0 }];
      state.set(root, 'active');
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const entry = deps.get(top.key)!;
        if (top.next < entry.deps.length) {
          const k = key(entry.deps[top.next++]!);
          const st = state.get(k);
          if (st === 'done') continue;
          if (st === 'active') {
            this.reportCycle(stack.map((f) => f.key).slice(stack.findIndex((f) => f.key === k)), k, deps);
            return null;
          }
          state.set(k, 'active');
          stack.push({ key: k, next: 0 });
          continue;
        }
        state.set(top.key, 'done');
        order.push(entry.step);
        stack.pop();
      }
    }
    return order;
  }

  private reportCycle(
    trail: readonly string[],
    closing: string,
    deps: ReadonlyMap<string, { step: Step; site: ExprSite | null }>,
  ): void {
    const cycle = [...trail, closing].map((x) => this.describeStep(deps.get(x)!.step));
    const site = deps.get(closing)!.site;
    const pos = site ? site.node.pos : { line: 1, column: 1 };
    this.c.r.error(
      'circular-reference',
      pos,
      site ? site.path : '',
      `Circular dependency: ${cycle.join(' → ')}; a condition cannot depend on itself, directly or through others.`,
    );
  }

  /** The visible_if of a section or question, or the expression of a computed value. */
  private siteFor(role: 'section-visible' | 'visible' | 'computed', owner: string | number): ExprSite | null {
    if (this.ownSites === null) {
      this.ownSites = new Map();
      for (const site of this.c.sites) {
        const o =
          site.role === 'section-visible'
            ? site.section
            : site.role === 'visible'
              ? site.question
              : site.computed;
        const k = `${site.role}|${o}`;
        if (!this.ownSites.has(k)) this.ownSites.set(k, site);
      }
    }
    return this.ownSites.get(`${role}|${owner}`) ?? null;
  }

  private describeStep(s: Step): string {
    if (s.kind === 'section') return `visibility of section ${this.sections[s.index]?.id ?? s.index}`;
    if (s.kind === 'question') return `visibility of ${s.id}`;
    return `computed ${s.name}`;
  }

  // ---- reachability ---------------------------------------------------------------------------

  private checkReachability(order: readonly Step[]): void {
    for (const step of order) {
      if (step.kind === 'computed') {
        const ast = this.computed.get(step.name)?.expr?.ast;
        this.computedTruth.set(step.name, ast ? this.truth(ast) : UNKNOWN);
        this.computedNull.set(step.name, ast ? this.alwaysNull(ast) : false);
      } else if (step.kind === 'section') {
        const s = this.sections[step.index]!;
        if (s.visibleIf && !this.truth(s.visibleIf.ast).t) {
          this.hiddenSections.add(step.index);
          const site = this.siteFor('section-visible', step.index);
          if (site) {
            this.c.r.warn(
              'unreachable-question',
              site.node.pos,
              site.path,
              `visible_if of section ${s.id} is never true, so the section and its questions are never shown.`,
            );
          }
        }
      } else if (step.kind === 'question') {
        const q = this.questions.get(step.id)!;
        const sectionHidden = this.hiddenSections.has(this.questionSection.get(q.id)!);
        if (sectionHidden) {
          this.alwaysHidden.add(q.id);
        } else if (q.visibleIf && !this.truth(q.visibleIf.ast).t) {
          this.alwaysHidden.add(q.id);
          const site = this.siteFor('visible', q.id);
          if (site) {
            this.c.r.warn(
              'unreachable-question',
              site.node.pos,
              site.path,
              `visible_if of ${q.id} is never true, so the question is never shown.`,
            );
          }
        }
      }
    }
    for (const site of this.c.sites) {
      if (site.role === 'visible' || site.role === 'section-visible' || !CONDITION_ROLES.has(site.role))
        continue;
      if (site.question && this.alwaysHidden.has(site.question)) continue; // already reported for the question
      if (this.truth(site.expr.ast).t) continue;
      const effect: Record<string, string> = {
        required: 'the question is never required',
        'comment-required': 'a comment is never required',
        'evidence-required': 'evidence is never required',
        validate: 'every answer fails this rule',
        when: `${site.owner} is never raised`,
        escalate: `${site.owner} is never escalated`,
        'hidden-zero': 'the question never counts as failed while hidden',
      };
      this.c.r.warn(
        'never-true',
        site.node.pos,
        site.path,
        `This condition is never true, so ${effect[site.role] ?? 'it has no effect'}.`,
      );
    }
  }

  private alwaysNull(node: ExprNode): boolean {
    switch (node.kind) {
      case 'literal':
        return node.value === null;
      case 'ref': {
        if (this.questions.has(node.name)) return this.alwaysHidden.has(node.name);
        return this.computedNull.get(node.name) ?? false;
      }
      case 'call':
        switch (node.name) {
          case 'days_between':
          case 'len':
            return node.args.some((a) => this.alwaysNull(a));
          case 'min':
          case 'max':
          case 'coalesce':
            return node.args.every((a) => this.alwaysNull(a));
          case 'iif':
            return this.alwaysNull(node.args[1]!) && this.alwaysNull(node.args[2]!);
          default:
            return false;
        }
      default:
        return false;
    }
  }

  /** Whether an expression can be true / can be something else, given what is always hidden. */
  private truth(node: ExprNode): Truth {
    switch (node.kind) {
      case 'literal':
        return { t: node.value === true, f: node.value !== true };
      case 'list':
        return { t: false, f: true };
      case 'ref': {
        if (this.questions.has(node.name)) return { t: false, f: true }; // answers are never booleans
        return this.computedTruth.get(node.name) ?? UNKNOWN;
      }
      case 'not': {
        const o = this.truth(node.operand);
        return { t: o.f, f: o.t };
      }
      case 'and': {
        const l = this.truth(node.left);
        const r = this.truth(node.right);
        return { t: l.t && r.t, f: l.f || r.f };
      }
      case 'or': {
        const l = this.truth(node.left);
        const r = this.truth(node.right);
        return { t: l.t || r.t, f: l.f && r.f };
      }
      case 'call': {
        if (node.name === 'iif') {
          const c = this.truth(node.args[0]!);
          const a = this.truth(node.args[1]!);
          const b = this.truth(node.args[2]!);
          return { t: (c.t && a.t) || (c.f && b.t), f: (c.t && a.f) || (c.f && b.f) };
        }
        if (node.name === 'answered') return { t: !this.alwaysNull(node.args[0]!), f: true };
        if (node.name === 'coalesce') {
          return node.args
            .map((a) => this.truth(a))
            .reduce((x, y) => ({ t: x.t || y.t, f: x.f || y.f }), { t: false, f: false });
        }
        return { t: (FUNCTIONS.get(node.name)!.returns & T.BOOL) !== 0, f: true };
      }
      case 'compare': {
        const { op, left, right } = node;
        const nullTest = (op === '==' || op === '!=') && (isNull(left) || isNull(right));
        if (nullTest) {
          const other = isNull(left) ? right : left;
          const never = this.alwaysNull(other);
          const always = other.kind === 'literal' && other.value === null;
          return op === '=='
            ? { t: never || !isConstant(other), f: !always && !never }
            : { t: !never, f: true };
        }
        if (this.alwaysNull(left) || this.alwaysNull(right)) return { t: false, f: true };
        const bad = this.impossibleValues(node);
        if (bad.length > 0 && op !== '!=') {
          const literal = isLiteralSide(left) ? left : right;
          const total = literal.kind === 'list' ? literal.items.length : 1;
          // `in` matches if any listed value is possible; == and contains need all of them.
          if (op !== 'in' || bad.length >= total) return { t: false, f: true };
        }
        return UNKNOWN;
      }
    }
  }
}

const isNull = (n: ExprNode): boolean => n.kind === 'literal' && n.value === null;
const isConstant = (n: ExprNode): boolean => n.kind === 'literal' || n.kind === 'list';
const isLiteralSide = (n: ExprNode): boolean => n.kind === 'literal' || n.kind === 'list';
