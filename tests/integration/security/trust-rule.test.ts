import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, fixtureConfig } from '../../unit/server/fixture.js';
import { tempProject, testApp, type TestApp } from '../../unit/server/helpers.js';

/** A local HTTP server recording what reaches it; `answer` decides the reply. */
async function receiver(answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end('{}')) {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { seen, port, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const ADMIN_PASSWORD = 'admin-password-from-env-93a1f0c2';

/**
 * The trust rule (issue 14, findings 1, 3, 5, 6): destinations created over the API may not read
 * the environment, carry a stored credential to a new place, write outside the files root, or
 * reach private addresses unless the project's config allows them.
 */
describe('API input is not trusted like the project files', () => {
  let admin: Awaited<ReturnType<typeof receiver>>;
  let attacker: Awaited<ReturnType<typeof receiver>>;
  let project: ReturnType<typeof tempProject>;
  let t: TestApp;
  let editor: string;
  let adminAuth: string;
  const outside = mkdtempSync(join(tmpdir(), 'cdp-outside-'));

  beforeAll(async () => {
    process.env.CDP_TEST_ADMIN_PASSWORD = ADMIN_PASSWORD;
    admin = await receiver();
    attacker = await receiver();
    // Both receivers are on loopback; the project allows exactly their two ports.
    project = tempProject({ ...fixtureConfig, network: { allow: [`127.0.0.1:${admin.port}`, `127.0.0.1:${attacker.port}`] } });
    await buildFixture(project.project);
    t = await testApp(project.project);
    editor = `Bearer ${t.tokens.editor}`;
    adminAuth = `Bearer ${t.tokens.admin}`;
  });
  afterAll(async () => {
    delete process.env.CDP_TEST_ADMIN_PASSWORD;
    await t.ctx.scheduler.stop();
    await Promise.all([admin.close(), attacker.close()]);
    await project.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });

  it('finding 1: {env} in a destination made over the API is refused with a 400 at the field; nothing reaches the receiver', async () => {
    const before = attacker.seen.length;
    for (const [config, path] of [
      [{ url: attacker.url, headers: { Authorization: { env: 'CDP_TEST_ADMIN_PASSWORD' } } }, 'body.config.headers.Authorization'],
      [{ url: attacker.url, secret: { env: 'CDP_SECRET_KEY' } }, 'body.config.secret'],
    ] as const) {
      const res = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'exfil', type: 'webhook', config });
      expect(res.status).toBe(400);
      expect(res.body.error.path).toBe(path);
      expect(res.body.error.message).toMatch(/may not read the service's environment/);
    }
    expect(await t.ctx.knex('destinations').where({ name: 'exfil' }).first()).toBeUndefined();

    // A row stored before the rule (or written around the API) is refused when opened, too.
    await t.ctx.knex('destinations').insert({
      name: 'legacy',
      type: 'webhook',
      config: JSON.stringify({ url: attacker.url, headers: { Authorization: { env: 'CDP_TEST_ADMIN_PASSWORD' } } }),
      created_at: Date.now(),
      updated_at: Date.now(),
    });
    const test = await request(t.app).post('/api/destinations/legacy/test').set('Authorization', editor);
    expect(test.body.ok).toBe(false);
    expect(test.body.message).toMatch(/environment variable CDP_TEST_ADMIN_PASSWORD, which destinations created over the API may not/);
    expect(JSON.stringify(test.body)).not.toContain(ADMIN_PASSWORD);
    expect(attacker.seen.length).toBe(before);
  });

  it('finding 1: a stored secret may be named only by whoever set it', async () => {
    await request(t.app).put('/api/secrets/crm-token').set('Authorization', adminAuth).send({ value: 'admin-crm-token-5512aa90' }).expect(200);
    const stolen = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'borrow', type: 'webhook', config: { url: attacker.url, headers: { Authorization: { secret: 'crm-token' } } } });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toMatchObject({ path: 'body.config.headers.Authorization' });
    expect(stolen.body.error.message).toMatch(/set by someone else/);
    const other = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'borrow', type: 'webhook', config: { url: attacker.url, secret: { secret: 'destination:legacy:secret' } } });
    expect(other.status).toBe(400);

    await request(t.app).put('/api/secrets/editor-token').set('Authorization', editor).send({ value: 'editor-own-token-77c1d2e3' }).expect(200);
    const own = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'own', type: 'webhook', config: { url: admin.url, headers: { Authorization: { secret: 'editor-token' } } } });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect((await request(t.app).post('/api/destinations/own/test').set('Authorization', editor)).body).toEqual({ ok: true, message: 'connection works' });
    expect(admin.seen.at(-1)!.headers.authorization).toBe('editor-own-token-77c1d2e3');
  });

  it('finding 3: pointing a destination elsewhere clears its stored secrets unless sent again', async () => {
    const created = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', adminAuth)
      .send({ name: 'crm-hook', type: 'webhook', config: { url: admin.url }, secrets: { 'headers.Authorization': 'Bearer admin-entered-0c9d7e', secret: 'signing-admin-3f2e1d' } });
    expect(created.status).toBe(201);

    const moved = await request(t.app)
      .put('/api/destinations/crm-hook')
      .set('Authorization', editor)
      .send({ config: { url: attacker.url, secret: { set: true }, headers: { Authorization: { set: true } } } });
    expect(moved.status).toBe(200);
    expect(moved.body.secretsCleared.sort()).toEqual(['headers.Authorization', 'secret']);
    expect(moved.body.secretFields).toEqual([]);
    expect(await t.ctx.knex('secrets').where('name', 'like', 'destination:crm-hook:%').select('name')).toEqual([]);
    const before = attacker.seen.length;
    await request(t.app).post('/api/destinations/crm-hook/test').set('Authorization', editor).expect(200);
    const sent = attacker.seen.slice(before);
    expect(sent.length).toBe(1);
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.headers['x-cdp-signature']).toBeUndefined();

    // Changing the type counts too; sending the secret again in the same request keeps it.
    const again = await request(t.app)
      .put('/api/destinations/crm-hook')
      .set('Authorization', editor)
      .send({ config: { url: admin.url }, secrets: { 'headers.Authorization': 'Bearer editor-new-44aa' } });
    expect(again.body).toMatchObject({ secretsCleared: [], secretFields: ['headers.Authorization'] });
    const sameUrl = await request(t.app)
      .put('/api/destinations/crm-hook')
      .set('Authorization', editor)
      .send({ config: { url: admin.url, batch_size: 7, headers: { Authorization: { set: true } } } });
    expect(sameUrl.body).toMatchObject({ secretsCleared: [], secretFields: ['headers.Authorization'] });
  });

  it('finding 5: file destinations made over the API write only under the files root', async () => {
    const root = project.project.path('.cdp', 'files');
    for (const path of [outside, '../../escape', 'a/../../escape']) {
      const res = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'dump', type: 'file', config: { path } });
      expect(res.status, path).toBe(400);
      expect(res.body.error.path).toBe('body.config.path');
      expect(res.body.error.message).toContain(root);
    }
    // A symlink inside the root that points out: refused when used, before anything is created outside.
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, join(root, 'link'));
    const linked = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'dump', type: 'file', config: { path: 'link/deeper' } });
    expect(linked.status).toBe(201);
    const test = await request(t.app).post('/api/destinations/dump/test').set('Authorization', editor);
    expect(test.body.ok).toBe(false);
    expect(test.body.message).toContain(`outside the files root ${root}`);
    expect(readdirSync(outside)).toEqual([]);

    // The same destination at a path inside the root works, and a sync writes there.
    await request(t.app).put('/api/destinations/dump').set('Authorization', editor).send({ config: { path: 'exports' } }).expect(200);
    expect((await request(t.app).post('/api/destinations/dump/test').set('Authorization', editor)).body).toEqual({ ok: true, message: 'connection works' });
    mkdirSync(project.project.path('audiences'), { recursive: true });
    await request(t.app).post('/api/audiences').set('Authorization', `Bearer ${t.tokens.marketer}`).send({ name: 'all_de', where: { trait: 'country', op: 'eq', value: 'DE' } }).expect(201);
    await request(t.app).post('/api/syncs').set('Authorization', editor).send({ name: 'de_to_file', from: { audience: 'all_de' }, destination: 'dump', fields: { email: 'email' } }).expect(201);
    await request(t.app).post('/api/syncs/de_to_file/run').set('Authorization', editor).send({}).expect(202);
    await t.ctx.scheduler.idle();
    const job = (await t.ctx.scheduler.status()).find((j) => j.key === 'sync:de_to_file');
    expect(job, JSON.stringify(job)).toMatchObject({ lastStatus: 'success' });
    expect(readdirSync(join(root, 'exports', 'de_to_file')).some((name) => name.endsWith('.jsonl'))).toBe(true);
    expect(existsSync(project.project.path('exports'))).toBe(false);
  });
});

describe('network policy for destinations made over the API', () => {
  let target: Awaited<ReturnType<typeof receiver>>;
  let project: ReturnType<typeof tempProject>;
  let t: TestApp;
  let editor: string;

  beforeAll(async () => {
    target = await receiver((res) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`internal: ${'x'.repeat(100_000)}`));
    project = tempProject(); // no network.allow: public addresses only
    t = await testApp(project.project);
    editor = `Bearer ${t.tokens.editor}`;
  });
  afterAll(async () => {
    await target.close();
    await project.cleanup();
  });

  it('finding 6: every spelling of loopback, private and link-local is refused at save (400 at the field)', async () => {
    const port = target.port;
    const urls = [
      `http://127.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://2130706433:${port}/`,
      `http://017700000001:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[0:0:0:0:0:0:0:1]:${port}/`,
      `http://localhost:${port}/`,
      'http://0.0.0.0/',
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://100.64.0.1/',
    ];
    for (const url of urls) {
      const res = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'probe', type: 'webhook', config: { url } });
      expect([res.status, res.body.error?.path], url).toEqual([400, 'body.config.url']);
      expect(res.body.error.message).toMatch(/not a public address/);
      expect(res.body.error.hint).toMatch(/network\.allow/);
    }
    const vendor = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'probe', type: 'hubspot', config: { base_url: `http://127.1:${port}` }, secrets: { access_token: 'pat-na1-00000000' } });
    expect([vendor.status, vendor.body.error?.path]).toEqual([400, 'body.config.base_url']);
    expect(target.seen).toEqual([]);
  });

  it('finding 6: checked again on every request, after DNS resolution: a stored loopback target is refused and its error body never echoed', async () => {
    for (const [name, url] of [
      ['by-name', `http://localhost:${target.port}/hook`],
      ['by-number', `http://0x7f000001:${target.port}/hook`],
      ['by-v6', `http://[::ffff:7f00:1]:${target.port}/hook`],
    ]) {
      // Written around the API (as if DNS had changed since it was saved).
      await t.ctx.knex('destinations').insert({ name: name!, type: 'webhook', config: JSON.stringify({ url }), created_at: Date.now(), updated_at: Date.now() });
      const res = await request(t.app).post(`/api/destinations/${name}/test`).set('Authorization', editor);
      expect(res.body.ok, name).toBe(false);
      expect(res.body.message).toMatch(/refused to connect to .*not a public address/);
    }
    expect(target.seen).toEqual([]);
  });
});

describe('a failed test connection shows a bounded excerpt', () => {
  let target: Awaited<ReturnType<typeof receiver>>;
  let project: ReturnType<typeof tempProject>;
  let t: TestApp;

  beforeAll(async () => {
    target = await receiver((res) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`internal detail ${'x'.repeat(100_000)}`));
    project = tempProject({ network: { allow: [`127.0.0.1:${target.port}`] } });
    t = await testApp(project.project);
  });
  afterAll(async () => {
    await target.close();
    await project.cleanup();
  });

  it('the vendor body is cut', async () => {
    await request(t.app).post('/api/destinations').set('Authorization', `Bearer ${t.tokens.editor}`).send({ name: 'big', type: 'webhook', config: { url: target.url } }).expect(201);
    const res = await request(t.app).post('/api/destinations/big/test').set('Authorization', `Bearer ${t.tokens.editor}`);
    expect(res.body.ok).toBe(false);
    expect(res.body.message).toMatch(/^webhook answered HTTP 400: internal detail x+/);
    expect(res.body.message.length).toBeLessThanOrEqual(501);
    expect(target.seen.length).toBe(1);
  });
});
