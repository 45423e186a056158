/** Audiences by name from YAML files and from the state store; clashes and deletes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAudience, listAudiences, loadAudience, saveAudience } from '../../../src/audiences/index.js';
import { createFixture, POSTGRES_URL, type Fixture } from './fixture.js';

describe('audience storage', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('duckdb');
    f.writeAudienceFile('us', 'description: Everyone in the US\nwhere: { trait: country, op: eq, value: US }\n');
    f.writeAudienceFile('broken', 'where: { trait: country, op: equals, value: US }\n');
  });
  afterAll(async () => {
    await f?.close();
  });

  it('saves, lists, loads, updates and deletes audiences in the state store', async () => {
    const saved = await saveAudience(f.project, { name: 'ca', where: { trait: 'country', op: 'eq', value: 'CA' } }, { createdBy: 'ana@example.com' });
    expect(saved).toMatchObject({ name: 'ca', createdBy: 'ana@example.com', definition: { name: 'ca', where: { trait: 'country', op: 'eq', value: 'CA' } } });
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.createdAt).toBeInstanceOf(Date);

    const updated = await saveAudience(f.project, { name: 'ca', description: 'Canada', where: { trait: 'country', op: 'in', value: ['CA'] } });
    expect(updated.id).toBe(saved.id);
    expect(updated.createdBy).toBe('ana@example.com');
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(saved.updatedAt.getTime());
    expect(await loadAudience(f.project, 'ca')).toEqual({ name: 'ca', description: 'Canada', where: { trait: 'country', op: 'in', value: ['CA'] } });

    const list = await listAudiences(f.project);
    expect(list.map((a) => [a.name, a.origin, a.file ?? null, a.description ?? null])).toEqual([
      ['broken', 'file', 'audiences/broken.yaml', null],
      ['ca', 'state', null, 'Canada'],
      ['us', 'file', 'audiences/us.yaml', 'Everyone in the US'],
    ]);
    expect(list[0]!.error).toContain('audiences/broken.yaml:1');

    await deleteAudience(f.project, 'ca');
    await expect(loadAudience(f.project, 'ca')).rejects.toMatchObject({ code: 'AUDIENCE_NOT_FOUND' });
  });

  it('loads YAML audiences by name, with their file errors', async () => {
    expect(await loadAudience(f.project, 'us')).toEqual({ name: 'us', description: 'Everyone in the US', where: { trait: 'country', op: 'eq', value: 'US' } });
    await expect(loadAudience(f.project, 'broken')).rejects.toMatchObject({
      code: 'AUDIENCE_INVALID',
      location: { file: 'audiences/broken.yaml', line: 1, path: 'where.op' },
    });
    await expect(loadAudience(f.project, 'uss')).rejects.toMatchObject({ code: 'AUDIENCE_NOT_FOUND', hint: expect.stringContaining('did you mean `us`?') });
  });

  it('refuses invalid or unnamed definitions and names that a file already uses', async () => {
    await expect(saveAudience(f.project, { where: { all: [] } })).rejects.toMatchObject({ code: 'AUDIENCE_INVALID', location: { path: 'name' } });
    await expect(saveAudience(f.project, { name: 'bad', where: { trait: 'lifetime_value', op: 'contains', value: 'x' } })).rejects.toMatchObject({
      code: 'AUDIENCE_INVALID',
      location: { path: 'where.op' },
    });
    await expect(saveAudience(f.project, { name: 'us', where: { all: [] } })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(deleteAudience(f.project, 'us')).rejects.toMatchObject({ code: 'CONFLICT', hint: 'delete the file in git instead' });
  });

  it('reports a name defined both in a file and in the state store', async () => {
    await saveAudience(f.project, { name: 'twice', where: { all: [] } });
    f.writeAudienceFile('twice', 'where: { any: [] }\n');
    await expect(loadAudience(f.project, 'twice')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'audience `twice` is defined 2 times: audiences/twice.yaml and the state store (made in the UI)',
    });
  });

  it('does not delete an audience others refer to', async () => {
    await saveAudience(f.project, { name: 'base', where: { trait: 'country', op: 'eq', value: 'US' } });
    await saveAudience(f.project, { name: 'derived', where: { not: { audience: 'base' } } });
    await expect(deleteAudience(f.project, 'base')).rejects.toMatchObject({ code: 'CONFLICT', message: 'audience `base` is used by `derived`' });
    await deleteAudience(f.project, 'derived');
    await deleteAudience(f.project, 'base');
    expect((await listAudiences(f.project)).map((a) => a.name)).not.toContain('base');
  });
});

describe('audience storage in a Postgres state store', () => {
  let f: Fixture;
  const stateSchema = `t_aud_state_${Math.random().toString(16).slice(2, 10)}`;
  beforeAll(async () => {
    f = await createFixture('postgres', { config: { state: { client: 'pg', connection: POSTGRES_URL, schema: stateSchema } } });
  });
  afterAll(async () => {
    await f?.warehouse.execute(`DROP SCHEMA IF EXISTS "${stateSchema}" CASCADE`);
    await f?.close();
  });

  it('saves and reads back definitions and timestamps', async () => {
    const saved = await saveAudience(f.project, { name: 'pg_us', where: { trait: 'country', op: 'eq', value: 'US' } }, { createdBy: 'ops' });
    expect(saved.createdAt).toBeInstanceOf(Date);
    expect(await loadAudience(f.project, 'pg_us')).toEqual({ name: 'pg_us', where: { trait: 'country', op: 'eq', value: 'US' } });
    expect((await listAudiences(f.project)).map((a) => [a.name, a.origin, a.createdBy])).toEqual([['pg_us', 'state', 'ops']]);
    await deleteAudience(f.project, 'pg_us');
    expect(await listAudiences(f.project)).toEqual([]);
  });
});

describe('audience fields for builders', () => {
  it('lists traits, events and properties with the operators each accepts', async () => {
    const { audienceFields } = await import('../../../src/audiences/index.js');
    const f = await createFixture('duckdb');
    try {
      const fields = await audienceFields(f.project);
      expect(fields.traits.map((t) => [t.name, t.kind])).toEqual([
        ['profile_id', 'string'],
        ['email', 'string'],
        ['country', 'string'],
        ['lifetime_value', 'number'],
        ['orders_count', 'integer'],
        ['is_subscribed', 'boolean'],
        ['last_seen_at', 'timestamp'],
        ['signup_date', 'date'],
      ]);
      expect(fields.traits.find((t) => t.name === 'is_subscribed')!.operators).toEqual(['eq', 'neq', 'is_true', 'is_false', 'is_null', 'is_not_null']);
      expect(fields.events.map((e) => [e.name, e.sources])).toEqual([
        ['add_to_cart', ['web_events']],
        ['app_open', ['app_events']],
        ['order_completed', ['orders']],
        ['page_view', ['web_events', 'app_events']],
      ]);
      expect(fields.events.find((e) => e.name === 'page_view')!.properties.map((p) => p.name)).toEqual(['event_id', 'event', 'page_url', 'ts', 'platform']);
    } finally {
      await f.close();
    }
  });
});
