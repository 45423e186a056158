import { describe, expect, it } from 'vitest';
import { linkedinHashedEmail, normalizeForLinkedIn, sha256Hex } from '../../../src/destinations/index.js';
import { linkedinConfigSchema, userElement } from '../../../src/destinations/linkedin_audiences/index.js';

// `printf %s test@example.com | sha256sum` and `| sha512sum`
const SHA256 = '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b';
const SHA512 = '3af3174fa10ef8bd28ce7620c25fe18d1d5f93b9b3c4db3413402a0ec66369eab560c8cc0cefed323a2213ddec7c8a2c9ab912761215ada3e3c8c447cb318e07';

describe("LinkedIn's email hashing (SHA256_EMAIL / SHA512_EMAIL)", () => {
  it('trims and lower-cases before hashing; hex is lower-case, 64 or 128 chars', () => {
    expect(normalizeForLinkedIn('  Test@Example.COM ')).toBe('test@example.com');
    expect(linkedinHashedEmail(' Test@Example.COM ')).toBe(SHA256);
    expect(linkedinHashedEmail('test@example.com', 'SHA512')).toBe(SHA512);
    expect(linkedinHashedEmail(SHA256.toUpperCase())).toBe(SHA256);
    expect(linkedinHashedEmail(SHA256, 'SHA512')).toBeNull();
    expect(linkedinHashedEmail('nope')).toBeNull();
  });

  it('one element per row, every email of the row as a userId', () => {
    expect(userElement({ email: ['test@example.com', 'TEST@example.com', 'b@example.com'] }, 'REMOVE')).toEqual({
      action: 'REMOVE',
      userIds: [
        { idType: 'SHA256_EMAIL', idValue: SHA256 },
        { idType: 'SHA256_EMAIL', idValue: sha256Hex('b@example.com') },
      ],
    });
    expect(userElement({ email: null }, 'ADD')).toBeNull();
  });

  it('config: versions are YYYYMM, batch size at most 5,000', () => {
    const base = { segment_id: '1', ad_account_id: 2, access_token: { env: 'T' } };
    expect(linkedinConfigSchema.parse(base)).toMatchObject({ linkedin_version: '202609', email_hash: 'SHA256', ad_account_id: '2' });
    expect(linkedinConfigSchema.safeParse({ ...base, linkedin_version: '2026-09' }).success).toBe(false);
    expect(linkedinConfigSchema.safeParse({ ...base, batch_size: 10_000 }).success).toBe(false);
  });
});
