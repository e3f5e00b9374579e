-- Generated, then edited by hand (docs/audit.md "Entries", docs/benchmarks.md "Audit table layout"):
-- drizzle cannot say WITHOUT ROWID, so the rebuilt table gets it here, keyed (tenant_id, seq): an append
-- writes one b-tree instead of the table and three indexes (the random-UUID `id`, (tenant_id, seq),
-- (tenant_id, prev_hash)). The rows are copied in key order before the triggers exist; DROP TABLE took
-- the old table's triggers, so they are made again: no_update and no_delete exactly as 0001 and 0019 left
-- them, no_replace now on the key, and audit_log_links in place of the (tenant_id, prev_hash) index.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_log` (
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`ts` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`data` text NOT NULL,
	`prev_hash` text NOT NULL,
	`this_hash` text NOT NULL,
	`ip` text,
	`ua` text,
	PRIMARY KEY(`tenant_id`, `seq`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_audit_log`("id", "tenant_id", "seq", "ts", "actor", "action", "target", "data", "prev_hash", "this_hash", "ip", "ua") SELECT "id", "tenant_id", "seq", "ts", "actor", "action", "target", "data", "prev_hash", "this_hash", "ip", "ua" FROM `audit_log` ORDER BY "tenant_id", "seq";--> statement-breakpoint
DROP TABLE `audit_log`;--> statement-breakpoint
ALTER TABLE `__new_audit_log` RENAME TO `audit_log`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON `audit_log` BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON `audit_log` WHEN NOT EXISTS (SELECT 1 FROM `tenants` WHERE `id` = OLD.`tenant_id` AND `deletion_window_from` IS NOT NULL AND `deletion_window_from` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 2592000000 AND `deletion_due_at` <= CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;--> statement-breakpoint
-- INSERT OR REPLACE over an entry's key would delete it without a DELETE trigger: refused. A concurrent
-- append that read a stale head also lands here (D1 appends optimistically): the drivers retry on this
-- message as they did on the unique violation it pre-empts (AUDIT_SEQ_TAKEN in src/db/store.ts).
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON `audit_log` WHEN EXISTS (SELECT 1 FROM `audit_log` WHERE `tenant_id` = NEW.`tenant_id` AND `seq` = NEW.`seq`)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: seq is taken'); END;--> statement-breakpoint
-- The fork guard: an entry's prev_hash is the stored this_hash of the entry before it (64 zeros for the
-- first). With (tenant_id, seq) the key, two entries with one predecessor would share a seq: no fork, no gap.
CREATE TRIGGER audit_log_links BEFORE INSERT ON `audit_log`
WHEN typeof(NEW.`seq`) <> 'integer' OR NEW.`seq` < 1 OR NEW.`prev_hash` IS NOT coalesce((SELECT p.`this_hash` FROM `audit_log` p WHERE p.`tenant_id` = NEW.`tenant_id` AND p.`seq` = NEW.`seq` - 1), CASE WHEN NEW.`seq` = 1 THEN '0000000000000000000000000000000000000000000000000000000000000000' END)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: an entry links to the one before it'); END;