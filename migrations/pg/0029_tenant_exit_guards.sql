-- Hand-written: the tenant-exit window is the database's, not the application's (docs/tenant-exit.md,
-- "What the database enforces"). Two hostile reviews (2026-12) found that the app role could write a
-- deletion deadline in the past and open the audit trail's door at once, and then that now() (the start
-- of the transaction) let a request held open for 30 days be stamped on day 0. Now:
--  * a request's time is clock_timestamp(), whatever the unit wrote; its window starts only when a LATER
--    transaction than the request's own stamps deletion_window_from (the application does it right after
--    the request, the purge job for any request left without one), so a request held uncommitted cannot
--    start its window early; the deadline is the window's start plus 720 hours. "Later" is "began after
--    the request was made" (now() > deletion_requested_at): a savepoint or a plpgsql exception block of
--    the request's own transaction shares its start, and another transaction's UPDATE waits for the
--    request's row lock, so it stamps after the request commits;
--  * the tenant's data keys are shredded or deleted only past the window;
--  * the window is never rewritten otherwise, and cleared (a cancel) only while the deadline lies ahead;
--    a new tenant row carries no deletion state;
--  * every door that deletes a tenant's rows for good asks the same: window started 720 hours ago;
--  * the system log takes the database's time; the database itself writes the request entry (when the
--    window starts) and the cancel entry, and accepts from the application only a purge, once, after a
--    request entry 720 hours old, once the tenant row is gone;
--  * an identity is tombstoned only when it belongs to no other tenant.
-- 720 hours, not '30 days': an interval in days follows the session's time zone across a DST change.

-- Requests already pending when this runs were stamped by the application's clock: they start again,
-- each with the request entry the purge will want (the owner runs this under FORCE RLS, so with the
-- claims the policies ask for, one tenant at a time; the triggers below do not exist yet).
DO $$
DECLARE r record; wall timestamptz := clock_timestamp();
BEGIN
  PERFORM set_config('app.system', 'cli', true);
  FOR r IN SELECT t.id, t.deletion_requested_by FROM tenants t
           WHERE t.deletion_requested_at IS NOT NULL OR t.deletion_due_at IS NOT NULL LOOP
    PERFORM set_config('app.tenant_id', r.id, true);
    UPDATE tenants SET deletion_requested_at = wall, deletion_window_from = wall,
      deletion_due_at = wall + interval '720 hours',
      deletion_requested_by = coalesce(r.deletion_requested_by, 'system:migration')
      WHERE id = r.id;
    INSERT INTO system_log (id, at, tenant_id, action, actor, data)
      VALUES (replace(gen_random_uuid()::text, '-', ''), wall, r.id, 'tenant.deletion_requested',
              coalesce(r.deletion_requested_by, 'system:migration'),
              jsonb_build_object('due_at', to_char((wall + interval '720 hours') AT TIME ZONE 'UTC',
                                                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
  PERFORM set_config('app.system', '', true);
END $$;--> statement-breakpoint
-- One purge entry per tenant, whatever the isolation level of the units that write it.
CREATE UNIQUE INDEX system_log_one_purge_uq ON system_log (tenant_id) WHERE action = 'tenant.purged';--> statement-breakpoint

CREATE FUNCTION assay_tenant_past_window(tid text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.tenants t
    WHERE t.id = tid AND t.deletion_window_from IS NOT NULL AND t.deletion_due_at IS NOT NULL
      AND t.deletion_window_from <= now() - interval '720 hours' AND t.deletion_due_at <= now())
$$;--> statement-breakpoint

-- The entries the database writes itself (called from the SECURITY DEFINER trigger below, as the owner).
CREATE FUNCTION assay_system_log_write(tid text, act text, who text, detail jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO public.system_log (id, at, tenant_id, action, actor, data)
  VALUES (replace(gen_random_uuid()::text, '-', ''), clock_timestamp(), tid, act, who, detail)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_system_log_write(text, text, text, jsonb) FROM PUBLIC;--> statement-breakpoint
-- SECURITY DEFINER so that it may write the system log (the app role may not call the function above);
-- it reads nothing but OLD and NEW.
CREATE FUNCTION assay_tenants_deletion_clock() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE wall timestamptz := clock_timestamp();
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
    NEW.deletion_requested_at := wall;
    NEW.deletion_due_at := wall + interval '720 hours';
    NEW.deletion_window_from := NULL;
    RETURN NEW;
  END IF;
  -- The window starts, in a transaction that began after the request was made (see the header).
  IF OLD.deletion_requested_at IS NOT NULL AND OLD.deletion_window_from IS NULL
     AND NEW.deletion_window_from IS NOT NULL
     AND NEW.deletion_requested_at IS NOT DISTINCT FROM OLD.deletion_requested_at
     AND NEW.deletion_requested_by IS NOT DISTINCT FROM OLD.deletion_requested_by THEN
    IF now() <= OLD.deletion_requested_at THEN
      RAISE EXCEPTION 'tenants: a deletion window starts after its request has been committed'
        USING ERRCODE = '42501';
    END IF;
    NEW.deletion_window_from := wall;
    NEW.deletion_due_at := wall + interval '720 hours';
    PERFORM public.assay_system_log_write(NEW.id, 'tenant.deletion_requested', NEW.deletion_requested_by,
      jsonb_build_object('due_at',
        to_char(NEW.deletion_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    RETURN NEW;
  END IF;
  -- A cancel: everything cleared (deletion_requested_by may carry who cancels, for the log), while the
  -- deadline is still ahead by the wall clock.
  IF OLD.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_at IS NULL
     AND NEW.deletion_due_at IS NULL AND NEW.deletion_window_from IS NULL
     AND OLD.deletion_due_at > wall THEN
    -- Logged only as the cancel of a logged request (a request whose window never started has none).
    IF (SELECT l.action FROM public.system_log l WHERE l.tenant_id = NEW.id
          ORDER BY l.at DESC, l.id DESC LIMIT 1) = 'tenant.deletion_requested' THEN
      PERFORM public.assay_system_log_write(NEW.id, 'tenant.deletion_cancelled',
        CASE WHEN NEW.deletion_requested_by IS DISTINCT FROM OLD.deletion_requested_by
             THEN coalesce(NEW.deletion_requested_by, 'unknown') ELSE 'unknown' END, '{}'::jsonb);
    END IF;
    NEW.deletion_requested_by := NULL;
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

-- Crypto-shredding is irreversible (backups stop decrypting too): the data keys change or go only past
-- the window. Only the purge touches these rows after they are written.
CREATE FUNCTION assay_tenant_keys_shred_window() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'tenant_keys: a data key is destroyed only past its tenant''s deletion window'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER tenant_keys_shred_window BEFORE UPDATE OR DELETE ON tenant_keys FOR EACH ROW EXECUTE FUNCTION assay_tenant_keys_shred_window();--> statement-breakpoint

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

-- The system log: the database's time. Entries the database writes itself (as the owner, above) pass;
-- from anyone else only a purge, by the scheduler or the operator, once the tenant row is gone, after a
-- request entry 720 hours old, and once (an advisory lock per tenant orders two purges' checks).
CREATE POLICY "system_log_owner_read" ON "system_log" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE POLICY "tenants_owner_read" ON "tenants" AS PERMISSIVE FOR SELECT TO CURRENT_USER USING (true);--> statement-breakpoint
CREATE FUNCTION assay_system_log_state(tid text, OUT tenant_exists boolean, OUT last_action text, OUT last_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = tid),
    (SELECT l.action FROM public.system_log l WHERE l.tenant_id = tid ORDER BY l.at DESC, l.id DESC LIMIT 1),
    (SELECT l.at FROM public.system_log l WHERE l.tenant_id = tid ORDER BY l.at DESC, l.id DESC LIMIT 1)
$$;--> statement-breakpoint
CREATE FUNCTION assay_system_log_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE st record;
BEGIN
  NEW.at := clock_timestamp();
  IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'public.system_log'::regclass) THEN
    RETURN NEW;
  END IF;
  IF NEW.action = 'tenant.purged' AND current_setting('app.system', true) IN ('cli', 'scheduler') THEN
    PERFORM pg_advisory_xact_lock(hashtext('assay.system_log:' || NEW.tenant_id));
    SELECT * INTO st FROM public.assay_system_log_state(NEW.tenant_id);
    IF NOT st.tenant_exists AND st.last_action = 'tenant.deletion_requested'
       AND st.last_at <= clock_timestamp() - interval '720 hours' THEN
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
