import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, testApp, type TestApp } from './helpers.js';

describe('bad input → 4xx with the field path, nothing written', () => {
  const { project, cleanup } = tempProject();
  let t: TestApp;
  let admin: string;
  const counts = async () => ({
    users: Number((await t.ctx.knex('users').count({ n: '*' }))[0]!.n),
    audit: Number((await t.ctx.knex('audit_log').count({ n: '*' }))[0]!.n),
    destinations: Number((await t.ctx.knex('destinations').count({ n: '*' }))[0]!.n),
    secrets: Number((await t.ctx.knex('secrets').count({ n: '*' }))[0]!.n),
  });
  beforeAll(async () => {
    t = await testApp(project);
    admin = `Bearer ${t.tokens.admin}`;
  });
  afterAll(cleanup);

  it('malformed JSON → 400 MALFORMED_JSON at body', async () => {
    const before = await counts();
    const res = await request(t.app).post('/api/users').set('Authorization', admin).set('Content-Type', 'application/json').send('{"email": "a@b.c", ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'MALFORMED_JSON', message: 'the request body is not valid JSON', path: 'body', hint: expect.any(String) } });
    expect(await counts()).toEqual(before);
  });

  it('wrong types → 400 INVALID_INPUT naming the field', async () => {
    const before = await counts();
    const res = await request(t.app).post('/api/users').set('Authorization', admin).send({ email: 'new@example.com', role: 'superuser', password: 'long-enough-password' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(res.body.error.path).toBe('body.role');
    const email = await request(t.app).post('/api/users').set('Authorization', admin).send({ email: 42, role: 'viewer' });
    expect(email.body.error.path).toBe('body.email');
    const short = await request(t.app).post('/api/users').set('Authorization', admin).send({ email: 'x@example.com', role: 'viewer', password: 'short' });
    expect(short.body.error.path).toBe('body.password');
    const extra = await request(t.app).post('/api/users').set('Authorization', admin).send({ email: 'x@example.com', role: 'viewer', isAdmin: true });
    expect(extra.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('wrong query and path types → 400 naming query./params. fields', async () => {
    const q = await request(t.app).get('/api/audit').query({ limit: 'many' }).set('Authorization', admin);
    expect(q.status).toBe(400);
    expect(q.body.error.path).toBe('query.limit');
    const p = await request(t.app).get('/api/users/abc').set('Authorization', admin);
    expect(p.status).toBe(400);
    expect(p.body.error.path).toBe('params.id');
    const since = await request(t.app).get('/api/audit').query({ since: 'yesterday-ish' }).set('Authorization', admin);
    expect(since.body.error.path).toBe('query.since');
  });

  it('oversized body → 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await counts();
    const res = await request(t.app)
      .post('/api/users')
      .set('Authorization', admin)
      .send({ email: 'big@example.com', role: 'viewer', name: 'x'.repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', path: 'body' });
    expect(await counts()).toEqual(before);
  });

  it('unknown ids → 404 with the parameter path; unknown routes → 404', async () => {
    const user = await request(t.app).get('/api/users/424242').set('Authorization', admin);
    expect(user.status).toBe(404);
    expect(user.body.error).toMatchObject({ code: 'NOT_FOUND', path: 'params.id' });
    const dest = await request(t.app).get('/api/destinations/nope').set('Authorization', admin);
    expect(dest.status).toBe(404);
    expect(dest.body.error.path).toBe('params.name');
    const del = await request(t.app).delete('/api/tokens/999').set('Authorization', admin);
    expect(del.status).toBe(404);
    const route = await request(t.app).get('/api/nothing-here').set('Authorization', admin);
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('NOT_FOUND');
  });

  it('duplicates → 409 CONFLICT, nothing written', async () => {
    const before = await counts();
    const res = await request(t.app).post('/api/users').set('Authorization', admin).send({ email: 'EDITOR@example.com', role: 'viewer' });
    expect(res.status).toBe(409);
    expect(res.body.error.path).toBe('body.email');
    expect(await counts()).toEqual(before);
  });

  it('a body on a route that takes none → 400', async () => {
    const res = await request(t.app).post('/api/auth/logout').set('Authorization', admin).send({ surprise: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.path).toBe('body');
  });

  it('every error response has exactly {error: {code, message, path}} (plus an optional hint)', async () => {
    for (const res of [
      await request(t.app).get('/api/users/abc').set('Authorization', admin),
      await request(t.app).get('/api/users'),
      await request(t.app).get('/api/users').set('Authorization', `Bearer ${t.tokens.viewer}`),
    ]) {
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(Object.keys(res.body.error).sort()).toEqual(expect.arrayContaining(['code', 'message', 'path']));
      expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'path', 'hint'].includes(k))).toBe(true);
    }
  });

  it('OpenAPI document lists every route with its access rule', async () => {
    const res = await request(t.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/api/users/{id}'].patch['x-cdp-access']).toBe('users:manage');
    expect(res.body.paths['/api/users'].post.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['admin', 'editor', 'marketer', 'viewer']);
    expect(res.body.paths['/api/health'].get.security).toEqual([]);
  });
});
