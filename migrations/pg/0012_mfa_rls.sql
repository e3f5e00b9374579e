-- Hand-written: row-level security on mfa_recovery_codes (a global table: an identity's codes serve it in
-- every tenant it belongs to). A unit sees and changes only the codes of the user it acts for
-- (`app.user_id`): the member managing their own factor, or the second sign-in step of that member.
ALTER TABLE "mfa_recovery_codes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mfa_recovery_codes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_read" ON "mfa_recovery_codes" AS PERMISSIVE FOR SELECT TO public USING (
  user_id = current_setting('app.user_id', true)
);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_issue" ON "mfa_recovery_codes" AS PERMISSIVE FOR INSERT TO public WITH CHECK (
  user_id = current_setting('app.user_id', true)
);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_use" ON "mfa_recovery_codes" AS PERMISSIVE FOR UPDATE TO public USING (
  user_id = current_setting('app.user_id', true)
) WITH CHECK (
  user_id = current_setting('app.user_id', true)
);--> statement-breakpoint
CREATE POLICY "mfa_recovery_codes_revoke" ON "mfa_recovery_codes" AS PERMISSIVE FOR DELETE TO public USING (
  user_id = current_setting('app.user_id', true)
);
