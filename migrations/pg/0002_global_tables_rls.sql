-- Hand-written: row-level security on the global tables (issue #6).
--
-- The global tables are reached before a tenant is known, so they cannot carry the tenant-isolation
-- policy, but several hold tenant data (sessions, setup_tokens, mail_outbox name a tenant; users hold
-- password hashes; tenants their names). Each row is reachable only through a claim the unit of work
-- sets transaction-locally (src/db/store.ts, `Claims`): the hash of the session or link the request
-- holds, the user or tenant it acts for, or a named system process. A unit with no claim sees none of
-- these rows, so a repository query that forgets its filter returns nothing instead of every row.
-- Which columns the app role may write is the other half (the grants in src/platform/node/pg-migrate.ts);
-- the boot self-check verifies both. Settings read as '' after a transaction that set them, NULL when
-- never set: neither equals an id, a hash or a process name, so the comparisons below fail closed.
--
-- Policies only reference tables whose own policies reference nothing (sessions, setup_tokens) or
-- memberships (which references sessions), so policy evaluation never recurses.

-- sessions: the one session whose cookie hash the request holds, or the sessions of the user / tenant
-- the unit acts for. The scheduler may sweep sessions that have expired, and nothing else.
ALTER TABLE "sessions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "sessions_read" ON "sessions" AS PERMISSIVE FOR SELECT TO public USING (
  id = current_setting('app.session_id', true)
  OR user_id = current_setting('app.user_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
  OR (current_setting('app.system', true) = 'scheduler' AND expires_at < now())
);--> statement-breakpoint
-- A session is started by a unit of work of its tenant (sign-in, set-up, a vendor link).
CREATE POLICY "sessions_start" ON "sessions" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
CREATE POLICY "sessions_touch" ON "sessions" AS PERMISSIVE FOR UPDATE TO public USING (
  id = current_setting('app.session_id', true)
  OR user_id = current_setting('app.user_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
) WITH CHECK (
  id = current_setting('app.session_id', true)
  OR user_id = current_setting('app.user_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
CREATE POLICY "sessions_end" ON "sessions" AS PERMISSIVE FOR DELETE TO public USING (
  id = current_setting('app.session_id', true)
  OR user_id = current_setting('app.user_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
CREATE POLICY "sessions_sweep" ON "sessions" AS PERMISSIVE FOR DELETE TO public USING (
  current_setting('app.system', true) = 'scheduler' AND expires_at < now()
);--> statement-breakpoint

-- setup_tokens: the one token whose link hash the request holds, or the tokens of the unit's tenant.
-- First-run tokens belong to no tenant: only the operator (`system: 'cli'`: the CLI, and `npm start`
-- printing the first-run link) creates, lists and revokes them.
ALTER TABLE "setup_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "setup_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "setup_tokens_read" ON "setup_tokens" AS PERMISSIVE FOR SELECT TO public USING (
  id = current_setting('app.token_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
  OR (tenant_id IS NULL AND current_setting('app.system', true) = 'cli')
);--> statement-breakpoint
CREATE POLICY "setup_tokens_issue" ON "setup_tokens" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  tenant_id = current_setting('app.tenant_id', true)
  OR (tenant_id IS NULL AND purpose = 'first_admin' AND current_setting('app.system', true) = 'cli')
);--> statement-breakpoint
CREATE POLICY "setup_tokens_consume" ON "setup_tokens" AS PERMISSIVE FOR UPDATE TO public USING (
  id = current_setting('app.token_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
  OR (tenant_id IS NULL AND current_setting('app.system', true) = 'cli')
) WITH CHECK (
  id = current_setting('app.token_id', true)
  OR tenant_id = current_setting('app.tenant_id', true)
  OR (tenant_id IS NULL AND current_setting('app.system', true) = 'cli')
);--> statement-breakpoint

-- mail_outbox: a tenant's unit sees and queues that tenant's mail; the sender (`system: 'mail'`) claims
-- and marks every message. Nobody else sees any: the messages hold whole invitations and links.
ALTER TABLE "mail_outbox" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mail_outbox" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "mail_outbox_read" ON "mail_outbox" AS PERMISSIVE FOR SELECT TO public USING (
  tenant_id = current_setting('app.tenant_id', true)
  OR current_setting('app.system', true) = 'mail'
);--> statement-breakpoint
CREATE POLICY "mail_outbox_queue" ON "mail_outbox" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
-- Only the sender changes a queued message (and only its delivery columns: see the grants), so a
-- tenant's unit cannot redirect or rewrite mail once it is queued.
CREATE POLICY "mail_outbox_send" ON "mail_outbox" AS PERMISSIVE FOR UPDATE TO public USING (
  current_setting('app.system', true) = 'mail'
) WITH CHECK (
  current_setting('app.system', true) = 'mail'
);--> statement-breakpoint

-- users: an identity may belong to several tenants. Readable as oneself, as a member of the unit's
-- tenant, or as the user of the session the request holds; changeable only as oneself or by a unit of
-- a tenant the user is a member of. Sign-in knows nothing but an email: it goes through
-- assay_user_by_email (below), which returns the one row with that exact address, never a list.
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "users_read" ON "users" AS PERMISSIVE FOR SELECT TO public USING (
  id = current_setting('app.user_id', true)
  OR EXISTS (SELECT 1 FROM memberships m
             WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true))
  OR EXISTS (SELECT 1 FROM sessions s
             WHERE s.id = current_setting('app.session_id', true) AND s.user_id = users.id)
);--> statement-breakpoint
-- The owner (who runs the migrations; never the app role, which the self-check refuses as a member of
-- it) reads every identity: that is what lets the SECURITY DEFINER lookup below see a row under FORCE.
CREATE POLICY "users_owner_read" ON "users" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
-- A new identity is created by a unit of the tenant it is about to join (set-up, `assay tenant create`).
CREATE POLICY "users_create" ON "users" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  NULLIF(current_setting('app.tenant_id', true), '') IS NOT NULL
);--> statement-breakpoint
CREATE POLICY "users_update" ON "users" AS PERMISSIVE FOR UPDATE TO public USING (
  id = current_setting('app.user_id', true)
  OR EXISTS (SELECT 1 FROM memberships m
             WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true))
) WITH CHECK (
  id = current_setting('app.user_id', true)
  OR EXISTS (SELECT 1 FROM memberships m
             WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true))
);--> statement-breakpoint
-- The app role has no DELETE on users today; should it get one (erasure), the rows are already narrowed.
CREATE POLICY "users_delete" ON "users" AS PERMISSIVE FOR DELETE TO public USING (
  id = current_setting('app.user_id', true)
  OR EXISTS (SELECT 1 FROM memberships m
             WHERE m.user_id = users.id AND m.tenant_id = current_setting('app.tenant_id', true))
);--> statement-breakpoint
-- Sign-in's lookup: one exact address in, at most one row out. SECURITY DEFINER runs it as the owner
-- (users_owner_read); search_path is pinned so no object of the caller's can stand in for ours.
CREATE FUNCTION assay_user_by_email(lookup text)
RETURNS TABLE (id text, email text, password_hash text, disabled_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.email, u.password_hash, u.disabled_at FROM public.users u WHERE u.email = lookup
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_user_by_email(text) FROM PUBLIC;--> statement-breakpoint

-- tenants: readable as the unit's tenant, as a member (a user's tenant list at sign-in), through the
-- session the request holds, or by the operator (`assay tenant list`, the first-run check). A tenant
-- row is created by its own first unit of work and changed or deleted only by its own units.
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenants_read" ON "tenants" AS PERMISSIVE FOR SELECT TO public USING (
  id = current_setting('app.tenant_id', true)
  OR EXISTS (SELECT 1 FROM memberships m
             WHERE m.tenant_id = tenants.id AND m.user_id = current_setting('app.user_id', true))
  OR EXISTS (SELECT 1 FROM sessions s
             WHERE s.id = current_setting('app.session_id', true) AND s.tenant_id = tenants.id)
  OR current_setting('app.system', true) = 'cli'
);--> statement-breakpoint
CREATE POLICY "tenants_create" ON "tenants" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
-- No UPDATE or DELETE is granted on tenants today; these hold the rows the day one is.
CREATE POLICY "tenants_update" ON "tenants" AS PERMISSIVE FOR UPDATE TO public
  USING (id = current_setting('app.tenant_id', true))
  WITH CHECK (id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "tenants_delete" ON "tenants" AS PERMISSIVE FOR DELETE TO public
  USING (id = current_setting('app.tenant_id', true));
