/**
 * `assay tenant export|delete|purge` on the embedded database (docs/tenant-exit.md): the export writes the
 * workspace's ZIP, delete schedules and cancels with clear refusals for a second request or a cancel of
 * nothing, purge touches no tenant inside its window, and bad arguments exit 1 with a message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { type CliIo, runCli } from '../../src/cli/main.js';

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { BASE_URL: 'https://assay.test', ...env },
  };
  return { value, out, err };
}

const names = (file: string) =>
  new Promise<string[]>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (e, zip) => {
      if (e || !zip) return reject(e);
      const out: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        out.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    }),
  );

describe('assay tenant export, delete, purge [sqlite]', () => {
  let env: Record<string, string>;
  let dir: string;
  let tenantId: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-exit-cli-'));
    env = { DATA_DIR: path.join(dir, 'data') };
    const r = io(env);
    expect(
      await runCli(['tenant', 'create', '--name', 'Leaving', '--admin-email', 'a@leaving.example'], r.value),
    ).toBe(0);
    tenantId = /Created tenant ([0-9a-f-]{36})/.exec(r.out[0]!)![1]!;
  });

  it('exports the tenant to a ZIP', async () => {
    const file = path.join(dir, 'leaving.zip');
    const r = io(env);
    expect(await runCli(['tenant', 'export', '--tenant', 'Leaving', '--out', file], r.value)).toBe(0);
    expect(r.out[0]).toMatch(/^Wrote .*leaving\.zip \(\d+ bytes\)\.$/);
    const entries = await names(file);
    expect(entries).toEqual(
      expect.arrayContaining([
        'README.md',
        'tenant.json',
        'schema.json',
        'data/memberships.json',
        'audit/log.jsonl',
      ]),
    );
    // An existing file is never overwritten.
    const again = io(env);
    expect(await runCli(['tenant', 'export', '--tenant', 'Leaving', '--out', file], again.value)).toBe(1);
    expect(again.err.join('\n')).toMatch(/exists/);
  });

  it.each([
    [['tenant', 'export', '--tenant', 'Leaving'], /--out is required/],
    [['tenant', 'export', '--out', 'x.zip'], /--tenant is required/],
    [['tenant', 'export', '--tenant', 'Nobody', '--out', '/tmp/assay-nobody-export.zip'], /no tenant/],
    [['tenant', 'delete'], /--tenant is required/],
    [['tenant', 'purge', 'now'], /unexpected argument/],
  ])('refuses %j with exit 1 and a message', async (args, message) => {
    const r = io(env);
    expect(await runCli(args, r.value)).toBe(1);
    expect(r.err.join('\n')).toMatch(message);
  });

  it('schedules, refuses a second request, purges nothing inside the window, cancels once', async () => {
    const r = io(env);
    expect(await runCli(['tenant', 'delete', '--tenant', tenantId], r.value)).toBe(0);
    expect(r.out[0]).toMatch(/is scheduled for deletion on \d{4}-/);
    const twice = io(env);
    expect(await runCli(['tenant', 'delete', '--tenant', tenantId], twice.value)).toBe(1);
    expect(twice.err.join('\n')).toMatch(/already scheduled/);
    const purge = io(env);
    expect(await runCli(['tenant', 'purge'], purge.value)).toBe(0);
    expect(purge.out).toEqual(['No tenant is past its deletion deadline.']);
    const cancel = io(env);
    expect(await runCli(['tenant', 'delete', '--tenant', tenantId, '--cancel'], cancel.value)).toBe(0);
    const cancelAgain = io(env);
    expect(await runCli(['tenant', 'delete', '--tenant', tenantId, '--cancel'], cancelAgain.value)).toBe(1);
    expect(cancelAgain.err.join('\n')).toMatch(/not scheduled for deletion/);
    const list = io(env);
    await runCli(['tenant', 'list'], list.value);
    expect(list.out).toEqual([`${tenantId}\tLeaving`]);
  });
});
