CREATE INDEX `risks_status_sort_idx` ON `risks` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `risks_owner_sort_idx` ON `risks` (`tenant_id`,coalesce("owner_user_id", ''),`id`);--> statement-breakpoint
CREATE INDEX `risks_updated_idx` ON `risks` (`tenant_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `risks_vendor_sort_idx` ON `risks` (`tenant_id`,`vendor_id`,`id`);