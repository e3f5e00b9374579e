/**
 * Tenant-user password rules: length only (ASVS 6.2.1/6.2.5/6.2.9: ≥ 12 characters, up to 256, no
 * composition rules, nothing truncated), and a refusal of the most common choices and of the user's
 * own email. Hashing is the platform's `passwords` port.
 */

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 256;

// The commonest passwords of at least MIN_PASSWORD characters in public breach corpora.
const COMMON = new Set([
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
]);

/** Why a new password is not acceptable, or null. */
export function passwordProblem(password: string, email: string, _tenantName?: string | null): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD)
    return `Use at least ${MIN_PASSWORD} characters (a passphrase of a few words works well).`;
  if (length > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(password)) return 'That password is too common. Choose another.';
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (lower === email.toLowerCase() || (local.length >= 4 && lower.includes(local))) {
    return 'Do not use your email address in your password.';
  }
  return null;
}
