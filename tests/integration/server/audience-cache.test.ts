import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempProject, testApp, type TestApp } from '../../unit/server/helpers.js';

const M = '•••';

/**
 * Audience counts and previews over HTTP are cached by compiled SQL until the next build: identical
 * concurrent requests share one warehouse query, repeats are answered without one, a build (here a
 * pipeline run through the API) makes the next count see the new data, and the cached sample is
 * masked per request.
 */
describe('audience count/preview cache', () => {
  const { project, cleanup } = tempProject({ privacy: { pii: ['email'] } });
  let t: TestApp;
  let marketer: string;
  let editor: string;
  const queries: string[] = [];
  const countQueries = () => queries.filter((sql) => sql.startsWith('SELECT COUNT(*) AS "n"')).length;
  const previewQueries = () => queries.filter((sql) => sql.startsWith('SELECT COUNT(*) AS "total"')).length;

  beforeAll(async () => {
    const w = await project.warehouse();
    await w.execute('CREATE SCHEMA IF NOT EXISTS cdp');
    await w.execute(`CREATE TABLE cdp.profiles AS SELECT * FROM (VALUES
       ('p1', 'alice@example.com', 'DE', 150.0),
       ('p2', 'bob@example.com', 'US', 99.5),
       ('p3', 'carol@example.com', 'DE', 0.0)) t(profile_id, email, country, lifetime_value)`);
    const query = w.query.bind(w);
    vi.spyOn(w, 'query').mockImplementation((sql, params) => {
      queries.push(sql);
      return query(sql, params);
    });
    // Previews on DuckDB run the funnel and the sample lookup on one session.
    const transaction = w.transaction.bind(w);
    vi.spyOn(w, 'transaction').mockImplementation((work) =>
      transaction((session) =>
        work({
          ...session,
          dialect: session.dialect,
          execute: session.execute.bind(session),
          query: (sql, params) => {
            queries.push(sql);
            return session.query(sql, params);
          },
        }),
      ),
    );
    t = await testApp(project);
    marketer = `Bearer ${t.tokens.marketer}`;
    editor = `Bearer ${t.tokens.editor}`;
  });
  afterAll(async () => {
    await t.ctx.scheduler.stop();
    await cleanup();
  });

  const germans = { where: { trait: 'country', op: 'eq', value: 'DE' } };

  it('identical concurrent counts share one query; repeats and the same audience by name need none', async () => {
    const before = countQueries();
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(t.app).post('/api/audiences/count').set('Authorization', marketer).send({ definition: germans })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.map((a) => a.body.count)).toEqual(Array(8).fill(2));
    expect(countQueries() - before).toBe(1);

    await request(t.app).post('/api/audiences').set('Authorization', marketer).send({ name: 'germans', ...germans }).expect(201);
    const byName = await request(t.app).get('/api/audiences/germans/count').set('Authorization', marketer);
    expect(byName.body.count).toBe(2);
    expect(countQueries() - before).toBe(1);

    // Editing the saved audience compiles to another query: no stale count.
    await request(t.app).put('/api/audiences/germans').set('Authorization', marketer).send({ where: { trait: 'country', op: 'eq', value: 'US' } }).expect(200);
    expect((await request(t.app).get('/api/audiences/germans/count').set('Authorization', marketer)).body.count).toBe(1);
    expect(countQueries() - before).toBe(2);
  });

  it('after a build the count reflects the new data', async () => {
    const draft = { where: { trait: 'lifetime_value', op: 'gte', value: 50 } };
    const count = async () => (await request(t.app).post('/api/audiences/count').set('Authorization', marketer).send({ definition: draft })).body.count;
    expect(await count()).toBe(2);
    // The table changes (as a build would change it), but nothing said a build finished: cached.
    await (await project.warehouse()).execute(`INSERT INTO cdp.profiles VALUES ('p4', 'dan@example.com', 'DE', 75.0)`);
    expect(await count()).toBe(2);

    await request(t.app).post('/api/runs').set('Authorization', editor).send({}).expect(202);
    await t.ctx.scheduler.idle();
    expect(await count()).toBe(3);
  });

  it('a cached preview is masked for a marketer and not for an editor, whichever asked first', async () => {
    const body = { definition: { where: { trait: 'country', op: 'eq', value: 'DE' } }, traits: ['email', 'country'] };
    const before = previewQueries();
    const asEditor = await request(t.app).post('/api/audiences/preview').set('Authorization', editor).send(body);
    expect(asEditor.status).toBe(200);
    expect(asEditor.body).toMatchObject({ count: 3, piiMasked: false });
    expect(asEditor.body.sample.map((r: { email: string }) => r.email)).toEqual(['alice@example.com', 'carol@example.com', 'dan@example.com']);

    const asMarketer = await request(t.app).post('/api/audiences/preview').set('Authorization', marketer).send(body);
    expect(asMarketer.body).toMatchObject({ count: 3, piiMasked: true });
    expect(asMarketer.body.sample).toEqual([
      { profile_id: 'p1', email: `a${M}@e${M}.com`, country: 'DE' },
      { profile_id: 'p3', email: `c${M}@e${M}.com`, country: 'DE' },
      { profile_id: 'p4', email: `d${M}@e${M}.com`, country: 'DE' },
    ]);
    expect(JSON.stringify(asMarketer.body)).not.toMatch(/alice@|carol@|dan@/);

    const again = await request(t.app).post('/api/audiences/preview').set('Authorization', editor).send(body);
    expect(again.body.sample).toEqual(asEditor.body.sample);
    expect(previewQueries() - before).toBe(1);

    // Concurrent: a marketer and an editor joining one query in flight each get their own view.
    const other = { ...body, limit: 1 };
    const [m, e] = await Promise.all([
      request(t.app).post('/api/audiences/preview').set('Authorization', marketer).send(other),
      request(t.app).post('/api/audiences/preview').set('Authorization', editor).send(other),
    ]);
    expect(m.body.sample).toEqual([{ profile_id: 'p1', email: `a${M}@e${M}.com`, country: 'DE' }]);
    expect(e.body.sample).toEqual([{ profile_id: 'p1', email: 'alice@example.com', country: 'DE' }]);
    expect(previewQueries() - before).toBe(2);
  });
});
