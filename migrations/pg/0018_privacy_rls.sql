-- Hand-written: FORCE row-level security on the retention and legal-hold tables (drizzle cannot emit it).
ALTER TABLE "retention_policies" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "legal_holds" FORCE ROW LEVEL SECURITY;
