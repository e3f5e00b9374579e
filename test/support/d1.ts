/**
 * A real D1 database for the Node-side suites: workerd through miniflare (the runtime wrangler dev
 * uses), reached from Node through miniflare's binding proxy. Migrations are applied from
 * migrations/sqlite, the folder wrangler.toml names as `migrations_dir`, statement by statement in
 * journal order, as `wrangler d1 migrations apply` does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import type { D1Binding } from '../../src/platform/workers/d1-store.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../../migrations/sqlite');

export function migrationStatements(folder = MIGRATIONS): string[] {
  const journal = JSON.parse(fs.readFileSync(path.join(folder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return journal.entries.flatMap((e) =>
    fs
      .readFileSync(path.join(folder, `${e.tag}.sql`), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
      .filter((s) => s.length > 0),
  );
}

export async function openTestD1(): Promise<{ binding: D1Binding; dispose(): Promise<void> }> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response("d1 test worker") } }',
    d1Databases: ['DB'],
    cf: false,
  });
  const binding = (await mf.getD1Database('DB')) as unknown as D1Binding & {
    prepare(q: string): { run(): Promise<unknown> };
  };
  for (const statement of migrationStatements())
    await (binding.prepare(statement) as { run(): Promise<unknown> }).run();
  return { binding, dispose: () => mf.dispose() };
}
