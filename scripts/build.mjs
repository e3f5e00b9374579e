/**
 * `npm run build`: generated modules (templates, asset manifest), then the Node server, the CLI and its
 * audit verify worker bundled to dist/ by esbuild (dependencies stay external, read from node_modules at run time).
 * `node scripts/build.mjs --if-stale` builds only when a source is newer than dist/ (what `npm start`
 * and `bin/assay.js` call).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
// The audit verify's worker thread is its own entry: the CLI starts it by file (src/platform/node/audit-verify-pool.ts).
const OUTPUTS = ['server.js', 'cli.js', 'audit-verify-worker.js'];

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'generated') t = Math.max(t, newest(p));
    } else t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Whether dist/ is missing or older than anything it is built from. */
export function isStale() {
  let built = Number.POSITIVE_INFINITY;
  for (const f of OUTPUTS) {
    const p = path.join(dist, f);
    if (!fs.existsSync(p)) return true;
    built = Math.min(built, fs.statSync(p).mtimeMs);
  }
  const sources = Math.max(
    ...['src', 'views', 'static'].map((d) => newest(path.join(root, d))),
    fs.statSync(path.join(root, 'package.json')).mtimeMs,
  );
  return sources > built;
}

export async function build() {
  generate();
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `npm install` (with dev dependencies) to build Assay');
  }
  const started = performance.now();
  await esbuild.build({
    entryPoints: {
      server: path.join(root, 'src/platform/node/server.ts'),
      cli: path.join(root, 'src/cli/main.ts'),
      'audit-verify-worker': path.join(root, 'src/platform/node/audit-verify-worker.ts'),
    },
    outdir: dist,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    // The CLI bundle checks it is the entry module; keep import.meta.url per output file.
    banner: { js: '// Built by scripts/build.mjs from src/. Do not edit.' },
  });
  return Math.round(performance.now() - started);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const onlyIfStale = process.argv.includes('--if-stale');
  if (onlyIfStale && !isStale()) process.exit(0);
  try {
    const ms = await build();
    if (!onlyIfStale)
      process.stdout.write(`built dist/server.js, dist/cli.js and dist/audit-verify-worker.js in ${ms} ms\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
