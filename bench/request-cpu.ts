import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../src/platform/node/logger.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { VENDOR_COOKIE } from '../src/vendor/sessions.js';
import { pinnedQuestionnaire } from '../src/workspace/questionnaires.js';
import { createTenantWithAdmin } from '../src/workspace/tenants.js';
import { browser, testApp } from '../test/support/app.js';
import { vendorFixture, vendorSession } from '../test/support/vendor.js';

/*
 * `node --import tsx bench/request-cpu.ts`: CPU time per request of the app's own code, in process
 * (app.request(), sequential, no socket and no load generator on the same cores): GET /healthz, signed-in
 * GET /app and one autosave, each process.cpuUsage() around 1000 requests, median of 5 batches. A
 * relative figure for A/B runs on a loaded machine: app.request() builds a web Request and Response,
 * which adds ~250 µs that the real server (@hono/node-server) does not pay.
 */
const N = 1000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-cpu-'));
const store = openSqliteStore({ file: path.join(dir, 'assay.db') });
const logger = createLogger({ level: 'info', destination: fs.createWriteStream('/dev/null') as never });
const app = await testApp(store, { logger, env: 'production' });
const PASSWORD = 'correct horse battery staple';
const { token } = await createTenantWithAdmin(
  store,
  { name: 'Cpu', adminEmail: 'cpu@cpu.example' },
  new Date(),
);
const member = browser(app);
await member.post(`/setup/${token}`, { password: PASSWORD, passwordConfirm: PASSWORD });
const f = await vendorFixture(store, { context: { 'scope.function': 'critical' } });
const q = await store.tenant(f.tenantId).read((ctx) => pinnedQuestionnaire(ctx, f.questionnaireVersionId));
const question = [...q!.questions.values()].find((x) => x.type === 'text' && !x.visibleIf && !x.context)!;
const vendor = browser(app);
vendor.jar.set(VENDOR_COOKIE, await vendorSession(store, f));
let rev = 0;
const anon = browser(app);

const paths: Record<string, () => Promise<Response>> = {
  '/healthz': () => anon.get('/healthz'),
  '/app': () => member.get('/app'),
  autosave: async () => {
    const res = await vendor.post(
      `/v/a/${f.assessmentId}/answer/${encodeURIComponent(question.id)}`,
      { [question.id]: `answer ${rev}`, [`_rev.${question.id}`]: String(rev) },
      { 'HX-Request': 'true' },
    );
    if (res.status === 200) rev++;
    return res;
  },
};

const out: string[] = [];
for (const [name, send] of Object.entries(paths)) {
  const first = await send();
  if (first.status !== 200) throw new Error(`${name}: ${first.status}`);
  for (let i = 0; i < 200; i++) await (await send()).arrayBuffer();
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const before = process.cpuUsage();
    for (let i = 0; i < N / 5; i++) await (await send()).arrayBuffer();
    const used = process.cpuUsage(before);
    batches.push((used.user + used.system) / (N / 5));
  }
  batches.sort((x, y) => x - y);
  out.push(
    `${name} ${batches[2]!.toFixed(0)} µs (batches ${batches[0]!.toFixed(0)}–${batches[4]!.toFixed(0)})`,
  );
}
console.log(out.join('\n'));
await store.close();
