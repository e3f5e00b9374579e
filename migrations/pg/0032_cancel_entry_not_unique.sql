-- Sixth review, HIGH-2: the cancel entry's unique index was a lock the app role could hold. A session that
-- ran its own in-time cancel and kept the transaction open made the admin's cancel wait on the ON CONFLICT
-- insert (for the uncommitted duplicate), past the deadline, when the holder could end the admin's backend
-- (pg_terminate_backend works on backends of one's own role), roll back and delete the tenant. Several cancel
-- entries for one request are harmless: every reader asks whether one exists (assay_deletion_cancelled,
-- assay_system_log_state, assay_deletion_window_from), and the row clear logs nothing once one does.
-- The request entry keeps its unique index: only a window start writes one, holding the tenant's 'window'
-- row, which the app role cannot reach (0031), so no writer ever waits on that index.
DROP INDEX IF EXISTS system_log_one_cancel_uq;--> statement-breakpoint

-- As in 0031, without ON CONFLICT: the insert waits for nothing.
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
            coalesce(who, 'unknown'), jsonb_build_object('requested_at', public.assay_utc_text(req)));
  RETURN req;
END $$;--> statement-breakpoint
