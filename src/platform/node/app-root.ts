/**
 * The one app root every path comes from (migrations, views, static files, shipped questionnaires), so
 * the server and the CLI work from any working directory and from the built `dist/` alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'assay') return dir;
      } catch {
        // Not ours; keep looking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Assay app root above ${start}`);
    dir = parent;
  }
}

export const APP_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** An absolute path inside the app root. */
export const appPath = (...segments: string[]): string => path.join(APP_ROOT, ...segments);
