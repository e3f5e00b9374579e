/**
 * Finds the armoured receipt in what `assay receipt verify` was given: a bare .jws, the armoured block
 * pasted from a mail, or the whole saved mail (.eml). A mail is walked as MIME (multipart, then each
 * text part decoded by its transfer encoding) before the block is looked for: quoted-printable's soft
 * breaks may split the BEGIN/END markers themselves, so matching the raw text is not enough.
 */

const ARMOUR = /-----BEGIN ASSAY RECEIPT-----([\s\S]*?)-----END ASSAY RECEIPT-----/;
/** A bound on nesting, so a hostile file cannot recurse without end. */
const MAX_DEPTH = 8;

/** The compact JWS to verify: the armoured block's content (whitespace removed), or the text itself. */
export function extractReceipt(text: string): string {
  // The decoded parts first; then the text as given (a pasted block, or a part without its headers, whose
  // soft breaks are dropped: a JWS holds no "=", so inside the block an "=" at a line's end is only that).
  for (const candidate of [...textParts(text), text]) {
    const m = ARMOUR.exec(candidate);
    if (m) return m[1]!.replace(/=\r?\n/g, '').replace(/\s+/g, '');
  }
  return text.trim();
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** The decoded text/plain parts first, then the text/html ones (their tags are dropped by the caller). */
function textParts(raw: string): string[] {
  const root = parsePart(raw);
  if (!root) return [];
  const plain: string[] = [];
  const html: string[] = [];
  const walk = (part: Part, depth: number) => {
    const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
    if (type.startsWith('multipart/')) {
      const boundary = param(part.headers.get('content-type') ?? '', 'boundary');
      if (!boundary || depth >= MAX_DEPTH) return;
      for (const chunk of splitMultipart(part.body, boundary)) {
        const child = parsePart(chunk);
        if (child) walk(child, depth + 1);
      }
    } else if (type.startsWith('text/plain')) plain.push(decodeBody(part));
    else if (type.startsWith('text/html')) html.push(decodeEntities(decodeBody(part)));
  };
  walk(root, 0);
  return [...plain, ...html];
}

/** Headers (unfolded, names lower-cased) and body of a MIME entity; null when there is no header block. */
function parsePart(raw: string): Part | null {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  if (!/^[A-Za-z0-9-]+:/.test(head)) return null;
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body: end < 0 ? '' : text.slice(end + 2) };
}

function param(header: string, name: string): string | null {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    if (line.trimEnd() === `${delimiter}--`) break;
    if (line.trimEnd() === delimiter) {
      if (current) parts.push(current.join('\n'));
      current = [];
    } else current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body);
  if (encoding === 'base64') return decodeBase64(part.body);
  return part.body;
}

/** RFC 2045 §6.7: soft line breaks removed, =XX octets decoded, the result read as UTF-8. */
export function decodeQuotedPrintable(body: string): string {
  // Line by line, without a regex over the whole body: `[ \t]*=\n` backtracks quadratically on a long run
  // of spaces (a 256 KB hostile mail took 30 s). Trailing blanks are transport padding (§6.7 rule 3).
  let joined = '';
  const lines = body.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let end = line.length;
    while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
    const soft = end > 0 && line[end - 1] === '=';
    joined += soft ? line.slice(0, end - 1) : line.slice(0, end);
    if (!soft && n < lines.length - 1) joined += '\n';
  }
  const utf8 = new TextEncoder();
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined[i] === '=' ? joined.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...utf8.encode(joined[i]!));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function decodeBase64(body: string): string {
  try {
    const bin = atob(body.replace(/[^A-Za-z0-9+/=]/g, ''));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return '';
  }
}

/** The few entities an HTML part may hold around the block (a JWS itself needs none). */
function decodeEntities(html: string): string {
  return (
    html
      // `[^<>]`, not `[^>]`: a run of `<` without `>` would backtrack quadratically.
      .replace(/<[^<>]*>/g, '')
      .replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) =>
        e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === '#39' ? "'" : '&',
      )
  );
}
