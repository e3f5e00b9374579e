/**
 * The migrations match the table definitions: drizzle-kit, run against a copy of each migrations
 * folder, finds nothing to generate. A table or column changed without `npm run db:generate` fails here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe.each(['sqlite', 'pg'] as const)('migrations/%s', (dialect) => {
  it('are what drizzle-kit generates from src/db/tables.ts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `assay-mig-${dialect}-`));
    fs.cpSync(path.join(root, 'migrations', dialect), path.join(dir, 'out'), { recursive: true });
    const before = fs.readdirSync(path.join(dir, 'out')).sort();
    const config = path.join(dir, 'drizzle.config.ts');
    fs.writeFileSync(
      config,
      // drizzle-kit resolves `out` against the working directory (the app root).
      `export default { dialect: '${dialect === 'pg' ? 'postgresql' : 'sqlite'}', schema: './src/db/schema.${dialect}.ts', out: '${path.relative(root, path.join(dir, 'out'))}' };\n`,
    );
    const run = spawnSync(
      path.join(root, 'node_modules/.bin/drizzle-kit'),
      ['generate', '--config', config],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/No schema changes/);
    expect(fs.readdirSync(path.join(dir, 'out')).sort()).toEqual(before);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
