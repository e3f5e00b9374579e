-- Hand-written: tenant exit (docs/tenant-exit.md).
-- system_log: global (it outlives the tenants it records), readable by the operator and the scheduler,
-- appended by a tenant's own unit (its deletion request or cancel) or by a system process (the purge),
-- and append-only whoever connects.
ALTER TABLE "system_log" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "system_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "system_log_read" ON "system_log" AS PERMISSIVE FOR SELECT TO public USING (
  current_setting('app.system', true) IN ('cli', 'scheduler')
);--> statement-breakpoint
CREATE POLICY "system_log_append" ON "system_log" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  tenant_id = current_setting('app.tenant_id', true)
  OR current_setting('app.system', true) IN ('cli', 'scheduler')
);--> statement-breakpoint
CREATE FUNCTION assay_system_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'system_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER system_log_no_update BEFORE UPDATE OR DELETE ON "system_log" FOR EACH ROW EXECUTE FUNCTION assay_system_log_append_only();--> statement-breakpoint
CREATE TRIGGER system_log_no_truncate BEFORE TRUNCATE ON "system_log" FOR EACH STATEMENT EXECUTE FUNCTION assay_system_log_append_only();--> statement-breakpoint
-- The purge removes a purged tenant's set-up links and queued mail (both name the tenant).
CREATE POLICY "setup_tokens_purge" ON "setup_tokens" AS PERMISSIVE FOR DELETE TO public USING (
  tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
CREATE POLICY "mail_outbox_purge" ON "mail_outbox" AS PERMISSIVE FOR DELETE TO public USING (
  tenant_id = current_setting('app.tenant_id', true)
);--> statement-breakpoint
-- The audit trail stays append-only: UPDATE and TRUNCATE are always refused, DELETE only for the rows of a
-- tenant whose deletion deadline has passed by the database's clock. The app role still holds no DELETE on
-- these tables: the one way in is assay_purge_tenant_audit below, which deletes the unit's own tenant only.
CREATE OR REPLACE FUNCTION assay_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM public.tenants t
       WHERE t.id = OLD.tenant_id AND t.deletion_due_at IS NOT NULL AND t.deletion_due_at <= now()) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION assay_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM public.tenants t
       WHERE t.id = OLD.tenant_id AND t.deletion_due_at IS NOT NULL AND t.deletion_due_at <= now()) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_checkpoints is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE FUNCTION assay_purge_tenant_audit(tid text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE n integer;
BEGIN
  IF tid IS DISTINCT FROM current_setting('app.tenant_id', true) OR NOT EXISTS (
       SELECT 1 FROM public.tenants t
       WHERE t.id = tid AND t.deletion_due_at IS NOT NULL AND t.deletion_due_at <= now()) THEN
    RAISE EXCEPTION 'tenant % is not past its deletion deadline', tid USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM public.audit_merkle_blocks WHERE tenant_id = tid;
  DELETE FROM public.audit_checkpoints WHERE tenant_id = tid;
  DELETE FROM public.audit_log WHERE tenant_id = tid;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION assay_purge_tenant_audit(text) FROM PUBLIC;
