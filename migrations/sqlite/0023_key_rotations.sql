CREATE TABLE `key_rotations` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`purpose` text NOT NULL,
	`actor` text NOT NULL,
	`retired_kid` text,
	`activated_kid` text NOT NULL,
	`next_kid` text NOT NULL,
	`next_age_seconds` integer,
	`min_age_seconds` integer NOT NULL,
	`forced` integer NOT NULL
);
--> statement-breakpoint
-- Hand-written: the record of key rotations is append-only at the database (docs/operations.md "Key rotation").
CREATE TRIGGER key_rotations_no_update BEFORE UPDATE ON `key_rotations` BEGIN SELECT RAISE(ABORT, 'key_rotations is append-only'); END;--> statement-breakpoint
CREATE TRIGGER key_rotations_no_delete BEFORE DELETE ON `key_rotations` BEGIN SELECT RAISE(ABORT, 'key_rotations is append-only'); END;
