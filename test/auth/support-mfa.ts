/** Shared steps of the MFA suites: a tenant with members, enrolment through the pages, TOTP codes from otplib. */
import { generate } from 'otplib';
import { expect } from 'vitest';
import * as repo from '../../src/db/repo/index.js';
import type { Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import type { Ports } from '../../src/platform/ports.js';
import { createTenantWithAdmin } from '../../src/workspace/tenants.js';
import { browser, type testApp } from '../support/app.js';

export const PASSWORD = 'correct horse battery staple';
export type App = Awaited<ReturnType<typeof testApp>>;
export type Browser = ReturnType<typeof browser>;

/** A code for `secret` at `at`, computed by otplib itself. */
export const totpAt = (secret: string, at: Date) =>
  generate({ secret, epoch: Math.floor(at.getTime() / 1000) });

/** A tenant whose admin set `PASSWORD` through the set-up link (signed in on the returned browser). */
export async function tenantWithAdmin(app: App, store: Store, name: string, email: string, now = new Date()) {
  const { tenantId, token } = await createTenantWithAdmin(store, { name, adminEmail: email }, now);
  const b = browser(app);
  const res = await b.post(`/setup/${token}`, { password: PASSWORD, passwordConfirm: PASSWORD });
  expect(res.status).toBe(303);
  return { tenantId, admin: b };
}

/** Adds a member with `PASSWORD` to the tenant. */
export async function addMember(
  platform: Ports,
  tenantId: string,
  email: string,
  role: Role,
): Promise<string> {
  const hash = await platform.passwords.hash(PASSWORD);
  return platform.store.tenant(tenantId).write(async (tx) => {
    const user = await repo.ensureUser(tx, email);
    repo.addMembership(tx, user.id, role);
    repo.setPasswordHash(tx, user.id, hash);
    return user.id;
  });
}

export async function signIn(app: App, email: string, password = PASSWORD): Promise<Browser> {
  const b = browser(app);
  const res = await b.post('/app/login', { email, password });
  expect(res.status).toBe(303);
  return b;
}

/** Enrols TOTP through the pages; returns the seed (read from the page, as a person would type it) and the codes. */
export async function enrol(b: Browser, now: Date): Promise<{ secret: string; codes: string[] }> {
  expect((await b.post('/app/account/mfa/setup', {})).status).toBe(303);
  const page = await (await b.get('/app/account/mfa')).text();
  const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page)![1]!;
  const res = await b.post('/app/account/mfa/confirm', { code: await totpAt(secret, now) });
  expect(res.status).toBe(200);
  const codes = [...(await res.text()).matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

export const auditActions = async (store: Store, tenantId: string) =>
  (await store.tenant(tenantId).read((c) => repo.listAudit(c))).map((e) => e.action);
