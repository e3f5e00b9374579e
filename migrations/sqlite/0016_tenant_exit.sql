CREATE TABLE `system_log` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `system_log_tenant_at_idx` ON `system_log` (`tenant_id`,`at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_requested_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_due_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_requested_by` text;--> statement-breakpoint
-- Hand-written: the system log is append-only at the database.
CREATE TRIGGER system_log_no_update BEFORE UPDATE ON `system_log` BEGIN SELECT RAISE(ABORT, 'system_log is append-only'); END;--> statement-breakpoint
CREATE TRIGGER system_log_no_delete BEFORE DELETE ON `system_log` BEGIN SELECT RAISE(ABORT, 'system_log is append-only'); END;--> statement-breakpoint
-- Hand-written (docs/tenant-exit.md): the audit trail stays append-only, except that the purge of a tenant
-- whose deletion deadline has passed (by the database's own clock) may delete that tenant's rows, and only
-- its. No UPDATE is ever allowed.
DROP TRIGGER audit_log_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON `audit_log` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_due_at` IS NOT NULL AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
DROP TRIGGER audit_checkpoints_no_delete;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON `audit_checkpoints` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_due_at` IS NOT NULL AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
