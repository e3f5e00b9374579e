import type { Problem } from '../types.js';
import type { Pos } from '../yaml-tree.js';

/** Collects the problems of one file; every problem carries a position, a path and a stable code. */
export class Reporter {
  readonly problems: Problem[] = [];
  private errorCount = 0;
  constructor(private readonly file: string | undefined) {}

  error(code: string, pos: Pos, path: string, message: string): void {
    this.errorCount++;
    this.push('error', code, pos, path, message);
  }

  warn(code: string, pos: Pos, path: string, message: string): void {
    this.push('warning', code, pos, path, message);
  }

  get errors(): number {
    return this.errorCount;
  }

  private push(severity: Problem['severity'], code: string, pos: Pos, path: string, message: string): void {
    const p: Problem = { line: pos.line, column: pos.column, path, code, severity, message };
    if (this.file !== undefined) p.file = this.file;
    this.problems.push(p);
  }

  /** Problems in file order, errors before warnings at the same position. */
  sorted(): Problem[] {
    return [...this.problems].sort(
      (a, b) =>
        a.line - b.line ||
        a.column - b.column ||
        (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
    );
  }
}
