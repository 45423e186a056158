import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/auth/index.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

function cookieOf(res: request.Response): string {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = header?.find((c) => c.startsWith('cdp_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

describe('passwords', () => {
  it('scrypt hashes are salted, self-describing and verify only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('sessions and tokens', () => {
  const { project, cleanup } = tempProject();
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(project);
  });
  afterAll(cleanup);

  it('login sets an httpOnly, SameSite=Lax cookie, not Secure over plain http', async () => {
    const res = await request(t.app).post('/api/auth/login').send({ email: 'Marketer@Example.com ', password: 'password-marketer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email: 'marketer@example.com', role: 'marketer' }, via: 'session' });
    expect(res.body.permissions).toEqual(['read', 'profiles:read', 'audiences:write', 'syncs:write', 'syncs:run']);
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    // The store keeps only the token's hash.
    const token = /cdp_session=([^;]+)/.exec(cookie)![1]!;
    const rows = await t.ctx.knex('sessions').select('id');
    expect(rows.some((r: { id: string }) => r.id === token)).toBe(false);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('the cookie is Secure behind an https proxy when trust proxy is on', async () => {
    const { project: p2, cleanup: c2 } = tempProject();
    try {
      const t2 = await testApp(p2, { trustProxy: true });
      const res = await request(t2.app).post('/api/auth/login').set('X-Forwarded-Proto', 'https').send({ email: 'viewer@example.com', password: 'password-viewer' });
      expect(res.status).toBe(200);
      expect(cookieOf(res)).toMatch(/; Secure/);
    } finally {
      await c2();
    }
  });

  it('the session cookie authenticates; logout ends the session', async () => {
    const login = await request(t.app).post('/api/auth/login').send({ email: 'editor@example.com', password: 'password-editor' });
    const cookie = cookieOf(login).split(';')[0]!;
    const me = await request(t.app).get('/api/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body.user.role).toBe('editor');
    const out = await request(t.app).post('/api/auth/logout').set('Cookie', cookie);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/cdp_session=;/);
    expect((await request(t.app).get('/api/auth/me').set('Cookie', cookie)).status).toBe(401);
  });

  it('wrong password and unknown email are the same 401', async () => {
    const wrong = await request(t.app).post('/api/auth/login').send({ email: 'admin@example.com', password: 'nope-nope-nope' });
    const unknown = await request(t.app).post('/api/auth/login').send({ email: 'ghost@example.com', password: 'nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('repeated failures are throttled with 429 and Retry-After', async () => {
    let last: request.Response | undefined;
    for (let i = 0; i < 11; i++) last = await request(t.app).post('/api/auth/login').send({ email: 'throttle@example.com', password: `guess-${i}-xxxxxx` });
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('cookie-authenticated writes from another site are refused; the same origin is fine', async () => {
    const login = await request(t.app).post('/api/auth/login').send({ email: 'admin@example.com', password: 'password-admin' });
    const cookie = cookieOf(login).split(';')[0]!;
    const cross = await request(t.app).post('/api/tokens').set('Cookie', cookie).set('Origin', 'https://evil.example').send({ name: 'x' });
    expect(cross.status).toBe(403);
    const fetchMeta = await request(t.app).post('/api/tokens').set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site').send({ name: 'x' });
    expect(fetchMeta.status).toBe(403);
    const same = await request(t.app).post('/api/tokens').set('Cookie', cookie).set('Host', 'cdp.local:3000').set('Origin', 'http://cdp.local:3000').send({ name: 'same-site' });
    expect(same.status).toBe(201);
  });

  it('API tokens: shown once, stored hashed, revocable; a disabled user’s token stops working', async () => {
    const created = await request(t.app).post('/api/tokens').set('Authorization', `Bearer ${t.tokens.admin}`).send({ name: 'ci', userId: t.userIds.viewer });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^cdp_[A-Za-z0-9_-]{43}$/);
    expect(created.body.role).toBe('viewer');
    const list = await request(t.app).get('/api/tokens').set('Authorization', `Bearer ${t.tokens.admin}`);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(JSON.stringify(await t.ctx.knex('api_tokens').select('*'))).not.toContain(token);
    expect((await request(t.app).get('/api/auth/me').set('Authorization', `Bearer ${token}`)).body.user.role).toBe('viewer');

    const revoke = await request(t.app).delete(`/api/tokens/${created.body.id}`).set('Authorization', `Bearer ${t.tokens.admin}`);
    expect(revoke.status).toBe(204);
    expect((await request(t.app).get('/api/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);

    const other = await t.ctx.tokens.create(t.userIds.marketer, 'm2');
    await request(t.app).patch(`/api/users/${t.userIds.marketer}`).set('Authorization', `Bearer ${t.tokens.admin}`).send({ disabled: true }).expect(200);
    expect((await request(t.app).get('/api/auth/me').set('Authorization', `Bearer ${other.token}`)).status).toBe(401);
    await request(t.app).patch(`/api/users/${t.userIds.marketer}`).set('Authorization', `Bearer ${t.tokens.admin}`).send({ disabled: false }).expect(200);
  });

  it('an expired token is refused', async () => {
    const { token } = await t.ctx.tokens.create(t.userIds.viewer, 'old', new Date(Date.now() - 1000));
    expect((await request(t.app).get('/api/auth/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('the last active admin cannot be demoted, disabled or deleted', async () => {
    const admin = `Bearer ${t.tokens.admin}`;
    const demote = await request(t.app).patch(`/api/users/${t.userIds.admin}`).set('Authorization', admin).send({ role: 'viewer' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.path).toBe('body.role');
    expect((await request(t.app).delete(`/api/users/${t.userIds.admin}`).set('Authorization', admin)).status).toBe(409);
    expect((await t.ctx.users.get(t.userIds.admin))!.role).toBe('admin');
  });

  it('a role change ends the user’s sessions and is audited', async () => {
    const login = await request(t.app).post('/api/auth/login').send({ email: 'viewer@example.com', password: 'password-viewer' });
    const cookie = cookieOf(login).split(';')[0]!;
    await request(t.app).patch(`/api/users/${t.userIds.viewer}`).set('Authorization', `Bearer ${t.tokens.admin}`).send({ role: 'marketer' }).expect(200);
    expect((await request(t.app).get('/api/auth/me').set('Cookie', cookie)).status).toBe(401);
    const audit = await request(t.app).get('/api/audit').query({ action: 'user.update', resourceId: String(t.userIds.viewer) }).set('Authorization', `Bearer ${t.tokens.admin}`);
    expect(audit.body.entries[0]).toMatchObject({ actor: { type: 'token', email: 'admin@example.com' }, details: { role: { from: 'viewer', to: 'marketer' } } });
    await request(t.app).patch(`/api/users/${t.userIds.viewer}`).set('Authorization', `Bearer ${t.tokens.admin}`).send({ role: 'viewer' }).expect(200);
  });
});
