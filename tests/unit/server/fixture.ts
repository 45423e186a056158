import type { CdpConfigInput } from '../../../src/config/index.js';
import { afterAll, beforeAll } from 'vitest';
import type { Role } from '../../../src/auth/index.js';
import type { Project } from '../../../src/project/index.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

/** Identity config matching the fixture tables below. */
export const fixtureConfig: Partial<CdpConfigInput> = {
  identity: {
    sources: [
      { name: 'crm', relation: 'raw.crm', key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email', crm_id: 'contact_id' } },
      { name: 'web', relation: 'raw.web', key: 'event_id', timestamp: 'ts', ids: { email: 'email', anonymous_id: 'anonymous_id' } },
      { name: 'orders', relation: 'raw.orders', key: 'order_id', timestamp: 'ordered_at', ids: { email: 'email' } },
    ],
    idTypes: { email: { priority: 2, normalize: 'email' }, crm_id: { priority: 1 }, anonymous_id: { priority: 9 } },
  },
  events: [
    { source: 'web', name: 'event' },
    { source: 'orders', name: "'order_completed'" },
  ],
};

/**
 * A tiny built warehouse, as identity resolution would leave it: three people, p1 (Alice, DE,
 * 3 web events + 2 orders), p2 (Bob, US, 1 order), p3 (Carol, DE, nothing); p0 merged into p1.
 */
export async function buildFixture(project: Project): Promise<void> {
  const w = await project.warehouse();
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS raw`,
    `CREATE SCHEMA IF NOT EXISTS cdp`,
    `CREATE TABLE raw.crm AS SELECT * FROM (VALUES
       ('c1', 'Alice@Example.com', TIMESTAMP '2024-01-01 00:00:00'),
       ('c2', 'bob@example.com', TIMESTAMP '2024-01-02 00:00:00'),
       ('c3', 'carol@example.com', TIMESTAMP '2024-01-03 00:00:00')) t(contact_id, email, updated_at)`,
    `CREATE TABLE raw.web AS SELECT * FROM (VALUES
       ('w1', 'a1', 'alice@example.com', 'page_view', '/home', TIMESTAMP '2024-02-01 10:00:00'),
       ('w2', 'a1', NULL, 'page_view', '/pricing', TIMESTAMP '2024-02-02 10:00:00'),
       ('w3', 'a1', NULL, 'signup', '/signup', TIMESTAMP '2024-02-03 10:00:00')) t(event_id, anonymous_id, email, event, page_url, ts)`,
    `CREATE TABLE raw.orders AS SELECT * FROM (VALUES
       (1, 'alice@example.com', 120.0, TIMESTAMP '2024-03-01 09:00:00'),
       (2, 'alice@example.com', 30.0, TIMESTAMP '2024-01-15 09:00:00'),
       (3, 'bob@example.com', 99.5, TIMESTAMP '2024-03-05 09:00:00')) t(order_id, email, amount, ordered_at)`,
    `CREATE TABLE cdp.profiles AS SELECT * FROM (VALUES
       ('p1', 'alice@example.com', 'Alice', 'DE', 150.0),
       ('p2', 'bob@example.com', 'Bob', 'US', 99.5),
       ('p3', 'carol@example.com', 'Carol', 'DE', 0.0)) t(profile_id, email, first_name, country, lifetime_value)`,
    `CREATE TABLE cdp.identity_graph AS SELECT * FROM (VALUES
       ('p1', 'email', 'alice@example.com', TIMESTAMP '2024-01-01', TIMESTAMP '2024-03-01'),
       ('p1', 'crm_id', 'c1', TIMESTAMP '2024-01-01', TIMESTAMP '2024-01-01'),
       ('p1', 'anonymous_id', 'a1', TIMESTAMP '2024-02-01', TIMESTAMP '2024-02-03'),
       ('p2', 'email', 'bob@example.com', TIMESTAMP '2024-01-02', TIMESTAMP '2024-03-05'),
       ('p2', 'crm_id', 'c2', TIMESTAMP '2024-01-02', TIMESTAMP '2024-01-02'),
       ('p3', 'email', 'carol@example.com', TIMESTAMP '2024-01-03', TIMESTAMP '2024-01-03'),
       ('p3', 'crm_id', 'c3', TIMESTAMP '2024-01-03', TIMESTAMP '2024-01-03')) t(profile_id, id_type, id_value, first_seen, last_seen)`,
    `CREATE TABLE cdp.resolved_records AS SELECT * FROM (VALUES
       ('crm', 'c1', 'p1'), ('crm', 'c2', 'p2'), ('crm', 'c3', 'p3'),
       ('web', 'w1', 'p1'), ('web', 'w2', 'p1'), ('web', 'w3', 'p1'),
       ('orders', '1', 'p1'), ('orders', '2', 'p1'), ('orders', '3', 'p2')) t(source, record_key, profile_id)`,
    `CREATE TABLE cdp.profile_merges AS SELECT * FROM (VALUES ('p0', 'p1', TIMESTAMP '2024-02-01')) t(old_profile_id, profile_id, merged_at)`,
  ];
  for (const sql of statements) await w.execute(sql);
}

/**
 * An app over the built fixture warehouse for one describe block: built before its tests and
 * removed after them. `app()` and `bearer(role)` are ready once the block's tests run.
 */
export function servedFixture(): { project: Project; app(): TestApp; bearer(role: Role): string } {
  const { project, cleanup } = tempProject(fixtureConfig);
  let served: TestApp | undefined;
  beforeAll(async () => {
    await buildFixture(project);
    served = await testApp(project);
  });
  afterAll(cleanup);
  const app = (): TestApp => {
    if (!served) throw new Error('servedFixture: the app is built in beforeAll; use it inside hooks and tests');
    return served;
  };
  return { project, app, bearer: (role) => `Bearer ${app().tokens[role]}` };
}
