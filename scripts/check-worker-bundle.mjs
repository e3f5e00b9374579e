/**
 * Builds the Cloudflare Worker bundle exactly as `wrangler deploy` would (offline, --dry-run) and fails
 * if anything Node-only reached it: better-sqlite3, pg, nodemailer, argon2's native addon, the Node
 * adapter of Hono, pino, yauzl, or an import of node:fs / node:net / node:child_process and friends.
 * Prints the bundle size. CI runs it (.ci/run); `npm run build:worker` too.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/worker');
fs.rmSync(out, { recursive: true, force: true });

const FORBIDDEN_PACKAGES = [
  'better-sqlite3',
  'pg',
  'pg-pool',
  'pg-protocol',
  'nodemailer',
  '@node-rs/argon2',
  '@hono/node-server',
  'pino',
  'yauzl',
];
const FORBIDDEN_BUILTINS =
  /^(node:)?(fs|fs\/promises|net|tls|child_process|worker_threads|cluster|dgram|http|https|http2|os|path|readline|repl|v8|vm)$/;

const wrangler = spawnSync(
  path.join(root, 'node_modules/.bin/wrangler'),
  ['deploy', '--dry-run', '--outdir', out, '--metafile', path.join(out, 'meta.json')],
  { cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' } },
);
if (wrangler.status !== 0) {
  process.stderr.write(
    `${wrangler.stdout}\n${wrangler.stderr}\nwrangler could not build the Worker bundle\n`,
  );
  process.exit(1);
}

const meta = JSON.parse(fs.readFileSync(path.join(out, 'meta.json'), 'utf8'));
const problems = [];
for (const [input, info] of Object.entries(meta.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && FORBIDDEN_PACKAGES.includes(m[1])) problems.push(`${m[1]} is in the bundle (${input})`);
  for (const imp of info.imports ?? []) {
    if (imp.external && FORBIDDEN_BUILTINS.test(imp.path)) problems.push(`${input} imports ${imp.path}`);
  }
}
const bundle = Object.entries(meta.outputs).find(([file]) => file.endsWith('.js'));
const bytes = bundle ? bundle[1].bytes : 0;
const gzipped = bundle ? gzipSync(fs.readFileSync(path.join(root, bundle[0]))).length : 0;
if (problems.length) {
  process.stderr.write(
    `The Worker bundle contains Node-only code:\n${[...new Set(problems)].map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `Worker bundle OK: ${(bytes / 1024).toFixed(1)} KiB (${(gzipped / 1024).toFixed(1)} KiB gzipped), ${Object.keys(meta.inputs).length} inputs, no Node-only modules\n`,
);
