CREATE TABLE `assessment_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_id` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`once_key` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `assessment_events_assessment_idx` ON `assessment_events` (`tenant_id`,`assessment_id`,`at`);--> statement-breakpoint
CREATE UNIQUE INDEX `assessment_events_once_uq` ON `assessment_events` (`tenant_id`,`assessment_id`,`once_key`);--> statement-breakpoint
CREATE TABLE `assessment_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`reminder_days` text NOT NULL,
	`updated_by` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`job` text NOT NULL,
	`slot` text NOT NULL,
	`claimed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_runs_job_slot_uq` ON `job_runs` (`job`,`slot`);--> statement-breakpoint
ALTER TABLE `assessments` ADD `overdue_at` integer;--> statement-breakpoint
CREATE INDEX `assessments_tenant_created_idx` ON `assessments` (`tenant_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `assessments_tenant_status_idx` ON `assessments` (`tenant_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `assessments_tenant_due_idx` ON `assessments` (`tenant_id`,`due_date`);