import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

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

/**
 * A questionnaire with every question type, English and German texts, a multi-choice label containing ";",
 * an option label that starts with "=", comment and evidence rules and a finding.
 */
export const SPREADSHEET_YAML = `
schema: vrq/1
id: spreadsheet-test
version: 1.2.0
status: published
default_locale: en
locales: [en, de]
title:
  en: Spreadsheet test
  de: Tabellentest
scoring:
  method: weighted_ratio
  na_policy: exclude
  unanswered_policy: zero
  bands:
    - { min: 85, rating: low }
    - { min: 50, rating: medium }
    - { min: 0, rating: high }
risk:
  rating:
    - { min: 10, rating: high }
    - { min: 1, rating: low }
sections:
  - id: gov
    title:
      en: Governance
      de: Steuerung
    questions:
      - id: gov.isms
        type: yes_no_na
        text:
          en: Do you operate an ISMS?
          de: Betreiben Sie ein ISMS?
        required: true
        weight: 2
        scores: { yes: 1, no: 0 }
        evidence:
          required_if: "gov.isms == 'yes'"
          accept: [pdf]
          max_files: 3
        comment:
          required_if: "gov.isms == 'no'"
          max_length: 60
          label:
            en: Why not?
            de: Warum nicht?
        findings:
          - id: GOV-001
            when: "gov.isms == 'no'"
            title:
              en: No ISMS
              de: Kein ISMS
            likelihood: 3
            impact: 4
            remediation:
              en: Establish an ISMS.
              de: Führen Sie ein ISMS ein.
      - id: gov.mfa
        type: single
        text:
          en: How are administrators authenticated?
          de: Wie werden Administratoren authentifiziert?
        required: true
        options:
          - value: strong
            label:
              en: Phishing-resistant MFA
              de: Phishing-resistente MFA
            score: 1
          - value: other
            label:
              en: "Other MFA (TOTP, push)"
              de: "Andere MFA (TOTP, Push)"
            score: 0.6
          - value: password
            label:
              en: "=Password only"
              de: "=Nur Passwort"
            score: 0
      - id: gov.certs
        type: multi
        text:
          en: Which attestations do you hold?
          de: Welche Nachweise haben Sie?
        scoring: { mode: max }
        options:
          - value: iso
            label:
              en: "ISO 27001; with SoA"
              de: "ISO 27001; mit SoA"
            score: 1
          - value: soc2
            label:
              en: SOC 2
              de: SOC 2
            score: 1
          - value: other
            label:
              en: Other
              de: Sonstige
            score: 0.5
          - value: none
            label:
              en: None
              de: Keine
            score: 0
            exclusive: true
  - id: ops
    title:
      en: Operations
      de: Betrieb
    questions:
      - id: ops.rto
        type: number
        text:
          en: Recovery time objective (hours)
          de: Wiederanlaufzeit (Stunden)
        min: 0
        max: 720
        score_expr: "iif(ops.rto <= 24, 1, 0)"
      - id: ops.pentest
        type: date
        text:
          en: Date of the last penetration test
          de: Datum des letzten Penetrationstests
      - id: ops.notes
        type: text
        multiline: true
        max_length: 100
        text:
          en: Anything else?
          de: Sonst noch etwas?
      - id: ops.contact
        type: text
        max_length: 40
        text:
          en: Security contact
          de: Sicherheitskontakt
      - id: ops.subprocessors
        type: file
        accept: [pdf, csv]
        max_files: 2
        text:
          en: List of sub-processors
          de: Liste der Unterauftragsverarbeiter
`;

export const TODAY = '2025-06-20';

/** A complete response using every type; the values the spreadsheet can carry (no files). */
export const IMPORTABLE_ANSWERS = {
  'gov.isms': 'no',
  'gov.isms#comment': 'Planned for 2026; board approved.',
  'gov.mfa': 'password',
  'gov.certs': ['iso', 'other'],
  'ops.rto': 4.5,
  'ops.pentest': '2025-01-31',
  'ops.notes': 'Line one\nLine two; with a semicolon',
  'ops.contact': 'security@example.com',
} as const;

export const FULL_ANSWERS = {
  ...IMPORTABLE_ANSWERS,
  'gov.isms#evidence': ['ev_policy'],
  'ops.subprocessors': ['ev_subs', 'ev_gone'],
};

export const EVIDENCE = {
  ev_policy: { name: 'ISMS policy.pdf', sha256: 'a'.repeat(64) },
  ev_subs: { name: '@subprocessors.csv', sha256: 'b'.repeat(64) },
};

/** Reads the entries of a well-formed zip (one written by exceljs), for tests that tamper with its XML. */
export function readZip(zip: Buffer): Array<{ name: string; data: Buffer }> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: Array<{ name: string; data: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + size);
    out.push({ name, data: method === 8 ? inflateRawSync(body) : Buffer.from(body) });
    at += 46 + skip;
  }
  return out;
}

/** Rewrites one part of a zip with `edit` and returns the new archive. */
export function tamper(zip: Uint8Array, part: string, edit: (xml: string) => string): Buffer {
  const entries = readZip(Buffer.from(zip)).map((e) =>
    e.name === part ? { name: e.name, data: Buffer.from(edit(e.data.toString('utf8')), 'utf8') } : e,
  );
  if (!entries.some((e) => e.name === part)) throw new Error(`no part ${part}`);
  return buildZip({ entries });
}
