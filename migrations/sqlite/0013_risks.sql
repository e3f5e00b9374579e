-- Reordered by hand: risks is rebuilt (with its (tenant_id, id) key) before the tables that reference it.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_risks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`vendor_id` text NOT NULL,
	`finding_key` text NOT NULL,
	`origin` text DEFAULT 'finding' NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`source_scope` text,
	`assessment_id` text,
	`question_id` text,
	`finding_id` text,
	`controls` text DEFAULT '[]' NOT NULL,
	`likelihood` integer NOT NULL,
	`impact` integer NOT NULL,
	`inherent_score` integer DEFAULT 0 NOT NULL,
	`inherent_rating` text NOT NULL,
	`residual_likelihood` integer,
	`residual_impact` integer,
	`residual_rating` text,
	`owner_user_id` text,
	`treatment` text,
	`treatment_plan` text DEFAULT '' NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`due_date` text,
	`due_key` text DEFAULT '9999-12-31' NOT NULL,
	`accepted_until` text,
	`closed_note` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`owner_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`vendor_id`) REFERENCES `vendors`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`assessment_id`) REFERENCES `assessments`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_risks`("id", "tenant_id", "vendor_id", "finding_key", "title", "likelihood", "impact", "inherent_rating", "residual_likelihood", "residual_impact", "residual_rating", "owner_user_id", "treatment", "status", "due_date", "created_at", "updated_at", "closed_at") SELECT "id", "tenant_id", "vendor_id", "finding_key", "title", "likelihood", "impact", "inherent_rating", "residual_likelihood", "residual_impact", "residual_rating", "owner_user_id", "treatment", "status", "due_date", "created_at", "updated_at", "closed_at" FROM `risks`;--> statement-breakpoint
DROP TABLE `risks`;--> statement-breakpoint
ALTER TABLE `__new_risks` RENAME TO `risks`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `risks_vendor_finding_uq` ON `risks` (`tenant_id`,`vendor_id`,`finding_key`);--> statement-breakpoint
CREATE INDEX `risks_score_idx` ON `risks` (`tenant_id`,`inherent_score`,`id`);--> statement-breakpoint
CREATE INDEX `risks_due_idx` ON `risks` (`tenant_id`,`due_key`,`id`);--> statement-breakpoint
CREATE INDEX `risks_title_idx` ON `risks` (`tenant_id`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `risks_status_score_idx` ON `risks` (`tenant_id`,`status`,`inherent_score`,`id`);--> statement-breakpoint
CREATE INDEX `risks_status_due_idx` ON `risks` (`tenant_id`,`status`,`due_key`,`id`);--> statement-breakpoint
CREATE INDEX `risks_status_title_idx` ON `risks` (`tenant_id`,`status`,`title`,`id`);--> statement-breakpoint
CREATE INDEX `risks_rating_idx` ON `risks` (`tenant_id`,`inherent_rating`,`inherent_score`,`id`);--> statement-breakpoint
CREATE INDEX `risks_owner_idx` ON `risks` (`tenant_id`,`owner_user_id`,`due_key`,`id`);--> statement-breakpoint
CREATE INDEX `risks_treatment_idx` ON `risks` (`tenant_id`,`treatment`,`due_key`,`id`);--> statement-breakpoint
CREATE INDEX `risks_cells_idx` ON `risks` (`tenant_id`,`status`,`likelihood`,`impact`);--> statement-breakpoint
CREATE INDEX `risks_accepted_idx` ON `risks` (`tenant_id`,`status`,`accepted_until`);--> statement-breakpoint
CREATE UNIQUE INDEX `risks_tenant_id_uq` ON `risks` (`tenant_id`,`id`);--> statement-breakpoint
CREATE TABLE `risk_acceptances` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`risk_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`justification` text NOT NULL,
	`expires_on` text NOT NULL,
	`proposed_by` text NOT NULL,
	`proposed_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`decision_note` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`proposed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`risk_id`) REFERENCES `risks`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "risk_acceptances_sod_ck" CHECK(status <> 'approved' OR decided_by <> proposed_by)
);
--> statement-breakpoint
CREATE INDEX `risk_acceptances_risk_idx` ON `risk_acceptances` (`tenant_id`,`risk_id`,`proposed_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `risk_acceptances_one_pending_uq` ON `risk_acceptances` (`tenant_id`,`risk_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `risk_history` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`risk_id` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`field` text NOT NULL,
	`from_value` text,
	`to_value` text,
	`note` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`,`risk_id`) REFERENCES `risks`(`tenant_id`,`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `risk_history_risk_idx` ON `risk_history` (`tenant_id`,`risk_id`,`at`);
