import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { fakeJobs, type RunRecord } from './fake-jobs.js';
import { tempProject, TEST_KEY } from './helpers.js';

describe('cdp serve', () => {
  const { project, cleanup } = tempProject();
  const runs: RunRecord[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    const web = project.path('web-dist');
    mkdirSync(`${web}/assets`, { recursive: true });
    writeFileSync(`${web}/index.html`, '<!doctype html><title>CDP</title>');
    writeFileSync(`${web}/assets/app.js`, 'console.log(1)');
    server = await startServer(project, {
      port: 0,
      webDir: web,
      logger: pino({ level: 'silent' }),
      secretKey: TEST_KEY,
      env: { CDP_ADMIN_EMAIL: 'Boss@Example.com', CDP_ADMIN_PASSWORD: 'first-admin-password' },
      jobs: fakeJobs({ owner: 'serve', runs, syncs: [{ name: 'slow', schedule: null }], ms: 800 }),
    });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('creates the first admin from the environment, once', async () => {
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'boss@example.com', password: 'first-admin-password' }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { role: string } }).user.role).toBe('admin');
    expect(await server.context.users.count()).toBe(1);
  });

  it('serves the built UI with an SPA fallback; /api stays JSON', async () => {
    const root = await fetch(`${server.url}/`);
    expect(root.headers.get('content-type')).toMatch(/text\/html/);
    expect(await root.text()).toContain('<title>CDP</title>');
    const deep = await fetch(`${server.url}/audiences/germans/edit`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<title>CDP</title>');
    const asset = await fetch(`${server.url}/assets/app.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const api = await fetch(`${server.url}/api/nope`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('graceful shutdown: a running job finishes, its lease is released, then the server stops', async () => {
    await server.context.scheduler.runNow('sync:slow', { type: 'user', id: '1', email: null });
    const knex = server.context.knex;
    expect(await knex('scheduler_locks').count({ n: '*' })).toEqual([{ n: 1 }]);
    const locks = await server.close().then(() => 'closed');
    expect(locks).toBe('closed');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.end).toBeGreaterThan(0);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  });
});
