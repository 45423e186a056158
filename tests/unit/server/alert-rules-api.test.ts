import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alertAfterRun } from '../../../src/syncs/alerts/index.js';
import type { SyncRunRecord } from '../../../src/state/index.js';
import { secretResolver } from '../../../src/secrets/index.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

// Alert rules made over the API (issue 19, item 4): untrusted input under the trust rule.

const { project, cleanup } = tempProject({ network: { allow: ['127.0.0.1'] } });
let t: TestApp;
let hook: Server;
let hookUrl: string;
const posts: Array<{ path: string; body: { text: string } }> = [];
const TOKEN = 'T0AAA/B0BBB/s3cr3tW3bh00kT0ken';

beforeAll(async () => {
  t = await testApp(project);
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body) as { text: string } });
      // A receiver that echoes its URL in an error (as some do): the test message must not show it.
      if (req.url?.includes('/broken/')) res.writeHead(500, { 'content-type': 'text/plain' }).end(`no such hook ${req.url}`);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/${TOKEN}`;
});
afterAll(async () => {
  await new Promise((resolve) => hook.close(resolve));
  await t.ctx.scheduler.stop();
  await cleanup();
});

const as = (role: 'admin' | 'viewer') => ({ Authorization: `Bearer ${t.tokens[role]}` });
const slackRule = (name: string, url = hookUrl) => ({ name, sync: null, condition: { on: 'failure' }, channel: { type: 'slack' }, secrets: { url } });

it('an admin creates a rule: the webhook URL is stored encrypted and never shown; everyone reads it', async () => {
  const res = await request(t.app).post('/api/alerts/rules').set(as('admin')).send(slackRule('ops-failures')).expect(201);
  expect(res.body).toMatchObject({ name: 'ops-failures', sync: null, condition: { on: 'failure' }, channel: { type: 'slack', url: { set: true } }, createdBy: 'admin@example.com' });
  const all = await request(t.app).get('/api/alerts').set(as('viewer')).expect(200);
  expect(all.body.rules).toContainEqual({ scope: 'workspace', source: 'api', name: 'ops-failures', on: 'failure', threshold: null, to: ['slack'] });
  const list = await request(t.app).get('/api/alerts/rules').set(as('viewer')).expect(200);
  expect(list.body.rules.map((r: { name: string }) => r.name)).toEqual(['ops-failures']);
  expect(JSON.stringify([res.body, all.body, list.body])).not.toContain(TOKEN);
  expect(await t.ctx.secrets.has('alert:ops-failures:url')).toBe(true);
  await request(t.app).post('/api/alerts/rules').set(as('viewer')).send(slackRule('nope')).expect(403);
});

it('refuses {env}, private addresses, unknown syncs and names taken, each at its field', async () => {
  const env = await request(t.app).post('/api/alerts/rules').set(as('admin')).send({ ...slackRule('env'), channel: { type: 'slack', url: { env: 'HOME' } }, secrets: {} }).expect(400);
  expect(env.body.error).toMatchObject({ path: 'body.channel.url' });
  expect(env.body.error.message).toMatch(/environment variables are for cdp\.config\.ts only/);
  const internal = await request(t.app).post('/api/alerts/rules').set(as('admin')).send(slackRule('internal', `http://192.168.7.7/services/${TOKEN}`)).expect(400);
  expect(internal.body.error).toMatchObject({ path: 'body.secrets.url' });
  expect(internal.body.error.message).toMatch(/not a public address/);
  expect(internal.body.error.hint).toMatch(/network\.allow/);
  expect(JSON.stringify(internal.body)).not.toContain(TOKEN);
  const smtp = await request(t.app)
    .post('/api/alerts/rules')
    .set(as('admin'))
    .send({ name: 'mail', sync: null, condition: { on: 'stale', hours: 3 }, channel: { type: 'email', to: ['ops@example.com'], from: 'cdp@example.com', smtp: { host: '10.1.2.3' } } })
    .expect(400);
  expect(smtp.body.error).toMatchObject({ path: 'body.channel.smtp.host' });
  const sync = await request(t.app).post('/api/alerts/rules').set(as('admin')).send({ ...slackRule('nosync'), sync: 'no_such_sync' }).expect(400);
  expect(sync.body.error).toMatchObject({ path: 'body.sync', message: 'there is no sync named no_such_sync' });
  const other = await request(t.app).post('/api/alerts/rules').set(as('admin')).send({ ...slackRule('borrow'), channel: { type: 'slack', url: { secret: 'alert:ops-failures:url' } }, secrets: {} }).expect(400);
  expect(other.body.error).toMatchObject({ path: 'body.channel.url' });
  await request(t.app).post('/api/alerts/rules').set(as('admin')).send(slackRule('ops-failures')).expect(409);
  expect((await request(t.app).get('/api/alerts/rules').set(as('admin'))).body.rules).toHaveLength(1);
});

it('test sends a Slack message through the stored webhook; a failure is reported scrubbed', async () => {
  const ok = await request(t.app).post('/api/alerts/rules/ops-failures/test').set(as('admin')).expect(200);
  expect(ok.body).toEqual({ ok: true, message: 'the webhook took the test message' });
  expect(posts.at(-1)).toMatchObject({ path: `/services/${TOKEN}`, body: { text: expect.stringContaining('Test alert from cdp (rule ops-failures)') } });

  await request(t.app).post('/api/alerts/rules').set(as('admin')).send(slackRule('broken', hookUrl.replace('/services/', '/broken/'))).expect(201);
  const failed = await request(t.app).post('/api/alerts/rules/broken/test').set(as('admin')).expect(200);
  expect(failed.body.ok).toBe(false);
  expect(failed.body.message).toMatch(/500/);
  expect(failed.body.message).not.toContain(TOKEN);
  await request(t.app).delete('/api/alerts/rules/broken').set(as('admin')).expect(204);
  expect(await t.ctx.secrets.has('alert:broken:url')).toBe(false);
});

it('a rule made over the API fires after a failed run, once, beside the config', async () => {
  const before = posts.length;
  const run = { id: 'run-1', sync: 'people_out', status: 'failed', error: 'warehouse gone', counts: { planned: 0, rejected: 0, retryable: 0 }, firstErrors: [], startedAt: new Date() } as unknown as SyncRunRecord;
  const secrets = secretResolver(t.ctx.secrets);
  expect(await alertAfterRun(project, run, { model: 'people' }, { secrets })).toBe(1);
  expect(await alertAfterRun(project, run, { model: 'people' }, { secrets })).toBe(0);
  expect(posts.slice(before).map((p) => p.body.text)).toEqual([':rotating_light: Sync people_out failed']);
});

it('editing keeps the stored webhook with {"set": true}; an SMTP server change does not carry the password', async () => {
  const kept = await request(t.app).put('/api/alerts/rules/ops-failures').set(as('admin')).send({ sync: null, condition: { on: 'partial', above: 10 }, channel: { type: 'slack', url: { set: true } } }).expect(200);
  expect(kept.body).toMatchObject({ condition: { on: 'partial', above: 10 }, channel: { url: { set: true } } });
  const mail = { sync: null, condition: { on: 'failure' }, channel: { type: 'email', to: ['ops@example.com'], from: 'cdp@example.com', smtp: { host: '127.0.0.1', port: 2525, user: 'cdp', password: { set: true } } } };
  await request(t.app).post('/api/alerts/rules').set(as('admin')).send({ name: 'mail', ...mail, channel: { ...mail.channel, smtp: { ...mail.channel.smtp, password: undefined } }, secrets: { 'smtp.password': 'smtp-pass-123456' } }).expect(201);
  const moved = await request(t.app).put('/api/alerts/rules/mail').set(as('admin')).send({ ...mail, channel: { ...mail.channel, smtp: { ...mail.channel.smtp, port: 2526 } } }).expect(400);
  expect(moved.body.error).toMatchObject({ path: 'body.secrets.smtp.password' });
  await request(t.app).put('/api/alerts/rules/mail').set(as('admin')).send(mail).expect(200);
  await request(t.app).delete('/api/alerts/rules/mail').set(as('admin')).expect(204);
  await request(t.app).get('/api/alerts/rules/mail').set(as('admin')).expect(404);
});
