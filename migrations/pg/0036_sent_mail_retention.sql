-- Hand-written (docs/privacy.md, "Mail"): sent mail keeps no body, and goes after 30 days.
--
-- A sent message's bodies held the live vendor link, the set-up link or the one-time code it carried,
-- whose hashes alone are stored elsewhere. The sender now blanks them in the write that marks the message
-- sent (or failed for good): src/db/repo/outbox.ts, DONE_MAIL. The erasure-only trigger (0024) refused
-- that change; it now also admits it, and only it: the recipient and subject unchanged, the bodies
-- blank, the message done (sent or failed).
CREATE OR REPLACE FUNCTION assay_mail_outbox_erasure_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF (NEW.to_address IS DISTINCT FROM OLD.to_address OR NEW.subject IS DISTINCT FROM OLD.subject
      OR NEW.text_body IS DISTINCT FROM OLD.text_body OR NEW.html_body IS DISTINCT FROM OLD.html_body)
     AND NOT (NEW.to_address = 'erased@erased.invalid' AND NEW.subject = '(erased)'
              AND NEW.text_body = '' AND NEW.html_body IS NULL)
     AND NOT (NEW.to_address = OLD.to_address AND NEW.subject = OLD.subject
              AND NEW.text_body = '' AND NEW.html_body IS NULL AND NEW.status IN ('sent', 'failed')) THEN
    RAISE EXCEPTION 'mail_outbox: recipient, subject and bodies change only to the erased values, and bodies to blank once done'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint

-- Retention: the sender (`system: 'mail'`, which alone sees every tenant's mail) deletes sent and failed
-- messages queued more than 30 days ago by the database's clock (src/privacy/retention.ts, expireMail;
-- MAIL_RETENTION_DAYS). Nothing else: a pending message is never lost, and the tenant purge keeps its
-- own policy (mail_outbox_purge).
CREATE POLICY "mail_outbox_expire" ON "mail_outbox" AS PERMISSIVE FOR DELETE TO public USING (
  current_setting('app.system', true) = 'mail'
  AND status IN ('sent', 'failed')
  AND created_at < now() - interval '30 days'
);--> statement-breakpoint

-- The DELETE trigger (0031) let a tenant's mail go only past the tenant's deletion window. A retention
-- delete (the same conditions as the policy above) passes too; anything else is judged as before.
CREATE FUNCTION assay_mail_outbox_delete_window() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF OLD.tenant_id IS NULL
     OR (current_setting('app.system', true) = 'mail' AND OLD.status IN ('sent', 'failed')
         AND OLD.created_at < now() - interval '30 days') THEN
    RETURN OLD;
  END IF;
  PERFORM public.assay_await_cancels(OLD.tenant_id);
  IF public.assay_tenant_past_window(OLD.tenant_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'mail_outbox: a tenant''s row is deleted only past its deletion window or its retention'
    USING ERRCODE = '42501';
END $$;--> statement-breakpoint
DROP TRIGGER mail_outbox_delete_window ON mail_outbox;--> statement-breakpoint
CREATE TRIGGER mail_outbox_delete_window BEFORE DELETE ON mail_outbox FOR EACH ROW EXECUTE FUNCTION assay_mail_outbox_delete_window();
