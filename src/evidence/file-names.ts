/**
 * The uploaded file's name is metadata only (the stored object is named by its content address): it is
 * cut to its last path segment, normalised, and refused when it carries the tricks of the OWASP File
 * Upload Cheat Sheet (NUL bytes, control and bidi characters that disguise an extension, an executable
 * extension hidden before the last one).
 */

/** Extensions that must not appear anywhere in a name, even before the last dot (`report.php.pdf`). */
const DANGEROUS = new Set([
  'app',
  'asp',
  'aspx',
  'bat',
  'cgi',
  'cmd',
  'com',
  'cpl',
  'dll',
  'exe',
  'hta',
  'htm',
  'html',
  'jar',
  'js',
  'jse',
  'jsp',
  'lnk',
  'mht',
  'mhtml',
  'msi',
  'phar',
  'php',
  'php3',
  'php4',
  'php5',
  'phtml',
  'pif',
  'pl',
  'ps1',
  'py',
  'rb',
  'reg',
  'scr',
  'sh',
  'shtml',
  'svg',
  'svgz',
  'vbe',
  'vbs',
  'war',
  'wsf',
  'xht',
  'xhtml',
  'xml',
  'xsl',
]);

export const MAX_NAME_LENGTH = 200;

export type NameProblem = 'missing' | 'control' | 'double-extension' | 'no-extension';

export type CleanName = { ok: true; name: string; extension: string } | { ok: false; problem: NameProblem };

// C0, DEL, C1 controls; bidi embeddings, overrides and isolates (U+202E turns `gpj.exe` into `exe.jpg`);
// zero-width characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is refused
const REFUSED_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

export function cleanFileName(raw: string | null | undefined): CleanName {
  if (raw === null || raw === undefined) return { ok: false, problem: 'missing' };
  // Refused before anything else: a NUL or control character is an attack, not a typo.
  if (REFUSED_CHARS.test(raw) || /%00/.test(raw)) return { ok: false, problem: 'control' };
  // The last segment of a Windows or POSIX path (`C:\x\y.pdf`, `../../app.db`).
  let name = raw.normalize('NFC').split(/[\\/]/).pop() ?? '';
  name = name.replace(/^[A-Za-z]:/, '').trim();
  // Leading dots (hidden files, `..`) and trailing dots or spaces (Windows drops them) go.
  name = name.replace(/^\.+/, '').replace(/[.\s]+$/, '');
  if (name === '') return { ok: false, problem: 'missing' };
  const parts = name.split('.');
  if (parts.length < 2) return { ok: false, problem: 'no-extension' };
  const extension = parts.at(-1)!.toLowerCase();
  if (parts.slice(1, -1).some((p) => DANGEROUS.has(p.toLowerCase().trim()))) {
    return { ok: false, problem: 'double-extension' };
  }
  if (name.length > MAX_NAME_LENGTH) {
    const stem = name.slice(0, name.length - extension.length - 1);
    name = `${stem.slice(0, MAX_NAME_LENGTH - extension.length - 2)}….${extension}`;
  }
  return { ok: true, name, extension };
}

/**
 * `Content-Disposition: attachment` with the name as RFC 6266 / RFC 8187 want it: an ASCII fallback
 * (anything else replaced by `_`, quotes and backslashes too) and `filename*` with the UTF-8 name.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
