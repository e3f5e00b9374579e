#!/usr/bin/env node
// The `assay` command: the built CLI (dist/cli.js), rebuilt first when a source is newer, so
// `npx assay …` works from any directory and always runs the code in src/.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], {
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(2);
// A reader that stops early (`assay … | head`) closes the pipe: stop quietly, as other commands do,
// instead of an EPIPE stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { runCli } = await import(path.join(root, 'dist/cli.js'));
process.exitCode = await runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
});
