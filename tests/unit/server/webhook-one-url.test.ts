import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { webhook } from '../../../src/destinations/webhook/index.js';
import { migration } from '../../../src/state/migrations/0602_webhook_one_url.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

// One URL field per destination type (issue 19, item 8): the webhook's base_url is an alias for old configs only.

const { project, cleanup } = tempProject();
let t: TestApp;
beforeAll(async () => {
  t = await testApp(project);
});
afterAll(async () => {
  await t.ctx.scheduler.stop();
  await cleanup();
});

it('an old sync file with base_url + a path is still read (the webhook test sends through one); new ones need a full url', () => {
  expect(webhook.config.safeParse({ base_url: 'https://hooks.example.com/v1', url: 'cdp' }).success).toBe(true);
  expect(webhook.config.safeParse({ url: 'cdp' }).success).toBe(false);
  expect(webhook.targetFields).toEqual(['url']);
});

it('the API refuses base_url with what to use instead; the form schema marks it deprecated', async () => {
  const admin = { Authorization: `Bearer ${t.tokens.admin}` };
  const res = await request(t.app).post('/api/destinations').set(admin).send({ name: 'old-style', type: 'webhook', config: { base_url: 'https://hooks.example.com', url: '/cdp' } }).expect(400);
  expect(res.body.error).toMatchObject({ path: 'body.config.base_url', message: expect.stringMatching(/put the whole address in url/) });
  const relative = await request(t.app).post('/api/destinations').set(admin).send({ name: 'relative', type: 'webhook', config: { url: '/cdp' } }).expect(400);
  expect(relative.body.error).toMatchObject({ path: 'body.config.url', message: expect.stringMatching(/a full http\(s\) address/) });
  const types = await request(t.app).get('/api/destination-types').set(admin).expect(200);
  const hook = types.body.find((d: { type: string }) => d.type === 'webhook');
  expect(hook.targetFields).toEqual(['url']);
  expect(hook.configSchema.properties.base_url).toMatchObject({ deprecated: true });
});

it('migration 0602 moves a stored webhook to one URL and leaves other types alone', async () => {
  const now = Date.now();
  const row = (name: string, type: string, config: object) => ({ name, type, config: JSON.stringify(config), created_at: now, updated_at: now });
  await t.ctx.knex('destinations').insert([
    row('legacy-hook', 'webhook', { base_url: 'https://hooks.example.com/v1', url: 'cdp', secret: { secret: 'destination:legacy-hook:secret' } }),
    row('crm', 'hubspot', { base_url: 'https://api.hubapi.com' }),
  ]);
  await migration.up(t.ctx.knex);
  const configs = Object.fromEntries((await t.ctx.knex('destinations').select('name', 'config')).map((r: { name: string; config: string }) => [r.name, JSON.parse(r.config)]));
  expect(configs['legacy-hook']).toEqual({ url: 'https://hooks.example.com/v1/cdp', secret: { secret: 'destination:legacy-hook:secret' } });
  expect(configs.crm).toEqual({ base_url: 'https://api.hubapi.com' });
});
