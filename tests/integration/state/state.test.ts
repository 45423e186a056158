/**
 * The state store's contract, run unchanged on SQLite (the default) and Postgres (production).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateConfig } from '../../../src/config/index.js';
import { CdpError } from '../../../src/errors.js';
import { openStateStore, type Migration, type ModelBuildRecord, type StateStore } from '../../../src/state/index.js';
import { ListMigrationSource } from '../../../src/state/migration-source.js';
import { migrations } from '../../../src/state/migrations/index.js';
import { POSTGRES_URL, uniqueName } from '../warehouse/engines.js';

const projectDir = mkdtempSync(join(tmpdir(), 'cdp-state-'));
const pgSchema = uniqueName('t_state');

const configs: Array<[string, StateConfig]> = [
  ['sqlite', { client: 'better-sqlite3', filename: '.cdp/state.sqlite' }],
  ['pg', { client: 'pg', connection: POSTGRES_URL, schema: pgSchema }],
];

afterAll(async () => {
  const client = new pg.Client(POSTGRES_URL);
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await client.end();
  rmSync(projectDir, { recursive: true, force: true });
});

const at = (iso: string) => new Date(iso);

function build(model: string, started: string, ms: number, extra: Partial<ModelBuildRecord> = {}): ModelBuildRecord {
  const startedAt = at(started);
  return { model, startedAt, finishedAt: new Date(startedAt.getTime() + ms), rows: 100, status: 'success', error: null, ...extra };
}

describe.each(configs)('state store on %s', (dialect, config) => {
  let store: StateStore;

  beforeAll(async () => {
    store = await openStateStore(config, projectDir);
  });

  afterAll(async () => {
    await store.close();
    await store.close(); // closing twice is harmless
  });

  it('opens the configured engine and runs the migrations once', async () => {
    expect(store.dialect).toBe(dialect);
    if (dialect === 'sqlite') expect(existsSync(join(projectDir, '.cdp', 'state.sqlite'))).toBe(true);
    const again = await openStateStore(config, projectDir);
    await again.close();
    const applied = await store.knex('knex_migrations').select('name').orderBy('id');
    expect(applied.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => m.name));
  });

  it('records builds and returns the latest per model, with Dates and numbers intact', async () => {
    await store.modelBuilds.record(build('stg_orders', '2024-01-01T10:00:00.123Z', 1500));
    await store.modelBuilds.record(build('stg_orders', '2024-01-02T10:00:00.456Z', 2500, { rows: 2 ** 40 }));
    // Recorded later but started earlier: not the latest.
    await store.modelBuilds.record(build('stg_orders', '2023-12-31T10:00:00.000Z', 10, { status: 'error', error: 'old' }));
    await store.modelBuilds.record(
      build('a_first_model', '2024-01-03T00:00:00.000Z', 0, { rows: null, status: 'error', error: `syntax "error" near 'x' — ünï` }),
    );
    await store.modelBuilds.record(build('skipped_one', '2024-01-03T00:00:00.000Z', 5, { rows: 0, status: 'skipped' }));

    const latest = await store.modelBuilds.latest();
    expect(latest.map(({ id, ...rest }) => (expect(typeof id).toBe('number'), rest))).toEqual([
      {
        model: 'a_first_model',
        startedAt: at('2024-01-03T00:00:00.000Z'),
        finishedAt: at('2024-01-03T00:00:00.000Z'),
        rows: null,
        status: 'error',
        error: `syntax "error" near 'x' — ünï`,
        durationMs: 0,
      },
      {
        model: 'skipped_one',
        startedAt: at('2024-01-03T00:00:00.000Z'),
        finishedAt: at('2024-01-03T00:00:00.005Z'),
        rows: 0,
        status: 'skipped',
        error: null,
        durationMs: 5,
      },
      {
        model: 'stg_orders',
        startedAt: at('2024-01-02T10:00:00.456Z'),
        finishedAt: at('2024-01-02T10:00:02.956Z'),
        rows: 2 ** 40,
        status: 'success',
        error: null,
        durationMs: 2500,
      },
    ]);
    for (const b of latest) expect(b.startedAt).toBeInstanceOf(Date);
  });

  it('breaks ties between builds started at the same instant by recording order', async () => {
    await store.modelBuilds.record(build('tie', '2024-02-01T00:00:00.000Z', 1, { rows: 1 }));
    await store.modelBuilds.record(build('tie', '2024-02-01T00:00:00.000Z', 1, { rows: 2 }));
    expect((await store.modelBuilds.latest()).find((b) => b.model === 'tie')?.rows).toBe(2);
  });

  it('lists one model’s history newest first', async () => {
    const history = await store.modelBuilds.history('stg_orders', 2);
    expect(history.map((b) => b.startedAt.toISOString())).toEqual(['2024-01-02T10:00:00.456Z', '2024-01-01T10:00:00.123Z']);
    expect(await store.modelBuilds.history('never_built')).toEqual([]);
  });

  it('rejects invalid records with the field at fault and writes nothing', async () => {
    const before = (await store.modelBuilds.history('bad')).length;
    const cases: Array<[Partial<ModelBuildRecord>, string]> = [
      [{ status: 'weird' as ModelBuildRecord['status'] }, 'status'],
      [{ finishedAt: at('2020-01-01T00:00:00Z') }, 'finishedAt'],
      [{ rows: -1 }, 'rows'],
      [{ model: '' }, 'model'],
      [{ startedAt: new Date('nope') }, 'startedAt'],
    ];
    for (const [patch, path] of cases) {
      const error = await store.modelBuilds.record(build('bad', '2024-01-01T00:00:00Z', 1, patch)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CdpError);
      expect((error as CdpError).code).toBe('STATE');
      expect((error as CdpError).location.path).toBe(path);
    }
    expect((await store.modelBuilds.history('bad')).length).toBe(before);
  });

  it('applies added migrations in order, once, even when two processes open together', async () => {
    const calls: string[] = [];
    const extra = (name: string, table: string): Migration => ({
      name,
      async up(knex) {
        calls.push(name);
        await knex.schema.createTable(table, (t) => {
          t.increments('id');
          t.timestamp('at', { useTz: true }).notNullable();
        });
      },
      async down(knex) {
        await knex.schema.dropTable(table);
      },
    });
    const list = [...migrations, extra('9001_test_extra', 'test_extra'), extra('9002_test_more', 'test_more')];
    const [a, b] = await Promise.all([openStateStore(config, projectDir, { migrations: list }), openStateStore(config, projectDir, { migrations: list })]);
    try {
      expect(calls).toEqual(['9001_test_extra', '9002_test_more']);
      const when = at('2024-06-01T12:34:56.789Z');
      await a.knex('test_extra').insert({ at: when });
      const [row] = await b.knex('test_extra').select('at');
      const { dateColumn } = await import('../../../src/state/index.js');
      expect(dateColumn.parse((row as { at: unknown }).at)).toEqual(when);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe.each(configs)('every migration on %s', (_dialect, config) => {
  it('goes down and up again cleanly', async () => {
    // A store of its own, so rolling back does not disturb the other tests.
    const own: StateConfig =
      config.client === 'pg' ? { ...config, schema: `${pgSchema}_down` } : { client: 'better-sqlite3', filename: '.cdp/down.sqlite' };
    const store = await openStateStore(own, projectDir);
    try {
      const migrator = {
        migrationSource: new ListMigrationSource(migrations),
        tableName: 'knex_migrations',
        ...(own.client === 'pg' ? { schemaName: own.schema } : {}),
      };
      const tables = async () => {
        const rows =
          own.client === 'pg'
            ? await store.knex('pg_tables').select('tablename as name').where('schemaname', own.schema)
            : await store.knex('sqlite_master').select('name').where('type', 'table').andWhereNot('name', 'like', 'sqlite_%');
        return (rows as Array<{ name: string }>).map((r) => r.name).sort();
      };
      const migrated = await tables();
      await store.knex.migrate.rollback(migrator, true);
      expect(await tables()).toEqual(['knex_migrations', 'knex_migrations_lock']);
      await store.knex.migrate.latest(migrator);
      expect(await tables()).toEqual(migrated);
    } finally {
      if (own.client === 'pg') await store.knex.raw(`DROP SCHEMA IF EXISTS "${own.schema}" CASCADE`);
      await store.close();
    }
  });
});

describe('state store errors', () => {
  it('names the config field when Postgres cannot be reached', async () => {
    const error = await openStateStore({ client: 'pg', connection: 'postgres://nobody:secret-pw@127.0.0.1:1/none' }, projectDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).code).toBe('STATE');
    expect((error as CdpError).location.path).toBe('state.connection');
    expect((error as CdpError).message).not.toContain('secret-pw');
  });

  it('names the file when SQLite cannot be opened', async () => {
    writeFileSync(join(projectDir, 'not-a-dir'), '');
    const error = await openStateStore({ client: 'better-sqlite3', filename: 'not-a-dir/state.sqlite' }, projectDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).location.path).toBe('state.filename');
  });
});
