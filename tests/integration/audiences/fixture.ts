/**
 * A small known data set for audience tests, built the same way on every engine: `profiles`,
 * `resolved_records` and three event sources (web_events, app_events, orders), written directly
 * (no identity code involved). Times relative to now are fixed when the fixture is created.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';
import type { ColumnDef, Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
import type { EngineName as Engine } from '../warehouse/engines.js';

export { ENGINES } from '../warehouse/engines.js';
export type { Engine };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Fixture {
  project: Project;
  warehouse: Warehouse;
  schema: string;
  dir: string;
  /** Writes `<dir>/audiences/<name>.yaml`. */
  writeAudienceFile(name: string, text: string): void;
  close(): Promise<void>;
}

/** A project (config only, no files) over a fresh schema on `engine`, with the data set loaded. */
export async function createFixture(engine: Engine, options: { config?: Partial<CdpConfigInput>; load?: boolean } = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-aud-'));
  const schema = `t_aud_${randomBytes(5).toString('hex')}`;
  const warehouseConfig: CdpConfigInput['warehouse'] =
    engine === 'duckdb' ? { type: 'duckdb', path: ':memory:' } : { type: 'postgres', connection: POSTGRES_URL, poolSize: 4 };
  const config = parseConfig({
    warehouse: warehouseConfig,
    schema,
    identity: {
      sources: [
        { name: 'web_events', relation: 'web_events', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'event_id' } },
        { name: 'app_events', relation: 'app_events', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'event_id' } },
        { name: 'orders', relation: 'orders', key: 'order_id', timestamp: 'ordered_at', ids: { anonymous_id: 'customer' } },
      ],
      idTypes: { anonymous_id: { priority: 1 } },
    },
    events: [
      { source: 'web_events', name: 'event' },
      { source: 'app_events', name: 'event' },
      { source: 'orders', name: "'order_completed'" },
    ],
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
    ...options.config,
  });
  const project = new Project(dir, join(dir, 'cdp.config.ts'), config);
  const warehouse = await project.warehouse();
  await warehouse.createSchema(schema);
  if (options.load !== false) await loadDataSet(warehouse, schema, Date.now());
  return {
    project,
    warehouse,
    schema,
    dir,
    writeAudienceFile(name, text) {
      mkdirSync(join(dir, 'audiences'), { recursive: true });
      writeFileSync(join(dir, 'audiences', `${name}.yaml`), text);
    },
    async close() {
      await warehouse.execute(`DROP SCHEMA IF EXISTS ${warehouse.dialect.quoteIdent(schema)} CASCADE`).catch(() => undefined);
      await project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const INJECTION = "'; drop table profiles; --";

export async function loadDataSet(warehouse: Warehouse, schema: string, now: number): Promise<void> {
  const ago = (ms: number) => new Date(now - ms);
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  const profileColumns: ColumnDef[] = [
    { name: 'profile_id', kind: 'string' },
    { name: 'email', kind: 'string' },
    { name: 'country', kind: 'string' },
    { name: 'lifetime_value', kind: 'number' },
    { name: 'orders_count', kind: 'integer' },
    { name: 'is_subscribed', kind: 'boolean' },
    { name: 'last_seen_at', kind: 'timestamp' },
    { name: 'signup_date', kind: 'date' },
  ];
  const profiles = [
      ['p1', 'a@corp.io', 'US', 800, 5, true, ago(2 * DAY), day('2023-01-15')],
      ['p2', 'b@gmail.com', 'CA', 450, 2, false, ago(40 * DAY), day('2023-06-01')],
      ['p3', 'c@corp.io', 'DE', 1200, 10, true, ago(100 * DAY), day('2022-12-31')],
      ['p4', 'd@yahoo.com', 'US', 0, 0, null, null, null],
      ['p5', null, null, null, null, true, ago(5 * HOUR), day('2024-02-29')],
      ['p6', "o'brien@corp.io", 'GB', 99.5, 1, false, ago(10 * DAY), day('2024-01-01')],
      ['p7', 'x%_y@test.com', 'US', 500, 3, true, ago(1 * DAY), day('2023-03-03')],
      ['p8', INJECTION, 'FR', 20, 1, false, ago(400 * DAY), day('2021-05-05')],
    ];

  const web: Array<[string, string, string, string, Date]> = [
    ['w1', 'p1', 'page_view', '/home', ago(1 * DAY)],
    ['w2', 'p1', 'page_view', '/pricing', ago(2 * DAY)],
    ['w3', 'p2', 'page_view', '/home', ago(50 * DAY)],
    ['w4', 'p3', 'add_to_cart', '/cart', ago(3 * DAY)],
    ['w5', 'p6', 'page_view', '/blog', ago(3 * HOUR)],
  ];

  const app: Array<[string, string, string, string, Date]> = [
    ['a1', 'p2', 'page_view', 'ios', ago(1 * DAY)],
    ['a2', 'p5', 'app_open', 'android', ago(2 * HOUR)],
    ['a3', 'p7', 'page_view', 'android', ago(100 * DAY)],
  ];

  // order_id is an integer: resolved_records holds it as a string (CAST(key AS string)).
  const orders: Array<[number, string, number | null, string, Date]> = [
    [1, 'p1', 100, 'web', ago(5 * DAY)],
    [2, 'p1', 30, 'pos', ago(20 * DAY)],
    [3, 'p1', 200, 'web', ago(200 * DAY)],
    [4, 'p2', 60, 'web', ago(10 * DAY)],
    [5, 'p2', 70, 'web', ago(100 * DAY)],
    [6, 'p3', 500, 'pos', ago(1 * DAY)],
    [7, 'p6', 55, 'web', ago(3 * DAY)],
    [8, 'p7', 10, 'pos', ago(29 * DAY)],
    [9, 'p4', 80, 'web', new Date('2024-01-31T23:00:00Z')],
    [10, 'p5', 90, 'web', new Date('2024-02-01T00:00:00Z')],
  ];
  await loadTables(warehouse, schema, { profiles: { columns: profileColumns, rows: profiles }, web, app, orders });
}

/** One data set's rows: `[id, profile, event, property, ts]` for events, `[id, profile, amount, channel, ts]` for orders. */
export interface DataSet {
  profiles: { columns: ColumnDef[]; rows: unknown[][] };
  web: ReadonlyArray<[string, string, string, string, Date]>;
  app: ReadonlyArray<[string, string, string, string, Date]>;
  orders: ReadonlyArray<[number, string, number | null, string, Date]>;
  /** The app events' property column (default `platform`). */
  appProperty?: string;
}

/** Loads a data set's tables and their `resolved_records` (each record to its profile), as identity would. */
export async function loadTables(warehouse: Warehouse, schema: string, data: DataSet): Promise<void> {
  await warehouse.loadTable({ schema, name: 'profiles' }, data.profiles.columns, [data.profiles.rows]);
  const eventColumns = (property: string): ColumnDef[] => [
    { name: 'event_id', kind: 'string' },
    { name: 'event', kind: 'string' },
    { name: property, kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ];
  await warehouse.loadTable({ schema, name: 'web_events' }, eventColumns('page_url'), [data.web.map(([id, , event, url, ts]) => [id, event, url, ts])]);
  await warehouse.loadTable({ schema, name: 'app_events' }, eventColumns(data.appProperty ?? 'platform'), [data.app.map(([id, , event, property, ts]) => [id, event, property, ts])]);
  await warehouse.loadTable(
    { schema, name: 'orders' },
    [
      { name: 'order_id', kind: 'integer' },
      { name: 'customer', kind: 'string' },
      { name: 'amount', kind: 'number' },
      { name: 'channel', kind: 'string' },
      { name: 'ordered_at', kind: 'timestamp' },
    ],
    [data.orders.map(([id, customer, amount, channel, ts]) => [id, customer, amount, channel, ts])],
  );
  await warehouse.loadTable(
    { schema, name: 'resolved_records' },
    [
      { name: 'source', kind: 'string' },
      { name: 'record_key', kind: 'string' },
      { name: 'profile_id', kind: 'string' },
    ],
    [
      [
        ...data.web.map(([id, profile]) => ['web_events', id, profile]),
        ...data.app.map(([id, profile]) => ['app_events', id, profile]),
        ...data.orders.map(([id, profile]) => ['orders', String(id), profile]),
      ],
    ],
  );
}
