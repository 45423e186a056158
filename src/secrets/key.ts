import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { CdpError } from '../errors.js';

/** A 256-bit AES key and a short fingerprint stored next to each ciphertext. */
export interface SecretKey {
  readonly key: Buffer;
  /** First 16 hex digits of SHA-256(key): tells "wrong key" apart from "corrupted data". */
  readonly id: string;
}

function fromBytes(key: Buffer): SecretKey {
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

/**
 * Parses CDP_SECRET_KEY: 64 hex digits or base64 of 32 bytes is used as is; any other value of at
 * least 16 characters is treated as a passphrase and stretched with scrypt.
 */
export function parseSecretKey(value: string): SecretKey {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return fromBytes(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === 32) return fromBytes(bytes);
  }
  if (text.length >= 16) return fromBytes(scryptSync(text, 'cdp-secret-key-v1', 32, { N: 16384, r: 8, p: 1 }));
  throw new CdpError('SECRET_MISSING', 'CDP_SECRET_KEY is too short', {
    location: { path: 'CDP_SECRET_KEY' },
    hint: 'use 32 random bytes: `openssl rand -hex 32`',
  });
}

export interface LoadKeyOptions {
  env?: NodeJS.ProcessEnv;
  /** Project directory: the development fallback key lives in `<dir>/.cdp/secret.key`. */
  projectDir: string;
  log?: Logger;
}

/**
 * The key secrets are encrypted with: CDP_SECRET_KEY, or for local development a random key kept
 * in `.cdp/secret.key` (mode 0600) and a warning, so `cdp demo --serve` works out of the box.
 */
export function loadSecretKey(options: LoadKeyOptions): SecretKey {
  const env = options.env ?? process.env;
  const configured = env.CDP_SECRET_KEY;
  if (configured !== undefined && configured !== '') return parseSecretKey(configured);
  const file = join(options.projectDir, '.cdp', 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  options.log?.warn('CDP_SECRET_KEY is not set: using the development key in .cdp/secret.key; set CDP_SECRET_KEY in production');
  return parseSecretKey(readFileSync(file, 'utf8'));
}
