/**
 * Probabilistic links inside the identity build: a CRM and an orders source whose records of the
 * same person share no identifier (different emails, typos in names), plus the traps: twins with
 * different user_ids, and a household sharing a landline (same surname and address, different people).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { readLinks, readModel } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { columns, dataset, probabilisticFixtureConfig } from './probabilistic-fixture.js';
import { dropSchemas, loadTables, openDuckDb, openPostgres, profileGroups, TestProject, uniqueSchema } from './helpers.js';

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('probabilistic links in the identity graph (%s)', (_engine, open) => {
  let warehouse: Warehouse;
  let groups: string[][];
  const raw = uniqueSchema('t_prob_raw');
  const out = uniqueSchema('t_prob_out');
  beforeAll(async () => {
    warehouse = await open();
    const { crm, orders } = dataset();
    await loadTables(warehouse, raw, [
      { name: 'crm', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: crm },
      { name: 'orders', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: orders },
    ]);
    await buildIdentity(new TestProject(probabilisticFixtureConfig(out, raw), warehouse));
    groups = await profileGroups(warehouse, out);
  }, 60_000);
  afterAll(async () => {
    await dropSchemas(warehouse, [raw, out]);
    await warehouse?.close();
  });

  it('joins every store order to its CRM contact, typos included, and nothing else', () => {
    const person = (key: string) => key.split(':')[1]!.slice(1);
    const mixed = groups.filter((g) => !g.some((k) => k.includes(':q')) && new Set(g.map(person)).size > 1);
    expect(mixed).toEqual([]);
    const joined = groups.filter((g) => g.length === 2 && g[0]!.startsWith('crm:c') && g[1]!.startsWith('orders:o'));
    expect(joined.length).toBe(150);
  });

  it('never merges twins holding different user_ids, nor a household sharing a landline', () => {
    expect(groups).toContainEqual(['crm:t1']);
    expect(groups).toContainEqual(['crm:t2']);
    expect(groups).toContainEqual(['orders:h1']);
    expect(groups).toContainEqual(['orders:h2']);
  });

  it('lets an order matching two accounts with different user_ids join one of them, never both', () => {
    const quill = groups.filter((g) => g.some((k) => k.includes(':q')));
    // Equal scores: the tie is broken by component surrogate (the same on every engine), here q2.
    expect(quill).toEqual([['crm:q1'], ['crm:q2', 'orders:q3']]);
  });

  it('stores probabilistic edges with their score, and the model with each level\'s weight', async () => {
    const edges = await warehouse.query<{ kind: string; n: bigint; lo: number }>(
      `SELECT kind, COUNT(*) AS n, MIN(score) AS lo FROM ${out}._identity_edges GROUP BY kind ORDER BY kind`,
    );
    expect(edges.map((e) => [e.kind, Number(e.n)])).toEqual([
      ['deterministic', 304],
      ['probabilistic', 151],
    ]);
    expect(edges[1]!.lo).toBeGreaterThanOrEqual(0.99);
    const model = await readModel(warehouse, out);
    expect(model?.levels.map((l) => `${l.field}:${l.label}`)).toContain('dob:within 31 day(s)');
    const exact = model!.levels.find((l) => l.field === 'surname' && l.label === 'exact')!;
    expect(exact.matchWeight).toBeGreaterThan(3);
    const links = await readLinks(warehouse, out, 'orders', 'o0');
    expect(links[0]).toMatchObject({ other: { source: 'crm', recordKey: 'c0' }, linked: true });
    expect(links[0]!.fields.map((f) => f.field)).toEqual(['address', 'city', 'dob', 'first_name', 'phone', 'surname']);
  });
});
