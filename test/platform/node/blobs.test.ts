/** The Node `blobs` port: files under DATA_DIR/blobs, staged then renamed, 0600 in 0700 folders. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeBlobs } from '../../../src/platform/node/blobs.js';
import { putBlob } from '../../../src/platform/ports.js';

const T = '00000000-0000-4000-8000-000000000001';
const A = `${T}/${'ab'.repeat(32)}`;
const bytes = (s: string) => new TextEncoder().encode(s);
const stream = (...parts: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(p);
      c.close();
    },
  });
const text = async (s: ReadableStream<Uint8Array>) => new Response(s).text();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'assay-blobs-test-'));

describe('nodeBlobs', () => {
  it('stages invisibly, commits atomically under the address (0600 in 0700 folders), reads back, deletes', async () => {
    const dir = tmp();
    const blobs = nodeBlobs(dir);
    const staged = await blobs.stage(stream(bytes('hello '), bytes('world')));
    expect(staged.size).toBe(11);
    expect(await blobs.get(A)).toBeNull();
    await staged.commit(A);
    const file = path.join(dir, T, 'ab', 'ab'.repeat(32));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const got = await blobs.get(A);
    expect(got!.size).toBe(11);
    expect(await text(got!.body)).toBe('hello world');
    expect(fs.readdirSync(path.join(dir, '.staging'))).toEqual([]);
    await expect(staged.commit(A)).rejects.toThrow();
    await putBlob(blobs, A, stream(bytes('replaced')));
    expect(await text((await blobs.get(A))!.body)).toBe('replaced');
    await blobs.delete(A);
    expect(await blobs.get(A)).toBeNull();
    await blobs.delete(A);
  });

  it('leaves nothing behind when the stream fails or the upload is discarded', async () => {
    const dir = tmp();
    const blobs = nodeBlobs(dir);
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes('part'));
        c.error(new Error('client went away'));
      },
    });
    await expect(blobs.stage(failing)).rejects.toThrow('client went away');
    const staged = await blobs.stage(stream(bytes('x')));
    await staged.discard();
    expect(fs.readdirSync(path.join(dir, '.staging'))).toEqual([]);
  });

  it('refuses anything but an address as a path', async () => {
    const blobs = nodeBlobs(tmp());
    const staged = await blobs.stage(stream(bytes('x')));
    for (const bad of [
      '../../etc/passwd',
      `${T}/../x`,
      `${T}/${'AB'.repeat(32)}`,
      'x',
      `${T}/${'ab'.repeat(32)}/x`,
    ]) {
      await expect(staged.commit(bad)).rejects.toThrow('not a blob address');
      expect(await blobs.get(bad)).toBeNull();
      await expect(blobs.delete(bad)).rejects.toThrow();
    }
  });
});
