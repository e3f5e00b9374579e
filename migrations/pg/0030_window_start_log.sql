-- Hand-written (docs/tenant-exit.md, "What the database enforces"). Third review, HIGH: the window start
-- was an UPDATE of the tenant row, so a window start held uncommitted held the row's lock, and every cancel
-- waited behind it and was refused as late once it ran. Now the window start is the system log's request
-- entry alone, written by assay_start_deletion_window without locking or updating the tenant row, and
-- every door reads the window from that entry. Fourth review: the cancel is insert-only as well (its
-- cancel entry, assay_cancel_deletion; the row is cleared afterwards), both refuse REPEATABLE READ units,
-- one entry of each kind per request (unique indexes), the purge entry is judged by the counting entry,
-- and windows 0029 started carry over instead of restarting.
--
-- Which entry counts (assay_deletion_window_from): a request entry (only the database writes those) whose
-- data.requested_at is the tenant row's deletion_requested_at *now*, and no cancel entry names it. That time is the wall clock at the
-- request and is never rewritten; a cancel clears it and a new request stamps a later one. So an entry
-- written for a request since cancelled never counts, whether it committed before, during or after the
-- cancel, and an old request's entry never counts for a new request. The entry is written only from a
-- transaction that began after the request was made (now() > deletion_requested_at: not the request's own
-- transaction, so the request it reads is committed and the admins can see it) and its time is
-- clock_timestamp() at the insert. Writers of one request's entry hold a per-request advisory lock (a try:
-- a second writer skips, never waits) from before their insert to their end, so entries are committed in
-- the order of their times: the earliest counts, and once one is visible the window start never moves.
-- deletion_window_from is no longer used on PostgreSQL: always NULL (a CHECK constraint, the trigger, no
-- grant). deletion_due_at keeps the request's time plus 720 hours: the earliest the deadline can be.

-- What a purge entry is judged by: whether the tenant row still exists, and when the window of the
-- tenant's latest logged request started (its counting entry: the earliest request entry naming that
-- requested_at), null when that request was cancelled. Paired by requested_at, not the last entry by
-- `at`: a stale entry written after the counting one (a REPEATABLE READ unit before this migration could)
-- must neither refuse the purge after its keys are shredded nor move its window.
DROP FUNCTION assay_system_log_state(text);--> statement-breakpoint
CREATE FUNCTION assay_system_log_state(tid text, OUT tenant_exists boolean, OUT window_from timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.tenants t WHERE t.id = tid),
    (SELECT min(l.at) FROM public.system_log l
      WHERE l.tenant_id = tid AND l.action = 'tenant.deletion_requested'
        AND l.data->>'requested_at' = (SELECT max(r.data->>'requested_at') FROM public.system_log r
              WHERE r.tenant_id = tid AND r.action = 'tenant.deletion_requested' AND r.data ? 'requested_at')
        AND NOT EXISTS (SELECT 1 FROM public.system_log c
              WHERE c.tenant_id = tid AND c.action = 'tenant.deletion_cancelled'
                AND c.data->>'requested_at' = l.data->>'requested_at'))
$$;--> statement-breakpoint
-- The database's own entries keep the time their SECURITY DEFINER writer gives (its clock_timestamp()),
-- so an entry's data can name the deadline it sets; everyone else's still get the wall clock.
CREATE OR REPLACE FUNCTION assay_system_log_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE st record;
BEGIN
  IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'public.system_log'::regclass) THEN
    NEW.at := coalesce(NEW.at, clock_timestamp());
    RETURN NEW;
  END IF;
  NEW.at := clock_timestamp();
  IF NEW.action = 'tenant.purged' AND current_setting('app.system', true) IN ('cli', 'scheduler') THEN
    PERFORM pg_advisory_xact_lock(hashtext('assay.system_log:' || NEW.tenant_id));
    SELECT * INTO st FROM public.assay_system_log_state(NEW.tenant_id);
    IF NOT st.tenant_exists AND st.window_from <= clock_timestamp() - interval '720 hours' THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'system_log: an entry records a deletion request, a cancel or a purge as it happens'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_system_log_write(tid text, act text, who text, detail jsonb, stamp timestamptz)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO public.system_log (id, at, tenant_id, action, actor, data)
  VALUES (replace(gen_random_uuid()::text, '-', ''), stamp, tid, act, who, detail)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_system_log_write(text, text, text, jsonb, timestamptz) FROM PUBLIC;--> statement-breakpoint
CREATE FUNCTION assay_utc_text(x timestamptz) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT to_char(x AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;--> statement-breakpoint

-- Whether the request made at `requested` was cancelled: a committed cancel entry names it. A cancel is
-- that entry alone (assay_cancel_deletion); the tenant row is cleared afterwards, whenever its lock allows.
CREATE FUNCTION assay_deletion_cancelled(tid text, requested timestamptz) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.system_log c
   WHERE requested IS NOT NULL AND c.tenant_id = tid AND c.action = 'tenant.deletion_cancelled'
     AND c.data->>'requested_at' = public.assay_utc_text(requested)
     AND (tid = current_setting('app.tenant_id', true)
          OR current_setting('app.system', true) IN ('cli', 'scheduler')))
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_deletion_cancelled(text, timestamptz) FROM PUBLIC;--> statement-breakpoint

-- When the window of the request made at `requested` started: its earliest committed request entry, or
-- null (not started, or cancelled: every door is shut for a request with a cancel entry). Answers only the
-- tenant's own unit, the scheduler and the operator. SECURITY DEFINER: a tenant's unit cannot read the
-- system log.
CREATE FUNCTION assay_deletion_window_from(tid text, requested timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT min(l.at) FROM public.system_log l
   WHERE requested IS NOT NULL AND l.tenant_id = tid AND l.action = 'tenant.deletion_requested'
     AND l.data->>'requested_at' = public.assay_utc_text(requested)
     AND (tid = current_setting('app.tenant_id', true)
          OR current_setting('app.system', true) IN ('cli', 'scheduler'))
     AND NOT public.assay_deletion_cancelled(tid, requested)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_deletion_window_from(text, timestamptz) FROM PUBLIC;--> statement-breakpoint

-- Every door (the audit triggers and assay_purge_tenant_audit, the DELETE policies, the tenant_keys
-- trigger, assay_purge_sole_identities) asks this: the pending request's window started 720 hours ago.
-- READ COMMITTED only: a REPEATABLE READ or SERIALIZABLE snapshot taken before a cancel committed would not
-- see its entry and would judge the window passed after the cancel had won (fifth review, HIGH-1).
CREATE OR REPLACE FUNCTION assay_tenant_past_window(tid text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT current_setting('transaction_isolation') = 'read committed' AND EXISTS (SELECT 1 FROM public.tenants t
    WHERE t.id = tid AND t.deletion_requested_at IS NOT NULL
      AND public.assay_deletion_window_from(t.id, t.deletion_requested_at) <= now() - interval '720 hours')
$$;--> statement-breakpoint

-- Starts the window of the unit's tenant's committed request: returns its start, or null when there is no
-- request or another transaction is writing its entry right now (it is not waited for: the purge job
-- retries daily). Reads the tenant row without locking it, and never writes it.
CREATE FUNCTION assay_start_deletion_window(tid text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE req timestamptz; who text; started timestamptz; wall timestamptz;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RAISE EXCEPTION 'a deletion window starts in its tenant''s own unit' USING ERRCODE = '42501';
  END IF;
  -- Its reads must see what is committed now (a REPEATABLE READ snapshot taken before another start's
  -- entry would write a second one): READ COMMITTED only.
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
  IF NOT pg_try_advisory_xact_lock(hashtextextended('assay.deletion_window:' || tid || ':' || public.assay_utc_text(req), 0)) THEN
    RETURN NULL;
  END IF;
  -- Read again under the lock (each statement sees what is committed by now): the same request, not started.
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
REVOKE ALL ON FUNCTION assay_start_deletion_window(text) FROM PUBLIC;--> statement-breakpoint

-- The tenant row's deletion state: a request (stamped by the wall clock), a cancel while the window has
-- not passed, nothing else. The window start no longer writes the row.
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
  -- A request, from no request at all: stamped now by the wall clock; the deadline is at the earliest
  -- 720 hours on (its window starts with its system log entry, in a later transaction).
  IF OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL
     AND NEW.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS NOT NULL THEN
    NEW.deletion_requested_at := wall;
    NEW.deletion_due_at := wall + interval '720 hours';
    NEW.deletion_window_from := NULL;
    RETURN NEW;
  END IF;
  -- A cancel: everything cleared (deletion_requested_by may carry who cancels, for the log), while the
  -- window has not passed by the wall clock (a window whose entry is not committed has not started).
  IF OLD.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_at IS NULL
     AND NEW.deletion_due_at IS NULL AND NEW.deletion_window_from IS NULL THEN
    -- Judged by what is committed now, not by an older snapshot: READ COMMITTED only.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
      RAISE EXCEPTION 'tenants: a deletion is cancelled only in a READ COMMITTED transaction' USING ERRCODE = '42501';
    END IF;
    -- Cancelled already (assay_cancel_deletion): the row is cleared, even late, and not logged again.
    IF public.assay_deletion_cancelled(OLD.id, OLD.deletion_requested_at) THEN
      NEW.deletion_requested_by := NULL;
      RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('assay.deletion_cancel:' || OLD.id, 0));
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

-- The cancel, insert-only like the window start: the cancel entry naming the pending request, written
-- without locking or updating the tenant row (a unit holding the row, for a settings change say, cannot
-- make an in-time cancel late). In the tenant's own unit (who may cancel is the application's permission
-- check), READ COMMITTED, while the window has not passed by the wall clock at the insert. Returns the
-- cancelled request's time (also when it was cancelled already), or null: no request, or too late. Cancels
-- in flight hold a shared lock that the doors' exclusive one waits for (assay_await_cancels), so a purge
-- never overtakes a cancel begun in time.
CREATE FUNCTION assay_cancel_deletion(tid text, who text) RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE req timestamptz; started timestamptz; wall timestamptz;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) THEN
    RAISE EXCEPTION 'a deletion is cancelled in its tenant''s own unit' USING ERRCODE = '42501';
  END IF;
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'a deletion is cancelled only in a READ COMMITTED transaction' USING ERRCODE = '42501';
  END IF;
  -- The cancel is judged at its arrival, before it waits for the lock: whoever holds that lock (it is an
  -- advisory key the app role can compute) cannot make an in-time cancel late by holding it (fifth review,
  -- MEDIUM-1). What it can still do is shred while it holds it, past the window: so once the lock is ours,
  -- a tenant whose data key is already destroyed is refused, never left "cancelled" without its keys.
  wall := clock_timestamp();
  PERFORM pg_advisory_xact_lock_shared(hashtextextended('assay.deletion_cancel:' || tid, 0));
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
REVOKE ALL ON FUNCTION assay_cancel_deletion(text, text) FROM PUBLIC;--> statement-breakpoint

-- The irreversible doors first wait for the tenant's cancels in flight (then read, in their next statement,
-- what those committed): a cancel whose entry was written in time is never overtaken by a shred.
CREATE FUNCTION assay_await_cancels(tid text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('assay.deletion_cancel:' || tid, 0))
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_tenant_keys_shred_window() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM public.assay_await_cancels(OLD.tenant_id);
  -- The tenant row as it is now, held until the shred commits (no request or clear changes under it).
  PERFORM 1 FROM public.tenants t WHERE t.id = OLD.tenant_id FOR SHARE;
  IF public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  RAISE EXCEPTION 'tenant_keys: a data key is destroyed only past its tenant''s deletion window'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_purge_tenant_audit(tid text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE n integer;
BEGIN
  PERFORM public.assay_await_cancels(tid);
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

-- Requests already pending carry over, each with its request entry (the purge will want it). A window
-- 0029 started keeps its start and its request time: the entry is dated deletion_window_from (the owner's
-- entries keep the time given) and names deletion_requested_at, so a window that had passed stays passed
-- (a tenant whose keys a crashed purge already shredded must not become cancellable). Only a request
-- whose window had not started (or a row in no state 0029 writes) starts now. The owner runs this under
-- FORCE RLS, so with the claims the policies ask for, one tenant at a time.
ALTER TABLE tenants DISABLE TRIGGER tenants_deletion_clock;--> statement-breakpoint
DO $$
DECLARE r record; wall timestamptz := clock_timestamp(); who text; req timestamptz; win timestamptz;
BEGIN
  PERFORM set_config('app.system', 'cli', true);
  FOR r IN SELECT t.id, t.deletion_requested_at, t.deletion_window_from, t.deletion_requested_by FROM tenants t
           WHERE t.deletion_requested_at IS NOT NULL OR t.deletion_due_at IS NOT NULL
              OR t.deletion_window_from IS NOT NULL LOOP
    PERFORM set_config('app.tenant_id', r.id, true);
    who := coalesce(r.deletion_requested_by, 'system:migration');
    IF r.deletion_requested_at IS NOT NULL AND r.deletion_window_from IS NOT NULL THEN
      req := r.deletion_requested_at;
      win := r.deletion_window_from;
    ELSE
      req := wall;
      win := wall;
    END IF;
    UPDATE tenants SET deletion_requested_at = req, deletion_window_from = NULL,
      deletion_due_at = req + interval '720 hours', deletion_requested_by = who
      WHERE id = r.id;
    PERFORM assay_system_log_write(r.id, 'tenant.deletion_requested', who,
      jsonb_build_object('requested_at', assay_utc_text(req),
        'due_at', assay_utc_text(win + interval '720 hours')),
      win);
  END LOOP;
  PERFORM set_config('app.tenant_id', '', true);
  PERFORM set_config('app.system', '', true);
END $$;--> statement-breakpoint
ALTER TABLE tenants ENABLE TRIGGER tenants_deletion_clock;--> statement-breakpoint
ALTER TABLE tenants ADD CONSTRAINT tenants_window_from_unused CHECK (deletion_window_from IS NULL);--> statement-breakpoint
-- One request entry per request, whatever the isolation level of the unit that writes it.
CREATE UNIQUE INDEX system_log_one_request_uq ON system_log (tenant_id, (data->>'requested_at'))
  WHERE action = 'tenant.deletion_requested' AND data ? 'requested_at';--> statement-breakpoint
-- One cancel entry per request (two cancels in flight: the second one's insert does nothing).
CREATE UNIQUE INDEX system_log_one_cancel_uq ON system_log (tenant_id, (data->>'requested_at'))
  WHERE action = 'tenant.deletion_cancelled' AND data ? 'requested_at';
