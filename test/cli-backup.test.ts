/**
 * `assay backup` / `assay restore` on the embedded SQLite store: a backup taken while vendors autosave
 * through the real app restores into a fresh DATA_DIR with every answer acknowledged before it began,
 * the evidence blobs and a verifying audit chain; bad archives and targets are refused and change nothing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../src/audit/chain.js';
import { type CliIo, runCli } from '../src/cli/main.js';
import * as repo from '../src/db/repo/index.js';
import type { Store } from '../src/db/store.js';
import { nodeBlobs } from '../src/platform/node/blobs.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { putBlob } from '../src/platform/ports.js';
import { VENDOR_COOKIE } from '../src/vendor/sessions.js';
import { browser, testApp } from './support/app.js';
import { type VendorFixture, vendorFixture, vendorSession } from './support/vendor.js';

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ...env } };
  return { value, out, err, text: () => [...out, ...err].join('\n') };
}

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const listTree = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).sort() : [];

describe('assay backup and restore [sqlite]', () => {
  const dataDir = tmp('assay-live-');
  const work = tmp('assay-backups-');
  let store: Store;
  let app: Awaited<ReturnType<typeof testApp>>;
  let archive: string;
  const vendors: { f: VendorFixture; b: ReturnType<typeof browser> }[] = [];
  /** Per assessment: the last revision acknowledged before the backup started, and by the time it ended. */
  const before = new Map<string, number>();
  const byEnd = new Map<string, number>();
  const BLOB = `11111111-1111-4111-8111-111111111111/${'ab'.repeat(32)}`;

  beforeAll(async () => {
    store = openSqliteStore({ file: path.join(dataDir, 'assay.db') });
    app = await testApp(store, { blobs: nodeBlobs(path.join(dataDir, 'blobs')) });
    for (let i = 0; i < 3; i++) {
      const f = await vendorFixture(store, { tenantName: `Tenant ${i}` });
      const b = browser(app);
      b.jar.set(VENDOR_COOKIE, await vendorSession(store, f));
      vendors.push({ f, b });
    }
    await putBlob(
      nodeBlobs(path.join(dataDir, 'blobs')),
      BLOB,
      new Blob([new Uint8Array([1, 2, 3])]).stream() as ReadableStream<Uint8Array>,
    );
  }, 60_000);
  afterAll(() => store.close());

  async function autosave(v: (typeof vendors)[number], rev: number): Promise<void> {
    const form = new URLSearchParams({
      '_rev.scope.service': String(rev),
      'scope.service': `answer ${rev + 1}`,
    });
    const res = await v.b.send(`/v/a/${v.f.assessmentId}/answer/scope.service`, {
      method: 'POST',
      body: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true' },
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }

  it('backs up while vendors autosave; the restore holds every acknowledged answer and a verifying chain', async () => {
    let backingUp = false;
    let finished = false;
    const writers = vendors.map(async (v) => {
      let rev = 0;
      // Keep writing until the backup is done (and a little before it starts).
      while (!finished) {
        const startedBefore = !backingUp;
        await autosave(v, rev);
        rev++;
        if (startedBefore && !backingUp) before.set(v.f.assessmentId, rev);
        byEnd.set(v.f.assessmentId, rev);
        if (rev === 5) backingUp = true;
        await new Promise((r) => setImmediate(r));
      }
    });
    while (!backingUp) await new Promise((r) => setTimeout(r, 5));
    archive = path.join(work, 'assay.tar.gz');
    const r = io({ DATA_DIR: dataDir });
    const code = await runCli(['backup', '--out', archive], r.value);
    finished = true;
    await Promise.all(writers);
    expect(r.text()).toMatch(/Backed up the database and \d+ file\(s\)/);
    // The writers really did write while the backup ran.
    expect([...byEnd].some(([id, rev]) => rev > (before.get(id) ?? 0))).toBe(true);
    expect(code).toBe(0);
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    // Standard tools read it.
    const names = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    expect(names[0]).toBe('ASSAY-BACKUP');
    expect(names).toContain('db/assay.db');
    expect(names).toContain(`files/blobs/${BLOB.split('/')[0]}/ab/${'ab'.repeat(32)}`);
    expect(names.at(-1)).toBe('MANIFEST.json');

    const fresh = path.join(tmp('assay-restore-'), 'data');
    const rr = io({ DATA_DIR: fresh });
    expect(await runCli(['restore', archive], rr.value)).toBe(0);
    expect(rr.text()).toMatch(/Restored the backup of/);
    expect(fs.existsSync(path.join(fresh, 'blobs', BLOB.split('/')[0]!, 'ab', 'ab'.repeat(32)))).toBe(true);

    const restored = openSqliteStore({ file: path.join(fresh, 'assay.db') });
    try {
      for (const { f } of vendors) {
        const rows = await restored.tenant(f.tenantId).read((c) => repo.loadAnswerRows(c, f.assessmentId));
        const got = rows['scope.service'];
        // Everything acknowledged before the backup began is there; nothing newer than the last write.
        expect(got?.revision ?? 0).toBeGreaterThanOrEqual(before.get(f.assessmentId) ?? 0);
        expect(got?.revision ?? 0).toBeLessThanOrEqual(byEnd.get(f.assessmentId)!);
        if (got) expect(got.value).toBe(`answer ${got.revision}`);
        const chain = await restored.tenant(f.tenantId).read((c) => repo.listAudit(c));
        expect(chain.length).toBeGreaterThan(0);
        expect(verifyChain(chain)).toMatchObject({ ok: true });
      }
    } finally {
      await restored.close();
    }
  }, 60_000);

  it('refuses a non-empty DATA_DIR without --force, and with --force moves it aside', async () => {
    const target = tmp('assay-busy-');
    fs.writeFileSync(path.join(target, 'keep.txt'), 'mine');
    const r = io({ DATA_DIR: target });
    expect(await runCli(['restore', archive], r.value)).toBe(1);
    expect(r.text()).toMatch(/is not empty; restore into a fresh folder, or pass --force/);
    expect(listTree(target)).toEqual(['keep.txt']);

    const f = io({ DATA_DIR: target });
    expect(await runCli(['restore', archive, '--force'], f.value)).toBe(0);
    const aside = /moved to (\S+)\./.exec(f.text())?.[1];
    expect(aside).toBeTruthy();
    expect(fs.readFileSync(path.join(aside!, 'keep.txt'), 'utf8')).toBe('mine');
    expect(fs.existsSync(path.join(target, 'assay.db'))).toBe(true);
    expect(fs.existsSync(path.join(target, 'keep.txt'))).toBe(false);
  });

  async function tarGz(entries: [string, string | Buffer][]): Promise<Buffer> {
    const pack = tar.pack();
    for (const [name, body] of entries) pack.entry({ name }, body);
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(c as Buffer);
    return zlib.gzipSync(Buffer.concat(chunks));
  }

  const corrupt = () => {
    // Flip bytes inside the gzip body: either the inflater or a SHA-256 check notices.
    const bytes = fs.readFileSync(archive);
    for (let i = 200; i < 260; i++) bytes[i] = bytes[i]! ^ 0xff;
    return bytes;
  };
  const truncated = () => fs.readFileSync(archive).subarray(0, Math.floor(fs.statSync(archive).size / 2));
  /** A well-formed archive whose database entry is not the one its manifest lists. */
  const tampered = async () => {
    const good = execFileSync('tar', ['-xzOf', archive, 'MANIFEST.json'], { encoding: 'utf8' });
    return tarGz([
      ['ASSAY-BACKUP', 'assay-backup/1\n'],
      ['db/assay.db', 'not a database'],
      ['MANIFEST.json', good],
    ]);
  };

  it.each([
    ['a missing file', null, /no such file/],
    ['a text file', Buffer.from('hello'), /not an Assay backup/],
    ['a corrupt archive', 'corrupt', /not an Assay backup|corrupt|does not match/],
    ['a truncated archive', 'truncated', /not an Assay backup|no manifest|truncated/],
    ['a foreign tar.gz', 'foreign', /this is not an Assay backup/],
    ['an entry that climbs out', 'climb', /unsafe entry name/],
    [
      'an entry that is not in its manifest',
      'tampered',
      /manifest disagree|does not match|not in the manifest/,
    ],
    ['another format version', 'version', /unsupported backup format/],
  ] as const)('refuses %s: exit 1, a clear message, nothing restored', async (_what, kind, message) => {
    const file = path.join(work, `bad-${Math.random().toString(36).slice(2)}.tar.gz`);
    if (kind === 'corrupt') fs.writeFileSync(file, corrupt());
    else if (kind === 'truncated') fs.writeFileSync(file, truncated());
    else if (kind === 'foreign') fs.writeFileSync(file, await tarGz([['README', 'hi']]));
    else if (kind === 'climb')
      fs.writeFileSync(
        file,
        await tarGz([
          ['ASSAY-BACKUP', 'assay-backup/1\n'],
          ['files/../../evil', 'x'],
        ]),
      );
    else if (kind === 'tampered') fs.writeFileSync(file, await tampered());
    else if (kind === 'version') fs.writeFileSync(file, await tarGz([['ASSAY-BACKUP', 'assay-backup/9\n']]));
    else if (kind !== null) fs.writeFileSync(file, kind);
    const parent = tmp('assay-target-');
    const target = path.join(parent, 'data');
    const r = io({ DATA_DIR: target });
    expect(await runCli(['restore', file], r.value)).toBe(1);
    expect(r.err.join('\n')).toMatch(message);
    expect(r.err.join('\n')).not.toMatch(/\n\s+at /); // no stack trace
    // Nothing left behind: no target, no staging folder.
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('refuses bad backup arguments with a clear message', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['backup'], { DATA_DIR: dataDir }, /--out is required/],
      [['backup', '--out', archive], { DATA_DIR: dataDir }, /exists; choose a new file name/],
      [['backup', '--out', path.join(dataDir, 'x.tar.gz')], { DATA_DIR: dataDir }, /outside DATA_DIR/],
      [['backup', '--out', path.join(work, 'nope', 'x.tar.gz')], { DATA_DIR: dataDir }, /does not exist/],
      [['backup', '--out', path.join(work, 'y.tar.gz')], { DATA_DIR: tmp('assay-empty-') }, /no database at/],
      [
        ['backup', '--out', path.join(work, 'z.tar.gz')],
        { DATABASE_URL: 'postgres://u@127.0.0.1/x' },
        /for PostgreSQL use pg_dump/,
      ],
      [['restore'], { DATA_DIR: dataDir }, /name exactly one backup file/],
      [['restore', archive], { DATABASE_URL: 'postgres://u@127.0.0.1/x' }, /for PostgreSQL use pg_dump/],
    ];
    for (const [args, env, message] of cases) {
      const r = io(env);
      expect(await runCli(args, r.value), args.join(' ')).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
    }
    expect(fs.readdirSync(work).filter((n) => /^[xyz]\.tar\.gz|partial|snapshot/.test(n))).toEqual([]);
  });
});
