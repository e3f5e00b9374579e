/** Members signed in to the workspace (a real session row and cookie), and risks raised the way submission does. */
import { MEMBER_COOKIE } from '../../src/auth/cookies.js';
import { startMemberSession } from '../../src/auth/member-sessions.js';
import { hashToken } from '../../src/auth/tokens.js';
import { markReauthenticated } from '../../src/db/repo/sessions.js';
import { addMembership, ensureUser } from '../../src/db/repo/users.js';
import type { Store } from '../../src/db/store.js';
import type { Role } from '../../src/db/tables.js';
import { type RaisedFinding, syncRisksFromFindings } from '../../src/risk/sync.js';
import { browser } from '../support/app.js';

type App = Parameters<typeof browser>[0];

export async function member(store: Store, app: App, tenantId: string, email: string, role: Role, now: Date) {
  const { userId, token } = await store.tenant(tenantId, { system: 'cli' }).write(async (tx) => {
    const user = await ensureUser(tx, email);
    addMembership(tx, user.id, role);
    const s = startMemberSession(tx, user.id, tenantId, now);
    return { userId: user.id, token: s.token };
  });
  const b = browser(app);
  b.jar.set(MEMBER_COOKIE, token);
  const sessionId = hashToken(token);
  /** Records a re-authentication at `at` (exports and acceptance need one within 5 minutes). */
  const reauth = (at: Date) => store.as({ sessionId }).write((tx) => markReauthenticated(tx, sessionId, at));
  return { ...b, userId, reauth };
}

export const finding = (id: string, over: Partial<RaisedFinding> = {}): RaisedFinding => ({
  findingId: id,
  findingRowId: null,
  questionId: 'q1',
  title: `Finding ${id}`,
  description: 'Fix it.',
  likelihood: 3,
  impact: 4,
  dueDate: '2030-06-01',
  controls: ['iso27001:A.5.19'],
  ...over,
});

export function raise(
  store: Store,
  tenantId: string,
  vendorId: string,
  assessmentId: string,
  raised: RaisedFinding[],
  now: Date,
  scope = 'nis2-supplier',
) {
  return store
    .tenant(tenantId)
    .write((tx) =>
      syncRisksFromFindings(tx, { vendorId, scope, assessmentId, actor: 'system', raised }, now),
    );
}
