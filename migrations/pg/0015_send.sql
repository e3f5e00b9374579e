CREATE TABLE "assessment_events" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"assessment_id" text NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"once_key" text
);
--> statement-breakpoint
ALTER TABLE "assessment_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "assessment_settings" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"reminder_days" jsonb NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assessment_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"slot" text NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assessments" ADD COLUMN "overdue_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "assessment_events" ADD CONSTRAINT "assessment_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_events" ADD CONSTRAINT "assessment_events_assessment_fk" FOREIGN KEY ("tenant_id","assessment_id") REFERENCES "public"."assessments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assessment_settings" ADD CONSTRAINT "assessment_settings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assessment_events_assessment_idx" ON "assessment_events" USING btree ("tenant_id","assessment_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "assessment_events_once_uq" ON "assessment_events" USING btree ("tenant_id","assessment_id","once_key");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_job_slot_uq" ON "job_runs" USING btree ("job","slot");--> statement-breakpoint
CREATE INDEX "assessments_tenant_created_idx" ON "assessments" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "assessments_tenant_status_idx" ON "assessments" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "assessments_tenant_due_idx" ON "assessments" USING btree ("tenant_id","due_date");--> statement-breakpoint
CREATE POLICY "assessment_events_tenant_isolation" ON "assessment_events" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "assessment_settings_tenant_isolation" ON "assessment_settings" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));