-- Hand-written: the tenant-exit window is the database's, not the application's (docs/tenant-exit.md,
-- "What the database enforces"; migrations/pg/0029_tenant_exit_guards.sql is the same on PostgreSQL).
-- SQLite reads its clock per statement and one write transaction at a time holds the lock, so here the
-- request itself starts the window: the statement that asks must write the database's own time into
-- deletion_requested_at and deletion_window_from and that time plus 30 days into deletion_due_at (the
-- application writes julianday('now') in the same statement), nothing else (tenants_deletion_guard); the
-- window is never rewritten and is cleared only while it lies ahead; a new tenant row carries no deletion
-- state; the tenant row, and its audit trail, are deleted only past the window; the system log takes the
-- three actions only in the states they describe; an identity is tombstoned only while it belongs to one
-- tenant. 2592000000 ms = 30 days.

-- Requests already pending when this runs were stamped by the application's clock: they start again.
UPDATE `tenants` SET `deletion_requested_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), `deletion_window_from` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
  `deletion_due_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 2592000000,
  `deletion_requested_by` = coalesce(`deletion_requested_by`, 'system:migration')
  WHERE `deletion_requested_at` IS NOT NULL OR `deletion_due_at` IS NOT NULL;--> statement-breakpoint
CREATE TRIGGER tenants_deletion_guard BEFORE UPDATE OF deletion_requested_at, deletion_due_at, deletion_requested_by, deletion_window_from ON `tenants`
WHEN NOT (
  (NEW.deletion_requested_at IS OLD.deletion_requested_at AND NEW.deletion_due_at IS OLD.deletion_due_at
    AND NEW.deletion_requested_by IS OLD.deletion_requested_by AND NEW.deletion_window_from IS OLD.deletion_window_from)
  OR (OLD.deletion_requested_at IS NULL AND OLD.deletion_due_at IS NULL AND OLD.deletion_window_from IS NULL
    AND NEW.deletion_requested_by IS NOT NULL
    AND NEW.deletion_requested_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AND NEW.deletion_window_from = NEW.deletion_requested_at
    AND NEW.deletion_due_at = NEW.deletion_requested_at + 2592000000)
  OR (NEW.deletion_requested_at IS NULL AND NEW.deletion_due_at IS NULL AND NEW.deletion_requested_by IS NULL
    AND NEW.deletion_window_from IS NULL AND OLD.deletion_due_at > CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
) BEGIN SELECT RAISE(ABORT, 'permission denied: tenants: a deletion is requested or cancelled, its window is not rewritten'); END;--> statement-breakpoint
CREATE TRIGGER tenants_new_not_pending BEFORE INSERT ON `tenants`
WHEN NEW.deletion_requested_at IS NOT NULL OR NEW.deletion_due_at IS NOT NULL
  OR NEW.deletion_requested_by IS NOT NULL OR NEW.deletion_window_from IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'permission denied: tenants: a new tenant is not pending deletion'); END;--> statement-breakpoint
CREATE TRIGGER tenants_no_early_delete BEFORE DELETE ON `tenants`
WHEN NOT (OLD.deletion_window_from IS NOT NULL AND OLD.deletion_window_from <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000
  AND OLD.deletion_due_at <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
BEGIN SELECT RAISE(ABORT, 'permission denied: tenants: a tenant is deleted only past its deletion window'); END;--> statement-breakpoint
DROP TRIGGER audit_log_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON `audit_log` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_window_from` IS NOT NULL AND `deletion_window_from` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000 AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
DROP TRIGGER audit_checkpoints_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON `audit_checkpoints` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_window_from` IS NOT NULL AND `deletion_window_from` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000 AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;--> statement-breakpoint
CREATE TRIGGER system_log_actions BEFORE INSERT ON `system_log`
WHEN NOT (
  (NEW.action = 'tenant.deletion_requested'
    AND EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id AND `deletion_window_from` IS NOT NULL)
    AND (SELECT l.action FROM `system_log` l WHERE l.tenant_id = NEW.tenant_id ORDER BY l.at DESC, l.id DESC LIMIT 1) IS NOT 'tenant.deletion_requested')
  OR (NEW.action = 'tenant.deletion_cancelled'
    AND EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id AND `deletion_requested_at` IS NULL)
    AND (SELECT l.action FROM `system_log` l WHERE l.tenant_id = NEW.tenant_id ORDER BY l.at DESC, l.id DESC LIMIT 1) IS 'tenant.deletion_requested')
  OR (NEW.action = 'tenant.purged' AND NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.tenant_id)
    AND (SELECT l.action FROM `system_log` l WHERE l.tenant_id = NEW.tenant_id ORDER BY l.at DESC, l.id DESC LIMIT 1) IS 'tenant.deletion_requested')
) BEGIN SELECT RAISE(ABORT, 'permission denied: system_log: an entry records a deletion request, a cancel or a purge as it happens'); END;--> statement-breakpoint
CREATE TRIGGER users_tombstone_sole_tenant BEFORE UPDATE OF email ON `users`
WHEN NEW.email IS NOT OLD.email AND NEW.email = 'erased-' || lower(NEW.id) || '@erased.invalid'
  AND (SELECT count(*) FROM `memberships` WHERE `user_id` = NEW.id) > 1
BEGIN SELECT RAISE(ABORT, 'permission denied: users: an identity that belongs to another tenant is not tombstoned'); END;--> statement-breakpoint
-- Crypto-shredding is irreversible: a tenant's data keys change or go only past its window.
CREATE TRIGGER tenant_keys_no_early_update BEFORE UPDATE ON `tenant_keys` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_window_from` IS NOT NULL AND `deletion_window_from` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000 AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
BEGIN SELECT RAISE(ABORT, 'permission denied: tenant_keys: a data key is destroyed only past its tenant''s deletion window'); END;--> statement-breakpoint
CREATE TRIGGER tenant_keys_no_early_delete BEFORE DELETE ON `tenant_keys` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_window_from` IS NOT NULL AND `deletion_window_from` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000 AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
BEGIN SELECT RAISE(ABORT, 'permission denied: tenant_keys: a data key is destroyed only past its tenant''s deletion window'); END;--> statement-breakpoint
-- INSERT OR REPLACE deletes the row it replaces without firing a DELETE trigger (recursive_triggers is
-- off): an insert over an existing id is refused instead. (A replace over the audit log's (tenant_id,
-- seq) with a new id is not caught here: a check on it would pre-empt the unique violation concurrent
-- appends retry on. Assay never issues INSERT OR REPLACE.)
CREATE TRIGGER tenants_no_replace BEFORE INSERT ON `tenants` WHEN EXISTS (SELECT 1 FROM `tenants` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'permission denied: tenants: a tenant row is not replaced'); END;--> statement-breakpoint
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON `audit_log` WHEN EXISTS (SELECT 1 FROM `audit_log` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON `audit_checkpoints` WHEN EXISTS (SELECT 1 FROM `audit_checkpoints` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;--> statement-breakpoint
CREATE TRIGGER system_log_no_replace BEFORE INSERT ON `system_log` WHEN EXISTS (SELECT 1 FROM `system_log` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'system_log is append-only'); END;--> statement-breakpoint
-- A replace that would shred a data key (an empty wrap, or marked destroyed) is refused like an UPDATE; a
-- plain insert over an existing id stays a no-op for ON CONFLICT DO NOTHING (two processes creating the
-- key at once).
CREATE TRIGGER tenant_keys_no_replace_shred BEFORE INSERT ON `tenant_keys`
WHEN (NEW.wrapped = '' OR NEW.destroyed_at IS NOT NULL) AND EXISTS (SELECT 1 FROM `tenant_keys` WHERE `id` = NEW.`id`)
BEGIN SELECT RAISE(ABORT, 'permission denied: tenant_keys: a data key is destroyed only past its tenant''s deletion window'); END;--> statement-breakpoint
CREATE UNIQUE INDEX `system_log_one_purge_uq` ON `system_log` (`tenant_id`) WHERE `action` = 'tenant.purged';
