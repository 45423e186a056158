import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject, testApp, type TestApp } from './helpers.js';

describe('smoke', () => {
  const { project, cleanup } = tempProject();
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(project);
  });
  afterAll(cleanup);

  it('health', async () => {
    const res = await request(t.app).get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });
  it('me with token', async () => {
    const res = await request(t.app).get('/api/auth/me').set('Authorization', `Bearer ${t.tokens.editor}`);
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('editor');
  });
  it('login', async () => {
    const res = await request(t.app).post('/api/auth/login').send({ email: 'viewer@example.com', password: 'password-viewer' });
    expect(res.status).toBe(200);
    console.log(res.headers['set-cookie']);
    const res2 = await request(t.app).get('/api/openapi.json');
    expect(res2.status).toBe(200);
    console.log(Object.keys(res2.body.paths));
  });
});
