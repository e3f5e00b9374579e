CREATE TABLE `legal_holds` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`reference` text,
	`placed_by` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `legal_holds_target_uq` ON `legal_holds` (`tenant_id`,`target_type`,`target_id`);--> statement-breakpoint
CREATE TABLE `retention_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_years` integer NOT NULL,
	`security_event_days` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `retention_policies_tenant_uq` ON `retention_policies` (`tenant_id`);--> statement-breakpoint
ALTER TABLE `evidence` ADD `file_key` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `evidence` ADD `replaces_id` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `superseded_at` integer;--> statement-breakpoint
ALTER TABLE `evidence` ADD `destroyed_at` integer;