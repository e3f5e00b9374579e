CREATE TABLE `security_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`user_id` text,
	`address` text,
	`data` text DEFAULT '{}' NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `security_events_tenant_at_idx` ON `security_events` (`tenant_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `security_events_tenant_kind_at_idx` ON `security_events` (`tenant_id`,`kind`,`at`,`id`);--> statement-breakpoint
ALTER TABLE `memberships` ADD `disabled_at` integer;--> statement-breakpoint
ALTER TABLE `setup_tokens` ADD `role` text;--> statement-breakpoint
ALTER TABLE `setup_tokens` ADD `invited_by` text REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `setup_tokens` ADD `revoked_at` integer;