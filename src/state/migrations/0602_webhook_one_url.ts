import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Webhook destinations have one URL field: a stored (API-made) webhook that said `base_url` plus
 * a path in `url` gets the whole address in `url`, so the UI's form (which no longer shows
 * `base_url`) edits it without "re-pointing" it. Sync files in git still read `base_url` as an
 * alias, with a deprecation warning (src/destinations/webhook).
 */
export const migration: Migration = {
  name: '0602_webhook_one_url',
  async up(knex: Knex): Promise<void> {
    const rows = await knex('destinations').where({ type: 'webhook' }).select<Array<{ name: string; config: string }>>('name', 'config');
    for (const row of rows) {
      const config = JSON.parse(row.config) as Record<string, unknown>;
      if (typeof config.base_url !== 'string' || typeof config.url !== 'string') continue;
      const base = config.base_url.endsWith('/') ? config.base_url : `${config.base_url}/`;
      let url: string;
      try {
        url = new URL(config.url, base).toString();
      } catch {
        continue; // unreadable before too: the destination reports it when opened
      }
      const { base_url: _dropped, ...rest } = config;
      await knex('destinations').where({ name: row.name }).update({ config: JSON.stringify({ ...rest, url }) });
    }
  },
  async down(): Promise<void> {
    // The whole address in `url` is valid with or without base_url: nothing to undo.
  },
};
