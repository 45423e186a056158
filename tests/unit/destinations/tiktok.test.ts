import { describe, expect, it } from 'vitest';
import { normalizeForTikTok, sha256Hex, tiktokHashed } from '../../../src/destinations/index.js';
import { md5Hex, multipart, tiktokRetryVerdict } from '../../../src/destinations/tiktok_audiences/api.js';
import { tiktokConfigSchema, tiktokIdentifiers } from '../../../src/destinations/tiktok_audiences/index.js';
import type { HttpResponse } from '../../../src/destinations/index.js';

// `printf %s 16577770000 | sha256sum`
const PHONE_EXAMPLE_SHA = '8d7bdaaf75196f351d22942fc0dd79304ffabc3eaf3339460ef9da0773e3aec2';

const answer = (status: number, body: unknown): HttpResponse => ({ status, headers: new Headers(), text: JSON.stringify(body), url: 'http://x/', attempts: 1 });

describe("TikTok's identifier rules (help centre customer-file formats, newest version)", () => {
  it('phone: the published example +16577770000 becomes 16577770000 (digits with country code, no +)', () => {
    expect(normalizeForTikTok('phone', '+16577770000')).toBe('16577770000');
    expect(normalizeForTikTok('phone', '(657) 777-0000', 'US')).toBe('16577770000');
    expect(normalizeForTikTok('phone', '0044 20 7946 0018')).toBe('442079460018');
    expect(tiktokHashed('phone', '+1 657 777 0000')).toBe(PHONE_EXAMPLE_SHA);
    expect(normalizeForTikTok('phone', 'call me')).toBeNull();
  });

  it('email: lower-case, no spaces, +tag removed from the local part', () => {
    expect(normalizeForTikTok('email', ' John.Smith+Ads@Example.COM ')).toBe('john.smith@example.com');
    expect(normalizeForTikTok('email', 'jane doe@example.com')).toBe('janedoe@example.com');
    expect(normalizeForTikTok('email', '+only@example.com')).toBeNull();
    expect(tiktokHashed('email', 'John.Smith+Ads@Example.COM')).toBe(sha256Hex('john.smith@example.com'));
    expect(tiktokHashed('email', sha256Hex('x@y.com').toUpperCase())).toBe(sha256Hex('x@y.com'));
  });

  it('rows give one hash per identifier type, lists deduplicated', () => {
    expect(tiktokIdentifiers({ email: ['A@example.com', 'a+1@example.com'], phone: null })).toEqual({ email: [sha256Hex('a@example.com')], phone: [] });
  });
});

describe('TikTok API details', () => {
  it('throttling and server codes in an HTTP 200 are retried; other codes are final', () => {
    expect(tiktokRetryVerdict(answer(200, { code: 40100, message: 'Too many requests' }))).toEqual({ retry: true });
    expect(tiktokRetryVerdict(answer(200, { code: 51004, message: 'busy' }))).toEqual({ retry: true });
    expect(tiktokRetryVerdict(answer(200, { code: 40002, message: 'bad' }))).toBeUndefined();
    expect(tiktokRetryVerdict(answer(200, { code: 0, message: 'OK' }))).toBeUndefined();
  });

  it('builds a multipart body whose file_signature is the MD5 of the file', () => {
    const content = `${sha256Hex('a')}\n${sha256Hex('b')}`;
    const form = multipart({ advertiser_id: '1', calculate_type: 'EMAIL_SHA256', file_signature: md5Hex(content) }, { field: 'file', name: 'email.txt', content });
    const boundary = form.contentType.split('boundary=')[1]!;
    expect(form.body.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="advertiser_id"\r\n\r\n1\r\n`)).toBe(true);
    expect(form.body).toContain(`name="file"; filename="email.txt"\r\nContent-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`);
    expect(md5Hex('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('config takes ids as numbers or strings and secrets only by reference', () => {
    const config = tiktokConfigSchema.parse({ advertiser_id: 7000000001, audience_id: '17', access_token: { env: 'T' } });
    expect(config).toMatchObject({ advertiser_id: '7000000001', audience_id: '17', base_url: 'https://business-api.tiktok.com' });
    expect(tiktokConfigSchema.safeParse({ advertiser_id: '1', audience_id: '2', access_token: 'raw' }).success).toBe(false);
  });
});
