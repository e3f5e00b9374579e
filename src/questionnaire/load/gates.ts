import type { ExprNode, Value } from '../expr/ast.js';
import type { Question, Section } from '../types.js';
import { references } from './analyze.js';
import type { LoadContext } from './context.js';
import { type PartialMemo, partialTruth } from './partial.js';

/*
 * Two vrq/1.1 rules about questions that hide others:
 *
 * - score-inversion (warning): a gate's failing answer hides a scored follow-up. Hidden questions are left out
 *   of the score, so a vendor without the control loses less than one with a weak version of it. The fix is
 *   to keep the follow-up visible with a 0-scored "never/none" option, or to declare hidden_zero_if on it.
 * - scope-switch-na: a vendor's N/A hides a whole section, or scored questions, without a word of explanation.
 *   A scope switch needs a plain yes/no (na: forbidden) or a justified N/A (na: justify); or the requester
 *   sets it (context: true).
 *
 * Both use partial evaluation: the condition with one answer fixed and every other one unknown.
 */

type Computed = ReadonlyMap<string, { readonly expr: { readonly ast: ExprNode } | null }>;

/** Questions an expression reads, directly or through computed values; `cache` holds each computed value's. */
function questionsRead(
  ast: ExprNode,
  questions: ReadonlyMap<string, Question>,
  computed: Computed,
  cache: Map<string, ReadonlySet<string>>,
): ReadonlySet<string> {
  const out = new Set<string>();
  for (const ref of references(ast)) {
    if (questions.has(ref.name)) {
      out.add(ref.name);
      continue;
    }
    let read = cache.get(ref.name);
    if (read === undefined) {
      cache.set(ref.name, new Set()); // a cycle reads nothing more; the analyzer reports cycles
      const c = computed.get(ref.name)?.expr;
      read = c ? questionsRead(c.ast, questions, computed, cache) : new Set();
      cache.set(ref.name, read);
    }
    for (const id of read) out.add(id);
  }
  return out;
}

/** The answers of a scored choice that score lowest, when they score below its best answer. */
function failingAnswers(q: Question): string[] {
  let scored: Array<[string, number]> = [];
  if (q.type === 'yes_no_na' && q.scores) {
    scored = [
      ['yes', q.scores.yes],
      ['no', q.scores.no],
    ];
  } else if (q.type === 'single' && q.options) {
    scored = q.options.filter((o) => o.score !== null).map((o) => [o.value, o.score!]);
  }
  if (scored.length < 2) return [];
  const min = Math.min(...scored.map(([, s]) => s));
  const max = Math.max(...scored.map(([, s]) => s));
  return min < max ? scored.filter(([, s]) => s === min).map(([v]) => v) : [];
}

export function checkGates(
  c: LoadContext,
  sections: readonly Section[],
  questions: ReadonlyMap<string, Question>,
  computed: Computed,
  scopeSeverity: 'error' | 'warning',
): void {
  // The visible_if sites by owner, found once: a file may have thousands of questions.
  const sites = new Map<string, (typeof c.sites)[number]>();
  for (const site of c.sites) {
    const key =
      site.role === 'section-visible'
        ? `s:${site.section}`
        : site.role === 'visible'
          ? `q:${site.question}`
          : null;
    if (key !== null && !sites.has(key)) sites.set(key, site);
  }
  const siteOf = (role: 'visible' | 'section-visible', owner: string | number) =>
    sites.get(role === 'section-visible' ? `s:${owner}` : `q:${owner}`);

  const report = scopeSeverity === 'error' ? c.r.error.bind(c.r) : c.r.warn.bind(c.r);
  const readCache = new Map<string, ReadonlySet<string>>();
  const read = (ast: ExprNode) => questionsRead(ast, questions, computed, readCache);
  // One memo per fixed answer, shared by every condition checked under it.
  const memos = new Map<string, PartialMemo>();
  const decides = (ast: ExprNode, gid: string, value: Value): boolean | null => {
    const key = `${gid}\u0000${JSON.stringify(value)}`;
    let memo = memos.get(key);
    if (memo === undefined) {
      memo = new Map();
      memos.set(key, memo);
    }
    return partialTruth(ast, { fixed: new Map([[gid, value]]), computed }, memo);
  };
  const naValue = (g: Question): Value => (g.type === 'multi' ? ['na'] : 'na');
  const unjustified = (g: Question): boolean =>
    !g.context && g.hasNa && g.na !== 'justify' && g.na !== 'forbidden';
  /** Scored questions each unjustified N/A answer hides, by the switch's id. */
  const hiddenByNa = new Map<string, string[]>();

  sections.forEach((section, si) => {
    for (const f of section.questions) {
      const visibleIf = f.visibleIf;
      if (questions.get(f.id) !== f || visibleIf === null || f.hiddenZeroIf !== null) continue;
      if (!f.scored || f.weight * section.weight <= 0) continue;
      const site = siteOf('visible', f.id);
      const gates = read(visibleIf.ast);
      for (const gid of gates) {
        const g = questions.get(gid)!;
        if (gid === f.id || !unjustified(g)) continue;
        if (decides(visibleIf.ast, gid, naValue(g)) === false)
          hiddenByNa.set(gid, [...(hiddenByNa.get(gid) ?? []), f.id]);
      }
      for (const gid of gates) {
        const g = questions.get(gid)!;
        if (gid === f.id || g.context) continue;
        const hiding = failingAnswers(g).find((v) => decides(visibleIf.ast, gid, v) === false);
        if (hiding === undefined) continue;
        c.r.warn(
          'score-inversion',
          site?.node.pos ?? { line: 1, column: 1 },
          site?.path ?? '',
          `Answering ${gid} '${hiding}' (its lowest-scoring answer) hides ${f.id}, which is scored: it then drops out of the score instead of counting as failed, so a vendor without the control can score better than one with a weak version of it; keep ${f.id} visible with a 0-scored "none" option, or add hidden_zero_if: "${gid} == '${hiding}'".`,
        );
        break;
      }
    }
    if (section.visibleIf === null) return;
    const site = siteOf('section-visible', si);
    for (const gid of read(section.visibleIf.ast)) {
      const g = questions.get(gid)!;
      if (!unjustified(g)) continue;
      if (decides(section.visibleIf.ast, gid, naValue(g)) !== false) continue;
      report(
        'scope-switch-na',
        site?.node.pos ?? { line: 1, column: 1 },
        site?.path ?? '',
        `Answering ${gid} N/A hides section ${section.id} without an explanation; make ${gid} a plain yes/no (na: forbidden), ask for a reason (na: justify), or let the requester set it (context: true).`,
      );
    }
  });

  for (const [gid, hidden] of hiddenByNa) {
    const loc = c.locs.get(`q:${gid}`);
    const listed =
      hidden.length > 3
        ? `${hidden.slice(0, 3).join(', ')} and ${hidden.length - 3} more`
        : hidden.join(', ');
    report(
      'scope-switch-na',
      loc?.pos ?? { line: 1, column: 1 },
      loc?.path ?? '',
      `Answering ${gid} N/A hides ${listed}, which ${hidden.length === 1 ? 'is' : 'are'} scored, without an explanation; make ${gid} a plain yes/no (na: forbidden), ask for a reason (na: justify), or let the requester set it (context: true).`,
    );
  }
}
