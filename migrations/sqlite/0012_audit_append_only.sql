-- Hand-written: signed checkpoints are append-only at the database, like the log they sign.
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON `audit_checkpoints` BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON `audit_checkpoints` BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
