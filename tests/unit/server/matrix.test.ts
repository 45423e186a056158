import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../../src/auth/index.js';
import { roleMayAccess, routeTable } from '../../../src/server/index.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every route Express itself has registered (walking nested routers), as "METHOD path". */
function expressRoutes(app: Express): string[] {
  const out: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${layer.route.path}`);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.sort();
}

/** Fills path parameters with values no resource has. */
function concrete(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => (/id$/i.test(name) ? '987654' : `no-such-${name.toLowerCase()}`));
}

function send(app: Express, method: string, path: string, token?: string) {
  const agent = request(app);
  const call =
    method === 'GET' ? agent.get(path) : method === 'POST' ? agent.post(path) : method === 'PUT' ? agent.put(path) : method === 'PATCH' ? agent.patch(path) : agent.delete(path);
  if (token) call.set('Authorization', `Bearer ${token}`);
  // An array is no route's valid body: allowed roles get a 400 and nothing runs or changes.
  if (method !== 'GET') call.send([]);
  return call;
}

describe('route × role matrix', () => {
  const { project, cleanup } = tempProject();
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(project);
  });
  afterAll(cleanup);

  it('every Express API route is declared with an access rule (nothing escapes the matrix)', () => {
    const declared = routeTable(t.app).map((spec) => `${spec.method.toUpperCase()} ${spec.path}`).sort();
    expect(expressRoutes(t.app).filter((r) => /^\/(api|v1)\//.test(r.split(' ')[1]!))).toEqual(declared);
    expect(declared.length).toBeGreaterThan(30);
  });

  it('unauthenticated → 401 on every non-public route; public routes answer', async () => {
    for (const spec of routeTable(t.app)) {
      const res = await send(t.app, spec.method.toUpperCase(), concrete(spec.path));
      // Browser sign-in routes (SSO) answer with a redirect, even when SSO is not configured.
      if (spec.access === 'public') expect([200, 303, 400], `${spec.method} ${spec.path}`).toContain(res.status);
      else {
        expect(res.status, `${spec.method} ${spec.path}`).toBe(401);
        expect(res.body.error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('a bad bearer token is 401, never a fallback', async () => {
    const res = await request(t.app).get('/api/audiences').set('Authorization', 'Bearer cdp_not-a-real-token');
    expect(res.status).toBe(401);
  });

  it('every role × every route: 403 exactly when the role lacks the permission', async () => {
    const seen: string[] = [];
    for (const spec of routeTable(t.app)) {
      for (const role of ROLES) {
        const res = await send(t.app, spec.method.toUpperCase(), concrete(spec.path), t.tokens[role]);
        const label = `${role} ${spec.method.toUpperCase()} ${spec.path} → ${res.status} ${JSON.stringify(res.body)}`;
        const allowed = roleMayAccess(role, spec.access);
        if (spec.access === 'writeKey') {
          // No session or API token of any role passes a write-key route: only a source's write key does.
          expect(allowed, label).toBe(false);
          expect(res.status, label).toBe(401);
          expect(res.body.error.code, label).toBe('UNAUTHENTICATED');
        } else if (allowed) {
          expect(res.status, label).not.toBe(401);
          expect(res.status, label).not.toBe(403);
          expect(res.status === 501 || res.status < 500, label).toBe(true);
        } else {
          expect(res.status, label).toBe(403);
          expect(res.body.error.code, label).toBe('FORBIDDEN');
        }
        seen.push(`${role}:${spec.path}`);
      }
    }
    expect(seen.length).toBe(routeTable(t.app).length * ROLES.length);
  });

  it('write-key routes: a source\'s write key passes, nothing else does, and no role token is taken for one', async () => {
    const writeKeyRoutes = routeTable(t.app).filter((spec) => spec.access === 'writeKey');
    expect(writeKeyRoutes.map((s) => s.path)).toEqual(expect.arrayContaining(['/v1/track', '/v1/batch', '/v1/t', '/v1/projects/:writeKey/settings', '/v1/webhooks/:sourceName']));
    const key = await t.ctx.collect.keys.create('matrix', 'test');
    for (const spec of writeKeyRoutes) {
      const path = spec.path.replace(':writeKey', key).replace(':sourceName', 'matrix');
      const call = spec.method === 'get' ? request(t.app).get(path) : request(t.app).post(path).send({});
      const res = await call.auth(key, '');
      const label = `${spec.method} ${spec.path} → ${res.status} ${JSON.stringify(res.body)}`;
      // Authenticated: whatever the answer (an empty message is a 400), it is not a 401/403.
      expect([200, 400], label).toContain(res.status);
    }
    await t.ctx.collect.keys.delete('matrix');
  });

  it('the matrix matches the role descriptions', () => {
    const accessOf = (method: string, path: string) => routeTable(t.app).find((s) => s.method === method && s.path === path)!.access;
    // viewer: read only
    expect(roleMayAccess('viewer', accessOf('get', '/api/audiences'))).toBe(true);
    expect(roleMayAccess('viewer', accessOf('post', '/api/audiences'))).toBe(false);
    expect(roleMayAccess('viewer', accessOf('get', '/api/profiles'))).toBe(false);
    // marketer: audiences, syncs, profiles — not destinations, not model runs
    expect(roleMayAccess('marketer', accessOf('post', '/api/audiences'))).toBe(true);
    expect(roleMayAccess('marketer', accessOf('post', '/api/destinations'))).toBe(false);
    expect(roleMayAccess('marketer', accessOf('post', '/api/runs'))).toBe(false);
    expect(roleMayAccess('marketer', accessOf('get', '/api/profiles'))).toBe(true);
    // editor: models, destinations, syncs — not audiences, not users
    expect(roleMayAccess('editor', accessOf('post', '/api/runs'))).toBe(true);
    expect(roleMayAccess('editor', accessOf('post', '/api/destinations'))).toBe(true);
    expect(roleMayAccess('editor', accessOf('post', '/api/audiences'))).toBe(false);
    expect(roleMayAccess('editor', accessOf('get', '/api/users'))).toBe(false);
    // admin only
    expect(roleMayAccess('admin', accessOf('get', '/api/audit'))).toBe(true);
    expect(roleMayAccess('editor', accessOf('get', '/api/audit'))).toBe(false);
  });
});
