/**
 * `assay privacy export --tenant T (--contact-email E | --contact-id ID | --member-email E) --out FILE`
 * and `assay privacy erase --tenant T (…the same…) --confirm E`: the data subject's rights from the
 * operator's shell (docs/privacy.md). The same domain functions as the workspace; the actor is `system`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/store.js';
import { HttpError } from '../errors.js';
import type { MasterKey } from '../keys/master-key.js';
import type { MailPort } from '../platform/ports.js';
import { eraseSubject, exportSubject, findSubjects, type SubjectType } from '../privacy/subjects.js';
import type { CliKit } from './audit-commands.js';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export type PrivacyKit = Pick<CliKit, 'options' | 'fail' | 'resolveTenant'> & {
  /** `mail`: the development outbox, where the configuration has one (its files follow an erasure). */
  withMaster<T>(io: Io, fn: (store: Store, master: MasterKey, mail?: MailPort) => Promise<T>): Promise<T>;
};

const SUBJECT_OPTIONS = {
  tenant: { type: 'string' },
  'contact-email': { type: 'string' },
  'contact-id': { type: 'string' },
  'member-email': { type: 'string' },
} as const;

export function privacyCommands(
  kit: PrivacyKit,
): Record<string, (args: string[], io: Io) => Promise<number>> {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

  /** The one subject the options name, in the tenant; fails with a sentence otherwise. */
  async function subjectOf(
    ports: { store: Store; master: MasterKey },
    tenantId: string,
    values: Record<string, unknown>,
  ): Promise<{ type: SubjectType; id: string }> {
    const given = ['contact-email', 'contact-id', 'member-email'].filter((k) => str(values[k]));
    if (given.length !== 1)
      kit.fail('name the subject with exactly one of --contact-email, --contact-id, --member-email');
    const contactId = str(values['contact-id']);
    if (contactId) return { type: 'contact', id: contactId };
    const email = (str(values['contact-email']) ?? str(values['member-email'])) as string;
    let found: Awaited<ReturnType<typeof findSubjects>>;
    try {
      found = await findSubjects(ports, tenantId, email);
    } catch (err) {
      if (err instanceof HttpError) kit.fail(err.message);
      throw err;
    }
    if (str(values['member-email'])) {
      if (!found.member) kit.fail('no member of this tenant has that address');
      return { type: 'member', id: found.member.userId };
    }
    if (found.contacts.length === 0) kit.fail('no vendor contact of this tenant has that address');
    if (found.contacts.length > 1)
      kit.fail(
        `${found.contacts.length} contacts have that address (${found.contacts.map((c) => `${c.id} at ${c.vendorName}`).join(', ')}); pass --contact-id`,
      );
    return { type: 'contact', id: found.contacts[0]!.id };
  }

  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) kit.fail(err.message);
      throw err;
    }
  };

  return {
    'privacy export': async (args, io) => {
      const { values, positionals } = kit.options(args, { ...SUBJECT_OPTIONS, out: { type: 'string' } });
      if (positionals.length) kit.fail(`unexpected argument "${positionals[0]}"`);
      const tenant = str(values.tenant) ?? kit.fail('--tenant is required');
      const out = str(values.out) ?? kit.fail('--out is required (the zip file to write)');
      const file = path.resolve(out);
      if (fs.existsSync(file)) kit.fail(`${file} exists; choose a new file name`);
      return kit.withMaster(io, async (store, master) => {
        const ports = { store, master };
        const tenantId = await kit.resolveTenant(store, tenant);
        const subject = await subjectOf(ports, tenantId, values);
        const archive = await run(() =>
          exportSubject(ports, tenantId, subject.type, subject.id, 'system', new Date()),
        );
        // Personal data: readable by the operator only; written under a temporary name, then renamed.
        const tmp = `${file}.partial`;
        fs.writeFileSync(tmp, archive.bytes, { mode: 0o600, flag: 'wx' });
        fs.renameSync(tmp, file);
        io.out(`Exported ${subject.type} ${subject.id} to ${file} (SHA-256 ${archive.sha256}).`);
        return 0;
      });
    },
    'privacy erase': async (args, io) => {
      const { values, positionals } = kit.options(args, { ...SUBJECT_OPTIONS, confirm: { type: 'string' } });
      if (positionals.length) kit.fail(`unexpected argument "${positionals[0]}"`);
      const tenant = str(values.tenant) ?? kit.fail('--tenant is required');
      const confirm =
        str(values.confirm) ?? kit.fail("--confirm is required: the subject's email address, typed again");
      return kit.withMaster(io, async (store, master, mail) => {
        const ports = { store, master, ...(mail ? { mail } : {}) };
        const tenantId = await kit.resolveTenant(store, tenant);
        const subject = await subjectOf(ports, tenantId, values);
        const done = await run(() =>
          eraseSubject(ports, tenantId, subject.type, subject.id, confirm, 'system', new Date()),
        );
        io.out(
          `Erased ${subject.type} ${subject.id}${done.identity === 'kept' ? ' from this tenant (the identity belongs to other tenants too and stays there)' : ''}.`,
        );
        return 0;
      });
    },
  };
}
