import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CdpError } from '../errors.js';
import type { SecretKey } from './key.js';

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * AES-256-GCM with a random 96-bit IV per value. The secret's name is authenticated data, so a
 * ciphertext copied onto another secret's row fails to decrypt instead of leaking into the wrong
 * destination. Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export function encryptSecret(key: SecretKey, name: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(key: SecretKey, name: string, stored: string): string {
  const [version, iv, tag, body] = stored.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
    throw new CdpError('SECRET_MISSING', `stored secret "${name}" is not in a known format`, { hint: 'set the secret again' });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(name, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new CdpError('SECRET_MISSING', `stored secret "${name}" cannot be decrypted`, {
      hint: 'it was written with another CDP_SECRET_KEY; restore that key or set the secret again',
    });
  }
}
