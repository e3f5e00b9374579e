import { insertTenant, insertVendor } from '../src/db/repo/index.js';
import { MasterKey } from '../src/keys/master-key.js';
import { openSqliteStore } from '../src/platform/node/sqlite-store.js';
import { unconfiguredBlobs } from '../src/platform/ports.js';
import { tenantExportZip } from '../src/privacy/tenant-export.js';

/*
 * `npm run bench -- tenant-export` (issue 9, tenant exit): a tenant with BENCH_EXPORT_VENDORS (default
 * 100,000) vendors on in-memory SQLite. The export (src/privacy/tenant-export.ts) is streamed and consumed
 * chunk by chunk; the peer is the naive export: every row read at once and serialised as one JSON string.
 * Reported: the heap growth during each (sampled per chunk; the streamed one should not grow with the
 * tenant) and CPU time per row (process.cpuUsage), as ratios against the peer. Run with --expose-gc for
 * steadier heap figures; the machine is shared, so repeat.
 */
const N = Number(process.env.BENCH_EXPORT_VENDORS ?? 100_000);

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

export async function run(): Promise<void> {
  const store = openSqliteStore({ file: ':memory:' });
  const tenantId = crypto.randomUUID();
  await store.tenant(tenantId).write((tx) => insertTenant(tx, 'Bench', tx.tenantId));
  for (let i = 0; i < N; i += 1000)
    await store.tenant(tenantId).write((tx) => {
      for (let j = i; j < Math.min(N, i + 1000); j++)
        insertVendor(tx, { name: `Vendor ${j} ${'x'.repeat(40)}`, website: `https://v${j}.example` });
    });
  const ports = {
    store,
    master: new MasterKey(new Uint8Array(32).fill(7)),
    blobs: unconfiguredBlobs('bench'),
  };

  gc();
  let base = process.memoryUsage().heapUsed;
  let peak = base;
  let bytes = 0;
  let cpu = process.cpuUsage();
  const reader = tenantExportZip(ports, tenantId, new Date()).getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    bytes += r.value.byteLength;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const streamed = { heap: peak - base, cpu: cpuMs(process.cpuUsage(cpu)) };

  gc();
  base = process.memoryUsage().heapUsed;
  cpu = process.cpuUsage();
  const rows = await store.tenant(tenantId).read((ctx) => ctx.db.select().from(ctx.t.vendors));
  const json = JSON.stringify(rows);
  peak = process.memoryUsage().heapUsed;
  const naive = { heap: peak - base, cpu: cpuMs(process.cpuUsage(cpu)), bytes: json.length };

  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`${N} vendors; streamed ZIP ${mib(bytes)} (deflated); naive JSON ${mib(naive.bytes)}`);
  console.log(
    `heap growth: streamed ${mib(streamed.heap)}, naive ${mib(naive.heap)} (ratio ${(streamed.heap / naive.heap).toFixed(2)})`,
  );
  console.log(
    `CPU per row: streamed ${((streamed.cpu * 1000) / N).toFixed(1)} µs, naive ${((naive.cpu * 1000) / N).toFixed(1)} µs (ratio ${(streamed.cpu / naive.cpu).toFixed(2)}; the streamed one also deflates)`,
  );
  const target = streamed.heap < naive.heap / 2;
  console.log(`${target ? 'PASS' : 'FAIL'}: the streamed export's heap grows less than half the naive one's`);
  await store.close();
}
