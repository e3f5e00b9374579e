import { type Fields, join, readFields, readNumber, readString, requireField } from './load/fields.js';
import { Reporter } from './load/reporter.js';
import { planOf } from './plan.js';
import { parseSemver } from './semver.js';
import type { Problem, Questionnaire, Text } from './types.js';
import { readYaml } from './yaml-tree.js';

/*
 * Shared threshold tables (format vrq-thresholds/1): one versioned list of the numbers several questionnaires
 * must agree on — incident notice hours, deletion days, restore-test age, report age — so that the same answer
 * raises the same finding everywhere (content review X6).
 *
 * A questionnaire does not import a table: it ships the values it uses in its own `thresholds:` block and
 * names the table they come from (`table: eu-supplier@1.0.0`). Scoring reads only the file's own values, so
 * a stored, pinned source keeps deciding its scores alone, whatever a table becomes later. The table is the
 * check: loading the library and `assay questionnaire lint` compare every value with the named table version
 * and refuse a drift (`threshold-mismatch`). Changing a threshold means a new table version, then new
 * questionnaire versions that take it up — each visible in review, none silent.
 */

export interface ThresholdTable {
  /** `id@version`. */
  readonly ref: string;
  readonly file: string | null;
  readonly values: ReadonlyMap<
    string,
    { readonly value: number; readonly unit: string | null; readonly note: Text | null }
  >;
}

const TABLE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const NAME = /^[a-z_][a-z0-9_]{0,63}$/;

/** Reads one threshold table file. Never throws for bad content; any error yields no table. */
export function compileThresholdTable(
  source: string,
  opts: { file?: string } = {},
): { table: ThresholdTable | null; problems: Problem[] } {
  const r = new Reporter(opts.file);
  const { tree, issues } = readYaml(source);
  for (const i of issues) r.error(i.code, i.pos, '', i.message);
  if (tree === null) return { table: null, problems: r.sorted() };
  const f = readFields(r, tree, '', 'a threshold table', ['schema', 'id', 'version', 'title', 'values']);
  if (!f) return { table: null, problems: r.sorted() };
  const schemaNode = requireField(r, f, 'schema', 'a threshold table');
  const schema = schemaNode && readString(r, schemaNode, 'schema', 'schema');
  if (schema !== undefined && schema !== 'vrq-thresholds/1') {
    r.error(
      'unsupported-schema',
      schemaNode!.pos,
      'schema',
      `A threshold table has schema: vrq-thresholds/1, not "${schema}".`,
    );
  }
  const idNode = requireField(r, f, 'id', 'a threshold table');
  const id =
    idNode &&
    readString(r, idNode, 'id', 'the table id', {
      pattern: TABLE_ID,
      patternText: 'lower-case letters, digits, - and _',
    });
  const vNode = requireField(r, f, 'version', 'a threshold table');
  const version = vNode && readString(r, vNode, 'version', 'the version');
  if (version !== undefined && parseSemver(version) === null) {
    r.error(
      'bad-value',
      vNode!.pos,
      'version',
      `"${version}" is not a semantic version; use MAJOR.MINOR.PATCH like 1.0.0.`,
    );
  }
  const values = readValues(r, f);
  if (r.errors > 0 || id === undefined || version === undefined) return { table: null, problems: r.sorted() };
  return {
    table: Object.freeze({ ref: `${id}@${version}`, file: opts.file ?? null, values }),
    problems: r.sorted(),
  };
}

function readValues(r: Reporter, f: Fields): ThresholdTable['values'] {
  const out = new Map<string, { value: number; unit: string | null; note: Text | null }>();
  const node = requireField(r, f, 'values', 'a threshold table');
  if (node === undefined) return out;
  if (node.kind !== 'map') {
    r.error('bad-type', node.pos, 'values', 'values must map threshold names to { value, unit, note }.');
    return out;
  }
  for (const e of node.entries) {
    const p = join('values', e.key);
    if (!NAME.test(e.key)) {
      r.error(
        'bad-value',
        e.keyPos,
        p,
        `Threshold name "${e.key}" must be lower-case letters, digits and _.`,
      );
      continue;
    }
    const vf = readFields(r, e.value, p, 'a threshold', ['value', 'unit', 'note']);
    if (!vf) continue;
    const valueNode = requireField(r, vf, 'value', 'a threshold');
    const value = valueNode && readNumber(r, valueNode, join(p, 'value'), 'value');
    const unitNode = vf.get('unit');
    const unit = unitNode === undefined ? null : (readString(r, unitNode, join(p, 'unit'), 'unit') ?? null);
    const noteNode = vf.get('note');
    const note = noteNode === undefined ? null : (readString(r, noteNode, join(p, 'note'), 'note') ?? null);
    if (value !== undefined)
      out.set(e.key, Object.freeze({ value, unit, note: note === null ? null : { en: note } }));
  }
  return out;
}

/** Compares a questionnaire's thresholds with the table it names; problems point into the questionnaire. */
export function checkThresholds(q: Questionnaire, tables: ReadonlyMap<string, ThresholdTable>): Problem[] {
  const ref = q.thresholds.table;
  if (ref === null) return [];
  const locs = planOf(q).locs;
  const at = (key: string, code: string, message: string): Problem => {
    const loc = locs.get(key) ?? locs.get('thresholds.table');
    const p: Problem = {
      line: loc?.pos.line ?? 1,
      column: loc?.pos.column ?? 1,
      path: loc?.path ?? 'thresholds',
      code,
      severity: 'error',
      message,
    };
    if (q.file !== null) p.file = q.file;
    return p;
  };
  const table = tables.get(ref);
  if (table === undefined) {
    const known = [...tables.keys()].filter((k) => k.startsWith(`${ref.slice(0, ref.indexOf('@'))}@`));
    return [
      at(
        'thresholds.table',
        'unknown-threshold-table',
        `No threshold table ${ref} is in the library${known.length > 0 ? ` (there is ${known.join(', ')})` : ''}.`,
      ),
    ];
  }
  const problems: Problem[] = [];
  for (const [name, value] of q.thresholds.values) {
    const shared = table.values.get(name);
    if (shared === undefined) {
      problems.push(at(`t:${name}`, 'threshold-mismatch', `${name} is not a threshold of ${ref}.`));
    } else if (shared.value !== value) {
      problems.push(
        at(
          `t:${name}`,
          'threshold-mismatch',
          `${name} is ${value} here but ${shared.value} in ${ref}; use the table's value or a table version that has yours.`,
        ),
      );
    }
  }
  return problems;
}
