CREATE TABLE `evidence_validity` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_id` text NOT NULL,
	`vendor_id` text NOT NULL,
	`question_id` text NOT NULL,
	`kind` text NOT NULL,
	`expires_on` text NOT NULL,
	`reminded_at` integer,
	`expired_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evidence_validity_uq` ON `evidence_validity` (`tenant_id`,`assessment_id`,`question_id`,`expires_on`);--> statement-breakpoint
CREATE TABLE `review_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`assessment_id` text NOT NULL,
	`question_id` text,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`author_user_id` text,
	`created_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `review_notes_assessment_idx` ON `review_notes` (`tenant_id`,`assessment_id`,`kind`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_assessments` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`vendor_id` text NOT NULL,
	`contact_id` text NOT NULL,
	`questionnaire_version_id` text NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`due_date` text,
	`otp_required` integer DEFAULT false NOT NULL,
	`created_by` text,
	`score_permille` integer,
	`band` text,
	`answers_hash` text,
	`rating` text,
	`context` text DEFAULT '{}' NOT NULL,
	`link_ttl_hours` integer DEFAULT 72 NOT NULL,
	`answers_revision` integer DEFAULT 0 NOT NULL,
	`receipt` text,
	`submitted_by` text,
	`previous_assessment_id` text,
	`sent_at` integer,
	`submitted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`vendor_id`) REFERENCES `vendors`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`contact_id`) REFERENCES `vendor_contacts`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`questionnaire_version_id`) REFERENCES `questionnaire_versions`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`previous_assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_assessments`("id", "tenant_id", "vendor_id", "contact_id", "questionnaire_version_id", "status", "due_date", "otp_required", "created_by", "score_permille", "band", "answers_hash", "rating", "context", "link_ttl_hours", "answers_revision", "receipt", "submitted_by", "sent_at", "submitted_at", "created_at", "updated_at") SELECT "id", "tenant_id", "vendor_id", "contact_id", "questionnaire_version_id", "status", "due_date", "otp_required", "created_by", "score_permille", "band", "answers_hash", "rating", "context", "link_ttl_hours", "answers_revision", "receipt", "submitted_by", "sent_at", "submitted_at", "created_at", "updated_at" FROM `assessments`;--> statement-breakpoint
DROP TABLE `assessments`;--> statement-breakpoint
ALTER TABLE `__new_assessments` RENAME TO `assessments`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `assessments_tenant_vendor_idx` ON `assessments` (`tenant_id`,`vendor_id`);--> statement-breakpoint
CREATE INDEX `assessments_previous_idx` ON `assessments` (`tenant_id`,`previous_assessment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `assessments_tenant_id_uq` ON `assessments` (`tenant_id`,`id`);