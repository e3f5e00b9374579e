-- Hand-written: what drizzle-kit cannot emit.
-- FORCE makes row-level security apply to the table owner too (drizzle issue #5819).
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "vendors" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "vendor_contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "questionnaire_versions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "assessments" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "answers" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "evidence" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "findings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "risks" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Sign-in lists a user's own memberships before a tenant is chosen (app.user_id, transaction-local).
CREATE POLICY "memberships_self_read" ON "memberships" AS PERMISSIVE FOR SELECT TO public USING (user_id = current_setting('app.user_id', true));--> statement-breakpoint
-- The workspace's per-request session check reads the session's own membership (app.session_id is the
-- SHA-256 of the cookie), so a removed member loses access at once, in one statement.
CREATE POLICY "memberships_session_read" ON "memberships" AS PERMISSIVE FOR SELECT TO public USING (EXISTS (SELECT 1 FROM sessions s WHERE s.id = current_setting('app.session_id', true) AND s.user_id = memberships.user_id AND s.tenant_id = memberships.tenant_id));--> statement-breakpoint
-- The audit log is append-only at the database, whoever connects.
CREATE FUNCTION assay_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION assay_audit_append_only();--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION assay_audit_append_only();
