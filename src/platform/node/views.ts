/**
 * Templates and static assets on Node. Production and tests render the templates precompiled at build
 * time and serve static/ from memory (read and hashed once); `npm run dev` compiles templates from
 * views/ and re-hashes static files on each use, so edits show at once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Eta } from 'eta';
import { manifest } from '../../generated/assets.js';
import { templates } from '../../generated/templates.js';
import { type AssetManifest, type Assets, manifestAssets } from '../../http/assets.js';
import { precompiledEngine, type TemplateEngine } from '../../http/templates.js';
import { appPath } from './app-root.js';

export const VIEWS_DIR = appPath('views');
export const STATIC_DIR = appPath('static');

export function nodeTemplates(options: { dev: boolean }): TemplateEngine {
  if (options.dev) {
    const eta = new Eta({ views: VIEWS_DIR, cache: false, autoEscape: true, debug: true });
    return { render: (name, data) => eta.render(name, data), reloads: true };
  }
  return precompiledEngine(templates);
}

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The manifest read straight from static/ (development: always current). */
function diskManifest(): AssetManifest {
  const out: Record<string, { hash: string; type: string; size: number }> = {};
  for (const file of walk(STATIC_DIR)) {
    const rel = path.relative(STATIC_DIR, file).replaceAll(path.sep, '/');
    if (rel.split('/').some((s) => s.startsWith('.'))) continue;
    const bytes = fs.readFileSync(file);
    out[`/static/${rel}`] = {
      hash: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
      type: TYPES[path.extname(file)] ?? 'application/octet-stream',
      size: bytes.length,
    };
  }
  return out;
}

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function nodeAssets(options: { dev: boolean }): Assets {
  if (options.dev) {
    return manifestAssets(
      diskManifest,
      async (p) =>
        new Uint8Array(fs.readFileSync(path.join(STATIC_DIR, p.slice('/static/'.length)))) as BodyInit,
    );
  }
  // static/ is small (htmx, one stylesheet, a script, an icon): held in memory, read once.
  const bytes = new Map<string, Uint8Array>();
  for (const p of Object.keys(manifest)) {
    bytes.set(p, new Uint8Array(fs.readFileSync(path.join(STATIC_DIR, p.slice('/static/'.length)))));
  }
  return manifestAssets(
    () => manifest,
    async (p) => (bytes.get(p) as BodyInit | undefined) ?? null,
  );
}
