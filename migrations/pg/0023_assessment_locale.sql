ALTER TABLE "assessments" ADD COLUMN "locale" text;--> statement-breakpoint
UPDATE "risks" SET "source_scope" = 'evidence:' || substr("finding_key", 18), "finding_key" = 'evidence:' || substr("finding_key", 18) || '/expired' WHERE "source_scope" IS NULL AND "finding_key" LIKE 'evidence-expired:%';
