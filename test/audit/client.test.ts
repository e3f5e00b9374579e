import { describe, expect, it } from 'vitest';
import { AuditClient } from '../../src/audit/client.js';
import { bytesToHex, utf8 } from '../../src/crypto/encoding.js';
import { hmacSha256 } from '../../src/crypto/hash.js';

const keyA = new Uint8Array(32).fill(1);
const keyB = new Uint8Array(32).fill(2);
const expected = (key: Uint8Array, what: string, v: string) =>
  bytesToHex(hmacSha256(key, utf8(`${what}\n${v}`))).slice(0, 16);

describe('AuditClient: keyed hashes of the address and user agent, memoised per key', () => {
  it('gives the HMAC prefix of each field, the same on every request from the same client', () => {
    for (let i = 0; i < 3; i++) {
      expect(new AuditClient(keyA, '192.0.2.7', 'Agent/1').fields()).toEqual({
        ip: expected(keyA, 'ip', '192.0.2.7'),
        ua: expected(keyA, 'ua', 'Agent/1'),
      });
    }
    expect(new AuditClient(keyA, null, null).fields()).toEqual({ ip: null, ua: null });
  });

  it('never answers one key with a hash made under another, nor one field with the other', () => {
    const a = new AuditClient(keyA, '192.0.2.7', '192.0.2.7').fields();
    const b = new AuditClient(keyB, '192.0.2.7', '192.0.2.7').fields();
    expect(b.ip).toBe(expected(keyB, 'ip', '192.0.2.7'));
    expect(b.ip).not.toBe(a.ip);
    expect(a.ua).not.toBe(a.ip);
  });

  it('stays right past the memo size (oldest out)', () => {
    for (let i = 0; i < 1200; i++) {
      const ip = `198.51.100.${i % 600}`;
      expect(new AuditClient(keyA, ip, null).fields().ip).toBe(expected(keyA, 'ip', ip));
    }
  });
});
