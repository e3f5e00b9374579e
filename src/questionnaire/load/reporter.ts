import type { Problem } from '../types.js';
import type { Pos } from '../yaml-tree.js';

/** Past this many problems a file is broken wholesale; listing more only floods the output. */
const MAX_PROBLEMS = 500;

/** Collects the problems of one file; every problem carries a position, a path and a stable code. */
export class Reporter {
  private readonly problems: Problem[] = [];
  private errorCount = 0;
  private dropped = 0;
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

  /**
   * Whether expensive extras (a "did you mean" costs a distance per known name) are still worth
   * computing: nobody reads the hundredth suggestion, and a hostile file must not make lint slow.
   */
  get wantsDetail(): boolean {
    return this.problems.length < 100;
  }

  private push(severity: Problem['severity'], code: string, pos: Pos, path: string, message: string): void {
    if (this.problems.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    const p: Problem = { line: pos.line, column: pos.column, path, code, severity, message };
    if (this.file !== undefined) p.file = this.file;
    this.problems.push(p);
  }

  /** Problems in file order, errors before warnings at the same position. */
  sorted(): Problem[] {
    const out = [...this.problems].sort(
      (a, b) =>
        a.line - b.line ||
        a.column - b.column ||
        (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1),
    );
    if (this.dropped > 0) {
      const p: Problem = {
        line: 1,
        column: 1,
        path: '',
        code: 'too-many-problems',
        severity: this.errorCount > 0 ? 'error' : 'warning',
        message: `${this.dropped} more problem${this.dropped === 1 ? ' was' : 's were'} found but not listed; fix the ones above first.`,
      };
      if (this.file !== undefined) p.file = this.file;
      out.push(p);
    }
    return out;
  }
}
