/**
 * `assay backup` and `assay restore` for the embedded SQLite deployment: one gzipped tar holding a
 * consistent copy of the database and the files under DATA_DIR (evidence blobs, the development outbox,
 * the master key file where there is one).
 *
 * Consistency: the database is copied with SQLite's online backup API (better-sqlite3 `backup()`), asked
 * to copy every page in one step, so the copy is one snapshot even while the server writes (WAL: the
 * server's writers are not blocked). The files are copied after the snapshot: evidence blobs are
 * committed before their row is written (src/evidence/evidence.ts), so every row in the snapshot finds
 * its blob in the archive.
 *
 * Archive: `ASSAY-BACKUP` (the format line) first, then `db/assay.db`, then `files/<path under
 * DATA_DIR>`, then `MANIFEST.json` with every entry's size and SHA-256. Restore extracts into a staging
 * folder beside the target, checks each entry's name, type, size and hash against the manifest, checks
 * the database (`PRAGMA integrity_check`, the migration table), and only then renames the staging
 * folder onto DATA_DIR: a corrupt or foreign file leaves the target untouched.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';

export const BACKUP_FORMAT = 'assay-backup/1';
const MARKER = 'ASSAY-BACKUP';
const MANIFEST = 'MANIFEST.json';
const DB_ENTRY = 'db/assay.db';
export const DB_FILE = 'assay.db';
/** Not copied from DATA_DIR: the live database files (the snapshot stands for them) and half-written uploads. */
const SKIP = new Set([DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`]);
const SKIP_DIRS = new Set(['blobs/.staging']);

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}
interface Manifest {
  format: string;
  createdAt: string;
  entries: ManifestEntry[];
}

/** Every regular file under `root` (relative, `/`-separated), skipping what the snapshot replaces. */
async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  let dirents: fs.Dirent[];
  try {
    dirents = await fsp.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const d of dirents.sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) {
      if (!SKIP_DIRS.has(r)) out.push(...(await listFiles(root, r)));
    } else if (d.isFile() && !(rel === '' && SKIP.has(d.name))) {
      out.push(r);
    }
  }
  return out;
}

/** One tar entry from an async source of bytes (tar-stream's entries are streamx streams: written by hand). */
async function addEntry(
  pack: tar.Pack,
  name: string,
  size: number,
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
) {
  let failed: Error | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name, size, mode: 0o600, type: 'file' }, (err) => {
      if (err) {
        failed = err;
        reject(err);
      } else resolve();
    });
    (async () => {
      for await (const chunk of body) {
        if (failed) return;
        if (!entry.write(chunk)) await new Promise<void>((r) => entry.once('drain', () => r()));
      }
      entry.end(undefined);
    })().catch((err) => {
      entry.destroy(err);
      reject(err);
    });
  });
  await finished;
}

/**
 * Writes a backup of `dataDir` (its SQLite database `assay.db` and its files) to `outFile`. The file is
 * written under a temporary name and renamed when complete, readable by the owner only.
 */
export async function backupDataDir(
  dataDir: string,
  outFile: string,
  options: { dbFile?: string; now?: Date } = {},
): Promise<{ files: number; bytes: number }> {
  const dbFile = options.dbFile ?? path.join(dataDir, DB_FILE);
  const now = options.now ?? new Date();
  if (!fs.existsSync(dbFile)) throw new BackupError(`no database at ${dbFile} (is DATA_DIR right?)`);
  const out = path.resolve(outFile);
  if (out.startsWith(path.resolve(dataDir) + path.sep))
    throw new BackupError('--out must be outside DATA_DIR (the backup would contain itself)');
  if (fs.existsSync(out)) throw new BackupError(`${outFile} exists; choose a new file name`);
  const outDir = path.dirname(out);
  if (!fs.existsSync(outDir)) throw new BackupError(`the folder ${outDir} does not exist`);

  // The snapshot goes next to the archive (not into DATA_DIR), and is removed once packed.
  const snapshot = path.join(outDir, `.assay-snapshot-${randomUUID()}`);
  const partial = `${out}.partial-${randomUUID()}`;
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    // One step for all pages: the copy is a single read transaction, i.e. one consistent snapshot.
    await source.backup(snapshot, { progress: () => 1_000_000_000 });
  } finally {
    source.close();
  }

  const entries: ManifestEntry[] = [];
  const pack = tar.pack();
  const written = pipeline(
    pack,
    zlib.createGzip(),
    fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }),
  );
  let bytes = 0;
  try {
    const marker = Buffer.from(`${BACKUP_FORMAT}\n`);
    await addEntry(pack, MARKER, marker.length, [marker]);
    const add = async (name: string, file: string) => {
      const stat = await fsp.stat(file);
      const hash = createHash('sha256');
      // Exactly the size stated in the tar header, even if the file changed since the stat.
      const read = stat.size === 0 ? [] : fs.createReadStream(file, { end: stat.size - 1 });
      async function* hashed() {
        for await (const c of read) {
          hash.update(c as Buffer);
          yield c as Buffer;
        }
      }
      await addEntry(pack, name, stat.size, hashed());
      entries.push({ path: name, size: stat.size, sha256: hash.digest('hex') });
      bytes += stat.size;
    };
    await add(DB_ENTRY, snapshot);
    for (const rel of await listFiles(dataDir)) {
      try {
        await add(`files/${rel}`, path.join(dataDir, rel));
      } catch (err) {
        // A file removed while we walked (a retention deletion): the snapshot may still name it; skip it.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const manifest: Manifest = { format: BACKUP_FORMAT, createdAt: now.toISOString(), entries };
    const m = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await addEntry(pack, MANIFEST, m.length, [m]);
    pack.finalize();
    await written;
    await fsp.rename(partial, out);
  } catch (err) {
    pack.destroy();
    await written.catch(() => {});
    await fsp.rm(partial, { force: true });
    throw err;
  } finally {
    await fsp.rm(snapshot, { force: true });
  }
  return { files: entries.length - 1, bytes };
}

/** What an entry name may be: the marker, the manifest, the database, or a plain relative path under files/. */
function checkName(name: string): void {
  if (name === MARKER || name === MANIFEST || name === DB_ENTRY) return;
  if (!name.startsWith('files/')) throw new BackupError(`unexpected entry "${name}"`);
  const rel = name.slice('files/'.length);
  const parts = rel.split('/');
  if (
    rel === '' ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new BackupError(`unsafe entry name "${name}"`);
  }
  if (parts.length === 1 && SKIP.has(parts[0]!)) throw new BackupError(`unexpected entry "${name}"`);
}

/** True when `dir` is missing or holds nothing. */
function isEmptyDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Restores `archive` into `dataDir`. A non-empty `dataDir` is refused unless `force`, which moves it
 * aside to `<dataDir>.before-restore-<time>` (returned) rather than deleting it.
 */
export async function restoreDataDir(
  archive: string,
  dataDir: string,
  options: { force?: boolean; now?: Date } = {},
): Promise<{ files: number; movedAside: string | null; createdAt: string }> {
  const target = path.resolve(dataDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(archive);
  } catch {
    throw new BackupError(`cannot read ${archive}: no such file`);
  }
  if (!stat.isFile()) throw new BackupError(`${archive} is not a file`);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory())
    throw new BackupError(`DATA_DIR ${target} is not a folder`);
  const empty = isEmptyDir(target);
  if (!empty && !options.force) {
    throw new BackupError(
      `DATA_DIR ${target} is not empty; restore into a fresh folder, or pass --force to move the current one aside`,
    );
  }

  const parent = path.dirname(target);
  await fsp.mkdir(parent, { recursive: true, mode: 0o700 });
  const staging = path.join(parent, `.${path.basename(target)}.restore-${randomUUID()}`);
  await fsp.mkdir(staging, { mode: 0o700 });
  try {
    const seen = await extract(archive, staging);
    const manifest = seen.manifest;
    if (!manifest) throw new BackupError('the archive has no manifest (truncated?)');
    const listed = new Map(manifest.entries.map((e) => [e.path, e]));
    if (listed.size !== seen.entries.size)
      throw new BackupError('the archive and its manifest disagree on the entries');
    for (const [name, got] of seen.entries) {
      const want = listed.get(name);
      if (!want) throw new BackupError(`"${name}" is not in the manifest`);
      if (want.size !== got.size || want.sha256 !== got.sha256)
        throw new BackupError(`"${name}" does not match its SHA-256 in the manifest (corrupt archive)`);
    }
    if (!seen.entries.has(DB_ENTRY)) throw new BackupError('the archive holds no database');
    checkDatabase(path.join(staging, DB_FILE));

    let movedAside: string | null = null;
    if (!empty) {
      const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
      movedAside = `${target}.before-restore-${stamp}`;
      await fsp.rename(target, movedAside);
    } else if (fs.existsSync(target)) {
      await fsp.rmdir(target);
    }
    await fsp.rename(staging, target);
    return { files: seen.entries.size - 1, movedAside, createdAt: manifest.createdAt };
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

function checkDatabase(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    throw new BackupError('the archived database cannot be opened');
  }
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the archived database is damaged (${String(check)})`);
    const migrations = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
      .get();
    if (!migrations) throw new BackupError('the archived database is not an Assay database');
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`the archived database cannot be read (${(err as Error).message})`);
  } finally {
    db.close();
  }
}

async function extract(
  archive: string,
  staging: string,
): Promise<{ manifest: Manifest | null; entries: Map<string, { size: number; sha256: string }> }> {
  const entries = new Map<string, { size: number; sha256: string }>();
  let manifest: Manifest | null = null;
  let first = true;
  const unpack = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    unpack.on('entry', (header, stream, next) => {
      // The entry stream is destroyed along with the extractor: it must not raise an unhandled error.
      stream.on('error', () => {});
      const fail = (err: unknown) => {
        reject(err);
        unpack.destroy();
      };
      try {
        if (first !== (header.name === MARKER)) throw new BackupError('this is not an Assay backup');
        if (header.type !== 'file') throw new BackupError(`"${header.name}" is not a plain file`);
        checkName(header.name);
        if (manifest) throw new BackupError('entries follow the manifest');
        if (entries.has(header.name)) throw new BackupError(`"${header.name}" appears twice`);
      } catch (err) {
        return fail(err);
      }
      first = false;
      const name = header.name;
      const dest =
        name === DB_ENTRY ? path.join(staging, DB_FILE) : path.join(staging, name.slice('files/'.length));
      (async () => {
        if (name === MARKER || name === MANIFEST) {
          const chunks: Buffer[] = [];
          let size = 0;
          for await (const c of stream as AsyncIterable<Buffer>) {
            size += c.length;
            if (size > 64 * 1024 * 1024) throw new BackupError('the manifest is too large');
            chunks.push(c);
          }
          const text = Buffer.concat(chunks).toString('utf8');
          if (name === MARKER) {
            if (text.trim() !== BACKUP_FORMAT)
              throw new BackupError(`unsupported backup format "${text.trim().slice(0, 40)}"`);
          } else {
            try {
              const m = JSON.parse(text) as Manifest;
              if (m.format !== BACKUP_FORMAT || !Array.isArray(m.entries)) throw new Error('shape');
              manifest = m;
            } catch {
              throw new BackupError('the manifest is not valid');
            }
          }
        } else {
          await fsp.mkdir(path.dirname(dest), { recursive: true, mode: 0o700 });
          const hash = createHash('sha256');
          let size = 0;
          const file = await fsp.open(dest, 'wx', 0o600);
          try {
            for await (const c of stream as AsyncIterable<Buffer>) {
              hash.update(c);
              size += c.length;
              await file.write(c);
            }
          } finally {
            await file.close();
          }
          entries.set(name, { size, sha256: hash.digest('hex') });
        }
        next();
      })().catch(fail);
    });
    unpack.on('finish', resolve);
    unpack.on('error', reject);
  });
  const source = fs.createReadStream(archive).pipe(zlib.createGunzip());
  const feed = (async () => {
    for await (const chunk of source) {
      if (!unpack.write(chunk)) await new Promise<void>((r) => unpack.once('drain', () => r()));
    }
    unpack.end(undefined);
  })();
  try {
    await Promise.all([feed, done]);
  } catch (err) {
    source.destroy();
    unpack.destroy();
    if (err instanceof BackupError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || /header|gzip|incorrect|unexpected end|invalid tar/i.test(String(err)))
      throw new BackupError('this is not an Assay backup (not a readable .tar.gz, or truncated)');
    throw new BackupError(`cannot read the archive (${(err as Error).message})`);
  }
  if (first) throw new BackupError('this is not an Assay backup (empty archive)');
  return { manifest, entries };
}
