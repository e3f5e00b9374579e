import { crc32, deflateRawSync } from 'node:zlib';

/*
 * A minimal zip writer for building hostile archives in tests: every header field can be overridden, so a
 * test can make an entry lie about its size, point two directory entries at one stream, claim ZIP64, etc.
 */

export interface FixtureEntry {
  name: string;
  data: Buffer | string;
  /** 8 = deflate (default), 0 = stored, anything else is written as is. */
  method?: number;
  declaredSize?: number;
  crc?: number;
  flags?: number;
  madeBy?: number;
  externalAttributes?: number;
  /** Point this directory entry at the local header of an earlier entry (by index) instead of its own. */
  reuseLocalOf?: number;
  localName?: string;
}

export interface FixtureZip {
  entries: FixtureEntry[];
  prefix?: Buffer;
  comment?: string;
  eocdOverrides?: { entryCount?: number; centralOffset?: number; disk?: number };
}

export function buildZip(spec: FixtureZip): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  const offsets: number[] = [];
  let offset = spec.prefix?.length ?? 0;
  for (const entry of spec.entries) {
    const raw = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    const method = entry.method ?? 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(entry.name, 'utf8');
    const localName = Buffer.from(entry.localName ?? entry.name, 'utf8');
    const crc = entry.crc ?? crc32(raw);
    const size = entry.declaredSize ?? raw.length;
    const flags = entry.flags ?? 0;

    let localOffset: number;
    if (entry.reuseLocalOf !== undefined) {
      localOffset = offsets[entry.reuseLocalOf]!;
    } else {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(flags, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(Math.min(size, 0xffffffff), 22);
      local.writeUInt16LE(localName.length, 26);
      localOffset = offset;
      locals.push(local, localName, body);
      offset += 30 + localName.length + body.length;
    }
    offsets.push(localOffset);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(entry.madeBy ?? 20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(Math.min(size, 0xffffffff), 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(entry.externalAttributes ?? 0, 38);
    header.writeUInt32LE(localOffset, 42);
    central.push(header, name);
  }
  const centralBytes = Buffer.concat(central);
  const comment = Buffer.from(spec.comment ?? '', 'utf8');
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(spec.eocdOverrides?.disk ?? 0, 4);
  const count = spec.eocdOverrides?.entryCount ?? spec.entries.length;
  eocd.writeUInt16LE(Math.min(count, 0xffff), 8);
  eocd.writeUInt16LE(Math.min(count, 0xffff), 10);
  eocd.writeUInt32LE(centralBytes.length, 12);
  eocd.writeUInt32LE(spec.eocdOverrides?.centralOffset ?? offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([spec.prefix ?? Buffer.alloc(0), ...locals, centralBytes, eocd, comment]);
}

/** The smallest workbook skeleton: enough parts for a zip-level check, not a real workbook. */
export function skeletonEntries(sheetXml = '<worksheet><sheetData/></worksheet>'): FixtureEntry[] {
  return [
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types/>' },
    { name: 'xl/workbook.xml', data: '<?xml version="1.0"?><workbook/>' },
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml },
  ];
}

export function sheetWithRows(rows: number, cellsPerRow = 1): string {
  const cells = '<c t="inlineStr"><is><t>x</t></is></c>'.repeat(cellsPerRow);
  let body = '';
  for (let r = 1; r <= rows; r++) body += `<row r="${r}">${cells}</row>`;
  return `<worksheet><sheetData>${body}</sheetData></worksheet>`;
}
