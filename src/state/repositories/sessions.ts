import type { Knex } from 'knex';
import { newToken, SESSION_TOKEN_PREFIX, tokenHash } from '../../auth/tokens.js';
import { toMs } from '../time.js';

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Browser sessions: the cookie holds a random token; the store keeps only its SHA-256, so a
 * leaked state store does not hand out live sessions.
 */
export class SessionStore {
  constructor(
    private readonly knex: Knex,
    private readonly ttlMs: number = DEFAULT_SESSION_TTL_MS,
  ) {}

  async create(userId: number): Promise<{ token: string; expiresAt: Date }> {
    const token = newToken(SESSION_TOKEN_PREFIX);
    const now = Date.now();
    const expiresAt = now + this.ttlMs;
    await this.knex('sessions').insert({ id: tokenHash(token), user_id: userId, created_at: now, expires_at: expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** The user id behind a live session token, or undefined. */
  async resolve(token: string): Promise<number | undefined> {
    const row = await this.knex('sessions')
      .where({ id: tokenHash(token) })
      .first<{ user_id: number | string; expires_at: number | string } | undefined>('user_id', 'expires_at');
    if (!row || toMs(row.expires_at) <= Date.now()) return undefined;
    return Number(row.user_id);
  }

  async destroy(token: string): Promise<void> {
    await this.knex('sessions').where({ id: tokenHash(token) }).delete();
  }

  /** Ends every session of a user (password change, role change, disabling). */
  async destroyForUser(userId: number): Promise<void> {
    await this.knex('sessions').where({ user_id: userId }).delete();
  }

  async purgeExpired(): Promise<number> {
    return this.knex('sessions').where('expires_at', '<=', Date.now()).delete();
  }
}
