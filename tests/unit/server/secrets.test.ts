import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secretRefSchema } from '../../../src/config/index.js';
import { decryptSecret, encryptSecret, parseSecretKey } from '../../../src/secrets/index.js';
import { SecretStore } from '../../../src/state/index.js';
import type { DestinationCatalog } from '../../../src/server/index.js';
import { captureLogger, tempProject, testApp, TEST_KEY, type TestApp } from './helpers.js';

const SECRET = 'sk_live_TOPSECRET_4f9a7c1e';
const NEW_SECRET = 'sk_live_ROTATED_88d1b2aa';

/** A destination type whose check echoes the key it got in its error (like a careless vendor). */
const fakeCatalog: DestinationCatalog = {
  types: () => ['fakecrm'],
  get: (type) =>
    type === 'fakecrm'
      ? {
          type,
          modes: ['upsert'],
          config: z.object({ url: z.url(), apiKey: secretRefSchema, region: z.enum(['eu', 'us']).default('eu') }).strict(),
          async check(config, resolve) {
            const parsed = config as { apiKey: { secret: string } };
            const key = await resolve(parsed.apiKey, 'apiKey');
            if (key !== NEW_SECRET) throw new Error(`401: invalid api key ${key}`);
          },
          about: { displayName: 'Fake CRM', docs: 'docs/destinations/fakecrm.md', secretFields: ['apiKey'], targetFields: ['url'] },
        }
      : undefined,
  secretFields: () => ['apiKey'],
};

describe('secrets', () => {
  it('AES-256-GCM round trip; tampering, a wrong key or a swapped name fail', () => {
    const stored = encryptSecret(TEST_KEY, 'a', 'hello');
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain('hello');
    expect(encryptSecret(TEST_KEY, 'a', 'hello')).not.toBe(stored);
    expect(decryptSecret(TEST_KEY, 'a', stored)).toBe('hello');
    expect(() => decryptSecret(TEST_KEY, 'b', stored)).toThrow(/cannot be decrypted/);
    expect(() => decryptSecret(parseSecretKey('b'.repeat(64)), 'a', stored)).toThrow(/cannot be decrypted/);
    const parts = stored.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => decryptSecret(TEST_KEY, 'a', parts.join('.'))).toThrow(/cannot be decrypted/);
  });

  it('keys: 64 hex, base64 of 32 bytes, or a passphrase of 16+ characters', () => {
    expect(parseSecretKey('ab'.repeat(32)).key.length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64')).key.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(parseSecretKey('a long passphrase here').key.length).toBe(32);
    expect(() => parseSecretKey('short')).toThrow(/too short/);
  });
});

describe('destination secrets through the API', () => {
  const { project, cleanup } = tempProject();
  const { logger, lines } = captureLogger();
  let t: TestApp;
  let editor: string;
  beforeAll(async () => {
    t = await testApp(project, { logger });
    t.ctx.destinations.useCatalog(fakeCatalog);
    editor = `Bearer ${t.tokens.editor}`;
  });
  afterAll(cleanup);

  it('are write-only: encrypted at rest, {"set": true} in every response, never in logs or the audit log', async () => {
    const created = await request(t.app)
      .post('/api/destinations')
      .set('Authorization', editor)
      .send({ name: 'crm', type: 'fakecrm', config: { url: 'https://crm.example/api' }, secrets: { apiKey: SECRET } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'crm', type: 'fakecrm', config: { url: 'https://crm.example/api', apiKey: { set: true } }, secretFields: ['apiKey'] });

    const responses = [
      created,
      await request(t.app).get('/api/destinations').set('Authorization', editor),
      await request(t.app).get('/api/destinations/crm').set('Authorization', `Bearer ${t.tokens.viewer}`),
      await request(t.app).get('/api/audit').set('Authorization', `Bearer ${t.tokens.admin}`),
      await request(t.app).post('/api/destinations/crm/test').set('Authorization', editor),
      await request(t.app).get('/api/destination-types').set('Authorization', editor),
    ];
    // The failing check echoed the key; the API scrubbed it.
    expect(responses[4]!.body).toEqual({ ok: false, message: '401: invalid api key [redacted]' });
    for (const res of responses) expect(JSON.stringify(res.body)).not.toContain(SECRET);

    const rows = await t.ctx.knex('secrets').select('*');
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe('destination:crm:apiKey');
    expect(rows[0].ciphertext).not.toContain(SECRET);
    expect(JSON.stringify(await t.ctx.knex('destinations').select('*'))).not.toContain(SECRET);
    expect(await new SecretStore(t.ctx.knex, TEST_KEY).reveal('destination:crm:apiKey')).toBe(SECRET);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it('an update keeps a secret sent back as {"set": true} (same target), rotates one sent in secrets', async () => {
    const keep = await request(t.app)
      .put('/api/destinations/crm')
      .set('Authorization', editor)
      .send({ config: { url: 'https://crm.example/api', apiKey: { set: true }, region: 'us' } });
    expect(keep.status).toBe(200);
    expect(keep.body).toMatchObject({ config: { url: 'https://crm.example/api', apiKey: { set: true }, region: 'us' }, secretsCleared: [] });
    expect(await t.ctx.secrets.reveal('destination:crm:apiKey')).toBe(SECRET);

    const rotate = await request(t.app).put('/api/destinations/crm').set('Authorization', editor).send({ secrets: { apiKey: NEW_SECRET } });
    expect(rotate.status).toBe(200);
    expect(rotate.body.config).toEqual({ url: 'https://crm.example/api', apiKey: { set: true }, region: 'us' });
    const test = await request(t.app).post('/api/destinations/crm/test').set('Authorization', editor);
    expect(test.body).toEqual({ ok: true, message: 'connection works' });
    for (const line of lines) expect(line).not.toContain(NEW_SECRET);
  });

  it('bad destination input → 400 at the field; nothing written', async () => {
    const before = JSON.stringify([await t.ctx.knex('destinations').select('*'), await t.ctx.knex('secrets').select('name', 'ciphertext')]);
    const plain = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'crm2', type: 'fakecrm', config: { url: 'https://x.example', apiKey: 'plaintext-in-config' } });
    expect(plain.status).toBe(400);
    expect(plain.body.error.path).toBe('body.config.apiKey');
    expect(JSON.stringify(plain.body)).not.toContain('plaintext-in-config');
    const url = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'crm2', type: 'fakecrm', config: { url: 'not a url' }, secrets: { apiKey: SECRET } });
    expect(url.body.error.path).toBe('body.config.url');
    const type = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'crm2', type: 'nosuch', config: {} });
    expect(type.body.error.path).toBe('body.type');
    const name = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'Bad Name!', type: 'fakecrm', config: {} });
    expect(name.body.error.path).toBe('body.name');
    const keepMissing = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'crm3', type: 'fakecrm', config: { url: 'https://x.example', apiKey: { set: true } } });
    expect(keepMissing.body.error.path).toBe('body.config.apiKey');
    const dup = await request(t.app).post('/api/destinations').set('Authorization', editor).send({ name: 'crm', type: 'fakecrm', config: { url: 'https://x.example' }, secrets: { apiKey: 'x-x-x-x' } });
    expect(dup.status).toBe(409);
    expect(JSON.stringify([await t.ctx.knex('destinations').select('*'), await t.ctx.knex('secrets').select('name', 'ciphertext')])).toBe(before);
  });

  it('a marketer cannot create destinations; delete removes the destination’s secrets', async () => {
    const res = await request(t.app).post('/api/destinations').set('Authorization', `Bearer ${t.tokens.marketer}`).send({ name: 'x', type: 'fakecrm', config: {} });
    expect(res.status).toBe(403);
    expect((await request(t.app).delete('/api/destinations/crm').set('Authorization', editor)).status).toBe(204);
    expect(await t.ctx.knex('secrets').select('*')).toEqual([]);
    const audit = await t.ctx.audit.query({ resourceType: 'destination' });
    expect(audit.entries.map((e) => e.action)).toEqual(['destination.delete', 'destination.test', 'destination.update', 'destination.update', 'destination.test', 'destination.create']);
  });
});
