/**
 * The audit trail's background jobs (src/jobs/registry.ts): an hourly checkpoint of every tenant whose
 * log grew, and the daily mail of each tenant's latest checkpoint to the addresses it named
 * (`/app/settings/audit`), so a copy of the signed history is held outside Assay.
 */
import { sha256Hex } from '../crypto/hash.js';
import { getCheckpointRecipients, latestCheckpoint } from '../db/repo/audit.js';
import { listTenants } from '../db/repo/tenants.js';
import type { Store } from '../db/store.js';
import { queueMail } from '../mail/queue.js';
import type { Ports } from '../platform/ports.js';
import { makeCheckpoint } from './checkpoints.js';

/** Tenants pending deletion included: their trail is signed and mailed until the purge. */
async function tenantIds(store: Store): Promise<string[]> {
  return (await store.as({ system: 'scheduler' }).read((g) => listTenants(g, { includePending: true }))).map(
    (t) => t.id,
  );
}

/** Signs a checkpoint for every tenant whose head moved since its latest one. */
export async function checkpointAllTenants(platform: Ports, now: Date): Promise<number> {
  if (!platform.baseUrl) throw new Error('audit checkpoints need the BASE_URL (Ports.baseUrl)');
  let made = 0;
  for (const id of await tenantIds(platform.store)) {
    const before = await platform.store.tenant(id).read((ctx) => latestCheckpoint(ctx));
    const c = await makeCheckpoint(
      { store: platform.store, keys: platform.keys, baseUrl: platform.baseUrl, clock: { now: () => now } },
      id,
      'periodic',
    );
    if (c && c.id !== before?.id) made++;
  }
  return made;
}

/** The mail of one checkpoint: the note itself, verbatim, and how to check it. */
export function checkpointMail(note: string, baseUrl: string) {
  const size = note.split('\n')[1];
  return {
    subject: `Audit checkpoint: ${size} entries`,
    text: [
      "This is your organisation's latest signed audit checkpoint from Assay. Keep this mail: if the",
      'audit history were ever rewritten, this checkpoint would no longer verify against it',
      '(`assay audit verify --checkpoint FILE`, or the recipe in docs/audit.md).',
      '',
      `Audit keys: ${baseUrl}/.well-known/audit-keys.pem`,
      '',
      '-----BEGIN CHECKPOINT-----',
      note.trimEnd(),
      '-----END CHECKPOINT-----',
      '',
    ].join('\n'),
    html: '',
  };
}

/** Queues each tenant's latest checkpoint to its recipients, once per day and address. */
export async function mailCheckpoints(platform: Ports, now: Date): Promise<number> {
  const baseUrl = platform.baseUrl ?? '';
  const day = now.toISOString().slice(0, 10);
  let queued = 0;
  for (const id of await tenantIds(platform.store)) {
    const scope = platform.store.tenant(id, { system: 'scheduler' });
    const found = await scope.read(async (ctx) => ({
      to: await getCheckpointRecipients(ctx),
      latest: await latestCheckpoint(ctx),
    }));
    if (!found.latest || found.to.length === 0) continue;
    const note = found.latest.note;
    await scope.write((tx) => {
      for (const to of found.to) {
        queueMail(
          tx,
          {
            tenantId: id,
            dedupeKey: `audit-checkpoint:${id}:${day}:${sha256Hex(to).slice(0, 16)}`,
            to,
            email: checkpointMail(note, baseUrl),
          },
          now,
        );
      }
      tx.audit(
        {
          actor: 'system',
          action: 'audit.checkpoint_mailed',
          target: `checkpoint:${found.latest!.treeSize}`,
          data: { recipients: found.to.length, root: found.latest!.rootHash },
        },
        now,
      );
    });
    queued += found.to.length;
  }
  if (queued) platform.mail.queued();
  return queued;
}
