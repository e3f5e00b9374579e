import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { createApp } from '../src/app.js';
import { AUDIT_INSERT_COLUMNS, auditRowValues, nextEntry } from '../src/audit/chain.js';
import { sha256Hex } from '../src/crypto/hash.js';
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
 * better-sqlite3 doing one INSERT per request (the bare limit); `floor` is bare Hono on the same file
 * and fixtures sending a save's statements (see floorApp) with no app code around them. Prints
 * {"port", "sessions"} when ready.
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
  const fetch = variant === 'floor' ? floorApp(path.join(dir, 'assay.db')).fetch : app.fetch;
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  hardenNodeServer(server, { logger: createLogger({ level: 'silent' }) });
  // The file too: the bench counts the WAL pages a save writes (walPages in bench/support.ts).
  announce(server, { sessions: out, file: path.join(dir, 'assay.db') });
}

/**
 * The `floor` variant: bare Hono (no middleware) on the app's SQLite file sending what one autosave
 * sends to SQLite, by hand: the session by its hash, the portal head, the answers and the files, then
 * in one BEGIN IMMEDIATE the guarded revision bump, the answer, the audit head and the audit entry
 * (nextEntry: its canonical line and SHA-256), and a constant fragment of the app's size with the new
 * revision. No engine, no render, no units, no drizzle: what is left of a save without the app.
 */
function floorApp(file: string): Hono {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const session = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const head = db.prepare(
    `SELECT a.*, v.source_hash, t.name AS tenant_name, vd.name AS vendor_name FROM assessments a
     LEFT JOIN questionnaire_versions v ON v.tenant_id = a.tenant_id AND v.id = a.questionnaire_version_id
     LEFT JOIN tenants t ON t.id = a.tenant_id
     LEFT JOIN vendors vd ON vd.tenant_id = a.tenant_id AND vd.id = a.vendor_id
     WHERE a.tenant_id = ? AND a.id = ?`,
  );
  const answers = db.prepare(
    'SELECT key, value, revision, updated_at, updated_by FROM answers WHERE tenant_id = ? AND assessment_id = ?',
  );
  const files = db.prepare(
    `SELECT * FROM evidence WHERE tenant_id = ? AND assessment_id = ? AND deleted_at IS NULL
     AND superseded_at IS NULL ORDER BY created_at, id`,
  );
  const bump = db.prepare(
    `UPDATE assessments SET answers_revision = answers_revision + 1, updated_at = ? WHERE tenant_id = ? AND id = ?
     AND status IN ('sent', 'opened', 'in_progress', 'expired', 'changes_requested') RETURNING answers_revision`,
  );
  const answer = db.prepare(
    `INSERT INTO answers (id, tenant_id, assessment_id, key, value, revision, updated_by, updated_at)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (tenant_id, assessment_id, key) DO UPDATE
     SET value = excluded.value, revision = answers.revision + 1, updated_by = excluded.updated_by,
     updated_at = excluded.updated_at RETURNING revision`,
  );
  const auditHead = db.prepare(
    'SELECT seq, this_hash FROM audit_log WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const auditInsert = db.prepare(
    `INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const save = db.transaction(
    (
      s: { tenant_id: string; assessment_id: string; contact_id: string },
      key: string,
      value: string,
      now: Date,
    ) => {
      const moved = bump.all(now.getTime(), s.tenant_id, s.assessment_id);
      if (moved.length === 0) throw new Error('closed');
      const { revision } = answer.get(
        crypto.randomUUID(),
        s.tenant_id,
        s.assessment_id,
        key,
        JSON.stringify(value),
        s.contact_id,
        now.getTime(),
      ) as { revision: number };
      const last = auditHead.get(s.tenant_id) as { seq: number; this_hash: string } | undefined;
      const next = nextEntry(
        s.tenant_id,
        last ? { seq: last.seq, hash: last.this_hash } : null,
        {
          actor: `vendor:${s.contact_id}`,
          action: 'answer.saved',
          target: `assessment:${s.assessment_id}`,
          data: { question: key, revision },
        },
        now,
      );
      auditInsert.run(...auditRowValues(crypto.randomUUID(), next));
      return revision;
    },
  );
  const pad = 'x'.repeat(2400);
  const app = new Hono();
  app.post('/v/a/:id/answer/:key', async (c) => {
    const token = /__Host-assay-vendor=([^;]+)/.exec(c.req.header('cookie') ?? '')?.[1] ?? '';
    const s = session.get(sha256Hex(token)) as
      | { tenant_id: string; assessment_id: string; contact_id: string }
      | undefined;
    if (!s || s.assessment_id !== c.req.param('id')) return c.text('no session', 401);
    const form = new URLSearchParams(await c.req.text());
    const key = c.req.param('key');
    head.get(s.tenant_id, s.assessment_id);
    answers.all(s.tenant_id, s.assessment_id);
    files.all(s.tenant_id, s.assessment_id);
    const revision = save.immediate(s, key, form.get(key) ?? '', new Date());
    return c.html(`<input type="hidden" name="_rev.${key}" value="${revision}"><div hidden>${pad}</div>`);
  });
  return app;
}
