import type { Knex } from 'knex';
import { CdpError } from '../../errors.js';
import { API_TOKEN_PREFIX, newToken, tokenHash } from '../../auth/tokens.js';
import { isoOrNull, toMs } from '../time.js';

export interface ApiToken {
  id: number;
  userId: number;
  name: string;
  /** The first characters of the token, to recognise it in a list (the rest is never stored). */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

interface TokenRow {
  id: number | string;
  user_id: number | string;
  name: string;
  prefix: string;
  created_at: number | string;
  last_used_at: number | string | null;
  expires_at: number | string | null;
}

function toApiToken(row: TokenRow): ApiToken {
  return {
    id: Number(row.id),
    userId: Number(row.user_id),
    name: row.name,
    prefix: row.prefix,
    createdAt: isoOrNull(row.created_at)!,
    lastUsedAt: isoOrNull(row.last_used_at),
    expiresAt: isoOrNull(row.expires_at),
  };
}

const COLUMNS = ['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at'] as const;
/** last_used_at is refreshed at most this often, so busy API clients do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Bearer tokens for scripts and CI (`Authorization: Bearer cdp_...`). Shown once, stored hashed. */
export class ApiTokenStore {
  constructor(private readonly knex: Knex) {}

  async create(userId: number, name: string, expiresAt?: Date | null): Promise<{ token: string; record: ApiToken }> {
    const token = newToken(API_TOKEN_PREFIX);
    const [inserted] = await this.knex('api_tokens')
      .insert({
        user_id: userId,
        name,
        token_hash: tokenHash(token),
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        created_at: Date.now(),
        expires_at: expiresAt ? expiresAt.getTime() : null,
      })
      .returning('id');
    const id = typeof inserted === 'object' && inserted !== null ? (inserted as { id: number }).id : inserted;
    return { token, record: (await this.get(Number(id)))! };
  }

  async get(id: number): Promise<ApiToken | undefined> {
    const row = await this.knex<TokenRow>('api_tokens').where({ id }).first(...COLUMNS);
    return row ? toApiToken(row) : undefined;
  }

  async list(userId?: number): Promise<ApiToken[]> {
    const query = this.knex<TokenRow>('api_tokens').select(...COLUMNS).orderBy('id');
    if (userId !== undefined) query.where({ user_id: userId });
    return (await query).map(toApiToken);
  }

  async remove(id: number): Promise<ApiToken> {
    const existing = await this.get(id);
    if (!existing) throw new CdpError('NOT_FOUND', `no API token with id ${id}`, { location: { path: 'id' } });
    await this.knex('api_tokens').where({ id }).delete();
    return existing;
  }

  /** The token's record for a presented bearer secret, or undefined when unknown or expired. */
  async resolve(token: string): Promise<ApiToken | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
    const row = await this.knex<TokenRow>('api_tokens').where('token_hash', '=', tokenHash(token)).first(...COLUMNS);
    if (!row) return undefined;
    const now = Date.now();
    if (row.expires_at !== null && toMs(row.expires_at) <= now) return undefined;
    if (row.last_used_at === null || now - toMs(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
      await this.knex('api_tokens').where({ id: row.id }).update({ last_used_at: now });
    }
    return toApiToken(row);
  }
}
