/**
 * Value suggestions on DuckDB and Postgres: GET /api/traits/:name/values and
 * /api/events/:name/properties/:prop/values — counts, order, prefix, limit, PII by role, cache.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValueSuggestionService } from '../../../src/server/services/value-suggestions.js';
import { createFixture, ENGINES, INJECTION, type Fixture } from '../audiences/fixture.js';
import { testApp, type TestApp } from '../../unit/server/helpers.js';

describe.each(ENGINES)('value suggestions on %s', (engine) => {
  let f: Fixture;
  let t: TestApp;
  type Role = 'admin' | 'editor' | 'marketer' | 'viewer';
  const get = (trait: string, role: Role, query: Record<string, string | number> = {}) =>
    request(t.app).get(`/api/traits/${encodeURIComponent(trait)}/values`).query(query).set('Authorization', `Bearer ${t.tokens[role]}`);
  const prop = (event: string, property: string, role: Role, query: Record<string, string | number> = {}) =>
    request(t.app).get(`/api/events/${encodeURIComponent(event)}/properties/${encodeURIComponent(property)}/values`).query(query).set('Authorization', `Bearer ${t.tokens[role]}`);

  beforeAll(async () => {
    f = await createFixture(engine, { config: { privacy: { pii: ['Email', 'customer'] } } });
    t = await testApp(f.project);
  });
  afterAll(async () => {
    await t?.ctx.scheduler.stop();
    await f?.close();
  });

  it('most frequent values first with counts, ties in byte order; distinct and total over non-null values', async () => {
    const res = await get('country', 'marketer');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      trait: 'country',
      kind: 'string',
      values: [
        { value: 'US', count: 3 },
        { value: 'CA', count: 1 },
        { value: 'DE', count: 1 },
        { value: 'FR', count: 1 },
        { value: 'GB', count: 1 },
      ],
      distinct: 5,
      total: 7, // p5 has no country
      piiMasked: false,
    });
  });

  it('limit keeps the top values; distinct still counts them all', async () => {
    const res = await get('country', 'marketer', { limit: 2 });
    expect(res.body.values).toEqual([
      { value: 'US', count: 3 },
      { value: 'CA', count: 1 },
    ]);
    expect(res.body).toMatchObject({ distinct: 5, total: 7 });
  });

  it('q is a case-insensitive prefix, matched literally (quotes and LIKE characters are values)', async () => {
    expect((await get('country', 'marketer', { q: 'u' })).body).toMatchObject({ values: [{ value: 'US', count: 3 }], distinct: 1, total: 3 });
    expect((await get('country', 'marketer', { q: 'zz' })).body).toMatchObject({ values: [], distinct: 0, total: 0 });
    expect((await get('email', 'editor', { q: "O'B" })).body.values).toEqual([{ value: "o'brien@corp.io", count: 1 }]);
    expect((await get('email', 'editor', { q: 'x%_' })).body.values).toEqual([{ value: 'x%_y@test.com', count: 1 }]);
    expect((await get('email', 'editor', { q: '%' })).body.values).toEqual([]);
    expect((await get('email', 'editor', { q: INJECTION.slice(0, 8) })).body.values).toEqual([{ value: INJECTION, count: 1 }]);
  });

  it('other kinds keep their JSON type', async () => {
    expect((await get('is_subscribed', 'marketer')).body.values).toEqual([
      { value: true, count: 4 },
      { value: false, count: 3 },
    ]);
    const ltv = await get('lifetime_value', 'marketer', { limit: 3 });
    expect(ltv.body).toMatchObject({ kind: 'number', distinct: 7, total: 7 });
    expect(ltv.body.values).toEqual([
      { value: 0, count: 1 },
      { value: 1200, count: 1 },
      { value: 20, count: 1 },
    ]);
  });

  it('an unknown trait is a 404 with a did-you-mean hint', async () => {
    const res = await get('countri', 'marketer');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', path: 'params.name' });
    expect(res.body.error.hint).toContain('did you mean `country`?');
  });

  it('PII-tagged traits: no values for a marketer (not masked strings), the values for an editor', async () => {
    const hidden = await get('email', 'marketer');
    expect(hidden.status).toBe(200);
    expect(hidden.body).toEqual({ trait: 'email', kind: 'string', values: [], distinct: null, total: null, piiMasked: true });
    const shown = await get('email', 'editor');
    expect(shown.body).toMatchObject({ piiMasked: false, distinct: 7, total: 7 });
    expect(shown.body.values.map((v: { value: string }) => v.value)).toEqual([INJECTION, 'a@corp.io', 'b@gmail.com', 'c@corp.io', 'd@yahoo.com', "o'brien@corp.io", 'x%_y@test.com']);
  });

  it('needs profiles:read; validates the query', async () => {
    expect((await get('country', 'viewer')).status).toBe(403);
    expect((await get('country', 'marketer', { limit: 0 })).status).toBe(400);
    expect((await get('country', 'marketer', { limit: 5, other: 1 })).status).toBe(400);
  });

  it('event properties: counts events of that name over every stream that has the property', async () => {
    const url = await prop('page_view', 'page_url', 'marketer');
    expect(url.status, JSON.stringify(url.body)).toBe(200);
    expect(url.body).toEqual({
      event: 'page_view',
      property: 'page_url',
      kind: 'string',
      values: [
        { value: '/home', count: 2 },
        { value: '/blog', count: 1 },
        { value: '/pricing', count: 1 },
      ],
      distinct: 3,
      total: 4, // web page views only: app_events has no page_url; add_to_cart is another event
      piiMasked: false,
    });
    expect((await prop('page_view', 'event_id', 'marketer')).body).toMatchObject({ distinct: 6, total: 6 }); // web and app
    expect((await prop('page_view', 'platform', 'marketer')).body.values).toEqual([
      { value: 'android', count: 1 },
      { value: 'ios', count: 1 },
    ]);
    // A constant-name stream: every row is the event.
    expect((await prop('order_completed', 'channel', 'marketer')).body).toMatchObject({
      values: [
        { value: 'web', count: 7 },
        { value: 'pos', count: 3 },
      ],
      distinct: 2,
      total: 10,
    });
    expect((await prop('order_completed', 'channel', 'marketer', { q: 'P' })).body.values).toEqual([{ value: 'pos', count: 3 }]);
    expect((await prop('order_completed', 'amount', 'marketer', { limit: 1 })).body).toMatchObject({ kind: 'number', values: [{ value: 10, count: 1 }], distinct: 10 });
  });

  it('event properties: unknown names are 404s with did-you-mean; PII-tagged properties are hidden for a marketer', async () => {
    const event = await prop('page_veiw', 'page_url', 'marketer');
    expect(event.status).toBe(404);
    expect(event.body.error).toMatchObject({ code: 'NOT_FOUND', path: 'params.name' });
    expect(event.body.error.hint).toContain('did you mean `page_view`?');
    const property = await prop('page_view', 'page_ur', 'marketer');
    expect(property.status).toBe(404);
    expect(property.body.error).toMatchObject({ code: 'NOT_FOUND', path: 'params.prop' });
    expect(property.body.error.hint).toContain('did you mean `page_url`?');

    expect((await prop('order_completed', 'customer', 'marketer')).body).toMatchObject({ values: [], distinct: null, total: null, piiMasked: true });
    const shown = await prop('order_completed', 'customer', 'editor');
    expect(shown.body).toMatchObject({ piiMasked: false, distinct: 7, total: 10 });
    expect(shown.body.values.slice(0, 2)).toEqual([
      { value: 'p1', count: 3 },
      { value: 'p2', count: 2 },
    ]);
    expect((await prop('order_completed', 'channel', 'viewer')).status).toBe(403);
  });

  it('caches answers for 60 s and shares identical concurrent requests', async () => {
    let now = 1_000_000;
    const service = new ValueSuggestionService(t.ctx, () => now);
    const warehouse = await f.project.warehouse();
    const spy = vi.spyOn(warehouse, 'query');
    try {
      const all = await Promise.all(Array.from({ length: 5 }, () => service.traitValues('country', { limit: 10 })));
      expect(spy).toHaveBeenCalledTimes(1);
      expect(new Set(all.map((a) => JSON.stringify(a))).size).toBe(1);
      await service.traitValues('country', { limit: 10 });
      now += 59_000;
      await service.traitValues('country', { limit: 10 });
      expect(spy).toHaveBeenCalledTimes(1);
      await service.traitValues('country', { limit: 10, q: 'U' });
      await service.traitValues('country', { limit: 10, q: 'u' }); // same prefix, case-insensitively
      expect(spy).toHaveBeenCalledTimes(2);
      now += 2_000;
      await service.traitValues('country', { limit: 10 });
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});
