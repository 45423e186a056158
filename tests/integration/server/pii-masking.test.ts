import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, fixtureConfig } from '../../unit/server/fixture.js';
import { tempProject, testApp, type TestApp } from '../../unit/server/helpers.js';

const M = '•••';

/**
 * PII masking by role on a built DuckDB warehouse: `email` and `first_name` are tagged (and the
 * `email` id type, by the same name). Marketers (no `pii:read`) see them masked; editors see them.
 */
describe('PII is masked for roles without pii:read', () => {
  const { project, cleanup } = tempProject({ ...fixtureConfig, privacy: { pii: ['EMAIL', 'first_name'] } });
  let t: TestApp;
  let marketer: string;
  let editor: string;
  let receiver: Server;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    await buildFixture(project);
    mkdirSync(project.path('audiences'), { recursive: true });
    writeFileSync(project.path('audiences', 'germans.yaml'), 'where: { trait: country, op: eq, value: DE }\n');
    mkdirSync(project.path('syncs'), { recursive: true });
    writeFileSync(
      project.path('syncs', 'germans_hook.yaml'),
      `name: germans_hook\nfrom: { audience: germans }\ndestination:\n  type: webhook\n  config: { url: "${url}" }\nfields: { contact: email, name: first_name, land: country }\n`,
    );
    t = await testApp(project);
    marketer = `Bearer ${t.tokens.marketer}`;
    editor = `Bearer ${t.tokens.editor}`;
  });
  afterAll(async () => {
    await t.ctx.scheduler.stop();
    await new Promise((resolve) => receiver.close(resolve));
    await cleanup();
  });

  it('profile lookup: a marketer can search by email, and gets masked traits, identifiers and event properties', async () => {
    const res = await request(t.app).get('/api/profiles').query({ id_type: 'email', value: ' Alice@Example.com ' }).set('Authorization', marketer);
    expect(res.status).toBe(200);
    expect(res.body.profileId).toBe('p1');
    expect(res.body.piiMasked).toBe(true);
    expect(res.body.traits).toEqual({ email: `a${M}@e${M}.com`, first_name: M, country: 'DE', lifetime_value: 150 });
    expect(res.body.identifiers.map((i: { idType: string; value: string }) => `${i.idType}:${i.value}`)).toEqual(['anonymous_id:a1', 'crm_id:c1', `email:a${M}@e${M}.com`]);
    expect(res.body.events[0].properties).toEqual({ order_id: 1, email: `a${M}@e${M}.com`, amount: 120 });
    expect(JSON.stringify(res.body)).not.toMatch(/alice@example\.com|Alice/i);

    const byId = await request(t.app).get('/api/profiles/p2').set('Authorization', marketer);
    expect(byId.body).toMatchObject({ profileId: 'p2', piiMasked: true, traits: { email: `b${M}@e${M}.com`, first_name: M, country: 'US' } });
  });

  it('profile lookup: an editor sees the values', async () => {
    const res = await request(t.app).get('/api/profiles').query({ id_type: 'email', value: 'alice@example.com' }).set('Authorization', editor);
    expect(res.status).toBe(200);
    expect(res.body.piiMasked).toBe(false);
    expect(res.body.traits).toEqual({ email: 'alice@example.com', first_name: 'Alice', country: 'DE', lifetime_value: 150 });
    expect(res.body.identifiers.map((i: { value: string }) => i.value)).toContain('alice@example.com');
    const admin = await request(t.app).get('/api/profiles/p2').set('Authorization', `Bearer ${t.tokens.admin}`);
    expect(admin.body).toMatchObject({ piiMasked: false, traits: { email: 'bob@example.com', first_name: 'Bob' } });
  });

  it('audience preview: the sample is masked for a marketer, not for an editor; counts are the same', async () => {
    const draft = { where: { trait: 'country', op: 'eq', value: 'DE' } };
    const asMarketer = await request(t.app).post('/api/audiences/preview').set('Authorization', marketer).send({ definition: draft, traits: ['email', 'first_name', 'country'] });
    const asEditor = await request(t.app).post('/api/audiences/preview').set('Authorization', editor).send({ definition: draft, traits: ['email', 'first_name', 'country'] });
    expect(asMarketer.status).toBe(200);
    expect(asMarketer.body).toMatchObject({ count: 2, piiMasked: true });
    expect(asMarketer.body.sample).toEqual([
      { profile_id: 'p1', email: `a${M}@e${M}.com`, first_name: M, country: 'DE' },
      { profile_id: 'p3', email: `c${M}@e${M}.com`, first_name: M, country: 'DE' },
    ]);
    expect(asEditor.body).toMatchObject({ count: 2, piiMasked: false });
    expect(asEditor.body.sample).toEqual([
      { profile_id: 'p1', email: 'alice@example.com', first_name: 'Alice', country: 'DE' },
      { profile_id: 'p3', email: 'carol@example.com', first_name: 'Carol', country: 'DE' },
    ]);
    // The saved audience's preview (GET), default columns.
    const saved = await request(t.app).get('/api/audiences/germans/preview').set('Authorization', marketer);
    expect(saved.body.piiMasked).toBe(true);
    expect(JSON.stringify(saved.body.sample)).not.toMatch(/alice@|carol@|"Alice"|"Carol"/);
  });

  it('sync dry-run sample: fields mapped from PII columns are masked for a marketer', async () => {
    const dry = await request(t.app).post('/api/syncs/germans_hook/dry-run').set('Authorization', marketer).send({});
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.piiMasked).toBe(true);
    expect(dry.body.sample.map((r: { fields: Record<string, unknown> }) => r.fields)).toEqual([
      { contact: `a${M}@e${M}.com`, name: M, land: 'DE' },
      { contact: `c${M}@e${M}.com`, name: M, land: 'DE' },
    ]);
    const raw = await request(t.app).post('/api/syncs/germans_hook/dry-run').set('Authorization', editor).send({});
    expect(raw.body.sample.map((r: { fields: Record<string, unknown> }) => r.fields.contact)).toEqual(['alice@example.com', 'carol@example.com']);
  });

  it('sync run lists and row logs tell the UI they are masked', async () => {
    await request(t.app).post('/api/syncs/germans_hook/run').set('Authorization', marketer).send({}).expect(202);
    await t.ctx.scheduler.idle();
    const runs = await request(t.app).get('/api/syncs/germans_hook/runs').set('Authorization', marketer);
    expect(runs.headers['x-cdp-pii-masked']).toBe('true');
    expect(runs.body[0]).toMatchObject({ status: 'success' });
    const rows = await request(t.app).get(`/api/syncs/germans_hook/runs/${runs.body[0].id}/rows`).set('Authorization', marketer);
    expect(rows.headers['x-cdp-pii-masked']).toBe('true');
    expect(rows.body.map((r: { key: string }) => r.key).sort()).toEqual(['p1', 'p3']);
    const asEditor = await request(t.app).get('/api/syncs/germans_hook/runs').set('Authorization', editor);
    expect(asEditor.headers['x-cdp-pii-masked']).toBeUndefined();
  });
});
