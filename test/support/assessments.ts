/** Sending assessments in tests the way the CLI does, and reading what the outbox would mail. */
import { listMail } from '../../src/db/repo/outbox.js';
import type { Store } from '../../src/db/store.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import { loadLibrary, shippedSource } from '../../src/platform/node/questionnaire-files.js';
import type { Ports } from '../../src/platform/ports.js';
import { type SendInput, sendAssessment } from '../../src/workspace/assessments.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { BASE_URL, TEST_MASTER_KEY } from './app.js';

let library: ReturnType<typeof loadLibrary> | undefined;
export const shippedLibrary = () => {
  library ??= loadLibrary();
  return library;
};

export async function seedTenant(store: Store, name: string, now: Date): Promise<string> {
  await ensureSigningKeys(store, TEST_MASTER_KEY, now);
  const { tenantId } = await createTenantWithAdmin(
    store,
    { name, adminEmail: `admin@${name.toLowerCase()}.example` },
    now,
  );
  return tenantId;
}

export async function send(
  platform: Ports,
  tenantId: string,
  input: Partial<SendInput> = {},
  baseUrl = BASE_URL,
) {
  const lib = shippedLibrary();
  return sendAssessment(
    {
      store: platform.store,
      keys: platform.keys,
      master: platform.master,
      clock: platform.clock,
      templates: platform.templates,
      mail: platform.mail,
      baseUrl,
      library: lib,
      shipped: shippedSource(lib),
    },
    tenantId,
    {
      questionnaire: 'nis2-supplier',
      vendorName: 'Widgets GmbH',
      contactEmail: 'jane@widgets.example',
      actor: 'system:cli',
      mayAddVendors: true,
      ...input,
    },
  );
}

/** Every queued mail (the sender's view), newest last. */
export async function outbox(store: Store) {
  const rows = await store.as({ system: 'mail' }).read((g) => listMail(g, 1000));
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** The `aid` claim of a mailed link (read, not verified: the app verifies it). */
function linkAssessment(path: string): string | undefined {
  const payload = path.split('/').at(-1)?.split('.')[1];
  if (!payload) return undefined;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aid?: string }).aid;
}

/**
 * The vendor link path (`/v/<jwt>`) in the last mail to `to`, of `assessmentId` when given: tests with a
 * frozen clock queue several mails in the same millisecond, so "last" alone can name another assessment.
 */
export async function lastLinkTo(store: Store, to: string, assessmentId?: string): Promise<string> {
  // The last mail that carries a link: a receipt queued in the same millisecond may sort after it.
  const link = /https:\/\/assay\.test(\/v\/[A-Za-z0-9_.-]+)/;
  const mail = (await outbox(store))
    .filter((m) => m.toAddress === to && link.test(m.textBody))
    .filter((m) => !assessmentId || linkAssessment(m.textBody.match(link)![1]!) === assessmentId)
    .at(-1);
  const m = mail?.textBody.match(link);
  if (!m) throw new Error(`no link mailed to ${to}`);
  return m[1]!;
}

export async function lastCodeTo(store: Store, to: string): Promise<string> {
  // The last mail that carries a code: with a frozen clock an invitation queued in the same millisecond
  // may sort after it.
  const code = /(?:Your code|Ihr Code): (\d{6})/;
  const mail = (await outbox(store)).filter((m) => m.toAddress === to && code.test(m.textBody)).at(-1);
  const m = mail?.textBody.match(code);
  if (!m) throw new Error(`no code mailed to ${to}`);
  return m[1]!;
}
