-- Hand-written: the tenant-exit window is the database's, not the application's (docs/tenant-exit.md,
-- "What the database enforces"). Two hostile reviews (2026-12) found that the app role could write a
-- deletion deadline in the past and open the audit trail's door at once, and then that now() (the start
-- of the transaction) let a request held open for 30 days be stamped on day 0. Now:
--  * a request's time is clock_timestamp(), whatever the unit wrote; its window starts only when a LATER
--    transaction than the request's own stamps deletion_window_from (the application does it right after
--    the request, the purge job for any request left without one), so a request held uncommitted cannot
--    start its window early; the deadline is the window's start plus 720 hours;
--  * the window is never rewritten otherwise, and cleared (a cancel) only while the deadline lies ahead;
--    a new tenant row carries no deletion state;
--  * every door that deletes a tenant's rows for good asks the same: window started 720 hours ago;
--  * the system log takes the database's time, and records a request, a cancel or a purge only as it
--    happens, once each;
--  * an identity is tombstoned only when it belongs to no other tenant.
-- 720 hours, not '30 days': an interval in days follows the session's time zone across a DST change.

-- Requests already pending when this runs were stamped by the application's clock: they start again.
UPDATE tenants SET deletion_requested_at = clock_timestamp(), deletion_window_from = clock_timestamp(),
  deletion_due_at = clock_timestamp() + interval '720 hours',
  deletion_requested_by = coalesce(deletion_requested_by, 'system:migration')
  WHERE deletion_requested_at IS NOT NULL OR deletion_due_at IS NOT NULL;--> statement-breakpoint

CREATE FUNCTION assay_tenant_past_window(tid text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.tenants t
    WHERE t.id = tid AND t.deletion_window_from IS NOT NULL AND t.deletion_due_at IS NOT NULL
      AND t.deletion_window_from <= now() - interval '720 hours' AND t.deletion_due_at <= now())
$$;--> statement-breakpoint

CREATE FUNCTION assay_tenants_deletion_clock() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE row_xmin xid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.deletion_requested_at IS NOT NULL OR NEW.deletion_due_at IS NOT NULL
       OR NEW.deletion_requested_by IS NOT NULL OR NEW.deletion_window_from IS NOT NULL THEN
      RAISE EXCEPTION 'tenants: a new tenant is not pending deletion' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.deletion_requested_at IS NOT DISTINCT FROM OLD.deletion_requested_at
     AND NEW.deletion_due_at IS NOT DISTINCT FROM OLD.deletion_due_at
     AND NEW.deletion_requested_by IS NOT DISTINCT FROM OLD.deletion_requested_by
     AND NEW.deletion_window_from IS NOT DISTINCT FROM OLD.deletion_window_from THEN
    RETURN NEW;
  END IF;
  -- A request, from no request at all: stamped now by the wall clock; its window is not started yet.
  IF OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL AND OLD.deletion_window_from IS NULL
     AND NEW.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS NOT NULL THEN
    NEW.deletion_requested_at := clock_timestamp();
    NEW.deletion_due_at := clock_timestamp() + interval '720 hours';
    NEW.deletion_window_from := NULL;
    RETURN NEW;
  END IF;
  -- The window starts, in a transaction that sees the request committed by another one.
  IF OLD.deletion_requested_at IS NOT NULL AND OLD.deletion_window_from IS NULL
     AND NEW.deletion_window_from IS NOT NULL
     AND NEW.deletion_requested_at IS NOT DISTINCT FROM OLD.deletion_requested_at
     AND NEW.deletion_requested_by IS NOT DISTINCT FROM OLD.deletion_requested_by THEN
    SELECT t.xmin INTO row_xmin FROM public.tenants t WHERE t.id = OLD.id;
    IF row_xmin IS NULL OR row_xmin = pg_current_xact_id()::xid THEN
      RAISE EXCEPTION 'tenants: a deletion window starts after its request has been committed'
        USING ERRCODE = '42501';
    END IF;
    NEW.deletion_window_from := clock_timestamp();
    NEW.deletion_due_at := clock_timestamp() + interval '720 hours';
    RETURN NEW;
  END IF;
  -- A cancel: everything cleared, while the deadline is still ahead by the wall clock.
  IF NEW.deletion_requested_at IS NULL AND NEW.deletion_due_at IS NULL AND NEW.deletion_requested_by IS NULL
     AND NEW.deletion_window_from IS NULL AND OLD.deletion_due_at > clock_timestamp() THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'tenants: a deletion is requested or cancelled, its window is not rewritten'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER tenants_deletion_clock BEFORE INSERT OR UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION assay_tenants_deletion_clock();--> statement-breakpoint

-- The audit trail's door: the rows of the unit's own tenant, and only once its window has passed.
CREATE OR REPLACE FUNCTION assay_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_checkpoints_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
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

-- The system log: the database's time, and each entry only as what it records happens. SECURITY DEFINER,
-- with the owner-only read policy below: a tenant's unit cannot read the log, but its entries are judged
-- against the log's earlier ones.
CREATE POLICY "system_log_owner_read" ON "system_log" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE FUNCTION assay_system_log_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE t public.tenants%ROWTYPE; exists_now boolean; mine boolean; last_action text; requested_at timestamptz;
BEGIN
  NEW.at := clock_timestamp();
  SELECT * INTO t FROM public.tenants x WHERE x.id = NEW.tenant_id;
  exists_now := FOUND;
  mine := exists_now AND (SELECT x.xmin FROM public.tenants x WHERE x.id = NEW.tenant_id) = pg_current_xact_id()::xid;
  SELECT l.action INTO last_action FROM public.system_log l
    WHERE l.tenant_id = NEW.tenant_id ORDER BY l.at DESC, l.id DESC LIMIT 1;
  -- A request, in the transaction that started its window.
  IF NEW.action = 'tenant.deletion_requested' AND mine AND t.deletion_window_from IS NOT NULL
     AND last_action IS DISTINCT FROM 'tenant.deletion_requested' THEN
    NEW.data := jsonb_build_object('due_at',
      to_char(t.deletion_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
    RETURN NEW;
  END IF;
  -- A cancel, in the transaction that made it, of a request on record.
  IF NEW.action = 'tenant.deletion_cancelled' AND mine AND t.deletion_requested_at IS NULL
     AND last_action = 'tenant.deletion_requested' THEN
    NEW.data := '{}'::jsonb;
    RETURN NEW;
  END IF;
  -- A purge, by the scheduler or the operator, once the tenant row is gone, of a request on record
  -- whose window has passed.
  IF NEW.action = 'tenant.purged' AND NOT exists_now AND last_action = 'tenant.deletion_requested'
     AND current_setting('app.system', true) IN ('cli', 'scheduler') THEN
    SELECT l.at INTO requested_at FROM public.system_log l
      WHERE l.tenant_id = NEW.tenant_id ORDER BY l.at DESC, l.id DESC LIMIT 1;
    IF requested_at <= clock_timestamp() - interval '720 hours' THEN
      RETURN NEW;
    END IF;
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
-- memberships, which is the point. (A unit that first deletes the other memberships under other claims
-- gets past it: claims are the application's; this stops the application's mistakes, docs/tenant-exit.md.)
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
