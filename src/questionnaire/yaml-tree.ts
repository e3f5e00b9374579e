import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';

/** 1-based position of a YAML node in its file. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

export interface YScalar {
  readonly kind: 'scalar';
  readonly pos: Pos;
  readonly value: string | number | boolean | null;
  /**
   * Where the value's first character sits when the value maps 1:1 onto one source line (plain or
   * quoted without escapes), so an error inside an expression can point at its exact column.
   */
  readonly exactStart: Pos | null;
}

export interface YMap {
  readonly kind: 'map';
  readonly pos: Pos;
  readonly entries: ReadonlyArray<{ readonly key: string; readonly keyPos: Pos; readonly value: YNode }>;
}

export interface YSeq {
  readonly kind: 'seq';
  readonly pos: Pos;
  readonly items: readonly YNode[];
}

export type YNode = YScalar | YMap | YSeq;

export interface YamlIssue {
  readonly code: 'yaml-syntax' | 'yaml-aliases' | 'too-large';
  readonly pos: Pos;
  readonly message: string;
}

export const MAX_SOURCE_BYTES = 1024 * 1024;
/** Anchors are allowed for repeated option lists; more expansions than this is an alias bomb. */
const MAX_ALIAS_COUNT = 100;
const MAX_NODES = 200_000;
/** A questionnaire nests about eight levels deep; far deeper input is hostile or broken. */
const MAX_DEPTH = 64;

/**
 * Parses YAML into a small positioned tree, refusing oversize input, alias bombs, tags, multiple
 * documents and duplicate keys. Returns either the tree or the reasons it could not be read.
 */
export function readYaml(source: string): { tree: YNode | null; issues: YamlIssue[] } {
  const bytes = utf8Length(source);
  if (bytes > MAX_SOURCE_BYTES) {
    return {
      tree: null,
      issues: [
        {
          code: 'too-large',
          pos: { line: 1, column: 1 },
          message: `The file is ${bytes} bytes; questionnaire files are limited to ${MAX_SOURCE_BYTES} bytes (1 MiB).`,
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter,
    prettyErrors: false,
    stringKeys: true,
    uniqueKeys: true,
    version: '1.2',
    schema: 'core',
  });
  const at = (offset: number): Pos => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const issues: YamlIssue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    issues.push({ code: 'yaml-syntax', pos: at(e.pos[0]), message: yamlMessage(e.code, e.message) });
  }
  if (issues.length > 0) return { tree: null, issues };
  const aliasProblem = checkAliases(doc, at);
  if (aliasProblem) return { tree: null, issues: [aliasProblem] };
  if (doc.contents === null) {
    return {
      tree: null,
      issues: [{ code: 'yaml-syntax', pos: { line: 1, column: 1 }, message: 'The file is empty.' }],
    };
  }
  const budget = { nodes: 0 };
  try {
    return { tree: convert(doc.contents as Node, doc, source, at, budget), issues: [] };
  } catch (e) {
    if (e instanceof TooComplex) {
      return {
        tree: null,
        issues: [{ code: e.code, pos: { line: 1, column: 1 }, message: e.message }],
      };
    }
    throw e;
  }
}

/** UTF-8 length without encoding (no Buffer: the engine also runs where there is none). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

function yamlMessage(code: string, message: string): string {
  const base = message.replace(/\s+/g, ' ').replace(/\.?$/, '');
  if (code === 'TAG_RESOLVE_FAILED') return `${base}; YAML tags are not allowed in questionnaire files.`;
  if (code === 'DUPLICATE_KEY') return `${base}: a key appears twice in the same mapping.`;
  if (code === 'MULTIPLE_DOCS')
    return 'The file contains more than one YAML document; put one questionnaire per file.';
  return `${base}.`;
}

class TooComplex extends Error {
  constructor(
    readonly code: YamlIssue['code'],
    message: string,
  ) {
    super(message);
  }
}

function checkAliases(doc: Document, at: (offset: number) => Pos): YamlIssue | null {
  let hasAlias = false;
  let hasTag = false;
  let tagOffset = 0;
  visit(doc, {
    Alias() {
      hasAlias = true;
    },
    Node(_key, node) {
      if (!hasTag && node.tag !== undefined && !node.tag.startsWith('tag:yaml.org,2002:')) {
        hasTag = true;
        tagOffset = node.range?.[0] ?? 0;
      }
    },
  });
  if (hasTag) {
    return {
      code: 'yaml-syntax',
      pos: at(tagOffset),
      message: 'YAML tags are not allowed in questionnaire files.',
    };
  }
  if (!hasAlias) return null;
  try {
    // yaml's own guard against "billion laughs": it throws when aliases expand too much.
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      code: 'yaml-aliases',
      pos: { line: 1, column: 1 },
      message: `YAML aliases expand too much (${e instanceof Error ? e.message : String(e)}); repeat the content instead of nesting aliases.`,
    };
  }
  return null;
}

function convert(
  node: Node,
  doc: Document,
  source: string,
  at: (offset: number) => Pos,
  budget: { nodes: number },
  depth = 0,
): YNode {
  if (++budget.nodes > MAX_NODES) {
    throw new TooComplex('too-large', `The document has more than ${MAX_NODES} YAML nodes.`);
  }
  if (depth > MAX_DEPTH) {
    throw new TooComplex('too-large', `The document nests more than ${MAX_DEPTH} levels deep.`);
  }
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined) throw new TooComplex('yaml-aliases', `Unresolved alias *${node.source}.`);
    return convert(target as Node, doc, source, at, budget, depth);
  }
  const offset = node.range?.[0] ?? 0;
  const pos = at(offset);
  if (isMap(node)) {
    const entries: Array<{ key: string; keyPos: Pos; value: YNode }> = [];
    for (const pair of node.items) {
      const k = pair.key as Node | null;
      const keyOffset = k?.range?.[0] ?? offset;
      const key = isScalar(k) ? String(k.value) : '';
      const value: YNode =
        pair.value === null || pair.value === undefined
          ? { kind: 'scalar', pos: at(keyOffset), value: null, exactStart: null }
          : convert(pair.value as Node, doc, source, at, budget, depth + 1);
      entries.push({ key, keyPos: at(keyOffset), value });
    }
    return { kind: 'map', pos, entries };
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      pos,
      items: node.items.map((n) => convert(n as Node, doc, source, at, budget, depth + 1)),
    };
  }
  if (isScalar(node)) {
    const value = node.value;
    const v =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
    return { kind: 'scalar', pos, value: v, exactStart: exactStart(node, source, pos) };
  }
  return { kind: 'scalar', pos, value: null, exactStart: null };
}

function exactStart(node: Node, source: string, pos: Pos): Pos | null {
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return null;
  const raw = source.slice(node.range[0], node.range[1]);
  if (raw.includes('\n')) return null;
  switch (node.type) {
    case 'PLAIN':
      return raw === node.value ? pos : null;
    case 'QUOTE_DOUBLE':
      return raw === `"${node.value}"` ? { line: pos.line, column: pos.column + 1 } : null;
    case 'QUOTE_SINGLE':
      return raw === `'${node.value}'` ? { line: pos.line, column: pos.column + 1 } : null;
    default:
      return null;
  }
}
