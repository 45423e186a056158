import request from 'supertest';
import { gzipSync } from 'node:zlib';
import { it } from 'vitest';
import { buildFixture, fixtureConfig } from './fixture.js';
import { tempProject, testApp } from './helpers.js';

it('probe', async () => {
  const { project, cleanup } = tempProject(fixtureConfig);
  await buildFixture(project);
  const t = await testApp(project);
  const admin = `Bearer ${t.tokens.admin}`;
  const show = (label: string, r: request.Response) => console.log(label, r.status, JSON.stringify(r.body).slice(0, 300));
  show('nul name', await request(t.app).post('/api/audiences').set('Authorization', admin).send({ name: 'a\u0000b', where: { trait: 'country', op: 'eq', value: 'DE' } }));
  show('nul value', await request(t.app).post('/api/audiences/count').set('Authorization', admin).send({ definition: { where: { trait: 'country', op: 'eq', value: 'D\u0000E' } } }));
  let deep: unknown = { trait: 'country', op: 'eq', value: 'DE' };
  for (let i = 0; i < 1000; i++) deep = { not: deep };
  show('deep', await request(t.app).post('/api/audiences/count').set('Authorization', admin).send({ definition: { where: deep } }));
  show('gzip', await request(t.app).post('/api/audiences/count').set('Authorization', admin).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{"definition":{}}'));
  show('gzip ok', await request(t.app).post('/api/audiences/count').set('Authorization', admin).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(gzipSync('{"definition":{"where":{"trait":"country","op":"eq","value":"DE"}}}')));
  await request(t.app).post('/api/audiences').set('Authorization', admin).send({ name: 'base', where: { trait: 'country', op: 'eq', value: 'DE' } });
  const refs = Array.from({ length: 2000 }, () => ({ audience: 'base' }));
  show('2000 refs', await request(t.app).post('/api/audiences/count').set('Authorization', admin).send({ definition: { where: { all: refs } } }));
  await t.ctx.knex('audiences').insert({ id: 'x', name: 'broken', definition: '{not json', created_by: null, created_at: new Date(), updated_at: new Date() });
  show('list', await request(t.app).get('/api/audiences').set('Authorization', admin));
  show('runs', await request(t.app).post('/api/runs').set('Authorization', admin).send({ select: '+++' }));
  show('cron6', await request(t.app).post('/api/schedules').set('Authorization', admin).send({ cron: '* * * * * *' }));
  await cleanup();
}, 60000);
