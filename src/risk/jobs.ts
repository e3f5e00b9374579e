/** The register's background job: acceptances that ended re-open their risks (daily; also on every read). */
import { listTenants } from '../db/repo/tenants.js';
import type { Job } from '../jobs/registry.js';
import { reopenExpiredAcceptances } from './acceptance.js';

export const acceptanceExpiryJob: Job = {
  name: 'risk-acceptance-expiry',
  every: 'daily',
  async run(platform, now) {
    // The scheduler's claim lists tenants (tenants_scheduler_read on PostgreSQL); each tenant's risks are
    // then reached only through that tenant's own units.
    const tenants = await platform.store.as({ system: 'scheduler' }).read((g) => listTenants(g));
    for (const t of tenants) await reopenExpiredAcceptances(platform.store.tenant(t.id), now);
  },
};
