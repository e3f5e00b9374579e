import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { Unit } from '../src/db/unit.js';
import { nodeClientAddress } from '../src/platform/node/client-address.js';
import { hardenNodeServer } from '../src/platform/node/http-server.js';
import { createLogger } from '../src/platform/node/logger.js';
import { pinnedQuestionnaire } from '../src/workspace/questionnaires.js';
import { vendorCookie, vendorFixture, vendorSession } from '../test/support/vendor.js';
import { openSqliteBench } from './support.js';

/*
 * One server for bench/autosave.bench.ts, in its own process: `app` is the real app on a SQLite file
 * (as `npm start` runs it) with N vendor sessions, each on its own assessment; `bare` is node:http and
 * better-sqlite3 doing one INSERT per request (the bare limit). Prints {"port", "sessions"} when ready.
 */
const variant = process.argv[2] ?? 'app';
// bench/audit.bench.ts compares autosave with and without the audit chain: without, no entry is queued.
if (process.env.BENCH_AUTOSAVE_NO_AUDIT) Unit.prototype.queueAudit = () => {};
const sessions = Number(process.argv[3] ?? 50);
// The bench ends this process with SIGTERM; exiting normally lets `--cpu-prof` write its profile.
process.on('SIGTERM', () => process.exit(0));

function announce(server: Server, extra: Record<string, unknown>) {
  const print = () =>
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, ...extra })}\n`);
  if (server.listening) print();
  else server.once('listening', print);
}

if (variant === 'bare') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-autosave-'));
  const db = new Database(path.join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE answers (id INTEGER PRIMARY KEY, session TEXT, key TEXT, value TEXT, at INTEGER)');
  const insert = db.prepare('INSERT INTO answers (session, key, value, at) VALUES (?, ?, ?, ?)');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      insert.run(req.headers.cookie ?? '', req.url ?? '', form.toString(), Date.now());
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      res.end('<input type="hidden" name="_rev.x" value="1">');
    });
  });
  server.listen(0, '127.0.0.1');
  announce(server, {
    sessions: Array.from({ length: sessions }, (_, i) => ({
      path: `/bare/${i}`,
      cookie: `s=${i}`,
      key: 'x',
    })),
  });
} else {
  // The fixtures seal contacts under the tests' master key (fill 42, test/support/app.ts): the server
  // must hold the same one, as it reads the tenant's data key (the answer digests' secret).
  const { store, platform, dir } = await openSqliteBench('autosave', 42);
  const base = 'http://127.0.0.1';
  const app = createApp(
    { ...platform, clientAddress: nodeClientAddress({ trustProxy: 0 }) },
    { config: { baseUrl: base, env: 'test' } },
  );
  const out: { path: string; cookie: string; key: string }[] = [];
  for (let i = 0; i < sessions; i++) {
    const f = await vendorFixture(store, { context: { 'scope.function': 'critical' } });
    const q = await store
      .tenant(f.tenantId)
      .read((ctx) => pinnedQuestionnaire(ctx, f.questionnaireVersionId));
    // A free-text question every vendor sees: each save re-evaluates the whole questionnaire.
    const question = [...q!.questions.values()].find((x) => x.type === 'text' && !x.visibleIf && !x.context)!;
    out.push({
      path: `/v/a/${f.assessmentId}/answer/${encodeURIComponent(question.id)}`,
      cookie: vendorCookie(await vendorSession(store, f)),
      key: question.id,
    });
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  hardenNodeServer(server, { logger: createLogger({ level: 'silent' }) });
  // The file too: the bench counts the WAL pages a save writes (walPages in bench/support.ts).
  announce(server, { sessions: out, file: path.join(dir, 'assay.db') });
}
