import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * What the engine may import. src/questionnaire is bundled for Cloudflare Workers, so it imports no node:*
 * module; and the core entry (index.ts) never reaches the spreadsheet code, so compiling and evaluating never
 * loads exceljs. Checked on the source text: every static and dynamic import, followed through the files.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/questionnaire');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

describe('engine boundaries', () => {
  it('no module under src/questionnaire imports a node:* module', () => {
    const offenders = files(ROOT).flatMap((f) =>
      importsOf(f)
        .filter((spec) => spec.startsWith('node:'))
        .map((spec) => `${relative(ROOT, f)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the core entry reaches neither the spreadsheet modules nor exceljs, yauzl or csv-*', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const queue = [join(ROOT, 'index.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else external.add(spec);
      }
    }
    expect([...seen].map((f) => relative(ROOT, f)).filter((f) => f.startsWith('spreadsheet'))).toEqual([]);
    expect([...external].filter((p) => /^(exceljs|yauzl|csv-)/.test(p))).toEqual([]);
    // The walk did follow the engine: it saw the evaluator and the loader.
    expect(seen.has(join(ROOT, 'evaluate.ts')) && seen.has(join(ROOT, 'load/questions.ts'))).toBe(true);
  });
});
