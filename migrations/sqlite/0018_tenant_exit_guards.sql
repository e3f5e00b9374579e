-- Hand-written: the tenant-exit window is the database's, not the application's (docs/tenant-exit.md,
-- "What the database enforces"; migrations/pg/0028_tenant_exit_guards.sql is the same on PostgreSQL).
-- A deletion request's time and deadline are set by the database's clock whatever the statement wrote
-- (tenants_deletion_clock), the window is never rewritten otherwise and is cleared only while it lies
-- ahead (tenants_deletion_guard), the audit trail's delete door also wants the request 30 days old, the
-- system log takes only the three actions in the tenant states they describe, and an identity is
-- tombstoned only while it belongs to one tenant. 2592000000 ms = 30 days.
CREATE TRIGGER tenants_deletion_guard BEFORE UPDATE OF deletion_requested_at, deletion_due_at, deletion_requested_by ON `tenants`
WHEN NOT (
  (NEW.deletion_requested_at IS OLD.deletion_requested_at AND NEW.deletion_due_at IS OLD.deletion_due_at
    AND NEW.deletion_requested_by IS OLD.deletion_requested_by)
  OR (OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL
    AND NEW.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS NOT NULL)
  OR (OLD.deletion_requested_at IS NOT NULL AND NEW.deletion_requested_by IS OLD.deletion_requested_by
    AND NEW.deletion_requested_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    AND NEW.deletion_due_at = NEW.deletion_requested_at + 2592000000)
  OR (NEW.deletion_requested_at IS NULL AND NEW.deletion_due_at IS NULL AND NEW.deletion_requested_by IS NULL
    AND OLD.deletion_due_at > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
) BEGIN SELECT RAISE(ABORT, 'permission denied: tenants: a deletion is requested or cancelled, its window is not rewritten'); END;--> statement-breakpoint
CREATE TRIGGER tenants_deletion_clock AFTER UPDATE OF deletion_requested_at ON `tenants`
WHEN OLD.deletion_requested_at IS NULL AND NEW.deletion_requested_at IS NOT NULL
BEGIN
  UPDATE `tenants` SET `deletion_requested_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
    `deletion_due_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 2592000000
  WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
DROP TRIGGER audit_log_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON `audit_log` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_due_at` IS NOT NULL AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AND `deletion_requested_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
DROP TRIGGER audit_checkpoints_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON `audit_checkpoints` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_due_at` IS NOT NULL AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AND `deletion_requested_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000) BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;--> statement-breakpoint
CREATE TRIGGER system_log_actions BEFORE INSERT ON `system_log`
WHEN NOT (
  (NEW.action = 'tenant.deletion_requested'
    AND EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id AND `deletion_requested_at` IS NOT NULL))
  OR (NEW.action = 'tenant.deletion_cancelled'
    AND EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id AND `deletion_requested_at` IS NULL))
  OR (NEW.action = 'tenant.purged' AND NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id))
) BEGIN SELECT RAISE(ABORT, 'permission denied: system_log: an entry records a deletion request, a cancel or a purge as it happens'); END;--> statement-breakpoint
CREATE TRIGGER users_tombstone_sole_tenant BEFORE UPDATE OF email ON `users`
WHEN NEW.email IS NOT OLD.email AND NEW.email = 'erased-' || lower(NEW.id) || '@erased.invalid'
  AND (SELECT count(*) FROM `memberships` WHERE `user_id` = NEW.id) > 1
BEGIN SELECT RAISE(ABORT, 'permission denied: users: an identity that belongs to another tenant is not tombstoned'); END;
