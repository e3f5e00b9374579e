ALTER TABLE `evidence` ADD `file_key` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `evidence` ADD `replaces_id` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `superseded_at` integer;--> statement-breakpoint
ALTER TABLE `evidence` ADD `destroyed_at` integer;