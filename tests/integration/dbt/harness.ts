/**
 * A dbt fixture project (tests/fixtures/dbt/<name>) copied to a temporary folder with a
 * profiles.yml for one engine, so `cdp seed/run/test/build` run on it exactly as a user runs them.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli.js';
import { openWarehouse, type Row, type Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type EngineName = 'duckdb' | 'postgres';

export interface DbtFixture {
  dir: string;
  /** The profile target's schema (dbt's target.schema). */
  schema: string;
  engine: EngineName;
  cdp(...args: string[]): Promise<CliResult>;
  /** A warehouse connection of the test's own, for loading sources and reading results. */
  warehouse(): Promise<Warehouse>;
  rows(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

const fixtureDir = (name: string) => new URL(`../../fixtures/dbt/${name}`, import.meta.url).pathname;

export async function openFixture(name: string, engine: EngineName, profileName = name): Promise<DbtFixture> {
  const dir = mkdtempSync(join(tmpdir(), `cdp-dbt-${name}-`));
  cpSync(fixtureDir(name), dir, { recursive: true });
  const schema = engine === 'duckdb' ? 'main' : `t_dbt_${randomBytes(4).toString('hex')}`;
  const output =
    engine === 'duckdb'
      ? `      type: duckdb\n      path: ${join(dir, 'dev.duckdb')}\n      threads: 1`
      : `      type: postgres\n      host: ${new URL(POSTGRES_URL).hostname}\n      port: ${new URL(POSTGRES_URL).port || 5432}\n      user: ${new URL(POSTGRES_URL).username}\n      dbname: ${new URL(POSTGRES_URL).pathname.slice(1)}\n      schema: ${schema}\n      threads: 2`;
  writeFileSync(join(dir, 'profiles.yml'), `${profileName}:\n  target: dev\n  outputs:\n    dev:\n${output}\n`);
  let opened: Warehouse | undefined;
  const warehouse = async () => {
    opened ??= engine === 'duckdb' ? await openWarehouse({ type: 'duckdb', path: join(dir, 'dev.duckdb') }, dir) : await openWarehouse({ type: 'postgres', connection: POSTGRES_URL, poolSize: 1 }, dir);
    return opened;
  };
  // DuckDB allows one writer per file: the test's connection is closed before each command.
  const release = async () => {
    if (engine === 'duckdb' && opened) {
      await opened.close();
      opened = undefined;
    }
  };
  return {
    dir,
    schema,
    engine,
    cdp: async (...args: string[]) => {
      await release();
      return runCli(...args, '--project', dir);
    },
    warehouse,
    rows: async (sql: string) => (await warehouse()).query(sql),
    close: async () => {
      if (engine === 'postgres') {
        const w = await warehouse();
        const schemas = await w.query<{ s: string }>(`SELECT schema_name AS s FROM information_schema.schemata WHERE schema_name LIKE '${schema}%'`);
        for (const { s } of schemas) await w.execute(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      }
      await opened?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
