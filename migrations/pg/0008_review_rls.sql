-- Hand-written: FORCE row-level security on the review's tenant tables (drizzle cannot emit it).
ALTER TABLE "review_notes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "evidence_validity" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- The daily evidence-validity job walks every tenant: the scheduler may list tenants (ids and names,
-- nothing else is on the row), and then works inside each tenant's own scope.
CREATE POLICY "tenants_scheduler_read" ON "tenants" AS PERMISSIVE FOR SELECT TO public USING (
  current_setting('app.system', true) = 'scheduler'
);
