/**
 * The dashboards' history routes and the row debugger over real builds and real sync runs: two
 * identity builds (the second merges two people), two runs of an audience sync to a local webhook
 * (the second refused by the receiver), on DuckDB + SQLite and on Postgres + a Postgres state store.
 * Both engines answer the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import { runSync } from '../../../src/syncs/index.js';
import type { ColumnDef } from '../../../src/warehouse/index.js';
import { testApp, type TestApp } from '../../unit/server/helpers.js';

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SYNC = 'with_email_to_hook';

interface Engine {
  name: string;
  warehouse(schema: string): string;
  state(schema: string): string;
}

const engines: Engine[] = [
  { name: 'duckdb', warehouse: () => "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }", state: () => "{ client: 'better-sqlite3', filename: '.cdp/state.sqlite' }" },
  { name: 'postgres', warehouse: () => `{ type: 'postgres', connection: '${PG}' }`, state: (schema) => `{ client: 'pg', connection: '${PG}', schema: '${schema}_state' }` },
];

const CONTACTS: ColumnDef[] = [
  { name: 'contact_id', kind: 'string' },
  { name: 'email', kind: 'string' },
  { name: 'anonymous_id', kind: 'string' },
  { name: 'updated_at', kind: 'timestamp' },
];
type Contact = [string, string, string, Date];
const FIRST: Contact[] = [
  ['c1', 'alice@acme.io', 'a1', new Date('2024-01-01T10:00:00Z')],
  ['c2', 'bob@acme.io', 'a2', new Date('2024-01-02T10:00:00Z')],
  ['c3', 'carol@acme.io', 'a3', new Date('2024-01-05T10:00:00Z')],
];
/** c4 ties Bob's email to Alice's anonymous id (a merge); c5 is a new person. */
const SECOND: Contact[] = [...FIRST, ['c4', 'bob@acme.io', 'a1', new Date('2024-01-06T09:00:00Z')], ['c5', 'dave@acme.io', 'a5', new Date('2024-01-06T11:00:00Z')]];

/** A webhook receiver that accepts batches, or refuses them all with 422 and a reason. */
async function receiver(): Promise<{ url: string; refuse: boolean; close(): Promise<void> }> {
  const state = { refuse: false };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (state.refuse) res.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"email domain not accepted"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function writeProject(dir: string, engine: Engine, schema: string, hookUrl: string): void {
  mkdirSync(join(dir, 'audiences'));
  mkdirSync(join(dir, 'syncs'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    `export default {
  warehouse: ${engine.warehouse(schema)},
  schema: '${schema}',
  state: ${engine.state(schema)},
  identity: {
    sources: [{ name: 'contacts', relation: '${schema}_raw.contacts', key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email', anonymous_id: 'anonymous_id' } }],
    idTypes: { email: { priority: 2, normalize: 'email' }, anonymous_id: { priority: 9 } },
  },
  profiles: { traits: { email: { source: 'contacts', column: 'email', rule: 'most_recent' } } },
  privacy: { pii: ['email'] },
};\n`,
  );
  writeFileSync(join(dir, 'audiences', 'with_email.yaml'), 'name: with_email\nwhere: { trait: email, op: is_not_null }\n');
  writeFileSync(
    join(dir, 'syncs', `${SYNC}.yaml`),
    `name: ${SYNC}\nfrom: { audience: with_email }\nkey: profile_id\ndestination:\n  type: webhook\n  config:\n    url: ${hookUrl}\n    batch_size: 100\nmode: mirror\nfields:\n  email: email\n`,
  );
}

/** What both engines must answer alike (no ids or clock times). */
const answers = new Map<string, unknown>();

describe.each(engines)('history and row debugger on $name', (engine) => {
  const schema = `t_hist_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cdp-history-'));
  let project: Project;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let t: TestApp;
  const get = (path: string, role: 'admin' | 'marketer' | 'viewer' = 'admin') => request(t.app).get(path).set('Authorization', `Bearer ${t.tokens[role]}`);

  beforeAll(async () => {
    hook = await receiver();
    writeProject(dir, engine, schema, hook.url);
    project = await Project.load(dir);
    const warehouse = await project.warehouse();
    const raw = { schema: `${schema}_raw`, name: 'contacts' };
    await warehouse.createSchema(raw.schema);
    await warehouse.loadTable(raw, CONTACTS, [FIRST]);
    await runProject(project);
    await runSync(project, SYNC, { trigger: 'cli' });
    await warehouse.loadTable(raw, CONTACTS, [SECOND]);
    await runProject(project);
    hook.refuse = true;
    await runSync(project, SYNC, { trigger: 'cli' });
    t = await testApp(project);
  }, 120_000);

  afterAll(async () => {
    await hook?.close();
    await project?.close();
    if (engine.name === 'postgres') {
      const admin = knexFactory({ client: 'pg', connection: PG });
      for (const s of [schema, `${schema}_raw`, `${schema}_state`]) await admin.raw(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await admin.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('identity builds: profiles, identifiers and merges per build, oldest first', async () => {
    const res = await get('/api/history/identity');
    expect(res.status).toBe(200);
    const builds = res.body as Array<{ mode: string; profiles: number; identifiers: number; merges: number; startedAt: string }>;
    expect(builds.map((b) => [b.profiles, b.identifiers, b.merges])).toEqual([
      [3, 6, 0],
      [3, 8, 1],
    ]);
    expect(Date.parse(builds[0]!.startedAt)).toBeLessThan(Date.parse(builds[1]!.startedAt));
    expect((await get('/api/history/identity?limit=1')).body).toHaveLength(1);
    answers.set(`${engine.name}:identity`, builds.map(({ mode, profiles, identifiers, merges }) => ({ mode, profiles, identifiers, merges })));
  });

  it('records per source per day, bounded by days before the newest record', async () => {
    const all = (await get('/api/history/sources?days=30')).body as unknown[];
    expect(all).toEqual([
      { day: '2024-01-01', source: 'contacts', records: 1 },
      { day: '2024-01-02', source: 'contacts', records: 1 },
      { day: '2024-01-05', source: 'contacts', records: 1 },
      { day: '2024-01-06', source: 'contacts', records: 2 },
    ]);
    const recent = (await get('/api/history/sources?days=2')).body as Array<{ day: string }>;
    expect(recent.map((p) => p.day)).toEqual(['2024-01-05', '2024-01-06']);
    expect((await get('/api/history/sources?days=0')).status).toBe(400);
    answers.set(`${engine.name}:sources`, all);
  });

  it('sync runs per day by outcome, with rows sent', async () => {
    const days = (await get(`/api/history/syncs?days=7&sync=${SYNC}`)).body as Array<Record<string, unknown>>;
    expect(days).toHaveLength(1);
    const [today] = days;
    expect(today).toMatchObject({ day: new Date().toISOString().slice(0, 10), runs: 2, success: 1, other: 0 });
    expect(Number(today!.partial) + Number(today!.failed)).toBe(1);
    expect(today!.sent).toBeGreaterThan(3);
    expect(today!.ok).toBe(3);
    expect(typeof today!.avgMs).toBe('number');
    expect((await get('/api/history/syncs?days=7&sync=no_such_sync')).body).toEqual([]);
    const { avgMs: _avg, day: _day, ...figures } = today!;
    answers.set(`${engine.name}:syncs`, figures);
  });

  it('row debugger: a person by email → every run that planned them, the answer, the values delivered', async () => {
    const res = await get('/api/syncs/with_email_to_hook/debug?id_type=email&value=Dave@Acme.io');
    expect(res.status).toBe(200);
    const dave = res.body as { key: string; profileId: string; attempts: Array<Record<string, unknown>>; delivered: Record<string, unknown> | null };
    expect(dave.key).toBe(dave.profileId);
    expect(dave.attempts).toEqual([expect.objectContaining({ op: 'upsert', status: 'rejected', runStatus: expect.stringMatching(/partial|failed/), trigger: 'cli' })]);
    expect(String(dave.attempts[0]!.error)).toContain('email domain not accepted');
    expect(dave.delivered).toMatchObject({ status: 'rejected', values: null });

    const carol = (await get('/api/syncs/with_email_to_hook/debug?id_type=email&value=carol@acme.io')).body as { key: string; attempts: Array<Record<string, unknown>>; delivered: { values: Record<string, unknown> } };
    expect(carol.attempts.map((a) => [a.op, a.status])).toEqual([['upsert', 'ok']]);
    expect(carol.delivered.values).toEqual({ profile_id: carol.key, email: 'carol@acme.io' });

    // A marketer may look people up, but sees delivered PII masked.
    const masked = await get('/api/syncs/with_email_to_hook/debug?id_type=email&value=carol@acme.io', 'marketer');
    expect(masked.headers['x-cdp-pii-masked']).toBe('true');
    expect(masked.body.delivered.values).toEqual({ profile_id: carol.key, email: 'c•••@a•••.io' });
    expect((await get(`/api/syncs/with_email_to_hook/debug?key=${dave.key}`)).body.attempts).toHaveLength(1);

    expect((await get('/api/syncs/with_email_to_hook/debug?id_type=email&value=nobody@acme.io')).status).toBe(404);
    expect((await get('/api/syncs/with_email_to_hook/debug?key=x&id_type=email&value=a@b.co')).status).toBe(400);
    expect((await get('/api/syncs/with_email_to_hook/debug?key=x', 'viewer')).status).toBe(403);
    answers.set(`${engine.name}:debug`, { dave: dave.attempts.map(({ op, status, error }) => ({ op, status, error })), carol: carol.attempts.map(({ op, status }) => ({ op, status })) });
  });

  it('errors grouped by reason, with counts', async () => {
    const groups = (await get('/api/syncs/with_email_to_hook/errors')).body as Array<{ status: string; error: string; rows: number }>;
    expect(groups).toHaveLength(1);
    // The second run's three rows: the merged-away profile's removal, the survivor's new email, Dave.
    expect(groups[0]).toMatchObject({ status: 'rejected', rows: 3 });
    expect(groups[0]!.error).toContain('email domain not accepted');
    answers.set(`${engine.name}:errors`, groups.map(({ status, error, rows }) => ({ status, error, rows })));
  });
});

describe('DuckDB and Postgres', () => {
  it('answer the same', () => {
    for (const part of ['identity', 'sources', 'syncs', 'debug', 'errors']) {
      expect(answers.get(`postgres:${part}`), part).toEqual(answers.get(`duckdb:${part}`));
      expect(answers.get(`duckdb:${part}`), part).toBeDefined();
    }
  });
});
