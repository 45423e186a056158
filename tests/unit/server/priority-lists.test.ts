import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, fixtureConfig } from './fixture.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

/** Saved priority lists over the API (fixture: p1 Alice DE, p2 Bob US, p3 Carol DE). */
describe('priority list routes', () => {
  const { project, cleanup } = tempProject(fixtureConfig);
  let t: TestApp;
  const as = (role: keyof TestApp['tokens']) => `Bearer ${t.tokens[role]}`;
  beforeAll(async () => {
    await buildFixture(project);
    t = await testApp(project);
    for (const audience of [
      { name: 'everyone', where: { all: [] } },
      { name: 'germans', where: { trait: 'country', op: 'eq', value: 'DE' } },
    ]) {
      expect((await request(t.app).post('/api/audiences').set('Authorization', as('admin')).send(audience)).status).toBe(201);
    }
  });
  afterAll(cleanup);

  it('creates, lists, counts per slot, updates and deletes a list; marketers edit, viewers read', async () => {
    const body = { name: 'offers', description: 'Germans first', priority: ['germans', 'everyone'] };
    expect((await request(t.app).post('/api/priority-lists').set('Authorization', as('viewer')).send(body)).status).toBe(403);
    const created = await request(t.app).post('/api/priority-lists').set('Authorization', as('marketer')).send(body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'offers', origin: 'state', priority: ['germans', 'everyone'], description: 'Germans first' });
    const listed = await request(t.app).get('/api/priority-lists').set('Authorization', as('viewer'));
    expect(listed.body.map((l: { name: string }) => l.name)).toEqual(['offers']);
    // A list is not an audience.
    const audiences = await request(t.app).get('/api/audiences').set('Authorization', as('viewer'));
    expect(audiences.body.map((a: { name: string }) => a.name)).toEqual(['everyone', 'germans']);
    const counts = await request(t.app).get('/api/priority-lists/offers/counts').set('Authorization', as('viewer'));
    expect(counts.body).toEqual({ total: 3, slots: [{ audience: 'germans', count: 2 }, { audience: 'everyone', count: 1 }] });
    const updated = await request(t.app).put('/api/priority-lists/offers').set('Authorization', as('marketer')).send({ priority: ['everyone', 'germans'] });
    expect(updated.status).toBe(200);
    expect((await request(t.app).get('/api/priority-lists/offers/counts').set('Authorization', as('viewer'))).body.slots).toEqual([
      { audience: 'everyone', count: 3 },
      { audience: 'germans', count: 0 },
    ]);
    expect((await request(t.app).delete('/api/priority-lists/offers').set('Authorization', as('marketer'))).status).toBe(204);
    expect((await request(t.app).get('/api/priority-lists/offers').set('Authorization', as('viewer'))).status).toBe(404);
  });

  it('refuses taken names, unknown audiences and duplicates, pointing at the field', async () => {
    const post = (body: object) => request(t.app).post('/api/priority-lists').set('Authorization', as('marketer')).send(body);
    const clash = await post({ name: 'germans', priority: ['everyone'] });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain('already the name of an audience');
    const unknown = await post({ name: 'x', priority: ['germans', 'nobody'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.path).toBe('body.priority[1]');
    const twice = await post({ name: 'x', priority: ['germans', 'germans'] });
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toContain('listed twice');
    expect((await post({ name: 'kept', priority: ['germans'] })).status).toBe(201);
    const audienceClash = await request(t.app).post('/api/audiences').set('Authorization', as('marketer')).send({ name: 'kept', where: { all: [] } });
    expect(audienceClash.status).toBe(409);
    const notList = await request(t.app).get('/api/priority-lists/germans').set('Authorization', as('viewer'));
    expect(notList.status).toBe(404);
    expect(notList.body.error.message).toContain('is an audience, not a priority list');
  });
});
