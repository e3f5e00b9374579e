/**
 * The master key wraps every private key and per-tenant evidence key (AES-256-GCM). In production it
 * comes only from MASTER_KEY; elsewhere a random one is created once under DATA_DIR (mode 0600) so
 * `npm start` needs no set-up.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class MasterKey {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes');
    this.#key = key;
  }

  /** `v1.<iv>.<ciphertext>.<tag>` in base64url; `aad` binds the ciphertext to its purpose/record. */
  wrap(plaintext: Uint8Array, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['v1', iv, ct, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  unwrap(wrapped: string, aad: string): Buffer {
    const [v, iv, ct, tag] = wrapped.split('.');
    if (v !== 'v1' || !iv || ct === undefined || !tag) throw new Error('wrapped key has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  }
}

export function loadMasterKey(opts: {
  masterKey: string | null;
  dataDir: string;
  production: boolean;
}): MasterKey {
  if (opts.masterKey) return new MasterKey(Buffer.from(opts.masterKey, 'base64'));
  if (opts.production) throw new Error('MASTER_KEY is required in production');
  const file = path.join(opts.dataDir, 'master.key');
  try {
    return new MasterKey(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return new MasterKey(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return new MasterKey(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  }
}
