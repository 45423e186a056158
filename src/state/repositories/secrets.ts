import type { Knex } from 'knex';
import { CdpError } from '../../errors.js';
import { decryptSecret, encryptSecret } from '../../secrets/cipher.js';
import type { SecretKey } from '../../secrets/key.js';
import { rememberSecret } from '../../util/secret-scrub.js';

/**
 * Encrypted secrets in the state store, by name. Write-only from the outside world: the API can
 * set, replace and delete them and ask whether one is set; only `reveal` (used when a sync or a
 * connection test needs the credential) returns plaintext, and nothing logs it.
 */
export class SecretStore {
  constructor(
    private readonly knex: Knex,
    private readonly key: SecretKey,
  ) {}

  async set(name: string, plaintext: string, actor: string | null = null, trx?: Knex.Transaction): Promise<void> {
    const db = trx ?? this.knex;
    const now = Date.now();
    const ciphertext = encryptSecret(this.key, name, plaintext);
    await db('secrets')
      .insert({ name, ciphertext, key_id: this.key.id, created_at: now, updated_at: now, updated_by: actor })
      .onConflict('name')
      .merge(['ciphertext', 'key_id', 'updated_at', 'updated_by']);
  }

  async has(name: string): Promise<boolean> {
    return (await this.knex('secrets').where({ name }).first('name')) !== undefined;
  }

  /** Who last set a secret (null when unknown); undefined when there is no such secret. */
  async setBy(name: string): Promise<string | null | undefined> {
    const row = await this.knex('secrets').where({ name }).first<{ updated_by: string | null } | undefined>('updated_by');
    return row ? row.updated_by : undefined;
  }

  async names(prefix = ''): Promise<string[]> {
    // The table is small (a few secrets per destination); filtering here avoids LIKE-escaping differences.
    const rows = await this.knex('secrets').orderBy('name').select<{ name: string }[]>('name');
    return rows.map((row) => row.name).filter((name) => name.startsWith(prefix));
  }

  async delete(name: string, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)('secrets').where({ name }).delete();
  }

  /** Deletes every secret whose name starts with `prefix` (a destination's secrets when it is deleted). */
  async deletePrefix(prefix: string, trx?: Knex.Transaction): Promise<void> {
    const db = trx ?? this.knex;
    const rows = await db('secrets').select<{ name: string }[]>('name');
    const names = rows.map((row) => row.name).filter((name) => name.startsWith(prefix));
    if (names.length) await db('secrets').whereIn('name', names).delete();
  }

  /** The plaintext, for the code that sends it to a vendor. Never put the result in a response or a log. */
  async reveal(name: string): Promise<string> {
    const row = await this.knex('secrets').where({ name }).first<{ ciphertext: string; key_id: string } | undefined>('ciphertext', 'key_id');
    if (!row) {
      throw new CdpError('SECRET_MISSING', `stored secret "${name}" is not set`, { hint: 'set it in the destination settings' });
    }
    if (row.key_id !== this.key.id) {
      throw new CdpError('SECRET_MISSING', `stored secret "${name}" was encrypted with another CDP_SECRET_KEY`, {
        hint: 'restore the key it was written with, or set the secret again',
      });
    }
    return rememberSecret(decryptSecret(this.key, name, row.ciphertext));
  }
}
