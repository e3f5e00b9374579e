-- Hand-written: FORCE row-level security on the security event log (drizzle cannot emit it).
ALTER TABLE "security_events" FORCE ROW LEVEL SECURITY;
