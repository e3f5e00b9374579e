import { suggest } from '../suggest.js';
import type { Pos, YMap, YNode, YScalar, YSeq } from '../yaml-tree.js';
import type { Reporter } from './reporter.js';

export const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
export const at = (path: string, i: number): string => `${path}[${i}]`;

const KIND_NAMES: Record<YNode['kind'], string> = { map: 'a mapping', seq: 'a list', scalar: 'a value' };

export function describeNode(node: YNode): string {
  if (node.kind !== 'scalar') return KIND_NAMES[node.kind];
  if (node.value === null) return 'nothing';
  if (typeof node.value === 'string') return `the text ${JSON.stringify(truncate(node.value))}`;
  return `${typeof node.value === 'number' ? 'the number' : 'the boolean'} ${String(node.value)}`;
}

const truncate = (s: string): string => (s.length > 40 ? `${s.slice(0, 37)}...` : s);

/** A mapping whose keys have been checked against the fields its context allows. */
export class Fields {
  private readonly byKey = new Map<string, { keyPos: Pos; value: YNode }>();
  constructor(
    readonly node: YMap,
    readonly path: string,
  ) {
    for (const e of node.entries) this.byKey.set(e.key, { keyPos: e.keyPos, value: e.value });
  }
  get pos(): Pos {
    return this.node.pos;
  }
  has(key: string): boolean {
    return this.byKey.has(key);
  }
  get(key: string): YNode | undefined {
    return this.byKey.get(key)?.value;
  }
  keyPos(key: string): Pos {
    return this.byKey.get(key)?.keyPos ?? this.node.pos;
  }
  keys(): string[] {
    return [...this.byKey.keys()];
  }
}

/**
 * Reads a mapping, reporting every key not in `allowed`. `elsewhere` maps keys that are valid in
 * another context (another question type) to an explanation, so the message says why instead of
 * only "unknown".
 */
export function readFields(
  r: Reporter,
  node: YNode | undefined,
  path: string,
  what: string,
  allowed: readonly string[],
  elsewhere: ReadonlyMap<string, string> = new Map(),
): Fields | null {
  if (node === undefined) return null;
  if (node.kind !== 'map') {
    r.error(
      'bad-type',
      node.pos,
      path,
      `${capitalise(what)} must be a mapping of fields, not ${describeNode(node)}.`,
    );
    return null;
  }
  const fields = new Fields(node, path);
  for (const e of node.entries) {
    if (allowed.includes(e.key)) continue;
    const keyPath = join(path, e.key);
    const why = elsewhere.get(e.key);
    if (why !== undefined) {
      r.error('unknown-key', e.keyPos, keyPath, `"${e.key}" is not a field of ${what}: ${why}.`);
      continue;
    }
    const guess = suggest(e.key, allowed);
    const hint = guess ? `; did you mean "${guess}"?` : `; the allowed fields are ${allowed.join(', ')}.`;
    r.error('unknown-key', e.keyPos, keyPath, `"${e.key}" is not a field of ${what}${hint}`);
  }
  return fields;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function requireField(r: Reporter, f: Fields, key: string, what: string): YNode | undefined {
  const v = f.get(key);
  if (v === undefined) {
    r.error('missing-field', f.pos, f.path, `${capitalise(what)} needs a "${key}" field.`);
  }
  return v;
}

export interface StringOptions {
  pattern?: RegExp;
  /** Describes the pattern in the error, e.g. "lower-case letters, digits and _". */
  patternText?: string;
  maxLength?: number;
}

/** A non-empty string scalar, or undefined (after reporting) when the node is anything else. */
export function readString(
  r: Reporter,
  node: YNode,
  path: string,
  what: string,
  o: StringOptions = {},
): string | undefined {
  if (node.kind !== 'scalar' || typeof node.value !== 'string') {
    r.error('bad-type', node.pos, path, `${capitalise(what)} must be a text, not ${describeNode(node)}.`);
    return undefined;
  }
  const s = node.value;
  if (s.trim() === '') {
    r.error('bad-value', node.pos, path, `${capitalise(what)} must not be empty.`);
    return undefined;
  }
  const max = o.maxLength ?? 10_000;
  if (s.length > max) {
    r.error(
      'bad-value',
      node.pos,
      path,
      `${capitalise(what)} is ${s.length} characters long; the limit is ${max}.`,
    );
    return undefined;
  }
  if (o.pattern && !o.pattern.test(s)) {
    r.error(
      'bad-value',
      node.pos,
      path,
      `${capitalise(what)} ${JSON.stringify(truncate(s))} is not valid${o.patternText ? `: use ${o.patternText}` : ''}.`,
    );
    return undefined;
  }
  return s;
}

export interface NumberOptions {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function readNumber(
  r: Reporter,
  node: YNode,
  path: string,
  what: string,
  o: NumberOptions = {},
): number | undefined {
  if (node.kind !== 'scalar' || typeof node.value !== 'number') {
    r.error('bad-type', node.pos, path, `${capitalise(what)} must be a number, not ${describeNode(node)}.`);
    return undefined;
  }
  const n = node.value;
  if (!Number.isFinite(n)) {
    r.error('bad-value', node.pos, path, `${capitalise(what)} must be a finite number.`);
    return undefined;
  }
  if (o.integer && !Number.isInteger(n)) {
    r.error('bad-value', node.pos, path, `${capitalise(what)} must be a whole number, not ${n}.`);
    return undefined;
  }
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    const range =
      o.min !== undefined && o.max !== undefined
        ? `between ${o.min} and ${o.max}`
        : o.min !== undefined
          ? `at least ${o.min}`
          : `at most ${o.max}`;
    r.error('bad-value', node.pos, path, `${capitalise(what)} must be ${range}, not ${n}.`);
    return undefined;
  }
  return n;
}

export function readBoolean(r: Reporter, node: YNode, path: string, what: string): boolean | undefined {
  if (node.kind !== 'scalar' || typeof node.value !== 'boolean') {
    r.error(
      'bad-type',
      node.pos,
      path,
      `${capitalise(what)} must be true or false, not ${describeNode(node)}.`,
    );
    return undefined;
  }
  return node.value;
}

export function readList(r: Reporter, node: YNode, path: string, what: string): YSeq | undefined {
  if (node.kind !== 'seq') {
    r.error('bad-type', node.pos, path, `${capitalise(what)} must be a list, not ${describeNode(node)}.`);
    return undefined;
  }
  return node;
}

/** A list of strings; invalid entries are reported and left out. */
export function readStringList(
  r: Reporter,
  node: YNode,
  path: string,
  what: string,
  o: StringOptions = {},
): Array<{ value: string; node: YScalar; path: string }> | undefined {
  const seq = readList(r, node, path, what);
  if (!seq) return undefined;
  const out: Array<{ value: string; node: YScalar; path: string }> = [];
  seq.items.forEach((item, i) => {
    const s = readString(r, item, at(path, i), `each entry of ${what}`, o);
    if (s !== undefined) out.push({ value: s, node: item as YScalar, path: at(path, i) });
  });
  return out;
}
