import { createHash, randomBytes } from 'node:crypto';

/** A random bearer secret with a recognisable prefix (so leaked tokens are easy to scan for). */
export function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * Tokens are stored as their SHA-256: they are 256-bit random values, so a fast hash is enough
 * (unlike passwords) and lets a lookup be one indexed equality.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const API_TOKEN_PREFIX = 'cdp_';
export const SESSION_TOKEN_PREFIX = 'cdps_';
