CREATE TABLE "review_intervals" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"critical" integer NOT NULL,
	"high" integer NOT NULL,
	"medium" integer NOT NULL,
	"low" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "review_intervals" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP INDEX "vendor_contacts_vendor_email_uq";--> statement-breakpoint
ALTER TABLE "vendor_contacts" ADD COLUMN "email_hash" text;--> statement-breakpoint
ALTER TABLE "vendor_contacts" ADD COLUMN "sealed" text;--> statement-breakpoint
ALTER TABLE "vendor_contacts" ADD COLUMN "key_id" text;--> statement-breakpoint
ALTER TABLE "vendor_contacts" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "vendor_contacts" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "legal_entity" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "country" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "services" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "locations" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "contract_start" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "contract_end" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "renewal_date" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "data_access" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "system_access" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "sub_processors" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "intake" jsonb;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "tier_reason" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "tier_overridden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "next_review_date" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "offboarded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "review_intervals" ADD CONSTRAINT "review_intervals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "vendor_contacts_vendor_email_hash_uq" ON "vendor_contacts" USING btree ("tenant_id","vendor_id","email_hash");--> statement-breakpoint
CREATE INDEX "vendors_tenant_tier_name_idx" ON "vendors" USING btree ("tenant_id","tier","name");--> statement-breakpoint
CREATE INDEX "vendors_tenant_status_name_idx" ON "vendors" USING btree ("tenant_id","status","name");--> statement-breakpoint
CREATE INDEX "vendors_tenant_review_idx" ON "vendors" USING btree ("tenant_id","next_review_date","id");--> statement-breakpoint
ALTER TABLE "vendor_contacts" DROP COLUMN "name";--> statement-breakpoint
ALTER TABLE "vendor_contacts" DROP COLUMN "email";--> statement-breakpoint
ALTER TABLE "vendors" DROP COLUMN "active";--> statement-breakpoint
CREATE POLICY "review_intervals_tenant_isolation" ON "review_intervals" AS PERMISSIVE FOR ALL TO public USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));