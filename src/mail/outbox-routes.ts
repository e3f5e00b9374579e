/**
 * `/dev/outbox`: the development outbox as pages, so a newcomer can click the links of the mail Assay
 * would have sent. Mounted only outside production (src/app.ts); in production the path is a 404.
 * The text body is shown with its web links made clickable; the full message (HTML part included) is
 * downloadable as `.eml` for a mail client.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../http/env.js';
import { render } from '../http/views.js';
import type { DevOutbox } from './dev-outbox.js';

export type TextPart = { text: string } | { href: string };

/** Splits text into plain runs and http(s) links (trailing punctuation stays text). */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const re = /https?:\/\/[^\s<>"'\u201c\u201d\u201e]+/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const href = m[0].replace(/[.,;:!?)\]]+$/, '');
    const at = m.index ?? 0;
    if (at > last) parts.push({ text: text.slice(last, at) });
    parts.push({ href });
    last = at + href.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

export function devOutboxRoutes(outbox: DevOutbox | undefined) {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const messages = outbox ? await outbox.list() : [];
    return render(c, 'dev/outbox', { title: 'Development outbox', configured: !!outbox, messages });
  });

  app.get('/:id', async (c) => {
    const message = outbox ? await outbox.get(c.req.param('id')) : null;
    if (!message) return render(c, 'dev/outbox-missing', { title: 'Message not found' }, 404);
    return render(c, 'dev/outbox-message', {
      title: message.subject,
      message,
      parts: linkify(message.text),
    });
  });

  app.get('/:id/raw', async (c) => {
    const id = c.req.param('id');
    const bytes = outbox ? await outbox.raw(id) : null;
    if (!bytes) return render(c, 'dev/outbox-missing', { title: 'Message not found' }, 404);
    return new Response(bytes as BodyInit, {
      headers: {
        'Content-Type': 'message/rfc822',
        'Content-Disposition': `attachment; filename="${id}.eml"`,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  });

  return app;
}
