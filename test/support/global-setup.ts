import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ADMIN_URL, ensureRoles, pgReachable } from './pg.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAvailable: boolean;
  }
}

/**
 * PostgreSQL suites need a server. Without one they are skipped with a printed notice, unless CI is
 * set: then an unreachable PostgreSQL fails the run (DESIGN.md, "Interfaces").
 */
export default async function setup(project: TestProject) {
  // Templates, the asset manifest and dist/ are build outputs: tests render and run what a build makes.
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../scripts/build.mjs')], {
    stdio: 'inherit',
  });
  const reachable = await pgReachable();
  if (!reachable) {
    const where = ADMIN_URL.replace(/\/\/[^@]*@/, '//');
    if (process.env.CI)
      throw new Error(`CI is set but PostgreSQL is not reachable at ${where} (TEST_DATABASE_URL)`);
    console.warn(`\n[assay] PostgreSQL not reachable at ${where}: PostgreSQL suites are SKIPPED.\n`);
  } else {
    await ensureRoles();
  }
  project.provide('pgAvailable', reachable);
}
