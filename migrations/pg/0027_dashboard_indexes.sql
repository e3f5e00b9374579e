DROP INDEX "risks_cells_idx";--> statement-breakpoint
CREATE INDEX "assessments_status_due_idx" ON "assessments" USING btree ("tenant_id","status","due_date");--> statement-breakpoint
CREATE INDEX "risks_cells_idx" ON "risks" USING btree ("tenant_id","status","likelihood","impact","accepted_until");