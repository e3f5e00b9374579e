-- Hand-written: FORCE row-level security on the vendor portal's tenant tables (drizzle cannot emit it).
ALTER TABLE "vendor_links" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "access_codes" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_keys" FORCE ROW LEVEL SECURITY;
