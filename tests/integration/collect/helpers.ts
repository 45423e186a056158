import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';
import { parseSecretKey } from '../../../src/secrets/index.js';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export type Engine = 'duckdb' | 'postgres';

export const WRITE_KEYS = { server: `wk-server-${randomBytes(6).toString('hex')}`, web: `wk-web-${randomBytes(6).toString('hex')}` };

export function warehouseConfig(engine: Engine, dir: string): CdpConfigInput['warehouse'] {
  return engine === 'duckdb' ? { type: 'duckdb', path: join(dir, 'warehouse.duckdb') } : { type: 'postgres', connection: POSTGRES_URL };
}

export interface CollectServer {
  dir: string;
  schema: string;
  project: Project;
  server: RunningServer;
  url: string;
  warehouse: Warehouse;
  /** Rows of collected_events, JSON columns parsed, by message_id. */
  rows(where?: string): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

const silent = pino({ level: 'warn' }, new Writable({ write: (_c, _e, done) => done() }));

/** `cdp serve` (the real service, random port) over a temp project that collects for two sources. */
export async function collectServer(
  engine: Engine,
  collect: Partial<NonNullable<CdpConfigInput['collect']>> = {},
  extra: Partial<CdpConfigInput> = {},
  prepare?: (dir: string) => void,
  /** The built web UI to serve (default none). */
  webDir: string | null = null,
): Promise<CollectServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-collect-'));
  prepare?.(dir);
  const schema = `collect_${randomBytes(5).toString('hex')}`;
  const config = parseConfig({
    warehouse: warehouseConfig(engine, dir),
    schema,
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
    collect: {
      writeKeys: { server: { env: 'CDP_TEST_WK_SERVER' }, web: { env: 'CDP_TEST_WK_WEB' } },
      batch: { maxEvents: 1000, maxAgeSeconds: 0.2 },
      ...collect,
      spool: { dir: join(dir, 'spool'), maxBytes: collect.spool?.maxBytes ?? 64 * 1024 * 1024 },
    },
    ...extra,
  });
  const project = new Project(dir, join(dir, 'cdp.config.ts'), config);
  const server = await startServer(project, {
    port: 0,
    secretKey: parseSecretKey('b'.repeat(64)),
    webDir,
    startScheduler: false,
    logger: silent,
    env: { ...process.env, CDP_TEST_WK_SERVER: WRITE_KEYS.server, CDP_TEST_WK_WEB: WRITE_KEYS.web },
  });
  const warehouse = await project.warehouse();
  return {
    dir,
    schema,
    project,
    server,
    url: server.url,
    warehouse,
    async rows(where = 'TRUE') {
      await server.context.collect.collector.flush();
      const rows = await warehouse.query(`SELECT * FROM ${warehouse.dialect.relation({ schema, name: 'collected_events' })} WHERE ${where} ORDER BY message_id`);
      return rows.map(parseJsonColumns);
    },
    async stop() {
      if (engine === 'postgres') await warehouse.execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function parseJsonColumns(row: Record<string, unknown>): Record<string, unknown> {
  const out = { ...row };
  for (const key of ['properties', 'traits', 'context']) if (typeof out[key] === 'string') out[key] = JSON.parse(out[key]);
  return out;
}

/** Properties that must survive the trip intact: nesting, unicode, numbers of every kind. */
export function richProperties(i: number) {
  return {
    index: i,
    price: 19.99,
    big: 9007199254740991,
    negative: -42,
    tiny: 1.5e-7,
    flag: i % 2 === 0,
    nothing: null,
    name: `Zoë 🚀 日本語 “quotes” \\ backslash ${i}`,
    nested: { deep: { list: [1, 'two', { three: 3 }], empty: {} }, tags: ['a', 'b'] },
  };
}
