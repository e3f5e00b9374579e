/**
 * `assay tenant export --tenant T --out FILE`, `assay tenant delete --tenant T [--cancel]` and
 * `assay tenant purge` (docs/tenant-exit.md): the operator's side of tenant exit. The export is the same
 * ZIP the workspace streams; a deletion asked here is recorded with the actor `system:cli`; purge runs
 * the daily job now (it only ever touches tenants past their deadline).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeCheckpoint } from '../audit/checkpoints.js';
import { getTenant } from '../db/repo/tenants.js';
import type { Ports } from '../platform/ports.js';
import { cancelTenantDeletion, requestTenantDeletion, tenantPurgeJob } from '../privacy/tenant-deletion.js';
import { tenantExportZip } from '../privacy/tenant-export.js';
import type { CliKit } from './audit-commands.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface ExitKit extends Pick<CliKit, 'options' | 'fail' | 'resolveTenant'> {
  withPorts<T>(
    io: Io,
    fn: (
      ports: Pick<Ports, 'store' | 'master' | 'blobs' | 'logger' | 'keys'> &
        Partial<Pick<Ports, 'mail'>> & { baseUrl: string },
    ) => Promise<T>,
  ): Promise<T>;
}

const ACTOR = 'system:cli';

export function tenantExitCommands(kit: ExitKit) {
  const noPositionals = (p: string[]) => {
    if (p.length) kit.fail(`unexpected argument "${p[0]}"`);
  };
  const tenantOf = (values: Record<string, unknown>) => {
    const t = values.tenant;
    if (typeof t !== 'string' || t.trim() === '') kit.fail('--tenant is required');
    return t as string;
  };
  return {
    'tenant export': async (args: string[], io: Io) => {
      const { values, positionals } = kit.options(args, {
        tenant: { type: 'string' },
        out: { type: 'string' },
      });
      noPositionals(positionals);
      const tenant = tenantOf(values);
      const out = values.out;
      if (typeof out !== 'string' || out.trim() === '') kit.fail('--out is required (a .zip file)');
      const file = path.resolve(out as string);
      if (fs.existsSync(file)) kit.fail(`${file} exists: name a new file`);
      if (!fs.existsSync(path.dirname(file))) kit.fail(`${path.dirname(file)} does not exist`);
      return kit.withPorts(io, async (ports) => {
        const id = await kit.resolveTenant(ports.store, tenant);
        const now = new Date();
        await ports.store
          .tenant(id)
          .write((tx) => tx.audit({ actor: ACTOR, action: 'tenant.exported', target: `tenant:${id}` }, now));
        // A checkpoint at the head, this export's entry included, so the ZIP's checkpoints cover its log.
        await makeCheckpoint(ports, id, 'on-demand');
        const partial = `${file}.partial`;
        try {
          await pipeline(
            Readable.fromWeb(tenantExportZip(ports, id, now) as never),
            fs.createWriteStream(partial, { flags: 'wx' }),
          );
          fs.renameSync(partial, file);
        } catch (err) {
          fs.rmSync(partial, { force: true });
          throw err;
        }
        io.out(`Wrote ${file} (${fs.statSync(file).size} bytes).`);
        return 0;
      });
    },
    'tenant delete': async (args: string[], io: Io) => {
      const { values, positionals } = kit.options(args, {
        tenant: { type: 'string' },
        cancel: { type: 'boolean' },
      });
      noPositionals(positionals);
      const tenant = tenantOf(values);
      return kit.withPorts(io, async ({ store }) => {
        const id = await kit.resolveTenant(store, tenant);
        const scope = store.tenant(id);
        try {
          if (values.cancel === true) {
            await cancelTenantDeletion(scope, ACTOR, new Date());
            io.out(`Cancelled the deletion of tenant ${id}.`);
          } else {
            const name = (await store.as({ system: 'cli' }).read((g) => getTenant(g, id)))!.name;
            const { dueAt } = await requestTenantDeletion(
              scope,
              { typedName: name, actor: ACTOR, keepSessionId: null },
              new Date(),
            );
            io.out(
              `Tenant ${id} is scheduled for deletion on ${dueAt.toISOString()}; cancel with --cancel before then.`,
            );
          }
        } catch (err) {
          if (err instanceof Error && 'status' in err) kit.fail(err.message);
          throw err;
        }
        return 0;
      });
    },
    'tenant purge': async (args: string[], io: Io) => {
      const { positionals } = kit.options(args, {});
      noPositionals(positionals);
      return kit.withPorts(io, async (ports) => {
        const done = await tenantPurgeJob(ports, new Date());
        for (const r of done) io.out(`Purged tenant ${r.tenantId}: ${r.rows} rows, ${r.files} files.`);
        if (done.length === 0) io.out('No tenant is past its deletion deadline.');
        return 0;
      });
    },
  };
}
