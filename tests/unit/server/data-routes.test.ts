import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { servedFixture } from './fixture.js';
import type { TestApp } from './helpers.js';

describe('identity, profiles and audiences routes on a built warehouse', () => {
  const fixture = servedFixture();
  let t: TestApp;
  let marketer: string;
  beforeAll(() => {
    t = fixture.app();
    marketer = fixture.bearer('marketer');
  });

  it('identity stats', async () => {
    const res = await request(t.app).get('/api/identity/stats').set('Authorization', `Bearer ${t.tokens.viewer}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      built: true,
      profiles: 3,
      identifiers: 7,
      records: 9,
      merges: 1,
      multiSourceProfiles: 2,
      identifiersPerProfile: { avg: 2.33, max: 3 },
      byIdType: [
        { idType: 'anonymous_id', identifiers: 1, profiles: 1 },
        { idType: 'crm_id', identifiers: 3, profiles: 3 },
        { idType: 'email', identifiers: 3, profiles: 3 },
      ],
      bySource: [
        { source: 'crm', records: 3, profiles: 3 },
        { source: 'orders', records: 3, profiles: 2 },
        { source: 'web', records: 3, profiles: 1 },
      ],
      build: null,
    });
  });

  it('profile lookup by any identifier, normalised like identity resolution', async () => {
    const res = await request(t.app).get('/api/profiles').query({ id_type: 'email', value: '  ALICE@example.com ' }).set('Authorization', marketer);
    expect(res.status).toBe(200);
    expect(res.body.profileId).toBe('p1');
    expect(res.body.traits).toEqual({ email: 'alice@example.com', first_name: 'Alice', country: 'DE', lifetime_value: 150 });
    expect(res.body.identifiers.map((i: { idType: string; value: string }) => `${i.idType}:${i.value}`)).toEqual(['anonymous_id:a1', 'crm_id:c1', 'email:alice@example.com']);
    expect(res.body.sources).toEqual([
      { source: 'crm', records: 1 },
      { source: 'orders', records: 2 },
      { source: 'web', records: 3 },
    ]);
    expect(res.body.events.map((e: { source: string; event: string }) => `${e.source}:${e.event}`)).toEqual([
      'orders:order_completed',
      'web:signup',
      'web:page_view',
      'web:page_view',
      'orders:order_completed',
    ]);
    expect(res.body.events[0].properties).toEqual({ order_id: 1, email: 'alice@example.com', amount: 120 });
    const byAnon = await request(t.app).get('/api/profiles').query({ id_type: 'anonymous_id', value: 'a1', events: 2 }).set('Authorization', marketer);
    expect(byAnon.body.profileId).toBe('p1');
    expect(byAnon.body.events).toHaveLength(2);
  });

  it('unknown identifiers → 404; unknown id types → 400; merged ids resolve; viewers may not look people up', async () => {
    const none = await request(t.app).get('/api/profiles').query({ id_type: 'email', value: 'nobody@example.com' }).set('Authorization', marketer);
    expect(none.status).toBe(404);
    expect(none.body.error.path).toBe('query.value');
    const type = await request(t.app).get('/api/profiles').query({ id_type: 'shoe_size', value: '9' }).set('Authorization', marketer);
    expect(type.status).toBe(400);
    expect(type.body.error.path).toBe('query.id_type');
    const merged = await request(t.app).get('/api/profiles/p0').set('Authorization', marketer);
    expect(merged.body).toMatchObject({ profileId: 'p1', mergedFrom: 'p0' });
    expect((await request(t.app).get('/api/profiles/zzz').set('Authorization', marketer)).status).toBe(404);
    expect((await request(t.app).get('/api/profiles').query({ id_type: 'email', value: 'alice@example.com' }).set('Authorization', `Bearer ${t.tokens.viewer}`)).status).toBe(403);
  });

  it('audiences: create, count, preview, SQL, overlap, update, delete', async () => {
    const created = await request(t.app)
      .post('/api/audiences')
      .set('Authorization', marketer)
      .send({ name: 'germans', description: 'people in Germany', where: { trait: 'country', op: 'eq', value: 'DE' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'germans', origin: 'state', definition: { where: { trait: 'country', op: 'eq', value: 'DE' } } });

    expect((await request(t.app).get('/api/audiences/germans/count').set('Authorization', `Bearer ${t.tokens.viewer}`)).body.count).toBe(2);
    const list = await request(t.app).get('/api/audiences').query({ counts: 'true' }).set('Authorization', marketer);
    expect(list.body.map((a: { name: string; count: number }) => [a.name, a.count])).toEqual([['germans', 2]]);

    const draft = { where: { all: [{ trait: 'country', op: 'eq', value: 'DE' }, { event: 'order_completed', count: { op: 'gte', value: 2 } }] } };
    expect((await request(t.app).post('/api/audiences/count').set('Authorization', marketer).send({ definition: draft })).body.count).toBe(1);
    const preview = await request(t.app).post('/api/audiences/preview').set('Authorization', marketer).send({ definition: draft, limit: 5 });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ count: 1, total: 3, steps: [{ count: 2 }, { count: 1 }] });
    expect(preview.body.sample.map((r: { profile_id: string }) => r.profile_id)).toEqual(['p1']);
    const sql = await request(t.app).post('/api/audiences/sql').set('Authorization', marketer).send({ definition: draft, dialect: 'postgres' });
    // What runs, and the same laid out for reading by sql-formatter (whitespace only).
    expect(sql.body.executed).toMatch(/^SELECT p\.\*/);
    expect(sql.body.sql).toMatch(/^SELECT\n\s+p\.\*/);
    expect(sql.body.sql.replace(/\s+/g, '')).toBe(sql.body.executed.replace(/\s+/g, ''));
    const overlap = await request(t.app).post('/api/audiences/overlap').set('Authorization', marketer).send({ audiences: ['germans', { name: 'buyers', where: { event: 'order_completed' } }] });
    expect(overlap.status).toBe(200);
    expect(overlap.body.intersections).toEqual([{ audiences: ['germans', 'buyers'], count: 1 }]);

    const updated = await request(t.app).put('/api/audiences/germans').set('Authorization', marketer).send({ where: { trait: 'country', op: 'in', value: ['DE', 'US'] } });
    expect(updated.status).toBe(200);
    expect((await request(t.app).get('/api/audiences/germans/count').set('Authorization', marketer)).body.count).toBe(3);

    expect((await request(t.app).delete('/api/audiences/germans').set('Authorization', marketer)).status).toBe(204);
    expect((await request(t.app).get('/api/audiences/germans').set('Authorization', marketer)).status).toBe(404);
    const actions = (await t.ctx.audit.query({ resourceType: 'audience' })).entries.map((e) => `${e.action}:${e.actor.email}`);
    expect(actions).toEqual(['audience.delete:marketer@example.com', 'audience.update:marketer@example.com', 'audience.create:marketer@example.com']);
  });

  it('bad definitions → 400/422 with the field path, nothing saved', async () => {
    const structure = await request(t.app).post('/api/audiences').set('Authorization', marketer).send({ name: 'bad', where: { all: [{ trait: 'country', op: 'equals', value: 'DE' }] } });
    expect(structure.status).toBe(400);
    expect(structure.body.error.path).toMatch(/^body\.where\.all\[0\]/);
    const unknownTrait = await request(t.app).post('/api/audiences').set('Authorization', marketer).send({ name: 'bad', where: { all: [{ trait: 'shoe_size', op: 'eq', value: 9 }] } });
    expect(unknownTrait.status).toBe(422);
    expect(unknownTrait.body.error).toMatchObject({ code: 'AUDIENCE_INVALID', path: 'body.where.all[0].trait' });
    const draft = await request(t.app).post('/api/audiences/count').set('Authorization', marketer).send({ definition: { where: { trait: 'nope', op: 'is_null' } } });
    expect(draft.status).toBe(422);
    expect(draft.body.error.path).toBe('body.definition.where.trait');
    expect(await t.ctx.knex('audiences').select('*')).toEqual([]);
    expect((await request(t.app).get('/api/audiences/nope/count').set('Authorization', marketer)).status).toBe(404);
  });

  it('catalog of traits and events for the builder', async () => {
    const res = await request(t.app).get('/api/audience-catalog').set('Authorization', marketer);
    expect(res.status).toBe(200);
    expect(res.body.traits).toContainEqual({ name: 'country', kind: 'string', label: 'Country' });
    expect(res.body.events.map((e: { name: string }) => e.name).sort()).toEqual(['order_completed', 'page_view', 'signup']);
  });
});
