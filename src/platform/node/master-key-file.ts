/**
 * The master key on Node: MASTER_KEY in production; elsewhere a random one created once under DATA_DIR
 * (mode 0600, its folder 0700) so `npm start` needs no set-up.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MasterKey } from '../../keys/master-key.js';

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
  if (!fs.existsSync(opts.dataDir)) fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
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
