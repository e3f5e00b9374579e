import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMMON_PASSWORD_BASES,
  COMMON_PASSWORD_BASES_COUNT,
  COMMON_PASSWORDS,
  COMMON_PASSWORDS_COUNT,
  COMMON_PASSWORDS_MIN_LENGTH,
} from '../../src/auth/common-passwords.js';
import {
  checkPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PasswordContext,
  type PasswordProblemCode,
  passwordProblem,
} from '../../src/auth/password-policy.js';
import { normalizePassword } from '../../src/auth/passwords.js';

const CONTEXT: PasswordContext = { email: 'lead@globex.example', tenantName: 'Initech Procurement' };
const code = (password: string, context: PasswordContext = CONTEXT) =>
  checkPassword(password, context)?.code ?? null;

describe('length', () => {
  it('needs 12 to 256 characters', () => {
    expect(code('short phrase')).toBeNull(); // 12
    expect(code('shorter one')).toBe('too-short'); // 11
    const long = Array.from({ length: MAX_PASSWORD_LENGTH }, (_, i) => String.fromCharCode(0x4e00 + i)).join(
      '',
    );
    expect(code(long)).toBeNull();
    expect(code(`${long}x`)).toBe('too-long');
  });

  it('counts characters after NFKC, not UTF-16 units or what was typed', () => {
    // 11 accented letters typed decomposed: 22 code points, still 11 characters.
    expect(code('e\u0301a\u0301o\u0301u\u0301i\u0301'.repeat(2) + 'e\u0301')).toBe('too-short');
    // Emoji are one character each though two UTF-16 units.
    expect(checkPassword('🦊🐙🌵🍋🚲🎈', CONTEXT)?.message).toContain('this one has 6');
    // "㎒" (one character) is "MHz" (three) once normalised.
    expect(code('㎒'.repeat(86))).toBe('too-long');
  });

  it('refuses megabytes as too long before counting them', () => {
    expect(checkPassword('🦊'.repeat(1_000_000), CONTEXT)).toEqual({
      code: 'too-long',
      message: `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
    });
    expect(checkPassword('🦊'.repeat(300), CONTEXT)?.message).toBe(
      `Use at most ${MAX_PASSWORD_LENGTH} characters (this one has 300).`,
    );
  });

  it('refuses invisible control characters and lone surrogates', () => {
    expect(code('correct horse\u0000battery')).toBe('unusable-character');
    expect(code('correct horse\tbattery')).toBe('unusable-character');
    expect(code('correct horse battery\n')).toBe('unusable-character');
    expect(code('correct horse \ud800battery')).toBe('unusable-character');
  });
});

describe('shapes attackers try first', () => {
  const cases: Array<[string, PasswordProblemCode]> = [
    ['abababababab', 'repeated'],
    ['123123123123', 'repeated'],
    ['AbcAbcAbcAbc', 'repeated'],
    ['passwordpassword', 'repeated'],
    ['wasd wasd wasd', 'repeated'],
    ['xyzxyzxyzxy', 'too-short'],
    ['12345678901234', 'sequence'],
    ['qwertyuiopas', 'sequence'],
    ['abcdefghijklmn', 'sequence'],
    ['zyxwvutsrqpo', 'sequence'],
    ['0987654321098', 'sequence'],
    ['1qaz2wsx3edc', 'sequence'],
    ['zaq12wsxcde3', 'sequence'],
    ['1q2w3e4r5t6y7u8i', 'sequence'],
    ['asdf1234zxcv', 'sequence'],
    ['qwertzuiopü+', 'sequence'], // German keyboard
    ['1qay2wsx3edc', 'sequence'], // its columns
    ['azertyuiopqsdf', 'sequence'], // French keyboard
    ['aaaaaaaaaaab', 'few-characters'],
    ['aaaabbbbcccc', 'few-characters'],
    ['121122112121', 'few-characters'],
  ];
  it.each(cases)('%s → %s', (password, expected) => {
    expect(code(password)).toBe(expected);
  });

  it('leaves a long passphrase alone even when repeated', () => {
    expect(code('hedgehog velvet hedgehog velvet')).toBeNull();
    expect(code('correcthorsecorrecthorse')).toBeNull();
  });
});

describe('common passwords', () => {
  it('refuses what is on the list, whatever the case, spacing or Unicode form', () => {
    expect(code('123qweasdzxc')).toBe('common');
    expect(code('iloveyou1234')).toBe('common');
    expect(code('IloveYou1234')).toBe('common');
    expect(code('Password 1234')).toBe('common');
    expect(code('ｐａｓｓｗｏｒｄ１２３４')).toBe('common'); // full-width, as an IME types it
    expect(code('administrator')).toBe('common');
    expect(code('ghbdtnrfrltkf')).toBe('common'); // Russian typed on a Latin layout
  });

  it('refuses a common password with a few digits or symbols around it', () => {
    expect(code('letmein12345')).toBe('common-with-additions');
    expect(code('changeme1234')).toBe('common-with-additions');
    expect(code('!!dragon2024')).toBe('common-with-additions');
    expect(code('Football 2024!')).toBe('common-with-additions');
    expect(code('administrator!')).toBe('common-with-additions');
    expect(code('monkey19871987')).toBe('common-with-additions'); // a longer addition that repeats
    expect(code('dragon12345678')).toBe('common-with-additions'); // a longer addition that is a run
    // A longer random addition is real work to guess.
    expect(code('dragon83o29!57')).toBeNull();
    expect(code('letmein 8302957!')).toBeNull();
  });

  it('refuses a long passphrase that repeats a common one', () => {
    expect(code('administratoradministrator')).toBe('common');
  });

  it('covers every password of the previous hand-made list', () => {
    for (const old of [
      '123456789012',
      '1234567890123',
      'qwertyuiopasdf',
      'qwertyuiop123',
      'password1234',
      'password12345',
      'passwordpassword',
      'iloveyou1234',
      'administrator',
      'letmein12345',
      'welcome12345',
      'changeme1234',
      '111111111111',
      '000000000000',
      'aaaaaaaaaaaa',
      'abcdefghijkl',
      'abc123456789',
      'qwerty123456',
      '1q2w3e4r5t6y',
      'zaq12wsxcde3',
    ]) {
      expect(code(old), old).not.toBeNull();
    }
  });
});

describe('the account’s own context', () => {
  it('refuses the email address, its local part and the parts of either', () => {
    const context = { email: 'John.Smith@Acme-Widgets.example' };
    expect(code('john.smith@acme-widgets.example', context)).toBe('email');
    expect(code('i am john.smith, hello', context)).toBe('email');
    expect(code('JOHN rules the world', context)).toBe('email');
    expect(code('J.O.H.N. rules the world', context)).toBe('email');
    expect(code('agent smith forever', context)).toBe('email');
    expect(code('widgets are my life', context)).toBe('email');
    expect(code('I love my job at Acme!', context)).toBe('email');
  });

  it('refuses the organisation’s name, run together or word by word', () => {
    const context = { email: 'lead@example.org', tenantName: 'Acme Procurement GmbH' };
    expect(code('acme-procurement-2024', context)).toBe('organisation');
    expect(code('AcmeProcurement!!', context)).toBe('organisation');
    expect(code('procurement rocks ok', context)).toBe('organisation');
    expect(code('a.c.m.e. forever and ever', context)).toBe('organisation');
    expect(code('ＡＣＭＥ is where i work', context)).toBe('organisation');
  });

  it('ignores context words too short to be telling, and a missing tenant', () => {
    expect(code('albatross in the sky', { email: 'al@io.example', tenantName: 'IBM' })).toBeNull();
    expect(code('albatross in the sky', { email: 'someone@example.org', tenantName: null })).toBeNull();
    expect(code('albatross in the sky', { email: '' })).toBeNull();
  });
});

describe('accepts good passwords', () => {
  const good = [
    'correct horse battery staple',
    'dinosaur-trumpet-volcano',
    'Tr0ub4dor&3xyz',
    'Café au lait, bitte!',
    'mein kleiner grüner kaktus',
    'ЯблокоГрушаСлива',
    '我的密码很长很安全的句子啊',
    'Jurassic Park 1993!',
    'x7#Lq!vR2@pZ', // random
  ];
  it.each(good)('%s', (password) => {
    expect(checkPassword(password, CONTEXT)).toBeNull();
    expect(passwordProblem(password, CONTEXT.email, CONTEXT.tenantName)).toBeNull();
  });

  it('any four different ordinary words make an acceptable passphrase', () => {
    const WORDS = [
      'harbour',
      'pencil',
      'glacier',
      'orchid',
      'tumble',
      'lantern',
      'walnut',
      'meadow',
      'copper',
      'violet',
      'saddle',
      'ember',
      'quiver',
      'basalt',
      'juniper',
      'falcon',
      'marble',
      'nimbus',
      'oyster',
      'thistle',
    ];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 4, maxLength: 4 }),
        fc.constantFrom(' ', '-', '.', ''),
        (words, separator) => checkPassword(words.join(separator), CONTEXT) === null,
      ),
      { numRuns: 300 },
    );
  });
});

describe('messages', () => {
  it('are specific and kind, and never quote the password back', () => {
    const refused = [
      'shorter one',
      'abababababab',
      'qwertyuiopas',
      'aaaabbbbcccc',
      'iloveyou1234',
      'letmein12345',
      'lead is my name ok',
      'initech rules!!',
    ];
    const messages = new Set<string>();
    for (const password of refused) {
      const problem = checkPassword(password, CONTEXT);
      expect(problem, password).not.toBeNull();
      expect(problem!.message).not.toContain(password);
      expect(problem!.message).not.toMatch(/invalid|error|must not/i);
      expect(passwordProblem(password, CONTEXT.email, CONTEXT.tenantName)).toBe(problem!.message);
      messages.add(problem!.message);
    }
    expect(messages.size).toBe(refused.length);
    expect(checkPassword('shorter one', CONTEXT)!.message).toBe(
      `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has 11). ` +
        'A few unrelated words make a strong passphrase that is easy to remember.',
    );
  });
});

describe('the generated list', () => {
  const entries = COMMON_PASSWORDS.split('\n');
  const bases = COMMON_PASSWORD_BASES.split('\n');

  it('holds at least 10,000 passwords of the policy’s minimum length and up', () => {
    expect(entries.length).toBe(COMMON_PASSWORDS_COUNT);
    expect(COMMON_PASSWORDS_COUNT).toBeGreaterThanOrEqual(10_000);
    expect(COMMON_PASSWORDS_MIN_LENGTH).toBe(MIN_PASSWORD_LENGTH);
    expect(bases.length).toBe(COMMON_PASSWORD_BASES_COUNT);
  });

  it('is normalised, lowercased, de-duplicated and within the lengths', () => {
    expect(new Set(entries).size).toBe(entries.length);
    expect(new Set(bases).size).toBe(bases.length);
    // One assertion over all of them: 54,000 separate ones take seconds.
    const badEntries = entries.filter((entry) => {
      const length = [...entry].length;
      return (
        normalizePassword(entry).toLowerCase() !== entry ||
        length < MIN_PASSWORD_LENGTH ||
        length > MAX_PASSWORD_LENGTH
      );
    });
    const badBases = bases.filter((base) => {
      const length = [...base].length;
      return (
        normalizePassword(base).toLowerCase() !== base ||
        !/^\p{L}(.*\p{L})?$/su.test(base) ||
        length < 4 ||
        length >= 12
      );
    });
    expect(badEntries).toEqual([]);
    expect(badBases).toEqual([]);
  });
});
