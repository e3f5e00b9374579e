import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The server's log destination (bufferedStdout) gathers lines into larger writes. No line may be lost
 * or held back for long: a line reaches stdout within the flush interval while the process keeps
 * running, and whatever is buffered is written when the process exits, also through process.exit()
 * and an uncaught exception.
 */
function run(script: string): Promise<{ out: string; ms: number[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = performance.now();
  const ms: number[] = [];
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    ms.push(performance.now() - started);
  });
  return new Promise((resolve) => child.on('close', () => resolve({ out, ms })));
}

const PRELUDE = `
import { bufferedStdout, createLogger } from './src/platform/node/logger.ts';
const logger = createLogger({ destination: bufferedStdout() });
`;

const lines = (out: string) =>
  out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('bufferedStdout', () => {
  it('writes a lone line while the process runs, without waiting for the buffer to fill', async () => {
    const { out } = await run(`${PRELUDE}
      logger.info({ step: 1 }, 'alone');
      // Kept alive past the flush interval; the line must be on stdout before the marker.
      setTimeout(() => { process.stderr.write(''); process.stdout.write('MARK\\n'); process.exit(0); }, 600);
    `);
    const at = out.indexOf('MARK');
    expect(at).toBeGreaterThan(0);
    expect(lines(out.slice(0, at))).toMatchObject([{ msg: 'alone', step: 1 }]);
  });

  it('writes every buffered line when the process exits, by process.exit() or an uncaught error', async () => {
    const exit = await run(`${PRELUDE}
      for (let i = 0; i < 30; i++) logger.info({ i }, 'line');
      process.exit(0);
    `);
    expect(lines(exit.out).map((r) => r.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const thrown = await run(`${PRELUDE}
      logger.info('before the crash');
      setImmediate(() => { throw new Error('boom'); });
    `);
    expect(lines(thrown.out)).toMatchObject([{ msg: 'before the crash' }]);
  });

  it('writes many lines in few writes, in order, none lost', async () => {
    const { out } = await run(`${PRELUDE}
      for (let i = 0; i < 2000; i++) logger.info({ i, path: '/healthz', status: 200 }, 'request');
    `);
    expect(lines(out).map((r) => r.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});
