CREATE TABLE `review_intervals` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`critical` integer NOT NULL,
	`high` integer NOT NULL,
	`medium` integer NOT NULL,
	`low` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
DROP INDEX `vendor_contacts_vendor_email_uq`;--> statement-breakpoint
ALTER TABLE `vendor_contacts` ADD `email_hash` text;--> statement-breakpoint
ALTER TABLE `vendor_contacts` ADD `sealed` text;--> statement-breakpoint
ALTER TABLE `vendor_contacts` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `vendor_contacts` ADD `erased_at` integer;--> statement-breakpoint
ALTER TABLE `vendor_contacts` ADD `updated_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `vendor_contacts_vendor_email_hash_uq` ON `vendor_contacts` (`tenant_id`,`vendor_id`,`email_hash`);--> statement-breakpoint
ALTER TABLE `vendor_contacts` DROP COLUMN `name`;--> statement-breakpoint
ALTER TABLE `vendor_contacts` DROP COLUMN `email`;--> statement-breakpoint
ALTER TABLE `vendors` ADD `legal_entity` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `country` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `services` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `locations` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `contract_start` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `contract_end` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `renewal_date` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `data_access` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `system_access` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `sub_processors` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `intake` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `tier_reason` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `tier_overridden` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `next_review_date` text;--> statement-breakpoint
ALTER TABLE `vendors` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `vendors` ADD `offboarded_at` integer;--> statement-breakpoint
CREATE INDEX `vendors_tenant_tier_name_idx` ON `vendors` (`tenant_id`,`tier`,`name`);--> statement-breakpoint
CREATE INDEX `vendors_tenant_status_name_idx` ON `vendors` (`tenant_id`,`status`,`name`);--> statement-breakpoint
CREATE INDEX `vendors_tenant_review_idx` ON `vendors` (`tenant_id`,`next_review_date`,`id`);--> statement-breakpoint
ALTER TABLE `vendors` DROP COLUMN `active`;