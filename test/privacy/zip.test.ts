import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { safeEntryName, zipBytes, zipStream } from '../../src/privacy/zip.js';

function readZip(bytes: Uint8Array): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.from(bytes), { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            out[entry.fileName] = Buffer.concat(parts).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

describe('zip writer', () => {
  it('writes text, bytes and streamed entries that yauzl reads back', async () => {
    async function* chunks() {
      yield new TextEncoder().encode('abc');
      yield new TextEncoder().encode('def');
    }
    const bytes = await zipBytes([
      { name: 'data/member.json', data: '{"ü":1}' },
      { name: 'raw.bin', data: new Uint8Array([104, 105]) },
      { name: 'evidence/x.pdf', data: chunks(), store: true },
    ]);
    expect(await readZip(bytes)).toEqual({
      'data/member.json': '{"ü":1}',
      'raw.bin': 'hi',
      'evidence/x.pdf': 'abcdef',
    });
  });

  it('is byte-identical for the same input (fixed timestamps)', async () => {
    const a = await zipBytes([{ name: 'a.txt', data: 'x' }]);
    const b = await zipBytes([{ name: 'a.txt', data: 'x' }]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('refuses names that escape the archive', async () => {
    for (const bad of ['', '/etc/passwd', '../x', 'a/../b', 'a\\b', 'a//b'])
      expect(() => safeEntryName(bad)).toThrow();
    await expect(new Response(zipStream([{ name: '../x', data: 'y' }])).arrayBuffer()).rejects.toThrow(
      /unsafe/,
    );
  });
});
