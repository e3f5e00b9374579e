/**
 * The team page on SQLite and PostgreSQL through app.request(), with mail through a real SMTP server:
 * invite → mail → accept → sign in with the role; existing users of another tenant; bad inputs;
 * role changes, disabling (sessions end at once), removal; the last-active-admin rule in SQL,
 * concurrent demotions included.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import * as repo from '../../src/db/repo/index.js';
import { GuardError, type Store } from '../../src/db/store.js';
import { createMailSender } from '../../src/mail/sender.js';
import { createLogger } from '../../src/platform/node/logger.js';
import { smtpMail } from '../../src/platform/node/mail.js';
import type { MailPort, Ports } from '../../src/platform/ports.js';
import { MEMBER_INVITE_TTL_MS } from '../../src/workspace/team.js';
import { BASE_URL, browser, testPlatform } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';
import { forEachDialect, openTestStore, type TestStore } from '../support/stores.js';
import { PASSWORD, seedMember, seedTenant, signedIn, userIdOf } from './team-support.js';

const OTHER_PASSWORD = 'another long passphrase here';

forEachDialect(
  'team: members, invitations, roles',
  (dialect) => {
    let ts: TestStore;
    let store: Store;
    let smtp: TestSmtp;
    let mail: MailPort;
    let platform: Ports;
    let app: ReturnType<typeof createApp>;
    let now = new Date();
    const clock = { now: () => now };

    beforeAll(async () => {
      ts = await openTestStore(dialect);
      store = ts.store;
      smtp = await new TestSmtp().start();
      mail = smtpMail({ url: smtp.url, from: 'Assay <assay@assay.test>' });
      platform = await testPlatform(store, { mail, now: clock.now });
      app = createApp(platform, { config: { baseUrl: BASE_URL, env: 'test' } });
    });
    afterAll(async () => {
      await mail.close();
      await smtp.stop();
      await ts.close();
    });

    /** Delivers what is queued and returns the invitation link of the last message to `to`. */
    async function deliveredLink(to: string): Promise<string> {
      const sender = createMailSender({ store, mail, clock, logger: createLogger({ level: 'silent' }) });
      await sender.runOnce();
      const got = smtp.received.filter((r) => r.envelope.to.includes(to));
      expect(got.length, `mail to ${to}`).toBeGreaterThan(0);
      const text = got[got.length - 1]!.mail.text ?? '';
      const link = /https:\/\/assay\.test\/setup\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
      expect(link).toBeDefined();
      return link!.slice(BASE_URL.length);
    }

    const teamOf = (tenantId: string) => store.tenant(tenantId).read(repo.listTeam);
    const auditOf = async (tenantId: string) =>
      (await store.tenant(tenantId).read((c) => repo.listAudit(c))).map((e) => e.action);

    it('invites by email; the link in the mail sets a password and signs in with the role', async () => {
      const t = await seedTenant(app, store, 'Acme <b>Procurement</b>');
      const res = await t.admin.post('/app/team/invitations', {
        email: 'New.Colleague@Acme.example',
        role: 'compliance_manager',
      });
      expect(res.status).toBe(303);
      const page = await (await t.admin.get('/app/team?done=invited')).text();
      expect(page).toContain('new.colleague@acme.example');
      expect(page).toContain('Invitation sent.');

      const path = await deliveredLink('new.colleague@acme.example');
      const received = smtp.received[smtp.received.length - 1]!;
      expect(received.mail.subject).toBe('You are invited to Acme <b>Procurement</b> on Assay');
      expect(String(received.mail.html)).toContain('Acme &lt;b&gt;Procurement&lt;/b&gt;');
      expect(String(received.mail.html)).not.toContain('<b>Procurement</b>');

      // GET is side-effect free and shows where the link leads; markup is inert.
      const b = browser(app);
      for (let i = 0; i < 2; i++) {
        const view = await b.get(path);
        expect(view.status).toBe(200);
        const html = await view.text();
        expect(html).toContain('Join Acme &lt;b&gt;Procurement&lt;/b&gt;');
        expect(html).toContain('Compliance manager');
        expect(html).not.toContain('<b>Procurement</b>');
      }
      // The password policy applies (the tenant name and email are refused as passwords too).
      expect((await b.post(path, { password: 'short', passwordConfirm: 'short' })).status).toBe(422);
      expect((await b.post(path, { password: PASSWORD, passwordConfirm: `${PASSWORD}x` })).status).toBe(422);
      const accepted = await b.post(path, { password: PASSWORD, passwordConfirm: PASSWORD });
      expect(accepted.status).toBe(303);
      expect(b.jar.get(MEMBER_COOKIE)).toBeDefined();
      expect((await b.get('/app/team')).status).toBe(200);
      // Used: the link is gone, and a second use changes nothing.
      expect((await browser(app).get(path)).status).toBe(410);
      expect((await browser(app).post(path, { password: PASSWORD, passwordConfirm: PASSWORD })).status).toBe(
        410,
      );

      // Signing in again gives the role: members.read, not members.manage.
      const again = await signedIn(app, 'new.colleague@acme.example');
      expect((await again.get('/app/team')).status).toBe(200);
      expect(
        (await again.post('/app/team/invitations', { email: 'x@acme.example', role: 'admin' })).status,
      ).toBe(403);
      const team = await teamOf(t.tenantId);
      expect(team.find((m) => m.email === 'new.colleague@acme.example')?.role).toBe('compliance_manager');
      const log = await store.tenant(t.tenantId).read((c) => repo.listAudit(c));
      expect(log.map((e) => e.action)).toEqual(
        expect.arrayContaining(['member.invited', 'member.joined', 'user.password_set']),
      );
      expect(JSON.stringify(log)).not.toContain('acme.example');
    });

    it('lets an existing user of another tenant join by signing in with their own password', async () => {
      const a = await seedTenant(app, store);
      const b = await seedTenant(app, store, 'Beta');
      const { email } = await seedMember(platform, a.tenantId, 'analyst');
      expect((await b.admin.post('/app/team/invitations', { email, role: 'auditor' })).status).toBe(303);
      const path = await deliveredLink(email);
      const user = browser(app);
      const html = await (await user.get(path)).text();
      expect(html).toContain('sign in with your password');
      // The link alone never sets or changes a password, and a wrong one adds nothing.
      const wrong = await user.post(path, { password: OTHER_PASSWORD, passwordConfirm: OTHER_PASSWORD });
      expect(wrong.status).toBe(422);
      expect((await teamOf(b.tenantId)).some((m) => m.email === email)).toBe(false);
      const ok = await user.post(path, { password: PASSWORD });
      expect(ok.status).toBe(303);
      expect((await teamOf(b.tenantId)).find((m) => m.email === email)?.role).toBe('auditor');
      // The session is in the new workspace; the old membership is untouched.
      expect(await (await user.get('/app')).text()).toContain('Beta');
      expect((await teamOf(a.tenantId)).find((m) => m.email === email)?.role).toBe('analyst');
    });

    it('refuses bad invitations with a 4xx and changes nothing', async () => {
      const t = await seedTenant(app, store);
      const { email: memberEmail } = await seedMember(platform, t.tenantId, 'viewer');
      const before = await store.tenant(t.tenantId).read((c) => repo.listPendingInvitations(c, now));
      const cases: [Record<string, string>, string][] = [
        [{ email: 'not-an-email', role: 'viewer' }, 'email'],
        [{ email: '<script>alert(1)</script>@x.example', role: 'viewer' }, 'email'],
        [{ email: 'a@b.example\r\nBcc: evil@x.example', role: 'viewer' }, 'email'],
        [{ email: 'ok@acme.example', role: 'superuser' }, 'role'],
        [{ email: 'ok@acme.example' }, 'role'],
        [{ role: 'viewer' }, 'email'],
        [{ email: memberEmail, role: 'viewer' }, 'email'],
      ];
      for (const [form, field] of cases) {
        const res = await t.admin.post('/app/team/invitations', form);
        expect(res.status, JSON.stringify(form)).toBe(422);
        const html = await res.text();
        expect(html).toContain(`href="#field-${field}"`);
        expect(html).not.toContain('<script>alert(1)</script>');
      }
      const after = await store.tenant(t.tenantId).read((c) => repo.listPendingInvitations(c, now));
      expect(after).toEqual(before);
    });

    it('withdraws and expires invitations; a newer one replaces the pending one', async () => {
      const t = await seedTenant(app, store);
      await t.admin.post('/app/team/invitations', { email: 'w@acme.example', role: 'viewer' });
      const first = await deliveredLink('w@acme.example');
      await t.admin.post('/app/team/invitations', { email: 'w@acme.example', role: 'executive' });
      const second = await deliveredLink('w@acme.example');
      expect((await browser(app).get(first)).status).toBe(410);
      expect((await browser(app).get(second)).status).toBe(200);
      const [pending] = await store.tenant(t.tenantId).read((c) => repo.listPendingInvitations(c, now));
      expect(pending?.role).toBe('executive');

      // Forged, malformed and other tenants' invitation ids: 404, nothing changes.
      const other = await seedTenant(app, store);
      for (const id of ['nope', '0'.repeat(64), pending!.id.toUpperCase()]) {
        expect((await t.admin.post(`/app/team/invitations/${id}/revoke`, {})).status).toBe(404);
      }
      expect((await other.admin.post(`/app/team/invitations/${pending!.id}/revoke`, {})).status).toBe(404);
      expect((await browser(app).get(second)).status).toBe(200);

      expect((await t.admin.post(`/app/team/invitations/${pending!.id}/revoke`, {})).status).toBe(303);
      expect((await browser(app).get(second)).status).toBe(410);
      expect(
        (await browser(app).post(second, { password: PASSWORD, passwordConfirm: PASSWORD })).status,
      ).toBe(410);
      expect((await t.admin.post(`/app/team/invitations/${pending!.id}/revoke`, {})).status).toBe(404);

      await t.admin.post('/app/team/invitations', { email: 'late@acme.example', role: 'viewer' });
      const late = await deliveredLink('late@acme.example');
      now = new Date(now.getTime() + MEMBER_INVITE_TTL_MS + 1000);
      try {
        expect(
          (await browser(app).post(late, { password: PASSWORD, passwordConfirm: PASSWORD })).status,
        ).toBe(410);
      } finally {
        now = new Date();
      }
      expect((await teamOf(t.tenantId)).some((m) => m.email === 'late@acme.example')).toBe(false);
    });

    it('changes roles, but nobody their own; another tenant’s member ids are 404', async () => {
      const t = await seedTenant(app, store);
      const v = await seedMember(platform, t.tenantId, 'viewer');
      const other = await seedTenant(app, store);
      const stranger = await seedMember(platform, other.tenantId, 'viewer');

      expect((await t.admin.post(`/app/team/members/${v.userId}/role`, { role: 'analyst' })).status).toBe(
        303,
      );
      expect((await teamOf(t.tenantId)).find((m) => m.userId === v.userId)?.role).toBe('analyst');
      expect(await auditOf(t.tenantId)).toContain('member.role_changed');

      const bad: [string, Record<string, string>, number][] = [
        [`/app/team/members/${t.adminId}/role`, { role: 'viewer' }, 403],
        [`/app/team/members/${v.userId}/role`, { role: 'root' }, 400],
        [`/app/team/members/${v.userId}/role`, {}, 400],
        [`/app/team/members/${stranger.userId}/role`, { role: 'admin' }, 404],
        [`/app/team/members/${stranger.userId}/disable`, {}, 404],
        [`/app/team/members/${stranger.userId}/remove`, {}, 404],
        ['/app/team/members/not-an-id/role', { role: 'admin' }, 404],
        [`/app/team/members/${crypto.randomUUID()}/remove`, {}, 404],
        [`/app/team/members/${t.adminId}/disable`, {}, 403],
        [`/app/team/members/${t.adminId}/remove`, {}, 403],
      ];
      for (const [path, form, status] of bad) {
        expect((await t.admin.post(path, form)).status, path).toBe(status);
      }
      expect((await teamOf(t.tenantId)).map((m) => [m.userId, m.role, m.disabledAt])).toEqual(
        expect.arrayContaining([
          [t.adminId, 'admin', null],
          [v.userId, 'analyst', null],
        ]),
      );
      expect((await teamOf(other.tenantId)).find((m) => m.userId === stranger.userId)?.role).toBe('viewer');
    });

    it('disabling a member ends their sessions at once and refuses sign-in; re-enabling restores it', async () => {
      const t = await seedTenant(app, store);
      const m = await seedMember(platform, t.tenantId, 'analyst');
      const session = await signedIn(app, m.email);
      expect((await session.get('/app')).status).toBe(200);

      expect((await t.admin.post(`/app/team/members/${m.userId}/disable`, {})).status).toBe(303);
      expect((await session.get('/app')).status).toBe(303);
      const refused = await browser(app).post('/app/login', { email: m.email, password: PASSWORD });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain('That email and password do not match an account.');
      expect(await (await t.admin.get('/app/team')).text()).toContain('Disabled');

      expect((await t.admin.post(`/app/team/members/${m.userId}/enable`, {})).status).toBe(303);
      expect((await t.admin.post(`/app/team/members/${m.userId}/enable`, {})).status).toBe(409);
      await signedIn(app, m.email);

      const gone = await signedIn(app, m.email);
      expect((await t.admin.post(`/app/team/members/${m.userId}/remove`, {})).status).toBe(303);
      expect((await gone.get('/app')).status).toBe(303);
      expect((await teamOf(t.tenantId)).some((x) => x.userId === m.userId)).toBe(false);
      expect(await auditOf(t.tenantId)).toEqual(
        expect.arrayContaining(['member.disabled', 'member.enabled', 'member.removed']),
      );
    });

    it('never leaves a tenant without an active admin (the rule is in SQL)', async () => {
      const t = await seedTenant(app, store);
      const v = await seedMember(platform, t.tenantId, 'viewer');
      const scope = store.tenant(t.tenantId);
      // Straight at the repository, past the "not yourself" rule of the routes.
      await expect(scope.write((tx) => repo.setMemberRole(tx, t.adminId, 'viewer'))).rejects.toThrow(
        GuardError,
      );
      await expect(scope.write((tx) => repo.disableMember(tx, t.adminId, new Date()))).rejects.toThrow(
        GuardError,
      );
      await expect(scope.write((tx) => repo.removeMember(tx, t.adminId))).rejects.toThrow(GuardError);
      // A disabled admin is not an active one.
      const b = await seedMember(platform, t.tenantId, 'admin');
      await scope.write((tx) => repo.disableMember(tx, b.userId, new Date()));
      await expect(scope.write((tx) => repo.setMemberRole(tx, t.adminId, 'viewer'))).rejects.toThrow(
        GuardError,
      );
      await scope.write((tx) => repo.enableMember(tx, b.userId));
      // With a second active admin the change goes through; a viewer's role is never guarded.
      await scope.write((tx) => repo.setMemberRole(tx, v.userId, 'auditor'));
      await scope.write((tx) => repo.setMemberRole(tx, b.userId, 'viewer'));
      const team = await teamOf(t.tenantId);
      expect(team.filter((m) => m.role === 'admin' && !m.disabledAt).map((m) => m.userId)).toEqual([
        t.adminId,
      ]);
    });

    it('two admins demoting each other at the same moment: one wins, one admin remains', async () => {
      for (let round = 0; round < 3; round++) {
        const t = await seedTenant(app, store);
        const second = await seedMember(platform, t.tenantId, 'admin');
        const other = await signedIn(app, second.email);
        const [r1, r2] = await Promise.all([
          t.admin.post(`/app/team/members/${second.userId}/role`, { role: 'viewer' }),
          other.post(`/app/team/members/${t.adminId}/role`, { role: 'viewer' }),
        ]);
        // One wins; the other is refused by the last-admin guard (409) or, if the winner committed before
        // its permission check, as no longer an admin (403). Never both.
        const statuses = [r1.status, r2.status].sort();
        expect(statuses[0]).toBe(303);
        expect([403, 409]).toContain(statuses[1]);
        const admins = (await teamOf(t.tenantId)).filter((m) => m.role === 'admin' && !m.disabledAt);
        expect(admins).toHaveLength(1);
        // Disabling and removing race the same way.
        const third = await seedMember(platform, t.tenantId, 'admin');
        const survivor = admins[0]!.userId === t.adminId ? t.admin : other;
        const thirdSession = await signedIn(app, third.email);
        const [d1, d2] = await Promise.all([
          survivor.post(`/app/team/members/${third.userId}/disable`, {}),
          thirdSession.post(`/app/team/members/${admins[0]!.userId}/remove`, {}),
        ]);
        const raced = [d1.status, d2.status].sort();
        expect(raced[0]).toBe(303);
        // Disabling ends the member's sessions, so a disable that commits before the other request's
        // session check leaves that request signed out (401); otherwise the guards refuse it as above.
        expect([401, 403, 409]).toContain(raced[1]);
        expect((await teamOf(t.tenantId)).filter((m) => m.role === 'admin' && !m.disabledAt)).toHaveLength(1);
      }
    });

    it('shows markup in member emails inert on the team page', async () => {
      const t = await seedTenant(app, store);
      // An address may hold an apostrophe; the page escapes it like everything else.
      await seedMember(platform, t.tenantId, 'viewer', "o'brien+<x>@acme.example".replace('<x>', 'x'));
      const html = await (await t.admin.get('/app/team')).text();
      expect(html).toContain('o&#39;brien+x@acme.example');
      expect(await userIdOf(store, t.tenantId, "o'brien+x@acme.example")).toBeDefined();
    });
  },
  ['sqlite', 'pg'],
);
