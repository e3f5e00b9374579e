/**
 * Evidence end to end on SQLite and PostgreSQL: real multipart Requests into storeEvidence, the real
 * blob folder, downloads through app.request(). Every UP-* case of security.md §7, XSS-04/05 for files,
 * tampered and truncated blobs, forged, expired and other-tenant tokens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { bytesToBase64Url, bytesToHex } from '../../src/crypto/encoding.js';
import { listAudit } from '../../src/db/repo/audit.js';
import * as repo from '../../src/db/repo/index.js';
import { HttpError } from '../../src/errors.js';
import { downloadPath, openDownload } from '../../src/evidence/download.js';
import {
  EvidenceError,
  evidenceBlobAddress,
  listEvidence,
  removeEvidence,
  storeEvidence,
} from '../../src/evidence/evidence.js';
import { CHUNK, HEADER_LENGTH } from '../../src/evidence/sealed-stream.js';
import { unconfiguredBlobs } from '../../src/platform/ports.js';
import { buildZip, type FixtureEntry } from '../questionnaire/xlsx-fixtures.js';
import { TEST_MASTER_KEY } from '../support/app.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import {
  type Fixture,
  filesUnder,
  fixture,
  newAssessment,
  pdf,
  rawUpload,
  SMALL_LIMIT,
  sha256Hex,
  uploadRequest,
} from './support.js';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

const docx = (extra: FixtureEntry[] = []) =>
  buildZip({
    entries: [
      { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types/>' },
      { name: 'word/document.xml', data: '<?xml version="1.0"?><w:document/>' },
      ...extra,
    ],
  });

async function refused(p: Promise<unknown>): Promise<EvidenceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EvidenceError);
  return err as EvidenceError;
}

forEachDialect(
  'evidence',
  (dialect) => {
    let ts: TestStore;
    let f: Fixture;
    const vendor = 'vendor:00000000-0000-4000-8000-000000000001';
    const target = (questionId = 'gov.isms') => ({
      tenantId: f.tenantId,
      assessmentId: f.assessmentId,
      questionId,
      uploadedBy: vendor,
    });
    const store = (name: string, bytes: Uint8Array | string, q = 'gov.isms', fields = {}) =>
      storeEvidence(f.platform, target(q), uploadRequest(name, bytes, fields));
    const live = async (q?: string) =>
      listEvidence(f.platform, {
        tenantId: f.tenantId,
        assessmentId: f.assessmentId,
        ...(q ? { questionId: q } : {}),
      });
    const addressOf = async (tenantId: string, id: string) => {
      const row = await f.store.tenant(tenantId).read((tx) => repo.getEvidenceAnyState(tx, id));
      return evidenceBlobAddress(f.platform, tenantId, row!);
    };
    const get = (p: string, init?: RequestInit) => f.app.request(`https://assay.test${p}`, init);
    /** Nothing stored: no new row, no new blob, no staging file left behind. */
    const nothingStored = async (_q: string, before: string[]) => {
      expect(filesUnder(f.blobDir)).toEqual(before);
      const rows = await f.store.tenant(f.tenantId).read((tx) => tx.db.select().from(tx.t.evidence));
      expect(rows.length).toBe(rowsBefore);
    };
    let rowsBefore = 0;
    beforeEach(async () => {
      rowsBefore = (await f.store.tenant(f.tenantId).read((tx) => tx.db.select().from(tx.t.evidence))).length;
    });

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      f = await fixture(ts.store);
    });
    afterAll(() => ts.close());

    describe('storing and serving', () => {
      it('stores a PDF: name, size and a SHA-256 computed by the server; encrypted at rest; downloads as it was', async () => {
        const bytes = pdf('soc2 report');
        const e = await store('SOC 2 report.pdf', bytes);
        expect(e).toMatchObject({
          name: 'SOC 2 report.pdf',
          size: bytes.byteLength,
          sha256: sha256Hex(bytes),
          type: 'application/pdf',
          questionId: 'gov.isms',
          uploadedBy: vendor,
        });
        expect(await live('gov.isms')).toEqual([e]);

        // Its own blob under a keyed name: neither the file name nor its SHA-256 shows on disk.
        const address = await addressOf(f.tenantId, e.id);
        const [, name] = address.split('/') as [string, string];
        const file = path.join(f.blobDir, f.tenantId, name.slice(0, 2), name);
        expect(filesUnder(f.blobDir)).toContain(path.relative(f.blobDir, file));
        expect(filesUnder(f.blobDir).join('\n')).not.toContain(e.sha256);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        const stored = fs.readFileSync(file);
        expect(stored.includes(Buffer.from('soc2 report'))).toBe(false);
        expect(stored.includes(Buffer.from('%PDF'))).toBe(false);

        const res = await get(await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: e.id }));
        expect(res.status).toBe(200);
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
        expect(res.headers.get('content-type')).toBe('application/pdf');
        expect(res.headers.get('content-disposition')).toBe(
          `attachment; filename="SOC 2 report.pdf"; filename*=UTF-8''SOC%202%20report.pdf`,
        );
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-security-policy')).toMatch(/^sandbox(,|$)/);
        expect(res.headers.get('cache-control')).toBe('no-store');
      });

      it('UP-06: the audit entry carries the server-computed SHA-256; a client-supplied hash is ignored', async () => {
        const bytes = pdf('up-06');
        const e = await store('hash.pdf', bytes, 'gov.isms', { sha256: 'ab'.repeat(32), size: '1' });
        expect(e.sha256).toBe(sha256Hex(bytes));
        const entries = await f.store.tenant(f.tenantId).read((tx) => repo.listAudit(tx));
        const entry = entries.find((x) => x.target === `evidence:${e.id}`);
        expect(entry).toMatchObject({ action: 'evidence.uploaded', actor: vendor });
        expect(entry!.data).toMatchObject({ data_sha256: sha256Hex(bytes), size: bytes.byteLength });
        await removeEvidence(f.platform, {
          tenantId: f.tenantId,
          assessmentId: f.assessmentId,
          evidenceId: e.id,
          removedBy: vendor,
        });
      });

      it('streams a file of several chunks and stores the tenant data key only wrapped', async () => {
        const bytes = new Uint8Array(3 * CHUNK + 123);
        bytes.set(pdf(), 0);
        for (let i = 200; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
        const e = await store('big.pdf', bytes);
        const res = await get(await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: e.id }));
        expect(res.status).toBe(200);
        expect(sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(e.sha256);

        // The data key: one row, wrapped; its raw bytes appear nowhere in the database.
        const keys = await f.store.tenant(f.tenantId).read((tx) => repo.listDataKeys(tx));
        expect(keys).toHaveLength(1);
        const row = await f.store.tenant(f.tenantId).read((tx) => repo.getEvidence(tx, e.id));
        expect(row!.keyId).toBe(keys[0]!.id);
        const raw = await TEST_MASTER_KEY.unwrap(
          keys[0]!.wrapped,
          `tenant-data-key:${f.tenantId}:${keys[0]!.id}`,
        );
        expect(raw).toHaveLength(32);
        const dump = JSON.stringify(
          await f.store
            .tenant(f.tenantId)
            .read(async (tx) => [
              await tx.db.select().from(tx.t.tenantKeys),
              await tx.db.select().from(tx.t.evidence),
              await tx.db.select().from(tx.t.auditLog),
            ]),
        );
        for (const form of [bytesToHex(raw), Buffer.from(raw).toString('base64'), bytesToBase64Url(raw)]) {
          expect(dump).not.toContain(form);
        }
      });
    });

    describe('UP-01 size limit, enforced while reading', () => {
      it('refuses limit + 1 bytes (declared by Content-Length) with 413 and stores nothing', async () => {
        const before = filesUnder(f.blobDir);
        const bytes = new Uint8Array(SMALL_LIMIT + 1);
        bytes.set(pdf(), 0);
        const ok = new Uint8Array(SMALL_LIMIT);
        ok.set(pdf(), 0);
        const err = await refused(store('list.pdf', bytes, 'sup.subprocessor_list'));
        expect(err.status).toBe(413);
        await nothingStored('sup.subprocessor_list', before);
        // Exactly the limit passes.
        const e = await store('list.pdf', ok, 'sup.subprocessor_list');
        expect(e.size).toBe(SMALL_LIMIT);
        await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
      });

      it('refuses a chunked body without Content-Length once the file passes the limit', async () => {
        const before = filesUnder(f.blobDir);
        const head = new TextEncoder().encode(
          '--B\r\nContent-Disposition: form-data; name="file"; filename="list.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n',
        );
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent === 0) c.enqueue(head);
            else c.enqueue(new Uint8Array(8192).fill(0x41));
            sent += 1;
          },
        });
        const req = rawUpload(body, 'B');
        expect(req.headers.get('content-length')).toBeNull();
        const err = await refused(storeEvidence(f.platform, target('sup.subprocessor_list'), req));
        expect(err.status).toBe(413);
        expect(sent * 8192).toBeLessThan(SMALL_LIMIT + 64 * 1024 + 4 * 8192);
        await nothingStored('sup.subprocessor_list', before);
      });

      it('a 2 GB body is refused after the 25 MiB limit, having read no more than that', async () => {
        const before = filesUnder(f.blobDir);
        const head = new TextEncoder().encode(
          '--B\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n\r\n%PDF-1.7\n',
        );
        const chunk = new Uint8Array(1024 * 1024).fill(0x20);
        let pulled = 0;
        const total = 2 * 1024 ** 3;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            if (pulled >= total) return c.close();
            const next = pulled === 0 ? head : chunk;
            pulled += next.byteLength;
            c.enqueue(next);
          },
        });
        const err = await refused(storeEvidence(f.platform, target(), rawUpload(body, 'B')));
        expect(err.status).toBe(413);
        expect(err.headers.Connection).toBe('close');
        expect(pulled).toBeLessThan(27 * 1024 * 1024);
        await nothingStored(
          'gov.isms',
          before.filter((x) => x),
        );
      });

      it('a declared 2 GB Content-Length is refused before reading anything', async () => {
        let pulled = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            pulled += 1;
            c.enqueue(new Uint8Array(1024));
          },
        });
        const err = await refused(
          storeEvidence(
            f.platform,
            target(),
            rawUpload(body, 'B', { 'Content-Length': String(2 * 1024 ** 3) }),
          ),
        );
        expect(err.status).toBe(413);
        expect(pulled).toBeLessThanOrEqual(1);
      });
    });

    describe('UP-02 archives (docx, xlsx) checked before anyone extracts them', () => {
      it('accepts a well-formed docx', async () => {
        const e = await store('policy.docx', docx());
        expect(e.type).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
        await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
      });

      const cases: [string, Uint8Array][] = [
        [
          'a zip bomb (one entry expanding 1000:1)',
          docx([{ name: 'word/media/zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }]),
        ],
        [
          'more entries than allowed',
          docx(Array.from({ length: 5001 }, (_, i) => ({ name: `word/p${i}.xml`, data: 'x', method: 0 }))),
        ],
        ['a zip-slip path', docx([{ name: '../../etc/x', data: 'x' }])],
        ['an absolute path', docx([{ name: '/etc/passwd', data: 'x' }])],
        ['a backslash path', docx([{ name: 'word\\..\\..\\x', data: 'x' }])],
        [
          'a symbolic link',
          docx([
            {
              name: 'word/link',
              data: '/etc/passwd',
              method: 0,
              madeBy: 0x031e,
              externalAttributes: (0o120777 << 16) >>> 0,
            },
          ]),
        ],
        [
          'a nested archive (42.zip style)',
          docx([{ name: 'word/embeddings/42.zip', data: deflateRawSync(Buffer.alloc(1000)) }]),
        ],
        [
          'overlapping entries (a non-recursive bomb)',
          docx([{ name: 'word/again.xml', data: '', reuseLocalOf: 1 }]),
        ],
        ['an encrypted entry', docx([{ name: 'word/secret.xml', data: 'x', flags: 1 }])],
        ['a zip that is not a document', buildZip({ entries: [{ name: 'hello.txt', data: 'hello' }] })],
        ['data after the archive', new Uint8Array([...docx(), ...new TextEncoder().encode('<html>')])],
      ];
      for (const [what, bytes] of cases) {
        it(`refuses ${what} with 422 and stores nothing`, async () => {
          const before = filesUnder(f.blobDir);
          const err = await refused(store('policy.docx', bytes));
          expect([415, 422]).toContain(err.status);
          if (what !== 'a zip that is not a document' && what !== 'data after the archive') {
            expect(err.code).toBe('bad-archive');
          }
          await nothingStored('gov.isms', before);
        });
      }
    });

    describe('UP-04 names: the stored object is named by its content, the name is metadata', () => {
      for (const [raw, kept] of [
        ['../../app.db.pdf', 'app.db.pdf'],
        ['C:\\x\\report.pdf', 'report.pdf'],
        ['..\\..\\boot.ini.pdf', 'boot.ini.pdf'],
        ['"><svg onload=alert(1)>.pdf', '"><svg onload=alert(1)>.pdf'],
      ] as const) {
        it(`keeps ${JSON.stringify(raw)} as ${JSON.stringify(kept)} and writes only under the blob folder`, async () => {
          const e = await store(raw, pdf('a name test'));
          expect(e.name).toBe(kept);
          for (const p of filesUnder(f.blobDir)) {
            expect(p).toMatch(/^[0-9a-f-]{36}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
          }
          const res = await get(await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: e.id }));
          const cd = res.headers.get('content-disposition')!;
          // XSS-04: RFC 6266 encoded: no raw quote or angle bracket inside the quoted fallback.
          expect(cd).toMatch(/^attachment; filename="[^"\\]*"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
          expect(decodeURIComponent(cd.split("''")[1]!)).toBe(kept);
          await res.arrayBuffer();
          await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
        });
      }

      for (const [raw, why] of [
        ['report.php.pdf', 'double-extension'],
        ['invoice.exe.pdf', 'double-extension'],
        ['a\u0000.pdf', 'NUL byte'],
        ['a.php%00.pdf', 'encoded NUL'],
        ['\u202Efdp.exe', 'right-to-left override'],
        ['report', 'no extension'],
        ['line\r\nbreak.pdf', 'CR/LF'],
      ] as const) {
        it(`refuses ${JSON.stringify(raw)} (${why}) with 422`, async () => {
          const before = filesUnder(f.blobDir);
          const err = await refused(store(raw, pdf()));
          expect(err.status).toBe(422);
          expect(err.code).toBe('bad-name');
          await nothingStored('gov.isms', before);
        });
      }
    });

    it('UP-05: the EICAR test file is refused by the malware check and never downloadable', async () => {
      const before = filesUnder(f.blobDir);
      const err = await refused(store('eicar.csv', `${EICAR}\r\n`, 'sup.subprocessor_list'));
      expect(err.status).toBe(422);
      expect(err.code).toBe('malware');
      await nothingStored('sup.subprocessor_list', before);
      // Also inside a file of an allowed type.
      expect((await refused(store('list.txt', `hello\n${EICAR}\n`, 'sup.screens'))).code).toBe('malware');
    });

    describe("type by content, against the question's accept list", () => {
      const cases: [string, string, Uint8Array | string, number][] = [
        ['a PDF called .png', 'sup.screens', pdf(), 415],
        ['a PNG called .pdf', 'gov.isms', PNG, 415],
        ['a PDF called .csv', 'sup.subprocessor_list', pdf(), 415],
        ['SVG called .pdf', 'gov.isms', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 415],
        ['HTML called .csv', 'sup.subprocessor_list', '<!DOCTYPE html><html><script>alert(1)</script>', 415],
        ['HTML called .txt', 'sup.screens', 'hello <script>alert(1)</script>', 415],
        [
          'a PDF/HTML polyglot',
          'gov.isms',
          '%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n%%EOF',
          415,
        ],
        ['a PDF with a ZIP appended', 'gov.isms', new Uint8Array([...pdf(), ...docx()]), 415],
        ['a PNG with a ZIP appended', 'sup.screens', new Uint8Array([...PNG, ...docx()]), 415],
        ['a binary called .txt', 'sup.screens', new Uint8Array([0x41, 0x00, 0x42, 0x43]), 415],
        ['invalid UTF-8 called .csv', 'sup.subprocessor_list', new Uint8Array([0x61, 0xff, 0xfe, 0x0a]), 415],
        ['an empty file', 'gov.isms', new Uint8Array(0), 415],
      ];
      const names: Record<string, string> = {
        'a PDF called .png': 'shot.png',
        'a PNG called .pdf': 'doc.pdf',
        'a PDF called .csv': 'list.csv',
        'SVG called .pdf': 'doc.pdf',
        'HTML called .csv': 'list.csv',
        'HTML called .txt': 'notes.txt',
        'a PDF/HTML polyglot': 'doc.pdf',
        'a PDF with a ZIP appended': 'doc.pdf',
        'a PNG with a ZIP appended': 'shot.png',
        'a binary called .txt': 'notes.txt',
        'invalid UTF-8 called .csv': 'list.csv',
        'an empty file': 'doc.pdf',
      };
      for (const [what, q, bytes, status] of cases) {
        it(`refuses ${what}`, async () => {
          const before = filesUnder(f.blobDir);
          const err = await refused(store(names[what]!, bytes, q));
          expect(err.status).toBe(status);
          await nothingStored(q, before);
        });
      }

      it('refuses an extension the question does not accept (svg, html, exe, png for a PDF question)', async () => {
        for (const name of ['x.svg', 'x.html', 'x.exe', 'x.png', 'x.xlsx']) {
          const err = await refused(store(name, pdf()));
          expect(err.status).toBe(415);
          expect(err.code).toBe('type-not-allowed');
          expect(err.message).toBe('This question accepts pdf, docx files.');
        }
      });

      it('accepts what each question allows: png, text, csv, upper-case extensions', async () => {
        const a = await store('Shot.PNG', PNG, 'sup.screens');
        expect(a.type).toBe('image/png');
        const b = await store('notes.txt', 'plain text, ünïcödé\n', 'sup.screens');
        expect(b.type).toBe('text/plain');
        const c = await store('list.csv', '\ufeffname,country\r\nAcme,DE\r\n', 'sup.subprocessor_list');
        expect(c.type).toBe('text/csv');
        for (const e of [a, b, c])
          await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
      });
    });

    describe('malformed requests: a clear 4xx, nothing stored', () => {
      it('refuses a body that is not multipart (415), no file (400), two files (400), a truncated body (400)', async () => {
        const before = filesUnder(f.blobDir);
        const json = new Request('https://assay.test/upload', {
          method: 'POST',
          body: '{"file":"x"}',
          headers: { 'Content-Type': 'application/json' },
        });
        expect((await refused(storeEvidence(f.platform, target(), json))).status).toBe(415);

        const fields = new FormData();
        fields.set('note', 'no file here');
        const none = new Request('https://assay.test/upload', { method: 'POST', body: fields });
        expect((await refused(storeEvidence(f.platform, target(), none))).code).toBe('no-file');

        const two = new FormData();
        two.append('file', new File([pdf('one')], 'one.pdf'));
        two.append('file', new File([pdf('two')], 'two.pdf'));
        const twoReq = new Request('https://assay.test/upload', { method: 'POST', body: two });
        const e2 = await refused(storeEvidence(f.platform, target(), twoReq));
        expect(e2.status).toBe(400);
        expect(e2.code).toBe('many-files');

        // The body stops before its closing boundary.
        const good = uploadRequest('cut.pdf', pdf('truncated'));
        const goodType = good.headers.get('content-type')!;
        const goodBody = new Uint8Array(await good.arrayBuffer());
        const truncated = new Request('https://assay.test/upload', {
          method: 'POST',
          body: goodBody.slice(0, goodBody.length - 10),
          headers: { 'Content-Type': goodType },
        });
        const e3 = await refused(storeEvidence(f.platform, target(), truncated));
        expect(e3.status).toBe(400);
        expect(e3.code).toBe('incomplete');

        await nothingStored('gov.isms', before);
      });

      it("refuses an unknown question (404), a question without files (404), another tenant's assessment (404)", async () => {
        expect((await refused(store('a.pdf', pdf(), 'no.such'))).status).toBe(404);
        expect((await refused(store('a.pdf', pdf(), 'gov.certification'))).code).toBe('no-files-here');
        const err = await refused(
          storeEvidence(
            f.platform,
            { ...target(), tenantId: f.other.tenantId },
            uploadRequest('a.pdf', pdf()),
          ),
        );
        expect(err.status).toBe(404);
        expect(
          await listEvidence(f.platform, { tenantId: f.other.tenantId, assessmentId: f.assessmentId }),
        ).toEqual([]);
      });
    });

    describe('removing, and the limits of a question', () => {
      it('removes a file (soft delete), after which it is neither listed nor downloadable', async () => {
        const e = await store('gone.pdf', pdf('gone'));
        const url = await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: e.id });
        await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
        expect((await live('gov.isms')).map((x) => x.id)).not.toContain(e.id);
        const row = await f.store
          .tenant(f.tenantId)
          .read((tx) => tx.db.select().from(tx.t.evidence).where(eq(tx.t.evidence.id, e.id)));
        expect(row[0]!.deletedAt).toBeInstanceOf(Date);
        const res = await get(url);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('gone');
        // A second removal, another tenant's removal, an unknown id: 404.
        const again = await refused(
          removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor }),
        );
        expect(again.status).toBe(404);
      });

      it('another tenant cannot remove or list a file', async () => {
        const e = await store('mine.pdf', pdf('mine'));
        const err = await refused(
          removeEvidence(f.platform, {
            tenantId: f.other.tenantId,
            assessmentId: f.assessmentId,
            evidenceId: e.id,
            removedBy: vendor,
          }),
        );
        expect(err.status).toBe(404);
        expect((await live('gov.isms')).map((x) => x.id)).toContain(e.id);
        await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
      });

      it('takes at most max_files per question (409 after that)', async () => {
        for (const e of await live('gov.isms')) {
          await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
        }
        const kept = [];
        for (let i = 0; i < 3; i++) kept.push(await store(`p${i}.pdf`, pdf(`p${i}`)));
        const err = await refused(store('p3.pdf', pdf('p3')));
        expect(err.status).toBe(409);
        expect(err.code).toBe('too-many-files');
        for (const e of kept)
          await removeEvidence(f.platform, { ...target(), evidenceId: e.id, removedBy: vendor });
      });

      it('after submission files can be neither added nor removed (409)', async () => {
        const assessmentId = await newAssessment(f.store, f.tenantId);
        const t = { ...target(), assessmentId };
        const e = await storeEvidence(f.platform, t, uploadRequest('final.pdf', pdf('final')));
        await f.store.tenant(f.tenantId).write((tx) => {
          repo.transitionAssessment(tx, assessmentId, ['sent', 'in_progress'], 'submitted');
        });
        const late = await refused(storeEvidence(f.platform, t, uploadRequest('late.pdf', pdf('late'))));
        expect(late.status).toBe(409);
        const err = await refused(removeEvidence(f.platform, { ...t, evidenceId: e.id, removedBy: vendor }));
        expect(err.status).toBe(409);
        expect((await listEvidence(f.platform, t)).map((x) => x.id)).toContain(e.id);
        // Still downloadable by whoever may see it.
        const res = await get(await downloadPath(f.platform, { tenantId: f.tenantId, evidenceId: e.id }));
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      });

      it('adding and removing a file bump the answer revision (a submission that read older files is refused)', async () => {
        const assessmentId = await newAssessment(f.store, f.tenantId);
        const t = { ...target(), assessmentId };
        const rev = async () =>
          (await f.store.tenant(f.tenantId).read((tx) => repo.getAssessment(tx, assessmentId)))!
            .answersRevision;
        const r0 = await rev();
        const e = await storeEvidence(f.platform, t, uploadRequest('rev.pdf', pdf('rev')));
        expect(await rev()).toBe(r0 + 1);
        await removeEvidence(f.platform, { ...t, evidenceId: e.id, removedBy: vendor });
        expect(await rev()).toBe(r0 + 2);
      });

      it('a submission landing while a file streams in wins: the upload is refused (409) and no row appears', async () => {
        const assessmentId = await newAssessment(f.store, f.tenantId);
        const t = { ...target(), assessmentId };
        // The vendor's colleague submits while the bytes are still arriving.
        const racing = {
          ...f.platform,
          blobs: {
            ...f.platform.blobs,
            stage: async (body: ReadableStream<Uint8Array>) => {
              const staged = await f.platform.blobs.stage(body);
              await f.store.tenant(f.tenantId).write((tx) => {
                repo.transitionAssessment(tx, assessmentId, ['sent'], 'submitted');
              });
              return staged;
            },
          },
        };
        const err = await refused(storeEvidence(racing, t, uploadRequest('racing.pdf', pdf('racing'))));
        expect(err.status).toBe(409);
        expect(await listEvidence(f.platform, t)).toEqual([]);
      });
    });

    describe("downloads: signed, short-lived, this tenant's file only, verified", () => {
      let other: { id: string; bytes: Uint8Array };
      beforeAll(async () => {
        const bytes = pdf('other tenant secret');
        const e = await storeEvidence(
          f.platform,
          {
            tenantId: f.other.tenantId,
            assessmentId: f.other.assessmentId,
            questionId: 'gov.isms',
            uploadedBy: vendor,
          },
          uploadRequest('b.pdf', bytes),
        );
        other = { id: e.id, bytes };
      });
      const path_ = (tenantId: string, evidenceId: string) =>
        downloadPath(f.platform, { tenantId, evidenceId });

      it('HEAD answers the headers without the file', async () => {
        const res = await get(await path_(f.other.tenantId, other.id), { method: 'HEAD' });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
        expect(await res.text()).toBe('');
      });

      it('without configured storage (Workers today) uploads and downloads answer 503, not a stack trace', async () => {
        const bare = { ...f.platform, blobs: unconfiguredBlobs('test') };
        const err = await storeEvidence(bare, target(), uploadRequest('a.pdf', pdf())).catch(
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(HttpError);
        expect((err as HttpError).status).toBe(503);
        const app = createApp(bare, { config: { baseUrl: 'https://assay.test', env: 'test' } });
        const res = await app.request(`https://assay.test${await path_(f.other.tenantId, other.id)}`);
        expect(res.status).toBe(503);
      });

      it('an expired link (past five minutes) is 404 and never the file', async () => {
        const url = await path_(f.other.tenantId, other.id);
        f.advance(301_000);
        try {
          const res = await get(url);
          expect(res.status).toBe(404);
          expect(await res.text()).not.toContain('other tenant secret');
        } finally {
          f.advance(-301_000);
        }
        expect((await get(await path_(f.other.tenantId, other.id))).status).toBe(200);
      });

      it('a forged or altered link is 404: another signature, another tenant, another file, a longer life', async () => {
        const url = await path_(f.other.tenantId, other.id);
        const [tenant, evidence, exp, mac] = url.slice('/files/'.length).split('.') as [
          string,
          string,
          string,
          string,
        ];
        const flipped = `${mac.slice(0, -2)}${mac.at(-2) === 'A' ? 'B' : 'A'}${mac.at(-1)}`;
        const mine = await store('mine.pdf', pdf('mine'));
        for (const forged of [
          `/files/${tenant}.${evidence}.${exp}.${flipped}`,
          `/files/${f.tenantId}.${evidence}.${exp}.${mac}`,
          `/files/${tenant}.${mine.id}.${exp}.${mac}`,
          `/files/${tenant}.${evidence}.${(Number.parseInt(exp, 36) + 3600).toString(36)}.${mac}`,
          `/files/${tenant}.${evidence}.${exp}`,
          '/files/not-a-token',
          `/files/${tenant}.${evidence}.${exp}.${mac}.x`,
        ]) {
          const res = await get(forged);
          expect(res.status, forged).toBe(404);
          expect(await res.text()).not.toContain('other tenant secret');
        }
        // A genuine token for tenant A naming tenant B's file finds nothing under A.
        const cross = await path_(f.tenantId, other.id);
        expect((await get(cross)).status).toBe(404);
        // …because the row is not found under A at all (not merely because A's blob folder lacks it).
        expect(await openDownload(f.platform, { tenantId: f.tenantId, evidenceId: other.id })).toBeNull();
        await removeEvidence(f.platform, { ...target(), evidenceId: mine.id, removedBy: vendor }).catch(
          () => {},
        );
      });

      it('a tampered blob is refused (409, naming its SHA-256, audited) before any byte is sent; so is a truncated, reordered or missing one', async () => {
        const bytes = new Uint8Array(3 * CHUNK);
        bytes.set(pdf('tamper'), 0);
        const e = await storeEvidence(
          f.platform,
          {
            tenantId: f.other.tenantId,
            assessmentId: f.other.assessmentId,
            questionId: 'gov.isms',
            uploadedBy: vendor,
          },
          uploadRequest('t.pdf', bytes),
        );
        const address = await addressOf(f.other.tenantId, e.id);
        const [, name] = address.split('/') as [string, string];
        const file = path.join(f.blobDir, f.other.tenantId, name.slice(0, 2), name);
        const original = fs.readFileSync(file);
        const url = async () => path_(f.other.tenantId, e.id);
        const flip = (at: number) => (b: Buffer) => {
          b[at < 0 ? b.length + at : at]! ^= 1;
          return b;
        };
        const attempt = async (mutate: (b: Buffer) => Buffer) => {
          fs.writeFileSync(file, mutate(Buffer.from(original)));
          const res = await get(await url());
          const text = await res.text();
          expect(text).not.toContain('tamper');
          // Not the "link not valid" page: a refusal that names the check and the recorded digest.
          if (res.status === 409) {
            expect(text).toContain('failed its integrity check');
            expect(text).toContain(e.sha256);
          }
          return res.status;
        };
        try {
          // One bit in the first chunk.
          expect(await attempt(flip(HEADER_LENGTH + 5))).toBe(409);
          // One bit in the header (the key id or nonce prefix).
          expect(await attempt(flip(20))).toBe(409);
          // The last chunk cut off, or its last bytes.
          expect(await attempt((b) => b.subarray(0, b.length - (CHUNK + 16)))).toBe(409);
          expect(await attempt((b) => b.subarray(0, b.length - 10))).toBe(409);
          // Two chunks swapped.
          expect(
            await attempt((b) => {
              const c = CHUNK + 16;
              const first = Buffer.from(b.subarray(HEADER_LENGTH, HEADER_LENGTH + c));
              b.copy(b, HEADER_LENGTH, HEADER_LENGTH + c, HEADER_LENGTH + 2 * c);
              first.copy(b, HEADER_LENGTH + c);
              return b;
            }),
          ).toBe(409);
          // Another tenant's blob put in its place.
          const theirs = await store('a.pdf', pdf('tenant a'));
          const foreign = await addressOf(f.tenantId, theirs.id);
          const [, fname] = foreign.split('/') as [string, string];
          const foreignBytes = fs.readFileSync(path.join(f.blobDir, f.tenantId, fname.slice(0, 2), fname));
          expect(await attempt(() => foreignBytes)).toBe(409);
          // The blob gone from storage: the same refusal, saying the copy is missing.
          fs.rmSync(file);
          const gone = await get(await url());
          expect(gone.status).toBe(409);
          expect(await gone.text()).toMatch(new RegExp(`stored copy is missing[^]*${e.sha256}`));
          // Looping the link: a 409 every time, but the trail does not grow with it.
          for (let i = 0; i < 5; i++) expect((await get(await url())).status).toBe(409);
          // The refusals are in the tenant's audit trail once per (version, reason) an hour: ids, the
          // recorded digest and the reason only.
          const audited = (
            await ts.store.tenant(f.other.tenantId).read((ctx) => listAudit(ctx, { limit: 10_000 }))
          ).filter((a) => a.action === 'evidence.integrity_failed' && a.target === `evidence:${e.id}`);
          expect(audited.map((a) => (a.data as { reason: string }).reason)).toEqual(['corrupt', 'missing']);
          expect(JSON.stringify(audited)).not.toContain('t.pdf');
          expect((audited[0]!.data as { data_sha256: string }).data_sha256).toBe(e.sha256);

          // A bit flipped in a later chunk: the response has started, so the stream breaks instead of
          // handing over the unauthenticated chunk.
          fs.writeFileSync(file, flip(-100)(Buffer.from(original)));
          const res = await get(await url());
          expect(res.status).toBe(200);
          await expect(res.arrayBuffer()).rejects.toThrow();
        } finally {
          fs.writeFileSync(file, original);
        }
        const ok = await get(await url());
        expect(sha256Hex(new Uint8Array(await ok.arrayBuffer()))).toBe(e.sha256);
      });
    });
  },
  ['sqlite', 'pg', 'd1'],
);
