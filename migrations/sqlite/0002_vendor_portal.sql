CREATE TABLE `access_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`purpose` text NOT NULL,
	`code_hash` text NOT NULL,
	`binding` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `access_codes_assessment_idx` ON `access_codes` (`tenant_id`,`assessment_id`,`purpose`);--> statement-breakpoint
CREATE TABLE `tenant_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`purpose` text NOT NULL,
	`wrapped` text NOT NULL,
	`created_at` integer NOT NULL,
	`destroyed_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tenant_keys_tenant_idx` ON `tenant_keys` (`tenant_id`,`purpose`);--> statement-breakpoint
CREATE TABLE `vendor_links` (
	`jti` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`purpose` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`consumed_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`contact_id`) REFERENCES `vendor_contacts`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `vendor_links_assessment_idx` ON `vendor_links` (`tenant_id`,`assessment_id`);--> statement-breakpoint
ALTER TABLE `answers` ADD `revision` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `assessments` ADD `rating` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `context` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `assessments` ADD `link_ttl_hours` integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE `assessments` ADD `receipt` text;--> statement-breakpoint
ALTER TABLE `assessments` ADD `submitted_by` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `uploaded_by` text;--> statement-breakpoint
ALTER TABLE `evidence` ADD `deleted_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `contact_id` text;