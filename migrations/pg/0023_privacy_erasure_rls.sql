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
);
