ALTER TABLE "evidence" ADD COLUMN "file_key" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "replaces_id" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "destroyed_at" timestamp with time zone;