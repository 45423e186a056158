/**
 * The Sources API: write keys created and rotated by admins (stored encrypted, shown once, old
 * key refused at once), traffic and rejections per source, the live debugger behind pii:read.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, testApp, type TestApp } from './helpers.js';

describe('Sources API', () => {
  const { project, cleanup } = tempProject({ collect: { writeKeys: { backend: { env: 'CDP_TEST_BACKEND_KEY' } } } });
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(project, { env: { CDP_TEST_BACKEND_KEY: 'backend-key-from-env' } });
  });
  afterAll(async () => {
    await t.ctx.collect.close();
    await cleanup();
  });

  const send = (key: string, body: unknown = { userId: 'u1', event: 'Clicked', properties: { email: 'pii@example.com' } }) =>
    request(t.app).post('/v1/track').auth(key, '').send(body as object);
  const as = (role: 'admin' | 'editor' | 'viewer') => ({ Authorization: `Bearer ${t.tokens[role]}` });

  it('an admin creates a source: the key is shown once, works at once, and is stored encrypted', async () => {
    const created = await request(t.app).post('/api/sources').set(as('admin')).send({ name: 'app' });
    expect(created.status).toBe(201);
    const key = created.body.writeKey as string;
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await send(key)).status).toBe(200);
    const stored = await t.ctx.knex('secrets').where({ name: 'collect:app' }).first<{ ciphertext: string }>('ciphertext');
    expect(stored!.ciphertext).not.toContain(key);
    const list = await request(t.app).get('/api/sources').set(as('viewer'));
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.sources).toEqual([
      expect.objectContaining({ name: 'app', origin: 'ui', set: true }),
      expect.objectContaining({ name: 'backend', origin: 'env', ref: 'CDP_TEST_BACKEND_KEY', set: true }),
    ]);
    const app = (list.body.sources as Array<{ name: string; eventsPerMinute: number[] }>).find((s) => s.name === 'app')!;
    expect(app.eventsPerMinute).toHaveLength(60);
    expect(app.eventsPerMinute.at(-1)).toBe(1);
    // Not listed with the secrets referenced from sync files.
    const secrets = await request(t.app).get('/api/secrets').set(as('admin'));
    expect(secrets.body).toEqual([]);
    const again = await request(t.app).post('/api/sources').set(as('admin')).send({ name: 'app' });
    expect(again.status).toBe(409);
  });

  it('rotation: the old key is refused at once, the new one works; env keys are rotated where they are set', async () => {
    const created = await request(t.app).post('/api/sources').set(as('admin')).send({ name: 'rotating' });
    const old = created.body.writeKey as string;
    const rotated = await request(t.app).post('/api/sources/rotating/rotate').set(as('admin'));
    expect(rotated.status).toBe(200);
    expect(rotated.body.writeKey).not.toBe(old);
    expect((await send(old)).status).toBe(401);
    expect((await send(rotated.body.writeKey as string)).status).toBe(200);
    const env = await request(t.app).post('/api/sources/backend/rotate').set(as('admin'));
    expect(env.status).toBe(409);
    expect(env.body.error.message).toContain('CDP_TEST_BACKEND_KEY');
    expect((await send('backend-key-from-env')).status).toBe(200);
    expect((await request(t.app).post('/api/sources/rotating/rotate').set(as('editor'))).status).toBe(403);
    expect((await request(t.app).delete('/api/sources/rotating').set(as('admin'))).status).toBe(204);
    expect((await send(rotated.body.writeKey as string)).status).toBe(401);
  });

  it('the live debugger shows payloads to pii:read only; rejections are counted by reason', async () => {
    const events = await request(t.app).get('/api/sources/events').set(as('editor'));
    expect(events.status).toBe(200);
    expect(events.body.events[0]).toMatchObject({ type: 'track', event: 'Clicked', properties: { email: 'pii@example.com' } });
    expect((await request(t.app).get('/api/sources/events').set(as('viewer'))).status).toBe(403);
    const backendOnly = await request(t.app).get('/api/sources/events').query({ source: 'backend' }).set(as('admin'));
    expect(new Set((backendOnly.body.events as Array<{ source: string }>).map((e) => e.source))).toEqual(new Set(['backend']));
    const list = await request(t.app).get('/api/sources').set(as('viewer'));
    expect(list.body.rejections).toEqual([expect.objectContaining({ reason: 'unauthorized', status: 401, count: 2 })]);
  });
});
