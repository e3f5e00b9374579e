-- Hand-written: FORCE row-level security on the assessment tables (drizzle cannot emit it), and the
-- scheduler's one view of the tenant list: background jobs (reminders, overdue marking) walk every
-- tenant and then work in a unit of each; they read the ids of tenants and nothing else of them.
ALTER TABLE "assessment_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "assessment_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE POLICY "tenants_scheduler_read" ON "tenants" AS PERMISSIVE FOR SELECT TO public USING (
  current_setting('app.system', true) = 'scheduler'
);
