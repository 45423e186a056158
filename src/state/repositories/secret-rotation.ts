import type { Knex } from 'knex';
import { CdpError } from '../../errors.js';
import { decryptSecret, encryptSecret } from '../../secrets/cipher.js';
import type { SecretKey } from '../../secrets/key.js';

export interface RotationResult {
  /** Secrets re-encrypted from the old key to the new one. */
  rotated: number;
  /** Secrets already under the new key (an interrupted or repeated rotation resumes safely). */
  alreadyNew: number;
}

/**
 * Re-encrypts every stored secret from `oldKey` to `newKey` in one transaction: all or nothing. A
 * secret under neither key, or one that does not decrypt, stops it before anything is written.
 */
export async function rotateSecretKey(knex: Knex, oldKey: SecretKey, newKey: SecretKey, options: { dryRun?: boolean } = {}): Promise<RotationResult> {
  if (oldKey.id === newKey.id) {
    throw new CdpError('INVALID_INPUT', 'the old and the new key are the same key', {
      location: { path: 'CDP_SECRET_KEY' },
      hint: 'set CDP_SECRET_KEY to the new key and CDP_SECRET_KEY_OLD to the one the secrets are stored under',
    });
  }
  return knex.transaction(async (trx) => {
    const rows = await trx('secrets').orderBy('name').select<{ name: string; ciphertext: string; key_id: string }[]>('name', 'ciphertext', 'key_id');
    const foreign = rows.filter((row) => row.key_id !== oldKey.id && row.key_id !== newKey.id);
    if (foreign.length) {
      throw new CdpError('SECRET_MISSING', `${foreign.length} stored secret(s) are under neither key: ${foreign.map((row) => row.name).join(', ')}`, {
        hint: `their key fingerprint is ${[...new Set(foreign.map((row) => row.key_id))].join(', ')}; the old key's is ${oldKey.id}, the new key's ${newKey.id}. Give the right CDP_SECRET_KEY_OLD, or delete and set those secrets again`,
      });
    }
    const now = Date.now();
    const pending = rows.filter((row) => row.key_id === oldKey.id);
    // Decrypt everything first: a bad row aborts before the first write.
    const plain = pending.map((row) => ({ name: row.name, value: decryptSecret(oldKey, row.name, row.ciphertext) }));
    if (!options.dryRun) {
      for (const { name, value } of plain) {
        await trx('secrets').where({ name, key_id: oldKey.id }).update({ ciphertext: encryptSecret(newKey, name, value), key_id: newKey.id, updated_at: now });
      }
    }
    return { rotated: pending.length, alreadyNew: rows.length - pending.length };
  });
}
