/**
 * A streaming ZIP writer for the data-protection exports (GDPR Art. 15/20, tenant exit). fflate does the
 * format; this wraps it in a pull-based web ReadableStream so a tenant's evidence files are never held in
 * memory together, and the same code runs on Node and Workers.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

export interface ZipEntry {
  /** Path inside the archive, forward slashes, no leading slash, no `..`. */
  name: string;
  /** Text (written as UTF-8), bytes, or a stream of byte chunks (evidence files). */
  data: string | Uint8Array | AsyncIterable<Uint8Array>;
  /** Already-compressed content (encrypted blobs, images): store it instead of deflating it. */
  store?: boolean;
}

/** Fixed modification time so two exports of the same data are byte-identical. */
const EPOCH = new Date('2000-01-01T00:00:00Z');

const encoder = new TextEncoder();

export function safeEntryName(name: string): string {
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new Error(`unsafe zip entry name: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * The archive of `entries`, produced as the reader pulls: one entry (or one chunk of a streamed entry) per
 * pull, so memory stays at one chunk plus fflate's window.
 */
export function zipStream(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): ReadableStream<Uint8Array> {
  const pending: Uint8Array[] = [];
  let failure: Error | undefined;
  let finished = false;
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else {
      if (chunk.length > 0) pending.push(chunk);
      if (final) finished = true;
    }
  });
  const iterator =
    Symbol.asyncIterator in entries
      ? (entries as AsyncIterable<ZipEntry>)[Symbol.asyncIterator]()
      : (async function* () {
          yield* entries as Iterable<ZipEntry>;
        })();
  let current: { file: ZipDeflate | ZipPassThrough; chunks: AsyncIterator<Uint8Array> } | undefined;

  async function step(): Promise<void> {
    if (current) {
      const next = await current.chunks.next();
      if (next.done) {
        current.file.push(new Uint8Array(0), true);
        current = undefined;
      } else current.file.push(next.value, false);
      return;
    }
    const next = await iterator.next();
    if (next.done) {
      zip.end();
      return;
    }
    const entry = next.value;
    const name = safeEntryName(entry.name);
    const file = entry.store ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
    file.mtime = EPOCH;
    zip.add(file);
    const { data } = entry;
    if (typeof data === 'string') file.push(encoder.encode(data), true);
    else if (data instanceof Uint8Array) file.push(data, true);
    else current = { file, chunks: data[Symbol.asyncIterator]() };
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        while (pending.length === 0 && !finished && !failure) await step();
      } catch (err) {
        zip.terminate();
        controller.error(err);
        return;
      }
      if (failure) {
        controller.error(failure);
        return;
      }
      while (pending.length > 0) controller.enqueue(pending.shift() as Uint8Array);
      if (finished) controller.close();
    },
    async cancel() {
      zip.terminate();
      await iterator.return?.();
    },
  });
}

/** The whole archive in memory: for small exports (one person's data) and tests. */
export async function zipBytes(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(zipStream(entries)).arrayBuffer());
}
