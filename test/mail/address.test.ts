/**
 * Strict recipient validation (security.md MAIL-01, ASVS 1.3.11): only `local@domain` from a small
 * alphabet; display names, quotes, comments, lists, CR/LF, routing tricks and IP literals are refused
 * with a specific message; IDN domains become A-labels.
 */
import { describe, expect, it } from 'vitest';
import {
  type AddressProblem,
  assertMailAddress,
  InvalidAddressError,
  parseMailAddress,
} from '../../src/mail/address.js';

describe('parseMailAddress', () => {
  it.each([
    ['name@example.com', 'name@example.com'],
    ['Name.Surname@Example.COM', 'name.surname@example.com'],
    ["o'brien+tag_1-x@sub.example.co.uk", "o'brien+tag_1-x@sub.example.co.uk"],
    ['  spaced@example.com  ', 'spaced@example.com'],
    ['x@bücher.de', 'x@xn--bcher-kva.de'],
    ['x@BÜCHER.DE', 'x@xn--bcher-kva.de'],
    ['x@xn--bcher-kva.de', 'x@xn--bcher-kva.de'],
    ['x@例え.テスト', 'x@xn--r8jz45g.xn--zckzah'],
    // A Cyrillic "а" look-alike: accepted, but only ever in its A-label form, where it shows.
    ['x@\u0430pple.com', 'x@xn--pple-43d.com'],
  ])('accepts %j as %j', (input, address) => {
    expect(parseMailAddress(input)).toEqual({ ok: true, address });
  });

  const bad: [string, unknown, AddressProblem][] = [
    [
      'nodemailer GHSA-mm7p-fcc7-pg87 quoted local part',
      '"victim@evil.example x"@company.example',
      'display-name',
    ],
    ['quoted local part', '"john doe"@example.com', 'display-name'],
    ['display name', 'Victim <victim@evil.example>', 'display-name'],
    ['angle brackets', '<a@example.com>', 'display-name'],
    ['comment', 'a(comment)@example.com', 'display-name'],
    ['backslash', 'a\\@b@example.com', 'display-name'],
    ['group syntax', 'undisclosed:a@example.com;', 'not-single'],
    ['space inside', 'a b@example.com', 'display-name'],
    ['domain literal', 'a@[127.0.0.1]', 'display-name'],
    ['list with comma', 'a@example.com, c@evil.example', 'not-single'],
    ['list with semicolon', 'a@example.com;c@evil.example', 'not-single'],
    ['two @', 'a@evil.example@example.com', 'not-single'],
    ['CRLF header injection', 'a@example.com\r\nBcc: c@evil.example', 'control-character'],
    ['trailing LF', 'a@example.com\n', 'control-character'],
    ['NUL', 'a@example.com\u0000', 'control-character'],
    ['tab', 'a@example.com\t', 'control-character'],
    ['zero-width space', 'a\u200b@example.com', 'control-character'],
    ['bidi override', 'a@\u202eexample.com', 'control-character'],
    ['percent routing', 'a%evil.example@relay.example', 'local-part'],
    ['bang routing', 'evil.example!a@relay.example', 'local-part'],
    ['encoded word', '=?utf-8?q?a=40evil.example?=@example.com', 'local-part'],
    ['leading dot', '.a@example.com', 'local-part'],
    ['trailing dot', 'a.@example.com', 'local-part'],
    ['double dot', 'a..b@example.com', 'local-part'],
    ['empty local part', '@example.com', 'local-part'],
    ['non-ASCII local part', 'jörg@example.de', 'non-ascii-local-part'],
    ['IP address', 'a@127.0.0.1', 'domain'],
    ['numeric host URL parsing reads as an IP', 'a@0x7f.1', 'domain'],
    ['dotless host', 'a@localhost', 'domain'],
    ['leading hyphen label', 'a@-evil.example', 'domain'],
    ['underscore in domain', 'a@b_c.example', 'domain'],
    ['empty label', 'a@b..example', 'domain'],
    ['empty domain', 'a@', 'domain'],
    ['port', 'a@example.com:25', 'display-name'],
    ['path', 'a@example.com/x', 'domain'],
    ['bad punycode', 'a@xn--zz.com', 'domain'],
    ['no @', 'example.com', 'format'],
    ['empty', '', 'empty'],
    ['spaces only', '   ', 'empty'],
    ['not a string', 42, 'empty'],
    ['local part over 64', `${'a'.repeat(65)}@example.com`, 'too-long'],
    ['label over 63', `a@${'b'.repeat(64)}.com`, 'domain'],
    [
      'whole over 254',
      `${'a'.repeat(64)}@${`${'b'.repeat(60)}.`.repeat(3)}${'c'.repeat(10)}.com`,
      'too-long',
    ],
    ['huge input', `${'a'.repeat(10_000)}@example.com`, 'too-long'],
  ];
  it.each(bad)('refuses %s', (_name, input, problem) => {
    const r = parseMailAddress(input);
    expect(r).toMatchObject({ ok: false, problem });
    expect(r.ok ? '' : r.message).toMatch(/\.$/);
  });

  it('assertMailAddress throws InvalidAddressError with a message fit for the form', () => {
    expect(assertMailAddress(' Ok@Example.com')).toBe('ok@example.com');
    let err: unknown;
    try {
      assertMailAddress('Name <a@example.com>');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidAddressError);
    expect((err as InvalidAddressError).problem).toBe('display-name');
    expect((err as Error).message).toBe(
      'Enter the address alone, like name@example.com, without a name, quotes or angle brackets.',
    );
  });
});
