/**
 * The role matrix (issue 8), data-driven from the real app: every route registered under /app (but the
 * public sign-in and sign-out) must have a row in ROUTE_PERMISSIONS, and for every role, with no
 * session and with another tenant's session, the answer must match the table:
 * - a role without the permission: 403, never 2xx;
 * - a role with it: never 401/403 (a 404 for a random id, a 4xx for an empty form, a redirect are fine;
 *   a route flagged `reauth` may ask for a re-authentication: 401, or 303 somewhere but the sign-in);
 * - no session: 303 to /app/login for a page, 401 for anything else;
 * - another tenant's admin with this tenant's record ids: never a 2xx or 3xx on a route with ids, and
 *   none of this tenant's names or emails on any page.
 * Routes other branches add are covered as soon as they are merged: `:id`-style params get a real id of
 * a seeded record where one is known for that path, else a random UUID (then only the permission
 * outcome is asserted). A hand-written list of (role, method, path, expected) rows, written from the
 * role descriptions of issue 8 and not from the table, checks the table itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { can, ROLE_PERMISSIONS } from '../../src/auth/permissions.js';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import { ROLES, type Role } from '../../src/db/tables.js';
import { ensureSigningKeys } from '../../src/keys/signing-keys.js';
import type { Ports } from '../../src/platform/ports.js';
import { rowsFromCsv, sendBulk } from '../../src/workspace/assessment-bulk.js';
import { sendAssessment, sendDeps } from '../../src/workspace/assessments.js';
import { permissionLookup } from '../../src/workspace/authorize.js';
import { ROUTE_PERMISSIONS } from '../../src/workspace/route-permissions.js';
import { BASE_URL, browser, TEST_MASTER_KEY, testPlatform } from '../support/app.js';
import { lastLinkTo } from '../support/assessments.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { PASSWORD, seedMember, seedTenant, signedIn } from './team-support.js';

type Browser = ReturnType<typeof browser>;
const PUBLIC = new Set([
  'GET /app/login',
  'POST /app/login',
  'POST /app/logout',
  // The second sign-in step: reached with the pending cookie of a correct password, not a session.
  'GET /app/login/mfa',
  'POST /app/login/mfa',
]);
/** Routes that end the session they are sent with: the walk signs the same browser in again after them. */
const ENDS_SESSION = new Set(['POST /app/account/sign-out-everywhere']);

/** The workspace routes of the real app: method and pattern, once each. */
function workspaceRoutes(app: ReturnType<typeof createApp>): { method: 'GET' | 'POST'; path: string }[] {
  const seen = new Set<string>();
  const out: { method: 'GET' | 'POST'; path: string }[] = [];
  for (const r of app.routes) {
    if (!r.path.startsWith('/app') || (r.method !== 'GET' && r.method !== 'POST')) continue;
    const key = `${r.method} ${r.path}`;
    if (PUBLIC.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

describe('the route table', () => {
  it('has a row for every workspace route of the real app, and only GET and POST', async () => {
    const { openSqliteStore } = await import('../../src/platform/node/sqlite-store.js');
    const store = openSqliteStore({ file: ':memory:' });
    const app = createApp(await testPlatform(store), { config: { baseUrl: BASE_URL, env: 'test' } });
    const routes = workspaceRoutes(app);
    expect(routes.length).toBeGreaterThan(5);
    const rows = new Set(ROUTE_PERMISSIONS.map(([m, p]) => `${m} ${p}`));
    const missing = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !rows.has(k));
    expect(missing, 'routes registered under /app without a row in ROUTE_PERMISSIONS').toEqual([]);
    // And no route answers a method the table does not list (HEAD is GET).
    for (const r of app.routes) {
      if (r.path.startsWith('/app') && !['GET', 'POST', 'ALL'].includes(r.method)) {
        throw new Error(`unexpected method ${r.method} on ${r.path}`);
      }
    }
    await store.close();
  });

  it('answers the role descriptions of issue 8 (independent spot checks of the permission table)', () => {
    const spot: [Role, Parameters<typeof can>[1], boolean][] = [
      ['admin', 'members.manage', true],
      ['admin', 'settings.manage', true],
      ['admin', 'security_log.read', true],
      ['compliance_manager', 'vendor.write', true],
      ['compliance_manager', 'assessment.send_bulk', true],
      ['compliance_manager', 'members.manage', false],
      ['compliance_manager', 'settings.manage', false],
      ['analyst', 'assessment.review', true],
      ['analyst', 'risk.write', true],
      ['analyst', 'members.manage', false],
      ['analyst', 'assessment.send_bulk', false],
      ['executive', 'risk.read', true],
      ['executive', 'vendor.write', false],
      ['executive', 'members.read', false],
      ['auditor', 'audit.read', true],
      ['auditor', 'evidence.read', true],
      ['auditor', 'export.personal', false],
      ['auditor', 'risk.write', false],
      ['viewer', 'vendor.read', true],
      ['viewer', 'evidence.read', false],
      ['viewer', 'members.read', false],
      // Contacts are personal data and answers the vendor's text: read by those who work with them and
      // by the auditor (read-only everything), not by executives ("dashboards and register") or viewers.
      ['executive', 'contact.read', false],
      ['executive', 'answers.read', false],
      ['viewer', 'contact.read', false],
      ['viewer', 'answers.read', false],
      ['auditor', 'contact.read', true],
      ['auditor', 'answers.read', true],
      ['analyst', 'answers.read', true],
      ['analyst', 'contact.read', true],
      ['compliance_manager', 'contact.read', true],
      ['executive', 'vendor.read', true],
      ['executive', 'assessment.read', true],
      // The analyst sends one at a time, to what exists.
      ['analyst', 'assessment.send', true],
      ['analyst', 'vendor.write', false],
    ];
    for (const [role, permission, expected] of spot)
      expect(can(role, permission), `${role} ${permission}`).toBe(expected);
    // Read-only roles hold nothing that writes.
    for (const role of ['executive', 'auditor', 'viewer'] as const) {
      const writes = [...ROLE_PERMISSIONS[role]].filter((p) =>
        /write|manage|send|accept|import|rotate/.test(p),
      );
      expect(writes, role).toEqual([]);
    }
  });
});

/** (role, method, path, expected status) written from issue 8, not derived from the table. */
const SPOT_ROUTES: [Role, 'GET' | 'POST', string, number][] = [
  ['admin', 'GET', '/app/team', 200],
  // Everyone has an account page; only an admin sets the tenant's sign-in rule.
  ['viewer', 'GET', '/app/account', 200],
  ['auditor', 'GET', '/app/account/mfa', 200],
  ['compliance_manager', 'GET', '/app/settings/security', 403],
  ['viewer', 'POST', '/app/settings/security', 403],
  ['admin', 'GET', '/app/settings/security', 200],
  ['compliance_manager', 'GET', '/app/team', 200],
  ['auditor', 'GET', '/app/team', 200],
  ['analyst', 'GET', '/app/team', 403],
  ['executive', 'GET', '/app/team', 403],
  ['viewer', 'GET', '/app/team', 403],
  ['compliance_manager', 'POST', '/app/team/invitations', 403],
  ['auditor', 'POST', '/app/team/invitations', 403],
  ['analyst', 'POST', '/app/team/members/:member/role', 403],
  ['auditor', 'POST', '/app/team/members/:member/disable', 403],
  ['compliance_manager', 'POST', '/app/team/members/:member/remove', 403],
  ['admin', 'GET', '/app/security-log', 200],
  ['auditor', 'GET', '/app/security-log', 403],
  ['compliance_manager', 'GET', '/app/security-log/export', 403],
  ['admin', 'GET', '/app/settings', 200],
  ['compliance_manager', 'GET', '/app/settings', 403],
  ['analyst', 'POST', '/app/settings', 403],
  ['viewer', 'GET', '/app/settings', 403],
  ['viewer', 'GET', '/app', 200],
  ['executive', 'GET', '/app', 200],
  ['auditor', 'GET', '/app', 200],
  // The analyst sends one assessment at a time ("cannot … send in bulk"), and vendors are the compliance
  // manager's: no vendor forms, no import, no bulk page.
  ['analyst', 'GET', '/app/assessments/new', 200],
  ['analyst', 'GET', '/app/assessments/bulk', 403],
  ['analyst', 'POST', '/app/assessments/bulk', 403],
  ['analyst', 'POST', '/app/vendors', 403],
  ['analyst', 'GET', '/app/vendors/new', 403],
  ['analyst', 'POST', '/app/vendors/import', 403],
  ['compliance_manager', 'GET', '/app/assessments/bulk', 200],
];

forEachDialect(
  'the role matrix over every workspace route',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    const sessions = new Map<Role, Browser>();
    /** The email each signed-in browser belongs to, to sign it in again after a route that ends it. */
    const emails = new Map<Browser, string>();
    let outsider: Browser;
    let tenantId: string;
    /** Strings only this tenant's pages contain. */
    let secrets: string[];
    /** Real ids of this tenant's records, by the route prefix that takes them. */
    let ids: { member: string; invitation: string };

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      platform = await testPlatform(store);
      // Link signing keys, for the sends of the vendor.write test.
      await ensureSigningKeys(store, TEST_MASTER_KEY, platform.clock.now());
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
      const t = await seedTenant(app, store, 'Matrix Tenant Alpha');
      tenantId = t.tenantId;
      sessions.set('admin', t.admin);
      emails.set(t.admin, t.adminEmail);
      for (const role of ROLES.filter((r) => r !== 'admin')) {
        const m = await seedMember(platform, tenantId, role);
        const b = await signedIn(app, m.email);
        sessions.set(role, b);
        emails.set(b, m.email);
      }
      // Records the routes act on: a member nobody signs in as, and a pending invitation.
      const target = await seedMember(platform, tenantId, 'viewer', 'matrix-target@alpha.example');
      await t.admin.post('/app/team/invitations', { email: 'matrix-invitee@alpha.example', role: 'viewer' });
      const [inv] = await store.tenant(tenantId).read((c) => repo.listPendingInvitations(c, new Date()));
      ids = { member: target.userId, invitation: inv!.id };
      secrets = [
        'Matrix Tenant Alpha',
        'matrix-target@alpha.example',
        'matrix-invitee@alpha.example',
        t.adminEmail,
      ];
      const other = await seedTenant(app, store, 'Matrix Tenant Beta');
      outsider = other.admin;
      emails.set(outsider, other.adminEmail);
    });
    afterAll(() => ts.close());

    /** A concrete path: real ids where this tenant has a record for the route, random UUIDs elsewhere. */
    function concrete(path: string): string {
      return path.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, (_m, name: string) => {
        if (path.startsWith('/app/team/members/')) return ids.member;
        if (path.startsWith('/app/team/invitations/')) return ids.invitation;
        return name === 'member' ? ids.member : crypto.randomUUID();
      });
    }

    const send = async (b: Browser | null, method: 'GET' | 'POST', path: string) => {
      const client = b ?? browser(app);
      const res = await (method === 'GET' ? client.get(path) : client.post(path, {}));
      const email = b && emails.get(b);
      if (email && ENDS_SESSION.has(`${method} ${path}`)) {
        const again = await client.post('/app/login', { email, password: PASSWORD });
        expect(again.status).toBe(303);
      }
      return res;
    };

    it('without a session: pages lead to the sign-in, everything else is 401', async () => {
      const failures: string[] = [];
      for (const route of workspaceRoutes(app)) {
        const res = await send(null, route.method, concrete(route.path));
        const ok =
          route.method === 'GET'
            ? res.status === 303 && res.headers.get('Location') === '/app/login'
            : res.status === 401;
        if (!ok) failures.push(`${route.method} ${route.path} → ${res.status}`);
        // An htmx GET gets 401 too, never a page.
        if (route.method === 'GET') {
          const hx = await browser(app).get(concrete(route.path), { 'HX-Request': 'true' });
          if (hx.status !== 401) failures.push(`htmx GET ${route.path} → ${hx.status}`);
        }
      }
      expect(failures).toEqual([]);
    });

    it("another tenant's session never reaches this tenant's records or sees its data", async () => {
      const failures: string[] = [];
      const before = await store.tenant(tenantId).read(repo.listTeam);
      for (const route of workspaceRoutes(app)) {
        const path = concrete(route.path);
        const res = await send(outsider, route.method, path);
        const body = await res.text();
        const leaked = secrets.filter((s) => body.includes(s) || body.includes(s.replaceAll('@', '&#64;')));
        if (leaked.length) failures.push(`${route.method} ${route.path} shows ${leaked.join(', ')}`);
        if (path !== route.path && res.status < 400) {
          failures.push(`${route.method} ${route.path} with this tenant's ids → ${res.status}`);
        }
        if (res.status >= 500) failures.push(`${route.method} ${route.path} → ${res.status}`);
      }
      expect(failures).toEqual([]);
      expect(await store.tenant(tenantId).read(repo.listTeam)).toEqual(before);
      const [inv] = await store.tenant(tenantId).read((c) => repo.listPendingInvitations(c, new Date()));
      expect(inv?.id).toBe(ids.invitation);
    });

    it('a send without vendor.write reaches only an existing vendor and contact (403, nothing written)', async () => {
      // A vendor with one contact, added by someone who may (the send domain function, as the CLI does).
      const known = await sendAssessment(sendDeps(platform, BASE_URL), tenantId, {
        questionnaire: 'nis2-supplier@3.0.0',
        vendorName: 'Known Vendor Ltd',
        contactEmail: 'known@known.example',
        actor: 'system:test',
        mayAddVendors: true,
      });
      const analyst = sessions.get('analyst')!;
      const written = async () => {
        const [vendors, audit] = await store
          .tenant(tenantId)
          .read(async (c) => [await repo.listVendors(c), await repo.listAudit(c)] as const);
        const contacts = await store.tenant(tenantId).read((c) => repo.listContacts(c, known.vendorId));
        return { vendors: vendors.length, contacts: contacts.length, audit: audit.length };
      };
      const before = await written();
      const form = { questionnaire: 'nis2-supplier@3.0.0' };
      // A new vendor by name: the audit's case.
      const newVendor = await analyst.post('/app/assessments/new', {
        ...form,
        vendorName: 'Analyst Made Vendor',
        contactEmail: 'x@made.example',
      });
      expect(newVendor.status).toBe(403);
      const body = await newVendor.text();
      expect(body).toContain('adding a vendor needs the vendor.write permission');
      // An existing vendor, a new contact.
      const newContact = await analyst.post('/app/assessments/new', {
        ...form,
        vendorId: known.vendorId,
        contactEmail: 'someone-else@known.example',
      });
      expect(newContact.status).toBe(403);
      expect(await newContact.text()).toContain('adding a contact needs the vendor.write permission');
      expect(await written()).toEqual(before);
      // The bulk path holds the same rule (a role with send_bulk but not vendor.write: each row refused).
      const results = await sendBulk(
        sendDeps(platform, BASE_URL),
        tenantId,
        rowsFromCsv('Bulk Made Ltd,b@bulk.example,'),
        {
          questionnaire: 'nis2-supplier@3.0.0',
          actor: 'system:test',
          mayAddVendors: false,
        },
      );
      expect(results[0]?.assessmentId).toBeNull();
      expect(results[0]?.problem).toContain('vendor.write');
      expect(await written()).toEqual(before);
      // What exists, the analyst may send to.
      const ok = await analyst.post('/app/assessments/new', {
        ...form,
        vendorId: known.vendorId,
        contactEmail: 'known@known.example',
      });
      expect(ok.status).toBe(303);
      // And the compliance manager may add a vendor while sending.
      const cm = await sessions.get('compliance_manager')!.post('/app/assessments/new', {
        ...form,
        vendorName: 'Manager Made Vendor',
        contactEmail: 'm@made.example',
      });
      expect(cm.status).toBe(303);
    });

    it("executives and viewers see a vendor and a review without contacts' personal data or answer text", async () => {
      const email = 'dpo-check@personal.example';
      const answer = 'Answer text only some roles read';
      const sent = await sendAssessment(sendDeps(platform, BASE_URL), tenantId, {
        questionnaire: 'nis2-supplier@3.0.0',
        vendorName: 'Personal Data Ltd',
        contactEmail: email,
        contactName: 'Dora Privacy',
        actor: 'system:test',
        mayAddVendors: true,
      });
      // The vendor answers one question through the portal.
      const vendor = browser(app);
      expect((await vendor.post(await lastLinkTo(store, email, sent.assessmentId), {})).status).toBe(303);
      const saved = await vendor.post(
        `/v/a/${sent.assessmentId}/answer/scope.security_contact`,
        { 'scope.security_contact': answer, '_rev.scope.security_contact': '0' },
        { 'HX-Request': 'true' },
      );
      expect(saved.status).toBe(200);
      const pages = [
        `/app/vendors/${sent.vendorId}`,
        `/app/assessments/${sent.assessmentId}`,
        `/app/assessments/${sent.assessmentId}/review`,
      ];
      for (const role of ROLES) {
        const personal = !['executive', 'viewer'].includes(role);
        for (const path of pages) {
          const res = await sessions.get(role)!.get(path);
          expect(res.status, `${role} ${path}`).toBe(200);
          const html = await res.text();
          const shows = (s: string) => html.includes(s) || html.includes(s.replaceAll('@', '&#64;'));
          expect(html, `${role} ${path}`).toContain('Personal Data Ltd');
          expect(shows(email) || shows('Dora Privacy'), `${role} ${path}: contact`).toBe(
            personal && !path.endsWith('/review'),
          );
          if (path.endsWith('/review')) expect(shows(answer), `${role} ${path}: answer`).toBe(personal);
        }
      }
    });

    it('answers the hand-written spot checks', async () => {
      for (const [role, method, path, expected] of SPOT_ROUTES) {
        const res = await send(sessions.get(role)!, method, path.replace(':member', crypto.randomUUID()));
        expect(res.status, `${role} ${method} ${path}`).toBe(expected);
      }
    });

    it('every role gets what the table says on every route', async () => {
      const routes = workspaceRoutes(app);
      const lookup = permissionLookup();
      const failures: string[] = [];
      // Denied roles first, then allowed ones: an allowed change (removing the target) comes last.
      for (const allowedPass of [false, true]) {
        for (const route of routes) {
          const rule = ROUTE_PERMISSIONS.find(([m, p]) => m === route.method && p === route.path);
          const permission = lookup(route.method, concrete(route.path));
          if (!rule || permission === null) {
            failures.push(`${route.method} ${route.path}: no row`);
            continue;
          }
          for (const role of ROLES) {
            const allowed = permission === 'member' || can(role, permission);
            if (allowed !== allowedPass) continue;
            const res = await send(sessions.get(role)!, route.method, concrete(route.path));
            const where = `${role} ${route.method} ${route.path} → ${res.status}`;
            if (!allowed) {
              if (res.status !== 403) failures.push(`${where} (expected 403)`);
              continue;
            }
            const reauth = rule[3]?.reauth === true;
            const toLogin = res.status === 303 && res.headers.get('Location') === '/app/login';
            const refused =
              res.status === 403 || res.status >= 500 || toLogin || (res.status === 401 && !reauth);
            if (refused) failures.push(`${where} (expected the permission to pass)`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  },
  ['sqlite', 'pg'],
);
