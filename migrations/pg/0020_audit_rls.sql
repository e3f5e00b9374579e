-- Hand-written: FORCE row-level security on the audit trail's new tenant tables, and the checkpoints
-- append-only at the database whoever connects (the app role also lacks UPDATE/DELETE, pg-migrate.ts).
ALTER TABLE "audit_checkpoints" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_merkle_blocks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE FUNCTION assay_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_checkpoints is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON "audit_checkpoints" FOR EACH ROW EXECUTE FUNCTION assay_checkpoints_append_only();--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON "audit_checkpoints" FOR EACH STATEMENT EXECUTE FUNCTION assay_checkpoints_append_only();
