import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { buildFixture, fixtureConfig } from './fixture.js';
import { captureLogger, tempProject, testApp, type TestApp } from './helpers.js';

const SIGNING = 'whsec-signing-key-5f2b9c';
const HEADER = 'Bearer hdr-token-77aa11';

describe('syncs through the API, to a real webhook receiver', () => {
  // The receiver is on loopback: the project lets API-created destinations reach it (network.allow).
  const { project, cleanup } = tempProject({ ...fixtureConfig, network: { allow: ['127.0.0.1'] } });
  const { logger, lines } = captureLogger();
  const received: Array<{ headers: IncomingHttpHeaders; body: { op: string; rows: Array<Record<string, unknown>> } }> = [];
  let receiver: Server;
  let url: string;
  let t: TestApp;
  let editor: string;
  let marketer: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await buildFixture(project);
    mkdirSync(project.path('syncs'), { recursive: true });
    writeFileSync(
      project.path('syncs', 'git_sync.yaml'),
      `name: git_sync\nfrom: { audience: everyone }\ndestination:\n  type: webhook\n  config: { url: "${url}" }\nfields: { email: email }\nschedule: "0 * * * *"\n`,
    );
    mkdirSync(project.path('audiences'), { recursive: true });
    writeFileSync(project.path('audiences', 'everyone.yaml'), 'where: { trait: profile_id, op: is_not_null }\n');
    t = await testApp(project, { logger });
    editor = `Bearer ${t.tokens.editor}`;
    marketer = `Bearer ${t.tokens.marketer}`;
  });
  afterAll(async () => {
    await t.ctx.scheduler.stop();
    await new Promise((resolve) => receiver.close(resolve));
    await cleanup();
  });

  it('editor stores a webhook destination with secrets, nested ones included; the connection test signs with them', async () => {
    const created = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'hook', type: 'webhook', config: { url, batch_size: 10 }, secrets: { secret: SIGNING, 'headers.Authorization': HEADER } });
    expect(created.status).toBe(201);
    expect(created.body.config).toMatchObject({ url, batch_size: 10, secret: { set: true }, headers: { Authorization: { set: true } } });
    expect(created.body.secretFields.sort()).toEqual(['headers.Authorization', 'secret']);
    const test = await request(t.app).post('/api/destinations/hook/test').set('Authorization', editor);
    expect(test.body).toEqual({ ok: true, message: 'connection works' });
    expect(received.at(-1)!.headers.authorization).toBe(HEADER);
    expect(received.at(-1)!.headers['x-cdp-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('marketer creates an audience and a sync to the stored destination, runs it, sees runs and rows', async () => {
    await request(t.app).post('/api/audiences').set('Authorization', marketer).send({ name: 'germans', where: { trait: 'country', op: 'eq', value: 'DE' } }).expect(201);
    const sync = await request(t.app)
      .post('/api/syncs')
      .set('Authorization', marketer)
      .send({ name: 'germans_to_hook', from: { audience: 'germans' }, destination: 'hook', mode: 'upsert', fields: { email: 'email', first_name: 'first_name' }, schedule: '0 6 * * *' });
    expect(sync.status, JSON.stringify(sync.body)).toBe(201);
    expect(sync.body).toMatchObject({ name: 'germans_to_hook', origin: 'ui', destination: { type: 'webhook', name: 'hook' }, key: 'profile_id', schedule: '0 6 * * *' });

    const before = received.length;
    const started = await request(t.app).post('/api/syncs/germans_to_hook/run').set('Authorization', marketer).send({});
    expect(started.status).toBe(202);
    await t.ctx.scheduler.idle();
    const delivered = received.slice(before);
    const job = (await t.ctx.scheduler.status()).find((j) => j.key === 'sync:germans_to_hook');
    expect(job, JSON.stringify(job)).toMatchObject({ lastStatus: 'success', lastTrigger: 'manual' });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.headers.authorization).toBe(HEADER);
    expect(delivered[0]!.body.rows.map((r) => r.email).sort()).toEqual(['alice@example.com', 'carol@example.com']);

    const runs = await request(t.app).get('/api/syncs/germans_to_hook/runs').set('Authorization', `Bearer ${t.tokens.viewer}`);
    expect(runs.status).toBe(200);
    expect(runs.body).toHaveLength(1);
    expect(runs.body[0]).toMatchObject({ sync: 'germans_to_hook', status: 'success', trigger: 'manual', counts: { ok: 2, rejected: 0 } });
    const rows = await request(t.app).get(`/api/syncs/germans_to_hook/runs/${runs.body[0].id}/rows`).set('Authorization', marketer);
    expect(rows.body.map((r: { key: string; status: string }) => `${r.key}:${r.status}`).sort()).toEqual(['p1:ok', 'p3:ok']);
    expect((await request(t.app).get(`/api/syncs/germans_to_hook/runs/${runs.body[0].id}/rows`).set('Authorization', `Bearer ${t.tokens.viewer}`)).status).toBe(403);
    const one = await request(t.app).get(`/api/syncs/germans_to_hook/runs/${runs.body[0].id}`).set('Authorization', marketer);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(runs.body[0]);
    expect((await request(t.app).get('/api/syncs/germans_to_hook/runs/nope').set('Authorization', marketer)).status).toBe(404);

    const list = await request(t.app).get('/api/syncs').set('Authorization', marketer);
    expect(list.body.syncs.map((s: { name: string; origin: string }) => `${s.name}:${s.origin}`)).toEqual(['germans_to_hook:ui', 'git_sync:git']);
    const schedules = await request(t.app).get('/api/schedules').set('Authorization', marketer);
    expect(schedules.body.map((j: { key: string }) => j.key).sort()).toEqual(['models', 'sync:germans_to_hook', 'sync:git_sync']);
    const audit = (await t.ctx.audit.query({ action: 'sync.' })).entries.map((e) => `${e.action}:${e.actor.email}`);
    expect(audit).toEqual(['sync.run:marketer@example.com', 'sync.create:marketer@example.com']);
    for (const line of lines) {
      expect(line).not.toContain(SIGNING);
      expect(line).not.toContain(HEADER);
    }
  });

  it('dry run, pause and resume', async () => {
    const dry = await request(t.app).post('/api/syncs/germans_to_hook/dry-run').set('Authorization', marketer).send({});
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ status: 'dry_run', plan: { upserts: 0, removes: 0 } });
    const paused = await request(t.app).post('/api/syncs/germans_to_hook/pause').set('Authorization', marketer).send({});
    expect(paused.body).toMatchObject({ key: 'sync:germans_to_hook', paused: true });
    const resumed = await request(t.app).post('/api/syncs/germans_to_hook/resume').set('Authorization', marketer).send({});
    expect(resumed.body).toMatchObject({ paused: false });
  });

  it('bad sync input → 4xx with the field path; git syncs are read-only; nothing written', async () => {
    writeFileSync(project.path('audiences', 'tiers.yaml'), 'priority: [everyone]\n');
    const before = JSON.stringify(await t.ctx.knex('ui_syncs').select('*'));
    const base = { name: 'x_sync', from: { audience: 'germans' }, destination: 'hook', fields: { email: 'email' } };
    const cases: Array<[object, number, string]> = [
      [{ ...base, destination: 'nope' }, 422, 'body.destination'],
      [{ ...base, from: { audience: 'nobody' } }, 422, 'body.from.audience'],
      [{ ...base, from: { audience: 'tiers' } }, 422, 'body.from.audience'],
      [{ ...base, from: { priority_list: 'nolist', slot: 'everyone' } }, 422, 'body.from.priority_list'],
      [{ ...base, from: { priority_list: 'tiers', slot: 'germans' } }, 422, 'body.from.slot'],
      [{ ...base, schedule: 'every day' }, 400, 'body.schedule'],
      [{ ...base, mode: 'teleport' }, 400, 'body.mode'],
      [{ ...base, name: 'Bad-Name' }, 400, 'body.name'],
      [{ ...base, fields: 'email' }, 400, 'body.fields'],
      [{ ...base, name: 'git_sync' }, 409, 'body.name'],
    ];
    for (const [body, status, path] of cases) {
      const res = await request(t.app).post('/api/syncs').set('Authorization', marketer).send(body);
      expect([res.status, res.body.error?.path], JSON.stringify(res.body)).toEqual([status, path]);
    }
    const git = await request(t.app).put('/api/syncs/git_sync').set('Authorization', marketer).send({ from: { audience: 'germans' }, destination: 'hook', fields: { email: 'email' } });
    expect(git.status).toBe(409);
    expect((await request(t.app).delete('/api/syncs/git_sync').set('Authorization', marketer)).status).toBe(409);
    expect((await request(t.app).post('/api/syncs/nope/run').set('Authorization', marketer).send({})).status).toBe(404);
    expect(JSON.stringify(await t.ctx.knex('ui_syncs').select('*'))).toBe(before);
  });

  it('a sync from one slot of a saved priority list is stored, listed, and keeps its list from being deleted', async () => {
    await request(t.app).post('/api/priority-lists').set('Authorization', marketer).send({ name: 'ui_tiers', priority: ['germans', 'everyone'] }).expect(201);
    const from = { priority_list: 'ui_tiers', slot: 'everyone' };
    await request(t.app).post('/api/syncs').set('Authorization', marketer).send({ name: 'slot_sync', from, destination: 'hook', fields: { email: 'email', offer: 'audience' } }).expect(201);
    const listed = await request(t.app).get('/api/syncs').set('Authorization', marketer);
    expect(listed.body.syncs.find((s: { name: string }) => s.name === 'slot_sync').from).toEqual(from);
    const refused = await request(t.app).delete('/api/priority-lists/ui_tiers').set('Authorization', marketer);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('slot_sync');
    await request(t.app).delete('/api/syncs/slot_sync').set('Authorization', marketer).expect(204);
    await request(t.app).delete('/api/priority-lists/ui_tiers').set('Authorization', marketer).expect(204);
  });

  it('bad field mappings → 400 (shape) or 422 (what the project lacks) at the field; nothing written', async () => {
    await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'braze', type: 'braze', config: { base_url: 'https://rest.fra-01.braze.eu' }, secrets: { api_key: 'braze-key-0b1c' } })
      .expect(201);
    const before = JSON.stringify(await t.ctx.knex('ui_syncs').select('*'));
    const hook = (fields: object) => ({ name: 'bad_map', from: { audience: 'germans' }, destination: 'hook', fields: { email: 'email', ...fields } });
    const braze = (fields: object) => ({ name: 'bad_map', from: { audience: 'germans' }, destination: 'braze', fields: { external_id: 'profile_id', ...fields } });
    const cases: Array<[object, number, string, RegExp]> = [
      [hook({ x: { identifier: 'email', prefer: 'newest' } }), 400, 'body.fields.x', /\{ identifier: <id type>, prefer: most_recent/],
      [hook({ x: { column: 'first_name', as: 'yearly' } }), 400, 'body.fields.x', /as: date \| datetime \| month_day/],
      [hook({ x: { identifier: 'phone' } }), 422, 'body.fields.x', /"phone" is not an id type of identity/],
      [hook({ x: { identifier: 'email', prefer: { sources: ['shop'] } } }), 422, 'body.fields.x', /"shop", which is not an identity source/],
      [hook({ x: 'no_such_column' }), 422, 'body.fields.x', /column "no_such_column" does not exist in audience germans/],
      [hook({ x: { column: 'first_name', as: 'date' } }), 422, 'body.fields.x', /needs a date or timestamp column/],
      [braze({ first_name: { column: 'first_name', as: 'date' } }), 422, 'body.fields.first_name', /braze takes string values there, not dates/],
      [braze({ dob: { column: 'first_name', as: 'month_day' } }), 422, 'body.fields.dob', /braze takes dob as date, not month_day/],
    ];
    for (const [body, status, path, message] of cases) {
      const res = await request(t.app).post('/api/syncs').set('Authorization', marketer).send(body);
      expect([res.status, res.body.error?.path], JSON.stringify(res.body)).toEqual([status, path]);
      expect(res.body.error.message).toMatch(message);
    }
    expect(JSON.stringify(await t.ctx.knex('ui_syncs').select('*'))).toBe(before);
    await request(t.app).delete('/api/destinations/braze').set('Authorization', editor).expect(204);
  });

  it('what a sync uses cannot vanish under it', async () => {
    const dest = await request(t.app).delete('/api/destinations/hook').set('Authorization', editor);
    expect(dest.status).toBe(409);
    const aud = await request(t.app).delete('/api/audiences/germans').set('Authorization', marketer);
    expect(aud.status).toBe(409);
    expect(aud.body.error.message).toMatch(/germans_to_hook/);
    expect((await request(t.app).delete('/api/syncs/germans_to_hook').set('Authorization', marketer)).status).toBe(204);
    expect((await request(t.app).delete('/api/audiences/germans').set('Authorization', marketer)).status).toBe(204);
    expect((await request(t.app).delete('/api/destinations/hook').set('Authorization', editor)).status).toBe(204);
    expect(await t.ctx.knex('secrets').select('*')).toEqual([]);
  });
});

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const engines = [
  { name: 'duckdb', warehouse: { type: 'duckdb' as const, path: ':memory:' } },
  { name: 'postgres', warehouse: { type: 'postgres' as const, connection: PG } },
];

// [source, key, crm id, email, ts]: Ann's CRM address is the oldest, one address is on two orders,
// the newest on one order; Ben has one address everywhere.
const RECORDS: Array<[string, string, string, string, string]> = [
  ['crm', 'c1', 'c1', ' Ann@ShopMail.com ', '2024-01-01 00:00:00'],
  ['crm', 'c2', 'c2', 'ben@shopmail.com', '2024-01-02 00:00:00'],
  ['orders', 'o1', 'c1', 'ann.new@shopmail.com', '2024-05-01 00:00:00'],
  ['orders', 'o2', 'c1', 'ann.new@shopmail.com', '2024-05-02 00:00:00'],
  ['orders', 'o3', 'c1', 'ann.work@shopmail.com', '2024-06-01 00:00:00'],
  ['orders', 'o4', 'c2', 'ben@shopmail.com', '2024-06-02 00:00:00'],
];

describe.each(engines)('rich field mappings over the API, planned from the identity graph on $name', ({ name, warehouse }) => {
  const schema = `t_syncmap_${name}_${Math.random().toString(36).slice(2, 8)}`;
  const source = (n: string) => ({ name: n, relation: `${schema}_raw.${n}`, key: 'id', timestamp: 'ts', ids: { crm_id: 'crm_id', email: 'email' } });
  const { project, cleanup } = tempProject({
    warehouse,
    schema,
    identity: { sources: [source('crm'), source('orders')], idTypes: { crm_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2, normalize: 'email' } } },
    privacy: { pii: ['email'] },
  });
  let t: TestApp;
  let marketer: string;
  const dryRun = async (role = `Bearer ${t.tokens.editor}`): Promise<string[]> => {
    const dry = await request(t.app).post('/api/syncs/rich_sync/dry-run').set('Authorization', role).send({});
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.plan).toMatchObject({ added: 2, upserts: 2 });
    return dry.body.sample.map((row: { fields: Record<string, string> }) => `${row.fields.crm} ${row.fields.email} ${row.fields.first_email}`).sort();
  };

  beforeAll(async () => {
    const w = await project.warehouse();
    const d = w.dialect;
    await w.createSchema(`${schema}_raw`);
    for (const table of ['crm', 'orders']) {
      const rows = RECORDS.filter((r) => r[0] === table).map(([, id, crm, email, ts]) => `SELECT ${d.literal(id)} AS id, ${d.literal(crm)} AS crm_id, ${d.literal(email)} AS email, CAST('${ts}' AS TIMESTAMP) AS ts`);
      await w.execute(`CREATE TABLE ${d.quoteIdent(`${schema}_raw`)}.${table} AS ${rows.join(' UNION ALL ')}`);
    }
    await buildIdentity(project, { full: true });
    mkdirSync(project.path('audiences'), { recursive: true });
    writeFileSync(project.path('audiences', 'everyone.yaml'), 'where: { trait: profile_id, op: is_not_null }\n');
    t = await testApp(project);
    marketer = `Bearer ${t.tokens.marketer}`;
    await request(t.app).post('/api/destinations').set('Authorization', `Bearer ${t.tokens.editor}`).send({ name: 'files', type: 'file', config: { path: 'out/rich.jsonl' } }).expect(201);
  });
  afterAll(async () => {
    await t?.ctx.scheduler.stop();
    if (name === 'postgres') for (const s of [schema, `${schema}_raw`]) await (await project.warehouse()).execute(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await cleanup();
  });

  it('stored as written (prefer filled in), round-tripped by GET and PUT, planned with the preferred identifiers', async () => {
    const fields = { crm: { identifier: 'crm_id' }, email: { identifier: 'email' }, first_email: { identifier: 'email', prefer: { sources: ['crm'] } } };
    const created = await request(t.app).post('/api/syncs').set('Authorization', marketer).send({ name: 'rich_sync', from: { audience: 'everyone' }, destination: 'files', fields });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // `prefer` defaults to most_recent, as in a sync file.
    const stored = { ...fields, crm: { identifier: 'crm_id', prefer: 'most_recent' }, email: { identifier: 'email', prefer: 'most_recent' } };
    expect(created.body.mappings).toEqual(stored);
    expect(created.body.fields).toEqual({ crm: 'identity graph: crm_id, most_recent', email: 'identity graph: email, most_recent', first_email: 'identity graph: email, sources crm' });
    // Normalised by identity: the CRM wrote " Ann@ShopMail.com ".
    expect(await dryRun()).toEqual(['c1 ann.work@shopmail.com ann@shopmail.com', 'c2 ben@shopmail.com ben@shopmail.com']);

    // The editor's round trip: what GET answers is what PUT takes; the changed rule changes the plan.
    const got = await request(t.app).get('/api/syncs/rich_sync').set('Authorization', marketer);
    expect(got.body.mappings).toEqual(stored);
    const { from, destination, mode, schedule } = got.body;
    const mappings = { ...got.body.mappings, email: { identifier: 'email', prefer: 'most_frequent' } };
    const put = await request(t.app).put('/api/syncs/rich_sync').set('Authorization', marketer).send({ from, destination: destination.name, mode, schedule, fields: mappings });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.mappings).toEqual(mappings);
    expect((await request(t.app).get('/api/syncs').set('Authorization', marketer)).body.syncs[0].mappings).toEqual(mappings);
    expect(await dryRun()).toEqual(['c1 ann.new@shopmail.com ann@shopmail.com', 'c2 ben@shopmail.com ben@shopmail.com']);
    // Without pii:read, a field is masked when its id type is PII-tagged (first_email: email), not only its name.
    const masked = (await dryRun(marketer)).map((line) => line.split(' '));
    expect(masked.map(([crm]) => crm)).toEqual(['c1', 'c2']);
    for (const [, email, firstEmail] of masked) {
      expect(email).not.toMatch(/^(ann|ben)/);
      expect(firstEmail).not.toMatch(/^(ann|ben)/);
    }
  });
});
