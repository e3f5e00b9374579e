/**
 * Starting the built app as production runs it, for the benchmarks that drive it over HTTP (`http`,
 * `http-ab`): a fresh DATA_DIR, a free port, the access log to /dev/null (where a shipper would read it),
 * a local SMTP sink (production refuses to start without SMTP_URL), resolved once /healthz answers and
 * the first-run link is written.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smtpSinkUrl } from './smtp-sink.js';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface SpawnedApp {
  child: ChildProcess;
  port: number;
  dataDir: string;
  linkFile: string;
}

/** Runs `script` (a path under `cwd`) with node; `label` names it in errors. */
export async function spawnApp(opts: {
  cwd: string;
  script: string;
  baseUrl: string;
  tmpPrefix: string;
  label: string;
  profileDir?: string | undefined;
}): Promise<SpawnedApp> {
  const dataDir = mkdtempSync(join(tmpdir(), opts.tmpPrefix));
  const linkFile = join(dataDir, 'setup-link');
  const port = await freePort();
  const out = openSync('/dev/null', 'w');
  const flags = opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, join(opts.cwd, opts.script)], {
    cwd: opts.cwd,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      SMTP_URL: await smtpSinkUrl(),
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: opts.baseUrl,
      DATA_DIR: dataDir,
      MASTER_KEY: randomBytes(32).toString('base64'),
      SETUP_LINK_FILE: linkFile,
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      ASSAY_DEV: '',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${opts.label} exited with ${child.exitCode} before listening`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok && existsSync(linkFile)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${opts.label} did not answer /healthz within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, dataDir, linkFile };
}
