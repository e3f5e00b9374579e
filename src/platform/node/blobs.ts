/**
 * The `blobs` port on Node: files under DATA_DIR/blobs/. An upload streams into `.staging/<random>`
 * (0600, in folders made 0700), is fsynced, then renamed onto its address, so a reader sees either
 * the old bytes or the new ones, never a half-written file. Addresses are checked against
 * BLOB_ADDRESS, so nothing from outside ever becomes part of a path.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BLOB_ADDRESS, type BlobStore, type StagedBlob, type StoredBlob } from '../ports.js';

const STAGING = '.staging';

export function nodeBlobs(root: string): BlobStore {
  const dir = path.resolve(root);
  const fileOf = (address: string) => {
    if (!BLOB_ADDRESS.test(address)) throw new Error('not a blob address');
    const [tenant, name] = address.split('/') as [string, string];
    return path.join(dir, tenant, name.slice(0, 2), name);
  };
  const mkdir = (d: string) => fsp.mkdir(d, { recursive: true, mode: 0o700 });

  return {
    async stage(body): Promise<StagedBlob> {
      await mkdir(path.join(dir, STAGING));
      const tmp = path.join(dir, STAGING, randomUUID());
      const handle = await fsp.open(tmp, 'wx', 0o600);
      let size = 0;
      let done = false;
      const reader = body.getReader();
      try {
        for (;;) {
          const { done: end, value } = await reader.read();
          if (end) break;
          let off = 0;
          while (off < value.byteLength) {
            const { bytesWritten } = await handle.write(value, off, value.byteLength - off);
            off += bytesWritten;
          }
          size += value.byteLength;
        }
        await handle.sync();
      } catch (err) {
        await reader.cancel().catch(() => {});
        await handle.close().catch(() => {});
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      await handle.close();
      const finish = () => {
        if (done) throw new Error('the staged blob was already committed or discarded');
        done = true;
      };
      return {
        size,
        async commit(address) {
          const target = fileOf(address);
          finish();
          await mkdir(path.dirname(target));
          await fsp.rename(tmp, target);
        },
        async discard() {
          finish();
          await fsp.rm(tmp, { force: true });
        },
      };
    },

    async get(address): Promise<StoredBlob | null> {
      let file: string;
      try {
        file = fileOf(address);
      } catch {
        return null;
      }
      let handle: fsp.FileHandle;
      try {
        handle = await fsp.open(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      const { size } = await handle.stat();
      // The open handle keeps the bytes even if a commit renames new ones over the path meanwhile.
      const stream = handle.createReadStream({ highWaterMark: 64 * 1024 });
      return { size, body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array> };
    },

    async delete(address) {
      await fsp.rm(fileOf(address), { force: true });
    },
  };
}
