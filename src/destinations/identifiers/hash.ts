import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of the UTF-8 bytes. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Lower-case hex SHA-512 (LinkedIn accepts it next to SHA-256). */
export function sha512Hex(value: string): string {
  return createHash('sha512').update(value, 'utf8').digest('hex');
}

const SHA256_HEX = /^[a-f0-9]{64}$/;

/** True for a value that already is a SHA-256 hex digest (warehouses often keep hashed emails). */
export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

/** SHA-256 of a normalised value, keeping values that are already digests; null stays null. */
export function hashNormalized(normalized: string | null): string | null {
  if (normalized === null) return null;
  return isSha256Hex(normalized) ? normalized : sha256Hex(normalized);
}
