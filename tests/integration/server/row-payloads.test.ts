/**
 * Per-run payloads in the row debugger (src/syncs/payloads.ts): a person whose name changes
 * between three runs of an audience sync to a local webhook shows three attempts, each with the
 * payload that run sent, newest first; PII in them is masked for a marketer and not for an admin
 * (a viewer may not use the debugger at all); pruning keeps the payloads of the last N runs only.
 * On DuckDB + SQLite and on Postgres + a Postgres state store; both answer the same.
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
import { runSync, syncTables } from '../../../src/syncs/index.js';
import { prunePayloads } from '../../../src/syncs/payloads.js';
import type { ColumnDef } from '../../../src/warehouse/index.js';
import { testApp, type TestApp } from '../../unit/server/helpers.js';

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SYNC = 'people_to_hook';

interface Engine {
  name: string;
  warehouse(): string;
  state(schema: string): string;
}

const engines: Engine[] = [
  { name: 'duckdb', warehouse: () => "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }", state: () => "{ client: 'better-sqlite3', filename: '.cdp/state.sqlite' }" },
  { name: 'postgres', warehouse: () => `{ type: 'postgres', connection: '${PG}' }`, state: (schema) => `{ client: 'pg', connection: '${PG}', schema: '${schema}_state' }` },
];

const CONTACTS: ColumnDef[] = [
  { name: 'contact_id', kind: 'string' },
  { name: 'email', kind: 'string' },
  { name: 'first_name', kind: 'string' },
  { name: 'updated_at', kind: 'timestamp' },
];
type Contact = [string, string, string, Date];
/** Ann's first name as each of the three runs finds it; Bob never changes (planned once). */
const NAMES = ['Ann', 'Anne', 'Annie'];
const contacts = (run: number): Contact[] => [
  ['c1', 'ann@acme.io', NAMES[run]!, new Date(Date.UTC(2024, 0, 1 + run))],
  ['c2', 'bob@acme.io', 'Bob', new Date('2024-01-01T10:00:00Z')],
];

/** A webhook receiver that accepts every batch and keeps the bodies. */
async function receiver(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function writeProject(dir: string, engine: Engine, schema: string, hookUrl: string): void {
  mkdirSync(join(dir, 'audiences'));
  mkdirSync(join(dir, 'syncs'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    `export default {
  warehouse: ${engine.warehouse()},
  schema: '${schema}',
  state: ${engine.state(schema)},
  identity: {
    sources: [{ name: 'contacts', relation: '${schema}_raw.contacts', key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email' } }],
    idTypes: { email: { priority: 2, normalize: 'email' } },
  },
  profiles: {
    traits: {
      email: { source: 'contacts', column: 'email', rule: 'most_recent' },
      first_name: { source: 'contacts', column: 'first_name', rule: 'most_recent' },
    },
  },
  privacy: { pii: ['email', 'first_name'] },
};\n`,
  );
  writeFileSync(join(dir, 'audiences', 'everyone.yaml'), 'name: everyone\nwhere: { trait: email, op: is_not_null }\n');
  writeFileSync(
    join(dir, 'syncs', `${SYNC}.yaml`),
    `name: ${SYNC}\nfrom: { audience: everyone }\nkey: profile_id\ndestination:\n  type: webhook\n  config:\n    url: ${hookUrl}\n    batch_size: 100\nmode: mirror\nfields:\n  email: email\n  first_name: first_name\n`,
  );
}

interface Attempt {
  runId: string;
  op: string;
  status: string;
  payload: Record<string, unknown> | null;
}

const answers = new Map<string, unknown>();

describe.each(engines)('row debugger payloads on $name', (engine) => {
  const schema = `t_payl_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cdp-payloads-'));
  let project: Project;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let t: TestApp;
  const debug = (role: 'admin' | 'marketer' | 'viewer') =>
    request(t.app).get(`/api/syncs/${SYNC}/debug?id_type=email&value=ann@acme.io`).set('Authorization', `Bearer ${t.tokens[role]}`);

  beforeAll(async () => {
    hook = await receiver();
    writeProject(dir, engine, schema, hook.url);
    project = await Project.load(dir);
    const warehouse = await project.warehouse();
    const raw = { schema: `${schema}_raw`, name: 'contacts' };
    await warehouse.createSchema(raw.schema);
    for (let run = 0; run < NAMES.length; run++) {
      await warehouse.loadTable(raw, CONTACTS, [contacts(run)]);
      await runProject(project);
      await runSync(project, SYNC, { trigger: 'cli' });
    }
    t = await testApp(project);
  }, 180_000);

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

  it('a row changed in three runs shows three different payloads, each the one its run sent', async () => {
    const res = await debug('admin');
    expect(res.status).toBe(200);
    const attempts = res.body.attempts as Attempt[];
    const key = res.body.key as string;
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.runId)).size).toBe(3);
    // Newest first: Annie, Anne, Ann.
    expect(attempts.map((a) => a.payload)).toEqual([...NAMES].reverse().map((name) => ({ profile_id: key, email: 'ann@acme.io', first_name: name })));
    expect(attempts.every((a) => a.op === 'upsert' && a.status === 'ok')).toBe(true);
    // What the receiver got from each run is what the debugger says that run sent.
    const sent = hook.bodies.flatMap((b) => (b as { rows: Array<Record<string, unknown>> }).rows).filter((r) => r.profile_id === key);
    expect(sent).toEqual([...attempts].reverse().map((a) => a.payload));
    answers.set(engine.name, attempts.map(({ op, status, payload }) => ({ op, status, firstName: payload?.first_name })));
  });

  it('masks PII in payloads for a marketer, not for an admin; a viewer may not look', async () => {
    const masked = await debug('marketer');
    expect(masked.status).toBe(200);
    expect(masked.headers['x-cdp-pii-masked']).toBe('true');
    const payloads = (masked.body.attempts as Attempt[]).map((a) => a.payload!);
    expect(payloads).toHaveLength(3);
    for (const p of payloads) {
      expect(p.email).not.toContain('ann@acme.io');
      expect(String(p.email)).toContain('•');
      expect(NAMES).not.toContain(p.first_name);
      expect(p.profile_id).toBe(masked.body.key);
    }
    expect(JSON.stringify(masked.body)).not.toMatch(/Annie|Anne|ann@acme/);
    const admin = await debug('admin');
    expect(admin.headers['x-cdp-pii-masked']).toBeUndefined();
    expect((admin.body.attempts as Attempt[])[0]!.payload!.first_name).toBe('Annie');
    expect((await debug('viewer')).status).toBe(403);
  });

  it('pruning keeps the payloads of the last runs only; the attempts stay', async () => {
    const warehouse = await project.warehouse();
    await prunePayloads(warehouse, syncTables(project.schema, SYNC), 2);
    const kept = ((await debug('admin')).body.attempts as Attempt[]).map((a) => a.payload?.first_name ?? null);
    expect(kept).toEqual(['Annie', 'Anne', null]);
    await prunePayloads(warehouse, syncTables(project.schema, SYNC), 0);
    const none = (await debug('admin')).body.attempts as Attempt[];
    expect(none).toHaveLength(3);
    expect(none.every((a) => a.payload === null)).toBe(true);
  });

  it('a log written before payloads were kept gets the column at the next fold', async () => {
    const warehouse = await project.warehouse();
    const { log } = syncTables(project.schema, SYNC);
    await warehouse.execute(`ALTER TABLE ${warehouse.dialect.relation(log)} DROP COLUMN values_json`);
    expect(((await debug('admin')).body.attempts as Attempt[]).every((a) => a.payload === null)).toBe(true);
    await warehouse.loadTable({ schema: `${schema}_raw`, name: 'contacts' }, CONTACTS, [[['c1', 'ann@acme.io', 'Ana', new Date('2024-01-09T00:00:00Z')], contacts(0)[1]!]]);
    await runProject(project);
    await runSync(project, SYNC, { trigger: 'cli' });
    const attempts = (await debug('admin')).body.attempts as Attempt[];
    expect(attempts.map((a) => a.payload?.first_name ?? null)).toEqual(['Ana', null, null, null]);
  });
});

describe('DuckDB and Postgres', () => {
  it('answer the same', () => {
    expect(answers.get('duckdb')).toBeDefined();
    expect(answers.get('postgres')).toEqual(answers.get('duckdb'));
  });
});
