/** A tenant with an assessment of the reference questionnaire (plus two file questions for the tests). */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.js';
import { newId } from '../../src/db/ids.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { nodeBlobs } from '../../src/platform/node/blobs.js';
import type { Ports } from '../../src/platform/ports.js';
import { publishQuestionnaire } from '../../src/workspace/questionnaires.js';
import { BASE_URL, testPlatform } from '../support/app.js';
import { sealedContact } from '../support/contacts.js';

const reference = fs.readFileSync(
  path.join(import.meta.dirname, '../questionnaire/fixtures/vendor-baseline.yaml'),
  'utf8',
);

/**
 * The reference file, with `sup.subprocessor_list` (file: pdf, xlsx, csv) capped at 64 KiB and one more
 * file question for images and text: `sup.screens` (png, jpg, txt).
 */
export const SOURCE = reference
  .replace(
    '        accept: [pdf, xlsx, csv]\n',
    '        accept: [pdf, xlsx, csv]\n        max_size: "64 KiB"\n',
  )
  .replace(
    '      - id: sup.flowdown',
    [
      '      - id: sup.screens',
      '        type: file',
      '        text: { en: Screenshots of your settings. }',
      '        accept: [png, jpg, txt]',
      '      - id: sup.flowdown',
    ].join('\n'),
  );

export const SMALL_LIMIT = 64 * 1024;

export interface Fixture {
  store: Store;
  platform: Ports;
  app: ReturnType<typeof createApp>;
  blobDir: string;
  tenantId: string;
  assessmentId: string;
  /** Another tenant with its own assessment. */
  other: { tenantId: string; assessmentId: string };
  /** Moves the clock (download expiry). */
  advance(ms: number): void;
}

export async function newAssessment(store: Store, tenantId: string): Promise<string> {
  const { row } = await store
    .tenant(tenantId)
    .write((c) => publishQuestionnaire(c, SOURCE, { actor: 'user:test' }));
  const sealed = await sealedContact(store, tenantId, 'sec@vendor.example');
  return store
    .tenant(tenantId)
    .write(async (c) => {
      const vendor = repo.insertVendor(c, { name: `Vendor ${newId().slice(0, 8)}` });
      const contact = await repo.ensureContact(c, vendor.id, sealed);
      const a = repo.insertAssessment(c, {
        vendorId: vendor.id,
        contactId: contact.id,
        questionnaireVersionId: row.id,
      });
      return a.id;
    })
    .then(async (id) => {
      await store.tenant(tenantId).write((c) => {
        repo.transitionAssessment(c, id, ['draft'], 'sent');
      });
      return id;
    });
}

export async function fixture(store: Store): Promise<Fixture> {
  let offset = 0;
  const blobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-evidence-'));
  const platform = await testPlatform(store, {
    blobs: nodeBlobs(blobDir),
    now: () => new Date(Date.now() + offset),
  });
  const app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
  const mk = async (name: string) => {
    const tenantId = (await store.tenant(newId()).write((tx) => repo.insertTenant(tx, name, tx.tenantId))).id;
    return { tenantId, assessmentId: await newAssessment(store, tenantId) };
  };
  const a = await mk(`Acme ${newId().slice(0, 6)}`);
  const b = await mk(`Beta ${newId().slice(0, 6)}`);
  return {
    store,
    platform,
    app,
    blobDir,
    ...a,
    other: b,
    advance: (ms) => {
      offset += ms;
    },
  };
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A multipart request as a browser's form would send it (undici's FormData encoding). */
export function uploadRequest(
  name: string,
  bytes: Uint8Array | string,
  fields: Record<string, string> = {},
): Request {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  fd.set('file', new File([data as BlobPart], name, { type: 'application/octet-stream' }));
  return new Request(`${BASE_URL}/upload`, { method: 'POST', body: fd });
}

/** A raw multipart body (for what FormData will not produce), optionally without Content-Length. */
export function rawUpload(
  body: Uint8Array | ReadableStream<Uint8Array>,
  boundary = 'xYzBoundary',
  headers: Record<string, string> = {},
): Request {
  return new Request(`${BASE_URL}/upload`, {
    method: 'POST',
    body: body as BodyInit,
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...headers },
    duplex: 'half',
  } as RequestInit);
}

export const pdf = (text = 'evidence') =>
  new TextEncoder().encode(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${text}\n%%EOF\n`);

/** Every file under `dir` (relative paths). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
