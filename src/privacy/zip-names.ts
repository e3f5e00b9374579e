/**
 * Entry names that unpack on every common system, for the parts of an archive named after what someone
 * uploaded (a vendor's evidence file names). Windows refuses `< > : " / \ | ? *` and control characters,
 * the device names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension) and names ending in a dot or
 * a space; Explorer's unpacker fails on paths past 260 characters; macOS and most file systems fold
 * case, so two names differing only in case collide. The original name is kept in the archive's
 * manifest (evidence.json) and in data/evidence.json; only the entry name is made portable.
 */

/** Letters, digits and marks of any script, and a few punctuation characters every system accepts. */
const UNSAFE = /[^\p{L}\p{N}\p{M} ._\-()+,=@~[\]]/gu;
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;

/** At most this many characters in one entry's file name (the folder `evidence/<uuid>/` adds 46). */
export const MAX_ENTRY_NAME = 120;

/**
 * A portable file name for `raw`: unsafe characters as `_`, no leading or trailing dots and spaces, a
 * device name prefixed with `_`, at most MAX_ENTRY_NAME characters with the extension kept, never empty.
 */
export function portableName(raw: string, max = MAX_ENTRY_NAME): string {
  let name = raw.normalize('NFC').replace(UNSAFE, '_').replace(/_{2,}/g, '_');
  name = name.replace(/^[. ]+/, '').replace(/[. ]+$/, '');
  const dot = name.lastIndexOf('.');
  let base = dot > 0 ? name.slice(0, dot) : name;
  let ext = dot > 0 ? name.slice(dot) : '';
  if (ext.length > 16) {
    // Not an extension worth keeping whole: part of the name.
    base = name;
    ext = '';
  }
  // The device check is on the part before the first dot: `CON.tar.gz` is as reserved as `CON`.
  if (DEVICE.test(base.split('.')[0]!.trim())) base = `_${base}`;
  const chars = [...base];
  if (chars.length + [...ext].length > max) base = chars.slice(0, max - [...ext].length).join('');
  base = base.replace(/[. ]+$/, '');
  return `${base || 'file'}${ext}`;
}

/**
 * Hands out names unique within one archive folder, comparing case-insensitively: a second `Report.pdf`
 * (or `report.PDF`) becomes `Report (2).pdf`.
 */
export class UniqueNames {
  private readonly used = new Set<string>();

  constructor(private readonly max = MAX_ENTRY_NAME) {}

  take(folder: string, name: string): string {
    const dot = name.lastIndexOf('.');
    const base = [...(dot > 0 ? name.slice(0, dot) : name)];
    const ext = dot > 0 ? name.slice(dot) : '';
    for (let n = 1; ; n++) {
      // The suffix takes its room from the base, so a renamed entry stays within `max` like the first.
      const suffix = ` (${n})`;
      const room = Math.max(1, this.max - [...ext].length - suffix.length);
      const cut =
        base.length > room
          ? base
              .slice(0, room)
              .join('')
              .replace(/[. ]+$/, '')
          : base.join('');
      const candidate = n === 1 ? name : `${cut || 'file'}${suffix}${ext}`;
      const key = `${folder}/${candidate}`.toLowerCase();
      if (!this.used.has(key)) {
        this.used.add(key);
        return candidate;
      }
    }
  }
}
