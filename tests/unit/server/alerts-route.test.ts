import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertLedger } from '../../../src/syncs/alerts/index.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

const { project, cleanup } = tempProject({
  alerts: {
    baseUrl: 'https://cdp.example.com',
    channels: { team: { type: 'slack', url: { env: 'SLACK_URL' } }, oncall: { type: 'email', to: ['a@example.com', 'b@example.com'], from: 'cdp@example.com', smtp: { host: 'smtp.example.com' } } },
    rules: [{ on: 'failure', to: ['team'] }],
    syncs: { crm: [{ on: 'stale', hours: 12, to: ['oncall'] }] },
  },
});
let t: TestApp;
beforeAll(async () => {
  t = await testApp(project);
});
afterAll(async () => {
  await t.ctx.scheduler.stop();
  await cleanup();
});

it('GET /api/alerts: rules and channels without secrets or addresses, and what is firing', async () => {
  await new AlertLedger(t.ctx.knex).claimFiring({ kind: 'failure', sync: 'crm' }, 'boom', { title: 'Sync crm failed', link: 'https://cdp.example.com/syncs/crm?run=1' });
  const res = await request(t.app).get('/api/alerts').set('Authorization', `Bearer ${t.tokens.viewer}`).expect(200);
  expect(res.body).toMatchObject({
    configured: true,
    baseUrl: 'https://cdp.example.com',
    channels: [
      { name: 'team', type: 'slack', recipients: 1 },
      { name: 'oncall', type: 'email', recipients: 2 },
    ],
    rules: [
      { scope: 'workspace', on: 'failure', threshold: null, to: ['team'] },
      { scope: 'crm', on: 'stale', threshold: 12, to: ['oncall'] },
    ],
    firing: [{ kind: 'failure', sync: 'crm', title: 'Sync crm failed', link: 'https://cdp.example.com/syncs/crm?run=1', sends: 1 }],
  });
  expect(JSON.stringify(res.body)).not.toMatch(/SLACK_URL|a@example\.com/);
});
