import { describe, expect, it } from 'vitest';
import { SecretScrubber, safeExcerpt, rememberSecret, scrubSecretText } from '../../../src/util/secret-scrub.js';

const SECRET = 'sk_live_"Ab/c+d\\é€ 9';

/** Every way a vendor may echo a value back (see the module's list). */
function encodings(secret: string): Record<string, string> {
  const json = JSON.stringify(secret).slice(1, -1);
  const unicode = [...secret].map((c) => [...c].map((_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')).join('');
  return {
    raw: secret,
    json,
    doubleJson: JSON.stringify(json).slice(1, -1),
    unicode,
    unicodeUpper: unicode.toUpperCase().replace(/\\U/g, '\\u'),
    partlyUnicode: json.replace(/_/g, '\\u005f'),
    url: encodeURIComponent(secret),
    form: new URLSearchParams({ k: secret }).toString().slice(2),
    doubleUrl: encodeURIComponent(encodeURIComponent(secret)),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
    basicAuth: Buffer.from(`user:${secret}`).toString('base64'),
    basicAuth2: Buffer.from(`us:${secret}`).toString('base64'),
    basicAuth3: Buffer.from(`u:${secret}:x`).toString('base64'),
    hex: Buffer.from(secret).toString('hex'),
    html: [...secret].map((c) => `&#${c.codePointAt(0)};`).join(''),
  };
}

describe('the secret scrubber', () => {
  const scrubber = new SecretScrubber([SECRET]);
  for (const [name, encoded] of Object.entries(encodings(SECRET))) {
    it(`removes the ${name} form`, () => {
      const text = `{"echo":"before ${encoded} after"}`;
      const out = scrubber.scrub(text);
      expect(out).toContain('[redacted]');
      expect(out).not.toContain(encoded);
      expect(out).toMatch(/^\{"echo":"before /);
    });
  }

  it('leaves text without the secret alone and ignores values too short to be secrets', () => {
    expect(scrubber.scrub('nothing to see: sk_live_ Ab c')).toBe('nothing to see: sk_live_ Ab c');
    expect(new SecretScrubber(['revoked']).scrub('has been revoked')).toBe('has been revoked');
  });

  it('scrubs every secret the process revealed, and cuts excerpts only after scrubbing', () => {
    const token = rememberSecret('tok-0123456789-abcdef');
    expect(scrubSecretText(`Authorization: Bearer ${token}`)).toBe('Authorization: Bearer [redacted]');
    const long = `${'x'.repeat(290)} ${token} ${'y'.repeat(50)}`;
    const excerpt = safeExcerpt(long, 300);
    expect(excerpt).not.toContain('tok-0123');
    expect(excerpt.length).toBeLessThanOrEqual(301);
  });
});
