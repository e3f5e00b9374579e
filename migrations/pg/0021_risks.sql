CREATE TABLE "risk_acceptances" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"risk_id" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"justification" text NOT NULL,
	"expires_on" text NOT NULL,
	"proposed_by" text NOT NULL,
	"proposed_at" timestamp with time zone NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	CONSTRAINT "risk_acceptances_sod_ck" CHECK (status <> 'approved' OR decided_by <> proposed_by)
);
--> statement-breakpoint
ALTER TABLE "risk_acceptances" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "risk_history" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"risk_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"field" text NOT NULL,
	"from_value" text,
	"to_value" text,
	"note" text
);
--> statement-breakpoint
ALTER TABLE "risk_history" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "origin" text DEFAULT 'finding' NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "description" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "source_scope" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "assessment_id" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "question_id" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "finding_id" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "controls" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "inherent_score" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "treatment_plan" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "due_key" text DEFAULT '9999-12-31' NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "accepted_until" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "closed_note" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_tenant_id_uq" UNIQUE("tenant_id","id");--> statement-breakpoint
ALTER TABLE "risk_acceptances" ADD CONSTRAINT "risk_acceptances_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_acceptances" ADD CONSTRAINT "risk_acceptances_proposed_by_users_id_fk" FOREIGN KEY ("proposed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_acceptances" ADD CONSTRAINT "risk_acceptances_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_acceptances" ADD CONSTRAINT "risk_acceptances_risk_fk" FOREIGN KEY ("tenant_id","risk_id") REFERENCES "public"."risks"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_history" ADD CONSTRAINT "risk_history_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_history" ADD CONSTRAINT "risk_history_risk_fk" FOREIGN KEY ("tenant_id","risk_id") REFERENCES "public"."risks"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "risk_acceptances_risk_idx" ON "risk_acceptances" USING btree ("tenant_id","risk_id","proposed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "risk_acceptances_one_pending_uq" ON "risk_acceptances" USING btree ("tenant_id","risk_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "risk_history_risk_idx" ON "risk_history" USING btree ("tenant_id","risk_id","at");--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_assessment_fk" FOREIGN KEY ("tenant_id","assessment_id") REFERENCES "public"."assessments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "risks_score_idx" ON "risks" USING btree ("tenant_id","inherent_score","id");--> statement-breakpoint
CREATE INDEX "risks_due_idx" ON "risks" USING btree ("tenant_id","due_key","id");--> statement-breakpoint
CREATE INDEX "risks_title_idx" ON "risks" USING btree ("tenant_id","title","id");--> statement-breakpoint
CREATE INDEX "risks_status_score_idx" ON "risks" USING btree ("tenant_id","status","inherent_score","id");--> statement-breakpoint
CREATE INDEX "risks_status_due_idx" ON "risks" USING btree ("tenant_id","status","due_key","id");--> statement-breakpoint
CREATE INDEX "risks_status_title_idx" ON "risks" USING btree ("tenant_id","status","title","id");--> statement-breakpoint
CREATE INDEX "risks_rating_idx" ON "risks" USING btree ("tenant_id","inherent_rating","inherent_score","id");--> statement-breakpoint
CREATE INDEX "risks_owner_idx" ON "risks" USING btree ("tenant_id","owner_user_id","due_key","id");--> statement-breakpoint
CREATE INDEX "risks_treatment_idx" ON "risks" USING btree ("tenant_id","treatment","due_key","id");--> statement-breakpoint
CREATE INDEX "risks_cells_idx" ON "risks" USING btree ("tenant_id","status","likelihood","impact");--> statement-breakpoint
CREATE INDEX "risks_accepted_idx" ON "risks" USING btree ("tenant_id","status","accepted_until");--> statement-breakpoint
CREATE POLICY "risk_acceptances_tenant_isolation" ON "risk_acceptances" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "risk_history_tenant_isolation" ON "risk_history" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));