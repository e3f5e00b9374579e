/**
 * `assay audit export` and the workspace's download: what an auditor needs to check a tenant's trail
 * with openssl, sha256sum and sh alone (docs/audit.md "The auditor's recipe"):
 *
 * - `log.jsonl`: line n is exactly the canonical (RFC 8785) bytes of entry n that were hashed, so
 *   `hash(n) = SHA-256(hash(n−1) ‖ "\n" ‖ line n)` in hex, starting from 64 zeros;
 * - `checkpoints/<size>.txt`: every signed checkpoint (C2SP note), and `checkpoint.txt`, the latest;
 * - `audit-key.pem`: the public key that signed the latest checkpoint (SPKI PEM), and `keys/<kid>.pem`
 *   for every audit key.
 *
 * A checkpoint at the head is signed first (or the one already there is taken), and the log is written up
 * to it, no further: so the latest exported checkpoint covers every exported line, and a line cut from
 * the end of `log.jsonl` shows (the checkpoint then signs more entries than the file holds). Without it
 * the lines after the last hourly checkpoint could be cut unnoticed.
 */
import { utf8 } from '../crypto/encoding.js';
import { listAudit, listCheckpoints } from '../db/repo/audit.js';
import { listPublishedKeys } from '../db/repo/keys.js';
import type { Store } from '../db/store.js';
import { canonicalEntry } from './chain.js';
import { makeCheckpoint, type TrailDeps } from './checkpoints.js';
import { bytesToBase64, rawEd25519 } from './note.js';

export interface ExportFile {
  path: string;
  content: string;
}

/** SPKI PEM of a raw Ed25519 public key (RFC 8410: the fixed 12-byte prefix, then the key). */
export function ed25519Pem(raw: Uint8Array): string {
  const der = new Uint8Array([
    0x30,
    0x2a,
    0x30,
    0x05,
    0x06,
    0x03,
    0x2b,
    0x65,
    0x70,
    0x03,
    0x21,
    0x00,
    ...raw,
  ]);
  return `-----BEGIN PUBLIC KEY-----\n${bytesToBase64(der)}\n-----END PUBLIC KEY-----\n`;
}

/** The audit public keys as PEM blocks, each after a `# kid` comment (the well-known URL serves this). */
export async function auditKeysPem(store: Store): Promise<string> {
  const rows = await store.global.read((g) => listPublishedKeys(g, 'audit'));
  return rows.map((r) => `# kid ${r.kid} (${r.status})\n${ed25519Pem(rawEd25519(r.publicJwk))}`).join('\n');
}

const PAGE = 20_000;

export async function buildExport(deps: TrailDeps, tenantId: string): Promise<ExportFile[]> {
  const { store } = deps;
  const scope = store.tenant(tenantId);
  // Null only for a trail without entries.
  const head = await makeCheckpoint(deps, tenantId, 'on-demand');
  const size = head?.treeSize ?? 0;
  const lines: string[] = [];
  for (let after = 0; after < size; ) {
    const rows = await scope.read((ctx) =>
      listAudit(ctx, { afterSeq: after, limit: Math.min(PAGE, size - after) }),
    );
    for (const { this_hash: _, ...e } of rows) if (e.seq <= size) lines.push(canonicalEntry(e));
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
  }
  const checkpoints = await scope.read((ctx) => listCheckpoints(ctx));
  const keys = await store.global.read((g) => listPublishedKeys(g, 'audit'));
  const files: ExportFile[] = [{ path: 'log.jsonl', content: lines.map((l) => `${l}\n`).join('') }];
  for (const c of checkpoints) files.push({ path: `checkpoints/${c.treeSize}.txt`, content: c.note });
  const latest = checkpoints[checkpoints.length - 1];
  if (latest) files.push({ path: 'checkpoint.txt', content: latest.note });
  for (const k of keys)
    files.push({ path: `keys/${k.kid}.pem`, content: ed25519Pem(rawEd25519(k.publicJwk)) });
  const signer = keys.find((k) => k.kid === latest?.kid) ?? keys.find((k) => k.status === 'active');
  if (signer) files.push({ path: 'audit-key.pem', content: ed25519Pem(rawEd25519(signer.publicJwk)) });
  return files;
}

/** A POSIX ustar archive of the files under `root/` (no compression: `tar xf` everywhere). */
export function tarOf(root: string, files: ExportFile[], mtime: Date): Uint8Array {
  const parts: Uint8Array[] = [];
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`;
  for (const f of files) {
    const body = utf8(f.content);
    const header = new Uint8Array(512);
    const put = (s: string, at: number) => header.set(utf8(s), at);
    // ustar: the directory goes in the 155-byte prefix field, the file's path in the 100-byte name.
    if (utf8(f.path).length > 100 || utf8(root).length > 155)
      throw new Error(`archive path too long: ${f.path}`);
    put(f.path, 0);
    put(root, 345);
    put(octal(0o644, 8), 100);
    put(octal(0, 8), 108);
    put(octal(0, 8), 116);
    put(octal(body.length, 12), 124);
    put(octal(Math.floor(mtime.getTime() / 1000), 12), 136);
    put('        ', 148);
    put('0', 156);
    put('ustar\u000000', 257);
    let sum = 0;
    for (const b of header) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(header, body, new Uint8Array((512 - (body.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
