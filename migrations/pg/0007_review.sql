CREATE TABLE "evidence_validity" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"assessment_id" text NOT NULL,
	"vendor_id" text NOT NULL,
	"question_id" text NOT NULL,
	"kind" text NOT NULL,
	"expires_on" text NOT NULL,
	"reminded_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evidence_validity" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "review_notes" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"assessment_id" text NOT NULL,
	"question_id" text,
	"kind" text NOT NULL,
	"body" text NOT NULL,
	"author_user_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "review_notes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "assessments" ADD COLUMN "previous_assessment_id" text;--> statement-breakpoint
ALTER TABLE "evidence_validity" ADD CONSTRAINT "evidence_validity_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_validity" ADD CONSTRAINT "evidence_validity_assessment_fk" FOREIGN KEY ("tenant_id","assessment_id") REFERENCES "public"."assessments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_notes" ADD CONSTRAINT "review_notes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_notes" ADD CONSTRAINT "review_notes_author_user_id_users_id_fk" FOREIGN KEY ("author_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_notes" ADD CONSTRAINT "review_notes_assessment_fk" FOREIGN KEY ("tenant_id","assessment_id") REFERENCES "public"."assessments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "evidence_validity_uq" ON "evidence_validity" USING btree ("tenant_id","assessment_id","question_id","expires_on");--> statement-breakpoint
CREATE INDEX "review_notes_assessment_idx" ON "review_notes" USING btree ("tenant_id","assessment_id","kind");--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_previous_fk" FOREIGN KEY ("tenant_id","previous_assessment_id") REFERENCES "public"."assessments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assessments_previous_idx" ON "assessments" USING btree ("tenant_id","previous_assessment_id");--> statement-breakpoint
CREATE POLICY "evidence_validity_tenant_isolation" ON "evidence_validity" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));--> statement-breakpoint
CREATE POLICY "review_notes_tenant_isolation" ON "review_notes" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));