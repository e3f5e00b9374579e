-- Hand-written: GDPR Art. 17 erasure of a data subject (src/privacy/subjects.ts, docs/privacy.md).
--
-- A queued message is otherwise the sender's alone (mail_outbox_send). Erasure must blank the mail a
-- tenant queued to the person it erases, and nothing else: this policy lets a unit of the message's
-- tenant change a row only into the erased form (no recipient, no subject, no body, never pending
-- again), so it cannot redirect or rewrite mail. The column grants that go with it are in
-- src/platform/node/pg-migrate.ts (to_address, subject, text_body, html_body for the app role).
CREATE POLICY "mail_outbox_erase" ON "mail_outbox" AS PERMISSIVE FOR UPDATE TO public USING (
  tenant_id = current_setting('app.tenant_id', true)
) WITH CHECK (
  tenant_id = current_setting('app.tenant_id', true)
  AND to_address = 'erased@erased.invalid'
  AND subject = '(erased)'
  AND text_body = ''
  AND html_body IS NULL
  AND status IN ('sent', 'failed')
);--> statement-breakpoint

-- Column grants cannot say which values a column may take, so the columns erasure needs are held to
-- the erased values by triggers: whoever holds the grant (a tenant's unit, the sender, the user
-- themself) can write only the tombstone, never an address of their choosing. ERRCODE 42501 is
-- insufficient_privilege, as a refused grant or policy reports it.
CREATE FUNCTION assay_users_erasure_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF (NEW.email IS DISTINCT FROM OLD.email OR NEW.disabled_at IS DISTINCT FROM OLD.disabled_at)
     AND NOT (NEW.email = 'erased-' || lower(NEW.id) || '@erased.invalid'
              AND NEW.password_hash IS NULL AND NEW.totp_secret IS NULL
              AND NEW.totp_pending_secret IS NULL AND NEW.disabled_at IS NOT NULL) THEN
    RAISE EXCEPTION 'users: the email and disabled_at change only to an erasure tombstone'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER users_erasure_only BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION assay_users_erasure_only();--> statement-breakpoint

CREATE FUNCTION assay_setup_tokens_erasure_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.email IS DISTINCT FROM OLD.email AND NEW.email IS NOT NULL THEN
    RAISE EXCEPTION 'setup_tokens: the email changes only to NULL (erasure)' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER setup_tokens_erasure_only BEFORE UPDATE ON setup_tokens FOR EACH ROW EXECUTE FUNCTION assay_setup_tokens_erasure_only();--> statement-breakpoint

CREATE FUNCTION assay_mail_outbox_erasure_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF (NEW.to_address IS DISTINCT FROM OLD.to_address OR NEW.subject IS DISTINCT FROM OLD.subject
      OR NEW.text_body IS DISTINCT FROM OLD.text_body OR NEW.html_body IS DISTINCT FROM OLD.html_body)
     AND NOT (NEW.to_address = 'erased@erased.invalid' AND NEW.subject = '(erased)'
              AND NEW.text_body = '' AND NEW.html_body IS NULL) THEN
    RAISE EXCEPTION 'mail_outbox: recipient, subject and bodies change only to the erased values'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER mail_outbox_erasure_only BEFORE UPDATE ON mail_outbox FOR EACH ROW EXECUTE FUNCTION assay_mail_outbox_erasure_only();
