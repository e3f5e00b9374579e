-- Hand-written: FORCE row-level security on the assessment tables (drizzle cannot emit it). The
-- scheduler's read of the tenant list (tenants_scheduler_read) came with the review's migration.
ALTER TABLE "assessment_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "assessment_settings" FORCE ROW LEVEL SECURITY;
