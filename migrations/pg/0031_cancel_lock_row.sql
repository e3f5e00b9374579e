-- Hand-written (docs/tenant-exit.md, "What the database enforces"). Fifth review, MEDIUM-1: the cancel lock
-- was an advisory key (assay.deletion_cancel:<tenant>) that the app role could compute and hold, so a
-- session holding it past the deadline could shred first and get an in-time cancel refused. MEDIUM-2: the
-- DELETE policies on tenants, setup_tokens and mail_outbox did not wait for a cancel in flight, so a
-- tenant without data-key rows could lose its row to a purge racing an in-time cancel. L1: the window
-- start's advisory key could be held by any app-role session, so every start skipped, silently.
--
-- Now the locks are rows of a table the app role cannot reach: assay_private.tenant_locks (no USAGE on
-- the schema, no grant on the table; the boot self-check verifies both), one 'cancel' and one 'window'
-- row per tenant, locked only inside the SECURITY DEFINER functions below:
--  * a cancel (assay_cancel_deletion, and the clearing UPDATE's branch of the tenants trigger) holds the
--    'cancel' row FOR SHARE, and only once it is in time (a late one takes no lock);
--  * the doors take it FOR UPDATE through assay_await_cancels, which then asks, in its next statement
--    (so it sees what the cancels it waited for committed), whether the tenant is past its window, and
--    raises otherwise: so no app-role statement holds the exclusive lock before the deadline (an error
--    aborts the transaction or savepoint that took it, and that releases it). Past the deadline no cancel
--    is in time any more: holding the lock then pre-empts nothing;
--  * the window start tries the 'window' row (SKIP LOCKED): only a window start can hold it.
-- The rows are created with their tenant, by an AFTER INSERT trigger on tenants in the inserting
-- transaction, so they are visible exactly when the tenant is; they go with it (ON DELETE CASCADE). The
-- trigger is created before the existing tenants are filled in: CREATE TRIGGER waits for transactions
-- inserting tenants and holds off new ones until this migration commits, so every tenant either is seen
-- by the fill-in statement or fires the trigger. A row missing anyway (only the owner could remove one)
-- is created again by the first function that wants to lock it.

CREATE SCHEMA assay_private;--> statement-breakpoint
REVOKE ALL ON SCHEMA assay_private FROM PUBLIC;--> statement-breakpoint
CREATE TABLE assay_private.tenant_locks (
  tenant_id text NOT NULL REFERENCES public.tenants (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('cancel', 'window')),
  PRIMARY KEY (tenant_id, purpose)
);--> statement-breakpoint
REVOKE ALL ON assay_private.tenant_locks FROM PUBLIC;--> statement-breakpoint

-- Locks the tenant's `what` row: 'share' or 'update' wait, 'try' does not (false when another transaction
-- holds it). False when the tenant does not exist. Called only by the owner's functions below.
CREATE FUNCTION assay_private.lock_tenant(tid text, what text, how text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  FOR attempt IN 1..2 LOOP
    IF how = 'share' THEN
      PERFORM 1 FROM assay_private.tenant_locks l WHERE l.tenant_id = tid AND l.purpose = what FOR SHARE;
    ELSIF how = 'update' THEN
      PERFORM 1 FROM assay_private.tenant_locks l WHERE l.tenant_id = tid AND l.purpose = what FOR UPDATE;
    ELSIF how = 'try' THEN
      PERFORM 1 FROM assay_private.tenant_locks l WHERE l.tenant_id = tid AND l.purpose = what
        FOR UPDATE SKIP LOCKED;
    ELSE
      RAISE EXCEPTION 'lock_tenant: no lock mode %', how;
    END IF;
    IF FOUND THEN
      RETURN true;
    END IF;
    IF how = 'try' AND EXISTS (SELECT 1 FROM assay_private.tenant_locks l
                                WHERE l.tenant_id = tid AND l.purpose = what) THEN
      RETURN false;
    END IF;
    -- No row (the tenant is gone, or the owner removed it): an existing tenant's is created again.
    INSERT INTO assay_private.tenant_locks (tenant_id, purpose)
      SELECT t.id, what FROM public.tenants t WHERE t.id = tid
      ON CONFLICT DO NOTHING;
  END LOOP;
  RETURN false;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_private.lock_tenant(text, text, text) FROM PUBLIC;--> statement-breakpoint

CREATE FUNCTION assay_tenant_locks_create() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO assay_private.tenant_locks (tenant_id, purpose)
    VALUES (NEW.id, 'cancel'), (NEW.id, 'window') ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_tenant_locks_create() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER tenants_lock_rows AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION assay_tenant_locks_create();--> statement-breakpoint
-- The owner reads every tenant under FORCE RLS through tenants_owner_read (0029).
INSERT INTO assay_private.tenant_locks (tenant_id, purpose)
  SELECT t.id, p.purpose FROM tenants t CROSS JOIN (VALUES ('cancel'), ('window')) AS p (purpose)
  ON CONFLICT DO NOTHING;--> statement-breakpoint

-- The doors' wait: only past the window (by the statement's snapshot), the tenant's 'cancel' row FOR UPDATE
-- (every cancel in flight has ended), then the tenant must still be past its window as what they committed
-- shows; else it raises, which releases the lock with the transaction or savepoint that took it. SECURITY DEFINER: the app role cannot reach the row itself.
CREATE OR REPLACE FUNCTION assay_await_cancels(tid text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Inside the window it does not even wait (a door that waited there could only be refused).
  IF NOT public.assay_tenant_past_window(tid) THEN
    RAISE EXCEPTION 'tenant % is not past its deletion window', tid USING ERRCODE = '42501';
  END IF;
  PERFORM assay_private.lock_tenant(tid, 'cancel', 'update');
  IF NOT public.assay_tenant_past_window(tid) THEN
    RAISE EXCEPTION 'tenant % is not past its deletion window', tid USING ERRCODE = '42501';
  END IF;
END $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_await_cancels(text) FROM PUBLIC;--> statement-breakpoint

-- As in 0030, but a cancel in time takes its lock only after it has been judged in time, and that lock is
-- the 'cancel' row: no app-role session can hold it against the cancel.
CREATE OR REPLACE FUNCTION assay_cancel_deletion(tid text, who text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE req timestamptz; started timestamptz; wall timestamptz := clock_timestamp();
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RAISE EXCEPTION 'a deletion is cancelled in its tenant''s own unit' USING ERRCODE = '42501';
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'a deletion is cancelled only in a READ COMMITTED transaction' USING ERRCODE = '42501';
  END IF;
  -- Judged at its arrival; nothing to cancel in time: no lock taken.
  SELECT t.deletion_requested_at INTO req FROM public.tenants t WHERE t.id = tid;
  IF req IS NULL THEN
    RETURN NULL;
  END IF;
  IF public.assay_deletion_cancelled(tid, req) THEN
    RETURN req;
  END IF;
  started := public.assay_deletion_window_from(tid, req);
  IF started IS NOT NULL AND started + interval '720 hours' <= wall THEN
    RETURN NULL;
  END IF;
  -- In time: held until this cancel ends, so a door (past the window) waits for it. Then read again what
  -- a door that held the row before us may have done: purged the tenant, or destroyed a data key.
  IF NOT assay_private.lock_tenant(tid, 'cancel', 'share') THEN
    RETURN NULL;
  END IF;
  SELECT t.deletion_requested_at INTO req FROM public.tenants t WHERE t.id = tid;
  IF req IS NULL THEN
    RETURN NULL;
  END IF;
  IF public.assay_deletion_cancelled(tid, req) THEN
    RETURN req;
  END IF;
  started := public.assay_deletion_window_from(tid, req);
  IF started IS NOT NULL AND started + interval '720 hours' <= wall THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM public.tenant_keys k WHERE k.tenant_id = tid AND k.destroyed_at IS NOT NULL) THEN
    RETURN NULL;
  END IF;
  INSERT INTO public.system_log (id, at, tenant_id, action, actor, data)
    VALUES (replace(gen_random_uuid()::text, '-', ''), wall, tid, 'tenant.deletion_cancelled',
            coalesce(who, 'unknown'), jsonb_build_object('requested_at', public.assay_utc_text(req)))
    ON CONFLICT (tenant_id, (data->>'requested_at'))
      WHERE action = 'tenant.deletion_cancelled' AND data ? 'requested_at' DO NOTHING;
  RETURN req;
END $$;--> statement-breakpoint

-- As in 0030; a direct clearing UPDATE's cancel holds the 'cancel' row instead of the advisory key (a late
-- one raises, which releases it).
CREATE OR REPLACE FUNCTION assay_tenants_deletion_clock() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE wall timestamptz := clock_timestamp(); started timestamptz;
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
  IF OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL
     AND NEW.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS NOT NULL THEN
    NEW.deletion_requested_at := wall;
    NEW.deletion_due_at := wall + interval '720 hours';
    NEW.deletion_window_from := NULL;
    RETURN NEW;
  END IF;
  IF OLD.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_at IS NULL
     AND NEW.deletion_due_at IS NULL AND NEW.deletion_window_from IS NULL THEN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
      RAISE EXCEPTION 'tenants: a deletion is cancelled only in a READ COMMITTED transaction' USING ERRCODE = '42501';
    END IF;
    IF public.assay_deletion_cancelled(OLD.id, OLD.deletion_requested_at) THEN
      NEW.deletion_requested_by := NULL;
      RETURN NEW;
    END IF;
    PERFORM assay_private.lock_tenant(OLD.id, 'cancel', 'share');
    started := public.assay_deletion_window_from(OLD.id, OLD.deletion_requested_at);
    IF started IS NULL OR started + interval '720 hours' > wall THEN
      PERFORM public.assay_system_log_write(NEW.id, 'tenant.deletion_cancelled',
        CASE WHEN NEW.deletion_requested_by IS DISTINCT FROM OLD.deletion_requested_by
             THEN coalesce(NEW.deletion_requested_by, 'unknown') ELSE 'unknown' END,
        jsonb_build_object('requested_at', public.assay_utc_text(OLD.deletion_requested_at)), wall);
      NEW.deletion_requested_by := NULL;
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'tenants: a deletion is requested or cancelled, its window is not rewritten'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint

-- As in 0030, but the writers of a tenant's request entry try the tenant's 'window' row (L1: only a window
-- start can hold it, no longer any session that computes an advisory key).
CREATE OR REPLACE FUNCTION assay_start_deletion_window(tid text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE req timestamptz; who text; started timestamptz; wall timestamptz;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RAISE EXCEPTION 'a deletion window starts in its tenant''s own unit' USING ERRCODE = '42501';
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'a deletion window starts only in a READ COMMITTED transaction' USING ERRCODE = '42501';
  END IF;
  SELECT t.deletion_requested_at INTO req FROM public.tenants t WHERE t.id = tid;
  IF req IS NULL THEN
    RETURN NULL;
  END IF;
  IF now() <= req THEN
    RAISE EXCEPTION 'tenants: a deletion window starts after its request has been committed'
      USING ERRCODE = '42501';
  END IF;
  IF NOT assay_private.lock_tenant(tid, 'window', 'try') THEN
    RETURN NULL;
  END IF;
  SELECT t.deletion_requested_by INTO who FROM public.tenants t WHERE t.id = tid AND t.deletion_requested_at = req;
  IF NOT FOUND OR public.assay_deletion_cancelled(tid, req) THEN
    RETURN NULL;
  END IF;
  started := public.assay_deletion_window_from(tid, req);
  IF started IS NOT NULL THEN
    RETURN started;
  END IF;
  wall := clock_timestamp();
  PERFORM public.assay_system_log_write(tid, 'tenant.deletion_requested', coalesce(who, 'unknown'),
    jsonb_build_object('requested_at', public.assay_utc_text(req),
      'due_at', public.assay_utc_text(wall + interval '720 hours')),
    wall);
  RETURN wall;
END $$;--> statement-breakpoint

-- As in 0029, and it first waits for cancels in flight: tombstoning identities is a door too.
CREATE OR REPLACE FUNCTION assay_purge_sole_identities(tid text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE n integer;
BEGIN
  PERFORM public.assay_await_cancels(tid);
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

-- MEDIUM-2: a DELETE of the tenant row, a set-up link or a queued mail first waits for the tenant's cancels
-- in flight and then asks again whether the tenant is past its window (the policies asked with the
-- statement's snapshot, which cannot see a cancel still in flight). TG_ARGV[0]: the column naming the
-- tenant. A mail of no tenant has no window (the policy keeps it from the app role).
CREATE FUNCTION assay_delete_past_window() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE tid text := to_jsonb(OLD) ->> TG_ARGV[0];
BEGIN
  IF tid IS NULL THEN
    RETURN OLD;
  END IF;
  PERFORM public.assay_await_cancels(tid);
  IF public.assay_tenant_past_window(tid) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '%: a tenant''s row is deleted only past its deletion window', TG_TABLE_NAME
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE TRIGGER tenants_delete_window BEFORE DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION assay_delete_past_window('id');--> statement-breakpoint
CREATE TRIGGER setup_tokens_delete_window BEFORE DELETE ON setup_tokens FOR EACH ROW EXECUTE FUNCTION assay_delete_past_window('tenant_id');--> statement-breakpoint
CREATE TRIGGER mail_outbox_delete_window BEFORE DELETE ON mail_outbox FOR EACH ROW EXECUTE FUNCTION assay_delete_past_window('tenant_id');
