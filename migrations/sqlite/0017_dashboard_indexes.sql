DROP INDEX `risks_cells_idx`;--> statement-breakpoint
CREATE INDEX `risks_cells_idx` ON `risks` (`tenant_id`,`status`,`likelihood`,`impact`,`accepted_until`);--> statement-breakpoint
CREATE INDEX `assessments_status_due_idx` ON `assessments` (`tenant_id`,`status`,`due_date`);