CREATE TABLE "key_rotations" (
	"id" text PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"purpose" text NOT NULL,
	"actor" text NOT NULL,
	"retired_kid" text,
	"activated_kid" text NOT NULL,
	"next_kid" text NOT NULL,
	"next_age_seconds" integer,
	"min_age_seconds" integer NOT NULL,
	"forced" boolean NOT NULL
);
--> statement-breakpoint
-- Hand-written: the record of key rotations is append-only whoever connects (docs/operations.md "Key
-- rotation"); the app role has SELECT and INSERT only (src/platform/node/pg-migrate.ts).
CREATE FUNCTION assay_key_rotations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'key_rotations is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER key_rotations_no_update BEFORE UPDATE OR DELETE ON "key_rotations" FOR EACH ROW EXECUTE FUNCTION assay_key_rotations_append_only();--> statement-breakpoint
CREATE TRIGGER key_rotations_no_truncate BEFORE TRUNCATE ON "key_rotations" FOR EACH STATEMENT EXECUTE FUNCTION assay_key_rotations_append_only();
