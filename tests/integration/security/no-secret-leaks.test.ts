import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as LoggerModule from '../../../src/logger.js';
import { secretForms, secretsIn } from '../../helpers/secret-forms.js';
import { buildFixture, fixtureConfig } from '../../unit/server/fixture.js';
import { captureLogger, tempProject, testApp, type TestApp } from '../../unit/server/helpers.js';

// Every line the engine logs (the process-wide logger), with the real redaction of src/logger.ts.
const engineLines = vi.hoisted(() => [] as string[]);
vi.mock('../../../src/logger.js', async (importOriginal) => {
  const real = await importOriginal<typeof LoggerModule>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      engineLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { ...real, logger: pino(real.redactingOptions({ level: 'trace' }), stream) };
});

const nonce = randomBytes(6).toString('hex');
// Characters that JSON, URL and unicode escaping each change, so every encoding differs from the raw text.
const AUTHORIZATION = `Bearer tok "q"/p+s\\b=${nonce}-0a1b2c`;
const API_KEY = `key-${nonce}-${randomBytes(8).toString('hex')}`;
const SIGNING = `whsec-${nonce}-signing`;
const SECRETS = [AUTHORIZATION, API_KEY, SIGNING];

/** How the fake vendor echoes the request headers: one encoding per answer, in turn. */
const ECHOES: Array<[string, (headers: string) => string]> = [
  ['raw', (h) => `bad request; you sent: ${h}`],
  ['json', (h) => JSON.stringify({ error: 'invalid', request: { headers: h } })],
  ['unicode', (h) => `{"error":"invalid","headers":"${[...h].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`],
  ['url', (h) => `error=invalid&echo=${encodeURIComponent(h)}`],
  ['base64', (h) => `{"error":"invalid","trace":"${Buffer.from(h).toString('base64')}"}`],
  ['doubleJson', (h) => JSON.stringify({ error: JSON.stringify({ headers: h }) })],
];

/**
 * The done-when of issue 14: nothing a viewer can reach, no log line, no state-store row and no
 * warehouse sync-log row contains a secret of a run whose vendor echoed the request back.
 */
describe('no secret leaks from a vendor that echoes the request', () => {
  // The vendor is on loopback: this project lets API-created destinations reach it.
  const { project, cleanup } = tempProject({ ...fixtureConfig, network: { allow: ['127.0.0.1'] } });
  const { logger, lines: serverLines } = captureLogger();
  let vendor: Server;
  let url: string;
  let t: TestApp;
  const answered: string[] = [];

  beforeAll(async () => {
    vendor = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const headers = Object.entries(req.headers)
          .map(([name, value]) => `${name}: ${String(value)}`)
          .join('\n');
        const [form, echo] = ECHOES[answered.length % ECHOES.length]!;
        answered.push(form);
        res.writeHead(400, { 'content-type': 'text/plain' }).end(echo(headers));
      });
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}/hook`;
    await buildFixture(project);
    mkdirSync(project.path('audiences'), { recursive: true });
    writeFileSync(project.path('audiences', 'everyone.yaml'), 'where: { trait: profile_id, op: is_not_null }\n');
    t = await testApp(project, { logger });
  });
  afterAll(async () => {
    await t.ctx.scheduler.stop();
    await new Promise((resolve) => vendor.close(resolve));
    await cleanup();
  });

  it('the vendor really echoes every secret sent, in every form', () => {
    // The check of the test itself: the forms grepped for are what the vendor produces.
    const headers = `authorization: ${AUTHORIZATION}\nx-api-key: ${API_KEY}`;
    for (const [, echo] of ECHOES) expect(secretsIn(echo(headers), [AUTHORIZATION]).length).toBeGreaterThan(0);
    expect(Object.keys(secretForms(AUTHORIZATION)).length).toBeGreaterThan(8);
  });

  it('runs fail with the echo, and nothing stored, logged or shown to a viewer holds a secret', async () => {
    const editor = `Bearer ${t.tokens.editor}`;
    const created = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'echo', type: 'webhook', config: { url, batch_size: 1 }, secrets: { secret: SIGNING, 'headers.Authorization': AUTHORIZATION, 'headers.X-Api-Key': API_KEY } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const tested = await request(t.app).post('/api/destinations/echo/test').set('Authorization', editor);
    expect(tested.body.ok).toBe(false);
    expect(tested.body.message).toContain('[redacted]');

    await request(t.app)
      .post('/api/syncs')
      .set('Authorization', editor)
      .send({ name: 'everyone_to_echo', from: { audience: 'everyone' }, destination: 'echo', mode: 'upsert', fields: { email: 'email', first_name: 'first_name' } })
      .expect(201);
    // Three people, one per batch: two runs (the second resends all) get every echo form.
    for (const full of [false, true]) {
      await request(t.app).post('/api/syncs/everyone_to_echo/run').set('Authorization', editor).send({ full }).expect(202);
      await t.ctx.scheduler.idle();
    }
    expect(new Set(answered)).toEqual(new Set(ECHOES.map(([form]) => form)));

    // What a viewer can reach (and a marketer: the per-row log needs profiles:read).
    const viewer = `Bearer ${t.tokens.viewer}`;
    const marketer = `Bearer ${t.tokens.marketer}`;
    const runs = await request(t.app).get('/api/syncs/everyone_to_echo/runs').set('Authorization', viewer).expect(200);
    expect(runs.body.length).toBe(2);
    const viewed = [runs, await request(t.app).get('/api/syncs/everyone_to_echo').set('Authorization', viewer), await request(t.app).get('/api/syncs').set('Authorization', viewer)];
    for (const run of runs.body as Array<{ id: string; counts: { rejected: number }; firstErrors: Array<{ error: string }> }>) {
      expect(run.counts.rejected).toBe(3);
      expect(run.firstErrors.every((e) => e.error.startsWith('HTTP 400'))).toBe(true);
      viewed.push(await request(t.app).get(`/api/syncs/everyone_to_echo/runs/${run.id}`).set('Authorization', viewer));
      viewed.push(await request(t.app).get(`/api/syncs/everyone_to_echo/runs/${run.id}/rows`).set('Authorization', marketer).expect(200));
    }
    const rowLog = viewed.at(-1)!.body as Array<{ error: string | null }>;
    viewed.push(await request(t.app).get('/api/destinations/echo').set('Authorization', viewer), await request(t.app).get('/api/schedules').set('Authorization', viewer));
    expect(rowLog.length).toBe(3);
    // The echo is kept, scrubbed and cut: a reader still sees what the vendor said.
    expect(rowLog.some((row) => row.error?.includes('[redacted]'))).toBe(true);
    for (const res of viewed) expect(secretsIn(JSON.stringify(res.body), SECRETS), JSON.stringify(res.body).slice(0, 200)).toEqual([]);

    // The state store: its file and write-ahead log, byte for byte (SQLite keeps text as UTF-8).
    await t.ctx.knex.raw('PRAGMA wal_checkpoint(PASSIVE)');
    const stateFiles = ['state.sqlite', 'state.sqlite-wal'].map((name) => project.path(name)).filter(existsSync);
    expect(stateFiles.length).toBeGreaterThan(0);
    for (const file of stateFiles) expect(secretsIn(readFileSync(file).toString('latin1'), SECRETS), file).toEqual([]);
    // ...and through SQL, every table.
    const tables = (await t.ctx.knex.raw("SELECT name FROM sqlite_master WHERE type = 'table'")) as Array<{ name: string }>;
    for (const { name } of tables) {
      const rows = (await t.ctx.knex(name).select('*')) as unknown[];
      expect(secretsIn(JSON.stringify(rows), SECRETS), name).toEqual([]);
    }

    // The warehouse's per-row sync log and state.
    const warehouse = await project.warehouse();
    const relations = await warehouse.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '%everyone_to_echo%'");
    expect(relations.length).toBeGreaterThan(0);
    for (const { table_name } of relations) {
      const rows = await warehouse.query(`SELECT * FROM cdp."${table_name}"`).catch(() => warehouse.query(`SELECT * FROM "${table_name}"`));
      expect(secretsIn(JSON.stringify(rows), SECRETS), table_name).toEqual([]);
    }

    // Every log line, the server's and the engine's.
    expect(engineLines.length).toBeGreaterThan(0);
    for (const line of [...serverLines, ...engineLines]) expect(secretsIn(line, SECRETS), line.slice(0, 200)).toEqual([]);
  });
});
