/**
 * The development outbox as the `/dev/outbox` page sees it. Without SMTP_URL the Node platform writes
 * every message as an `.eml` file (RFC 5322, openable in any mail client) under `DATA_DIR/outbox/`,
 * with a small JSON file beside it that this page reads, so no MIME parser is needed here.
 */
export interface OutboxEntry {
  /** File stem: sortable by time, `[0-9A-Za-z-]` only. */
  id: string;
  messageId: string;
  to: string;
  subject: string;
  /** When it was written, ISO 8601. */
  date: string;
}

export interface OutboxMessage extends OutboxEntry {
  text: string;
  html: string | null;
}

export interface DevOutbox {
  /** Newest first. */
  list(limit?: number): Promise<OutboxEntry[]>;
  /** Null for an unknown or malformed id. */
  get(id: string): Promise<OutboxMessage | null>;
  /** The `.eml` bytes. */
  raw(id: string): Promise<Uint8Array | null>;
  /**
   * The outbox row ids (`mail_outbox.id`) of the messages held, each once: the files follow their rows
   * (src/mail/outbox-prune.ts), so they must be findable by the row that caused them.
   */
  mailIds(): Promise<string[]>;
  /** Deletes the files of these rows' messages (both files, and any half-written one); returns how many messages. */
  remove(mailIds: readonly string[]): Promise<number>;
}

export const OUTBOX_ID = /^[0-9A-Za-z-]{1,80}$/;

/** A file stem is `<ISO time with : and . as ->-<outbox row id>`; this reads the row id back. */
export const STEM_MAIL_ID = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-([0-9A-Za-z-]+)$/;
