/**
 * A template engine over precompiled templates (src/generated/templates.ts): Eta's core runtime, which
 * never reads files and never calls `new Function()`, so it renders on Workers too.
 */
import { Eta } from 'eta/core';

export type TemplateFn = (this: unknown, it: Record<string, unknown>, options: unknown) => string;

/** What Views needs of a template engine: render a template by name. */
export interface TemplateEngine {
  render(name: string, data: Record<string, unknown>): string;
  /** Templates and asset URLs may change while running (`npm run dev`): nothing rendered is kept. */
  readonly reloads?: boolean;
}

/** Eta core with every precompiled template registered under `name` and `/name` (how includes spell it). */
export function precompiledEngine(templates: Readonly<Record<string, TemplateFn>>): TemplateEngine {
  const eta = new Eta({ autoEscape: true, cache: true });
  for (const [name, fn] of Object.entries(templates)) {
    eta.loadTemplate(name, fn as never);
    eta.loadTemplate(`/${name}`, fn as never);
  }
  return { render: (name, data) => eta.render(name, data) };
}
