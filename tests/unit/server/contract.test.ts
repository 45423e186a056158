import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildIdentity } from '../../../src/identity/index.js';
import { HttpError } from '../../../src/server/errors.js';
import { bodyRequired, errorStatuses } from '../../../src/server/openapi.js';
import { routeTable } from '../../../src/server/index.js';
import { checkResponse } from '../../../src/server/response-check.js';
import { route, type AnyRouteSpec } from '../../../src/server/routing.js';
import { API_TYPES_FILE, generateApiTypes } from '../../../scripts/api-types.js';
import { servedFixture } from './fixture.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

/** A JSON object walked by key (the document is checked by the validators, not by this type). */
type Json = Record<string, unknown>;

/** The value at a path of keys; fails the test when a key is missing. */
function at(value: unknown, ...keys: string[]): Json {
  let node = value;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`no ${key} in ${keys.join('.')}`);
    node = (node as Json)[key];
  }
  return node as Json;
}

/**
 * The API contract: every route declares the body it answers with (a zod schema), the OpenAPI
 * document made from the route table describes every body and error, validates with two
 * independent validators, and the web UI's generated types are that document's, fresh.
 * That every answer matches its schema is checked on every request of the test suite
 * (CDP_CHECK_RESPONSES, vitest.config.ts); the last tests show the check bites.
 */
describe('API contract', () => {
  const { project, cleanup } = tempProject();
  let t: TestApp;
  let specs: readonly AnyRouteSpec[];
  let doc: Json;
  const operations = () =>
    Object.entries(at(doc, 'paths')).flatMap(([path, methods]) => Object.entries(methods as Json).map(([method, op]) => ({ path, method, op: op as Json })));

  beforeAll(async () => {
    t = await testApp(project);
    specs = routeTable(t.app);
    doc = (await request(t.app).get('/api/openapi.json')).body as Json;
  });
  afterAll(cleanup);

  it('every route that answers with a body declares its response schema', () => {
    const missing = specs.filter((spec) => spec.status !== 204 && spec.status !== 303 && !spec.response).map((spec) => `${spec.method.toUpperCase()} ${spec.path}`);
    expect(missing, 'add `response: <zod schema>` to these routes (src/server/schemas)').toEqual([]);
  });

  it('validates as OpenAPI 3.1 (swagger-parser and redocly)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config: await createConfig({ extends: ['minimal'] }) });
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('describes every success body (no `{}`), with named components and the recursive audience `where`', () => {
    const empty = operations()
      .filter(({ op }) =>
        Object.entries(at(op, 'responses')).some(([code, r]) => code.startsWith('2') && 'content' in (r as Json) && Object.values(at(r, 'content') as Record<string, Json>).some((media) => JSON.stringify(media.schema) === '{}')),
      )
      .map(({ method, path }) => `${method} ${path}`);
    expect(empty).toEqual([]);
    // Non-JSON bodies are documented with their own media type (the members CSV download).
    expect(Object.keys(at(doc, 'paths', '/api/audiences/{name}/members.csv', 'get', 'responses', '200', 'content') as Json)).toEqual(['text/csv']);
    const names = Object.keys(at(doc, 'components', 'schemas'));
    expect(names.filter((n) => /^(__schema|Schema\d)/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['SyncDetail', 'AudienceDetail', 'Condition', 'PropertyFilter', 'Error', 'Health']));
    const condition = at(doc, 'components', 'schemas', 'Condition');
    expect(JSON.stringify(at(condition, 'anyOf', '0'))).toContain('"$ref":"#/components/schemas/Condition"');
    const body = at(doc, 'paths', '/api/audiences', 'post', 'requestBody', 'content', 'application/json', 'schema');
    expect(at(body, 'properties', 'where')).toEqual({ $ref: '#/components/schemas/Condition' });
    // An event's property filter is recursive too.
    expect(JSON.stringify(condition)).toContain('"$ref":"#/components/schemas/PropertyFilter"');
  });

  it('request bodies: an example that the route accepts, and `required` only where the server needs a body', async () => {
    const withBody = specs.filter((spec) => spec.body);
    const noExample = withBody.filter((spec) => spec.example === undefined).map((spec) => `${spec.method} ${spec.path}`);
    expect(noExample, 'add `example` to these routes').toEqual([]);
    for (const spec of withBody) {
      const parsed = spec.body!.safeParse(spec.example);
      expect(parsed.success, `${spec.method} ${spec.path}: ${parsed.error?.message}`).toBe(true);
      const op = at(doc, 'paths', spec.path.replace(/:(\w+)/g, '{$1}'), spec.method);
      expect(at(op, 'requestBody', 'content', 'application/json').example).toEqual(spec.example);
      expect(at(op, 'requestBody').required, `${spec.method} ${spec.path}`).toBe(bodyRequired(spec));
    }
    expect(at(doc, 'paths', '/api/users', 'post', 'requestBody').required).toBe(true);
    expect(at(doc, 'paths', '/api/syncs/{name}/run', 'post', 'requestBody').required).toBe(false);
    // What the document says is what the server does: no body is a 400 only where it is required.
    const admin = `Bearer ${t.tokens.admin}`;
    const users = await request(t.app).post('/api/users').set('Authorization', admin);
    expect(users.status).toBe(400);
    expect(users.body.error.path).toMatch(/^body/);
    const run = await request(t.app).post('/api/runs').set('Authorization', admin);
    expect(run.status).not.toBe(400);
  });

  it('documents the 4XX answers each route gives', () => {
    const statuses = (path: string, method: string) => Object.keys(at(doc, 'paths', path, method, 'responses'));
    expect(statuses('/api/users', 'post')).toEqual(['201', '400', '401', '403', '409', '413', 'default']);
    expect(statuses('/api/audiences/{name}', 'get')).toEqual(['200', '400', '401', '403', '404', 'default']);
    expect(statuses('/api/auth/me', 'get')).toEqual(['200', '401', 'default']);
    expect(statuses('/api/health', 'get')).toEqual(['200', '503', 'default']);
    for (const { path, method, op } of operations()) {
      const spec = specs.find((s) => s.method === method && s.path.replace(/:(\w+)/g, '{$1}') === path)!;
      for (const code of errorStatuses(spec)) {
        expect(at(op, 'responses', String(code), 'content', 'application/json').schema, `${method} ${path} ${code}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    // 409s as they happen: a duplicate user.
    expect(errorStatuses(specs.find((s) => s.method === 'post' && s.path === '/api/users')!)).toContain(409);
  });

  it('a wrong method on an existing path → 405 with Allow; an unknown path is still 404', async () => {
    const admin = `Bearer ${t.tokens.admin}`;
    const patch = await request(t.app).patch('/api/audiences').set('Authorization', admin).send({});
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD, POST');
    expect(patch.body.error).toMatchObject({ code: 'METHOD_NOT_ALLOWED', path: null });
    const del = await request(t.app).delete('/api/health');
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    const post = await request(t.app).post('/api/users/7').set('Authorization', admin).send({});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('DELETE, GET, HEAD, PATCH');
    expect((await request(t.app).get('/api/nothing-here').set('Authorization', admin)).status).toBe(404);
  });

  it('health answers 503 with the body its document promises once the service stops accepting', async () => {
    const spec = specs.find((s) => s.path === '/api/health')!;
    const ok = await request(t.app).get('/api/health');
    expect(ok.status).toBe(200);
    expect(spec.response!.parse(ok.body)).toMatchObject({ status: 'ok' });
    await t.ctx.scheduler.stop();
    const degraded = await request(t.app).get('/api/health');
    expect(degraded.status).toBe(503);
    expect(spec.alsoAnswers![503]!.schema.parse(degraded.body)).toMatchObject({ status: 'degraded', accepting: false });
    expect(at(doc, 'paths', '/api/health', 'get', 'responses', '503', 'content', 'application/json').schema).toEqual({ $ref: '#/components/schemas/Health' });
  });

  it('the web UI types are generated from this document and are fresh; no success body reads as `unknown`', async () => {
    const generated = await generateApiTypes(doc);
    expect(readFileSync(API_TYPES_FILE, 'utf8') === generated, 'web/src/lib/api-types.ts is stale: run `npm run api-types`').toBe(true);
    // Every success answer with a body is a named or described type, never unknown.
    const unknownBodies = [...generated.matchAll(/^\s+(20\d): \{\n(?:.*\n){0,6}?\s+"application\/json": unknown;/gm)].map((m) => m[0]);
    expect(unknownBodies).toEqual([]);
    expect(generated).toContain('"application/json": components["schemas"]["SyncDetail"]');
  });

  it('an answer that does not match its schema is a 500 naming the route and the field', () => {
    const spec = route({ method: 'get', path: '/api/x', access: 'read', tag: 't', summary: 's', response: z.object({ n: z.number() }), handler: () => ({ n: 1 }) });
    expect(() => checkResponse(spec, { n: 1 })).not.toThrow();
    expect(() => checkResponse(spec, { n: 10n })).not.toThrow();
    const wrong = (() => {
      try {
        checkResponse(spec, { n: 'one' });
      } catch (error) {
        return error;
      }
    })() as HttpError;
    expect(wrong).toBeInstanceOf(HttpError);
    expect(wrong.status).toBe(500);
    expect(wrong.message).toMatch(/GET \/api\/x does not match its response schema at n/);
    const extra = (() => {
      try {
        checkResponse(spec, { n: 1, secret: 'x' });
      } catch (error) {
        return error;
      }
    })() as HttpError;
    expect(extra.message).toMatch(/fields its response schema does not declare/);
    expect(extra.hint).toBe('undeclared: secret');
  });
});

/**
 * Answers the rest of the suite does not reach, checked against their schemas here (the check is
 * on in every test: a mismatch would be a 500, not the status asserted).
 */
describe('answers conform to their schemas on a built warehouse', () => {
  const fixture = servedFixture();
  let t: TestApp;
  let admin: string;
  beforeAll(() => {
    t = fixture.app();
    admin = fixture.bearer('admin');
  });

  it('users, secrets, audiences, syncs, identity', async () => {
    const send = async (method: 'get' | 'post' | 'put', path: string, body?: object) => {
      const res = await request(t.app)[method](path).set('Authorization', admin).send(body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body as Json;
    };
    const user = await send('post', '/api/users', { email: 'sam@example.com', role: 'marketer', name: 'Sam' });
    expect(await send('get', `/api/users/${String(user.id)}`)).toMatchObject({ email: 'sam@example.com', role: 'marketer' });
    expect(await send('put', '/api/secrets/crm-key', { value: 'sk_test' })).toEqual({ name: 'crm-key', set: true });
    await send('post', '/api/audiences', { name: 'germans', where: { all: [{ trait: 'country', op: 'eq', value: 'DE' }, { event: 'order_completed', where: { property: 'amount', op: 'gt', value: 10 } }] } });
    expect(await send('get', '/api/audiences/germans/sql?dialect=snowflake')).toEqual({ sql: expect.stringContaining('SELECT'), executed: expect.stringContaining('SELECT') });
    await send('post', '/api/destinations', { name: 'hook', type: 'webhook', config: { url: 'https://hooks.example/hook' } });
    await send('post', '/api/syncs', { name: 'germans_hook', from: { audience: 'germans' }, destination: 'hook', fields: { email: 'email' } });
    expect(await send('put', '/api/syncs/germans_hook', { from: { audience: 'germans' }, destination: 'hook', mode: 'mirror', fields: { email: 'email' }, schedule: null })).toMatchObject({ mode: 'mirror' });
    // explain reads the identity build's own tables: build them for real from the raw tables.
    await buildIdentity(fixture.project);
    expect(await send('get', '/api/identity/explain?id_type=email&value=Bob@Example.com')).toMatchObject({ idType: 'email', normalized: 'bob@example.com' });
  });
});
