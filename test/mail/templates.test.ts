/**
 * Mail templates through the precompiled engine: the invitation in English and German says who asks,
 * why, by when, how long the link lives and how to tell it is genuine; markup in data is escaped in
 * HTML and cannot add lines to the text.
 */
import { describe, expect, it } from 'vitest';
import { templates } from '../../src/generated/templates.js';
import { precompiledEngine } from '../../src/http/templates.js';
import { emailLocale, type InvitationMail, renderEmail } from '../../src/mail/templates.js';

const engine = precompiledEngine(templates);
const base: InvitationMail = {
  tenantName: 'Acme GmbH',
  senderName: 'Jo Buyer',
  vendorName: 'Vendor Ltd',
  questionnaireTitle: 'NIS2 supplier questionnaire',
  dueDate: '2027-02-01',
  link: 'https://assay.example.com/v/eyJhbGciOi.x.y',
  origin: 'https://assay.example.com',
  linkExpiresAt: new Date('2027-01-18T09:00:00Z'),
  linkHours: 336,
  otp: true,
};

describe('invitation mail', () => {
  it('English: who, why, by when, how long, how to tell it is genuine, never a password', () => {
    const m = renderEmail(engine, 'invitation', 'en', base);
    expect(m.subject).toBe('Acme GmbH asks you to complete: NIS2 supplier questionnaire');
    for (const body of [m.text, m.html]) {
      expect(body).toContain('Acme GmbH');
      expect(body).toContain('Jo Buyer');
      expect(body).toContain('Vendor Ltd');
      expect(body).toContain('supplier risk assessment');
      expect(body).toContain('1 February 2027');
      expect(body).toContain('14 days');
      expect(body).toContain('18 January 2027 at 09:00 UTC');
      expect(body).toContain('https://assay.example.com/');
      expect(body).toContain('six-digit code');
      expect(body).toContain('Assay never asks for your password');
    }
    expect(m.text).toContain('a genuine link starts exactly with\nhttps://assay.example.com/\n');
    expect(m.text).toContain('\nhttps://assay.example.com/v/eyJhbGciOi.x.y\n');
    expect(m.html).toContain('<a href="https://assay.example.com/v/eyJhbGciOi.x.y"');
    expect(m.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(m.text.endsWith('\n')).toBe(true);
    expect(m.text).not.toMatch(/\n{3,}/);
  });

  it('German', () => {
    const m = renderEmail(engine, 'invitation', 'de-CH', {
      ...base,
      linkHours: 5,
      otp: false,
      dueDate: null,
    });
    expect(m.subject).toBe('Acme GmbH bittet um Ihre Antworten: NIS2 supplier questionnaire');
    expect(m.html).toMatch(/<html lang="de">/);
    for (const body of [m.text, m.html]) {
      expect(body).toContain('Lieferantenrisikobewertung');
      expect(body).toContain('5 Stunden');
      expect(body).toContain('18. Januar 2027 um 09:00 UTC');
      expect(body).toContain('Ein echter Link beginnt genau mit');
      expect(body).toContain('Assay fragt nie nach Ihrem Passwort');
      expect(body).not.toContain('Bitte antworten Sie bis');
      expect(body).not.toContain('sechsstelligen Code');
    }
  });

  it('falls back to English for other locales', () => {
    expect(emailLocale('fr-FR')).toBe('en');
    expect(emailLocale(undefined)).toBe('en');
    expect(emailLocale('DE')).toBe('de');
    expect(renderEmail(engine, 'invitation', 'xx', base).subject).toContain('asks you to complete');
  });

  it('escapes markup in HTML, and keeps data from adding lines to the text or the subject', () => {
    const m = renderEmail(engine, 'invitation', 'en', {
      ...base,
      tenantName: 'Evil <script>alert(1)</script> "Co"',
      vendorName: 'V\r\n\r\nUrgent: sign in at https://evil.example/login',
      questionnaireTitle: 'T\nBcc: x@evil.example',
    });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; &quot;Co&quot;');
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).not.toMatch(/^Urgent/m);
    expect(m.text).not.toMatch(/^Bcc/m);
    expect(m.text).toContain('V Urgent: sign in');
  });

  it('refuses a link that does not start with the origin the mail names', () => {
    expect(() =>
      renderEmail(engine, 'invitation', 'en', { ...base, link: 'https://evil.example/v/x' }),
    ).toThrow(/must start with the origin/);
    expect(() => renderEmail(engine, 'invitation', 'en', { ...base, dueDate: '1.2.2027' })).toThrow(
      /YYYY-MM-DD/,
    );
  });
});
