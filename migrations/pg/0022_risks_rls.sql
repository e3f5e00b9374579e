-- Hand-written: FORCE row-level security on the risk register's new tenant tables (drizzle cannot emit it),
-- and the register's derived columns for risks written before they existed.
ALTER TABLE "risk_history" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "risk_acceptances" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
UPDATE "risks" SET "inherent_score" = "likelihood" * "impact", "due_key" = COALESCE("due_date", '9999-12-31');
