/**
 * Real implementations for the passwords tests: the WASM argon2 compiled from the package's own
 * files (what wrangler would upload), and the Workers port running inside workerd.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import type { Argon2id, VerifyResult } from '../../src/auth/passwords.js';
import type { Argon2WasmModules } from '../../src/platform/workers/passwords.js';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const COMPATIBILITY_DATE = '2025-06-01';

export async function wasmModules(): Promise<Argon2WasmModules> {
  const compile = async (name: string) =>
    WebAssembly.compile(await readFile(require.resolve(`argon2-wasm-edge/wasm/${name}.wasm`)));
  return { argon2: await compile('argon2'), blake2b: await compile('blake2b') };
}

/** Wraps a real argon2id to record how many calls overlap and with which parameters. */
export function instrumented(argon2id: Argon2id) {
  const stats = { calls: 0, active: 0, peak: 0, memoryKiB: [] as number[] };
  const wrapped: Argon2id = async (password, salt, params) => {
    stats.calls++;
    stats.active++;
    stats.peak = Math.max(stats.peak, stats.active);
    stats.memoryKiB.push(params.memoryKiB);
    try {
      return await argon2id(password, salt, params);
    } finally {
      stats.active--;
    }
  };
  return { argon2id: wrapped, stats };
}

export interface WorkerdPasswords {
  hash(password: string): Promise<string>;
  verify(stored: string | null, password: string): Promise<VerifyResult>;
  /** One request's round trip, for the benchmark. */
  noop(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Bundles test/auth/fixtures/passwords-worker.ts with wrangler exactly as `wrangler deploy` would
 * (its module rules turn the .wasm imports into compiled modules) and runs it in workerd.
 */
export async function startWorkerdPasswords(): Promise<WorkerdPasswords> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-workerd-passwords-'));
  const out = join(dir, 'out');
  let mf: Miniflare | undefined;
  try {
    // An empty config of its own: otherwise wrangler would find the app's wrangler.toml above the fixture.
    await writeFile(join(dir, 'wrangler.toml'), 'name = "assay-passwords-test"\n');
    await promisify(execFile)(
      join(root, 'node_modules/.bin/wrangler'),
      [
        'deploy',
        '--dry-run',
        '--config',
        join(dir, 'wrangler.toml'),
        '--outdir',
        out,
        '--name',
        'assay-passwords-test',
        '--compatibility-date',
        COMPATIBILITY_DATE,
        join(root, 'test/auth/fixtures/passwords-worker.ts'),
      ],
      // Run where wrangler's scratch folder (.wrangler/) can be thrown away, without telemetry.
      { cwd: dir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    );
    mf = new Miniflare({
      scriptPath: join(out, 'passwords-worker.js'),
      // Module names are paths relative to this; workerd refuses any that climb out with "..".
      modulesRoot: out,
      modules: true,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: COMPATIBILITY_DATE,
      cf: false, // no request for the real `request.cf` object: there is no network here
    });
    await mf.ready;
  } catch (error) {
    await mf?.dispose().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const worker = mf;
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await worker.dispatchFetch(`http://worker${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`worker ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    hash: async (password) => (await call<{ hash: string }>('/hash', { password })).hash,
    verify: (stored, password) => call<VerifyResult>('/verify', { stored, password }),
    noop: async () => {
      await (await worker.dispatchFetch('http://worker/noop', { method: 'POST', body: '{}' })).arrayBuffer();
    },
    dispose: async () => {
      await worker.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
