import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, fixtureConfig } from './fixture.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

/** Explain, breakdown and the members CSV over the built fixture (p1 Alice DE 150, p2 Bob US 99.5, p3 Carol DE 0). */
describe('audience insight routes', () => {
  const { project, cleanup } = tempProject({
    ...fixtureConfig,
    privacy: { pii: ['email', 'first_name'] },
    profiles: { traits: { lifetime_value: { source: 'orders', sql: 'sum(amount)', label: 'Lifetime value (EUR)', description: 'Sum of completed orders' } } },
  });
  let t: TestApp;
  const as = (role: keyof TestApp['tokens']) => `Bearer ${t.tokens[role]}`;
  beforeAll(async () => {
    await buildFixture(project);
    t = await testApp(project);
    const saved = await request(t.app).post('/api/audiences').set('Authorization', as('admin')).send({ name: 'everyone', where: { all: [] } });
    expect(saved.status).toBe(201);
  });
  afterAll(cleanup);

  it('the catalog carries trait labels and descriptions from the config, humanized names otherwise', async () => {
    const res = await request(t.app).get('/api/audience-catalog').set('Authorization', as('viewer'));
    const byName = Object.fromEntries((res.body.traits as Array<{ name: string }>).map((trait) => [trait.name, trait]));
    expect(byName.lifetime_value).toEqual({ name: 'lifetime_value', kind: 'number', label: 'Lifetime value (EUR)', description: 'Sum of completed orders' });
    expect(byName.first_name).toEqual({ name: 'first_name', kind: 'string', label: 'First name' });
  });

  it('explains a draft in plain words, traits by label', async () => {
    const definition = {
      where: {
        all: [
          { trait: 'lifetime_value', op: 'gte', value: 100 },
          { any: [{ event: 'page_view', within: { days: 30 } }, { event: 'order_completed', count: { op: 'eq', value: 0 } }] },
          { not: { audience: 'everyone' } },
        ],
      },
    };
    const res = await request(t.app).post('/api/audiences/explain').set('Authorization', as('viewer')).send({ definition });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      summary: 'Profiles that match all 3 of these conditions:',
      lines: [
        { depth: 0, text: 'Lifetime value (EUR) is at least 100' },
        { depth: 0, text: 'at least one of these:' },
        { depth: 1, text: 'did “page_view” at least once in the last 30 days' },
        { depth: 1, text: 'did not do “order_completed”' },
        { depth: 0, text: 'is not in the audience “everyone”' },
      ],
    });
  });

  it('breaks members down by a text trait: top values with counts and shares', async () => {
    const res = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'country' }).set('Authorization', as('viewer'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      trait: 'country',
      kind: 'string',
      members: 3,
      missing: 0,
      distinct: 2,
      values: [
        { value: 'DE', count: 2, share: 2 / 3 },
        { value: 'US', count: 1, share: 1 / 3 },
      ],
      other: 0,
      histogram: null,
      piiMasked: false,
    });
    const top1 = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'country', top: 1 }).set('Authorization', as('viewer'));
    expect(top1.body).toMatchObject({ values: [{ value: 'DE', count: 2 }], other: 1 });
  });

  it('breaks members down by a numeric trait with an equal-width histogram (the last bin includes the largest value)', async () => {
    const res = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'lifetime_value', bins: 3 }).set('Authorization', as('viewer'));
    expect(res.status).toBe(200);
    expect(res.body.histogram).toEqual([
      { from: 0, to: 50, count: 1 },
      { from: 50, to: 100, count: 1 },
      { from: 100, to: 150, count: 1 },
    ]);
  });

  it('hides the values of a PII trait from roles without pii:read; refuses unknown traits with a suggestion', async () => {
    const masked = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'email' }).set('Authorization', as('marketer'));
    expect(masked.body).toMatchObject({ members: 3, distinct: 3, values: [], histogram: null, other: 3, piiMasked: true });
    const open = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'email' }).set('Authorization', as('editor'));
    expect(open.body.values).toHaveLength(3);
    const unknown = await request(t.app).get('/api/audiences/everyone/breakdown').query({ trait: 'countyr' }).set('Authorization', as('viewer'));
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toContain('countyr');
    expect(unknown.body.error.hint).toContain('country');
  });

  it('counts a draft priority list per slot, each profile once, in list order', async () => {
    const saved = await request(t.app).post('/api/audiences').set('Authorization', as('admin')).send({ name: 'germans', where: { trait: 'country', op: 'eq', value: 'DE' } });
    expect(saved.status).toBe(201);
    const counts = (priority: string[]) => request(t.app).post('/api/priority-lists/counts').set('Authorization', as('viewer')).send({ definition: { name: 'offers', priority } });
    expect((await counts(['germans', 'everyone'])).body).toEqual({ total: 3, slots: [{ audience: 'germans', count: 2 }, { audience: 'everyone', count: 1 }] });
    expect((await counts(['everyone', 'germans'])).body).toEqual({ total: 3, slots: [{ audience: 'everyone', count: 3 }, { audience: 'germans', count: 0 }] });
    const unknown = await counts(['germans', 'nobody']);
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.path).toBe('body.definition.priority[1]');
  });

  it('downloads members as CSV: role-checked, PII masked for marketers, formulas defused', async () => {
    await project.warehouse().then((w) => w.execute(`UPDATE cdp.profiles SET first_name = '=HYPERLINK("x")' WHERE profile_id = 'p3'`));
    const full = await request(t.app).get('/api/audiences/everyone/members.csv').query({ traits: 'email,first_name,country' }).set('Authorization', as('editor'));
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(full.headers['content-disposition']).toBe('attachment; filename="everyone.csv"');
    expect(full.text).toBe(
      'profile_id,email,first_name,country\r\np1,alice@example.com,Alice,DE\r\np2,bob@example.com,Bob,US\r\np3,carol@example.com,"\'=HYPERLINK(""x"")",DE\r\n',
    );
    const masked = await request(t.app).get('/api/audiences/everyone/members.csv').query({ traits: 'email,country' }).set('Authorization', as('marketer'));
    expect(masked.text).toBe('profile_id,email,country\r\np1,a•••@e•••.com,DE\r\np2,b•••@e•••.com,US\r\np3,c•••@e•••.com,DE\r\n');
    const viewer = await request(t.app).get('/api/audiences/everyone/members.csv').set('Authorization', as('viewer'));
    expect(viewer.status).toBe(403);
    const bad = await request(t.app).get('/api/audiences/everyone/members.csv').query({ traits: 'emial' }).set('Authorization', as('editor'));
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toContain('application/json');
    const log = await request(t.app).get('/api/audit').query({ action: 'audience.export' }).set('Authorization', as('admin'));
    // Two exports went out (the editor's and the marketer's); refused ones are not exports.
    expect((log.body.entries as Array<{ details: { piiMasked: boolean } }>).map((e) => e.details.piiMasked).sort()).toEqual([false, true]);
  });
});
