-- Hand-written: FORCE row-level security on review_intervals (drizzle cannot emit it).
ALTER TABLE "review_intervals" FORCE ROW LEVEL SECURITY;
