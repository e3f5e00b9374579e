-- Hand-written: the tenant-exit window is the database's, not the application's (docs/tenant-exit.md,
-- "What the database enforces"). A hostile review found that the app role could write a deletion deadline
-- in the past and then open the audit trail's one door (assay_purge_tenant_audit) at once. Now:
--  * a deletion request's time and deadline are set by the database's clock, whatever the unit wrote;
--  * the deadline never moves otherwise, and it is cleared (a cancel) only while it lies in the future;
--  * every door that deletes a tenant's rows for good (the audit function, the tenants, setup_tokens and
--    mail_outbox DELETE policies, the identity purge below) checks that the request is 30 days old;
--  * the system log's time is the database's, and a tenant's own unit may append only its request (while
--    the tenant is pending) and its cancel (while it is not), never a purge;
--  * an identity is tombstoned only when it belongs to no other tenant.
-- 720 hours, not '30 days': an interval in days follows the session's time zone across a DST change.
CREATE FUNCTION assay_tenant_past_window(tid text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.tenants t
    WHERE t.id = tid AND t.deletion_requested_at IS NOT NULL AND t.deletion_due_at IS NOT NULL
      AND t.deletion_due_at <= now() AND t.deletion_requested_at <= now() - interval '720 hours')
$$;--> statement-breakpoint
CREATE FUNCTION assay_tenants_deletion_clock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.deletion_requested_at IS NOT DISTINCT FROM OLD.deletion_requested_at
     AND NEW.deletion_due_at IS NOT DISTINCT FROM OLD.deletion_due_at
     AND NEW.deletion_requested_by IS NOT DISTINCT FROM OLD.deletion_requested_by THEN
    RETURN NEW;
  END IF;
  -- A request: from no request at all; the window starts now, by this clock.
  IF OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL
     AND NEW.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS NOT NULL THEN
    NEW.deletion_requested_at := now();
    NEW.deletion_due_at := now() + interval '720 hours';
    RETURN NEW;
  END IF;
  -- A cancel: everything cleared, while the deadline is still ahead.
  IF NEW.deletion_requested_at IS NULL AND NEW.deletion_due_at IS NULL AND NEW.deletion_requested_by IS NULL
     AND OLD.deletion_due_at > now() THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'tenants: a deletion is requested or cancelled, its window is not rewritten'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER tenants_deletion_clock BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION assay_tenants_deletion_clock();--> statement-breakpoint

-- The audit trail's door: the rows of the unit's own tenant, and only once its window has passed.
CREATE OR REPLACE FUNCTION assay_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_checkpoints is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_purge_tenant_audit(tid text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE n integer;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) OR NOT public.assay_tenant_past_window(tid) THEN
    RAISE EXCEPTION 'tenant % is not past its deletion deadline', tid USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM public.audit_merkle_blocks WHERE tenant_id = tid;
  DELETE FROM public.audit_checkpoints WHERE tenant_id = tid;
  DELETE FROM public.audit_log WHERE tenant_id = tid;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_purge_tenant_audit(text) FROM PUBLIC;--> statement-breakpoint

-- The global rows that name a tenant go only with the tenant, past its window.
DROP POLICY "tenants_delete" ON "tenants";--> statement-breakpoint
CREATE POLICY "tenants_delete" ON "tenants" AS PERMISSIVE FOR DELETE TO public USING (
  id = current_setting('app.tenant_id', true) AND assay_tenant_past_window(id)
);--> statement-breakpoint
DROP POLICY "setup_tokens_purge" ON "setup_tokens";--> statement-breakpoint
CREATE POLICY "setup_tokens_purge" ON "setup_tokens" AS PERMISSIVE FOR DELETE TO public USING (
  tenant_id = current_setting('app.tenant_id', true) AND assay_tenant_past_window(tenant_id)
);--> statement-breakpoint
DROP POLICY "mail_outbox_purge" ON "mail_outbox";--> statement-breakpoint
CREATE POLICY "mail_outbox_purge" ON "mail_outbox" AS PERMISSIVE FOR DELETE TO public USING (
  tenant_id = current_setting('app.tenant_id', true) AND assay_tenant_past_window(tenant_id)
);--> statement-breakpoint

-- The system log: the database's time; a tenant's own unit records only what it just did to itself.
CREATE FUNCTION assay_system_log_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE requested timestamptz; due timestamptz; found_tenant boolean;
BEGIN
  NEW.at := now();
  SELECT true, t.deletion_requested_at, t.deletion_due_at INTO found_tenant, requested, due
    FROM public.tenants t WHERE t.id = NEW.tenant_id;
  -- A request, in the unit that made it (the request's time is this transaction's).
  IF NEW.action = 'tenant.deletion_requested' AND requested = now() THEN
    NEW.data := jsonb_build_object('due_at', to_char(due AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NEW;
  END IF;
  IF NEW.action = 'tenant.deletion_cancelled' AND found_tenant IS TRUE AND requested IS NULL THEN
    NEW.data := '{}'::jsonb;
    RETURN NEW;
  END IF;
  -- A purge, by the scheduler or the operator, once the tenant row is gone.
  IF NEW.action = 'tenant.purged' AND found_tenant IS NULL
     AND current_setting('app.system', true) IN ('cli', 'scheduler') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'system_log: an entry records a deletion request, a cancel or a purge as it happens'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER system_log_stamp BEFORE INSERT ON "system_log" FOR EACH ROW EXECUTE FUNCTION assay_system_log_stamp();--> statement-breakpoint

-- Identities: the owner reads every membership (for the two SECURITY DEFINER functions below, under FORCE),
-- and erases the recovery codes of identities the purge tombstones.
CREATE POLICY "memberships_owner_read" ON "memberships" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_owner_read" ON "mfa_recovery_codes" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_owner_erase" ON "mfa_recovery_codes" AS PERMISSIVE FOR DELETE TO CURRENT_USER USING (true);--> statement-breakpoint
-- An erasure tombstones an identity only if it belongs to no tenant but the unit's own (its membership
-- there still exists when the tombstone is written). SECURITY DEFINER: the unit cannot see other tenants'
-- memberships, which is the point.
CREATE OR REPLACE FUNCTION assay_users_erasure_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF (NEW.email IS DISTINCT FROM OLD.email OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at)
     AND NOT (NEW.email = 'erased-' || lower(NEW.id) || '@erased.invalid'
              AND NEW.password_hash IS NULL AND NEW.totp_secret IS NULL
              AND NEW.totp_pending_secret IS NULL AND NEW.disabled_at IS NOT NULL) THEN
    RAISE EXCEPTION 'users: the email and disabled_at change only to an erasure tombstone'
      USING ERRCODE = '42501';
  END IF;
  IF NEW.email IS DISTINCT FROM OLD.email AND EXISTS (
       SELECT 1 FROM public.memberships m
       WHERE m.user_id = NEW.id AND m.tenant_id IS DISTINCT FROM current_setting('app.tenant_id', true)) THEN
    RAISE EXCEPTION 'users: an identity that belongs to another tenant is not tombstoned'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
-- The purge's last step for people: identities whose only membership is the purged tenant are tombstoned
-- (no address, no secrets, disabled) and lose their recovery codes; those in other tenants are untouched.
CREATE FUNCTION assay_purge_sole_identities(tid text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE n integer;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) OR NOT public.assay_tenant_past_window(tid) THEN
    RAISE EXCEPTION 'tenant % is not past its deletion deadline', tid USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM public.mfa_recovery_codes c WHERE c.user_id IN (
    SELECT m.user_id FROM public.memberships m WHERE m.tenant_id = tid AND NOT EXISTS (
      SELECT 1 FROM public.memberships o WHERE o.user_id = m.user_id AND o.tenant_id <> tid));
  UPDATE public.users u SET email = 'erased-' || lower(u.id) || '@erased.invalid', password_hash = NULL,
      totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL,
      disabled_at = coalesce(u.disabled_at, now())
    WHERE u.email <> 'erased-' || lower(u.id) || '@erased.invalid' AND u.id IN (
      SELECT m.user_id FROM public.memberships m WHERE m.tenant_id = tid AND NOT EXISTS (
        SELECT 1 FROM public.memberships o WHERE o.user_id = m.user_id AND o.tenant_id <> tid));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_purge_sole_identities(text) FROM PUBLIC;
