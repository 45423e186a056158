/**
 * Probabilistic links through incremental builds (docs/probabilistic.md, "Incremental builds"):
 * the stored model scores new/changed records against every participating record, the stored
 * links of untouched pairs are kept, and the result equals a full rebuild's profiles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { columns, dataset, probabilisticFixtureConfig } from './probabilistic-fixture.js';
import { appendRows, dropSchemas, loadTables, openDuckDb, openPostgres, profileGroups, TestProject, uniqueSchema } from './helpers.js';

const tsColumns = [...columns, { name: 'ts', kind: 'timestamp' as const }];
/** After every fixture row. */
const later = (day: number) => new Date(Date.UTC(2027, 0, 1 + day));

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('probabilistic links in incremental builds (%s)', (_engine, open) => {
  let warehouse: Warehouse;
  let project: TestProject;
  let crm: unknown[][];
  let orders: unknown[][];
  let linksBefore: string[];
  let modelsBefore: number;
  const raw = uniqueSchema('t_probinc_raw');
  const out = uniqueSchema('t_probinc_out');
  const rebuilt = uniqueSchema('t_probinc_full');
  const lines: string[] = [];

  const links = async () =>
    (
      await warehouse.query<{ source_l: string; record_key_l: string; source_r: string; record_key_r: string; linked: number; match_weight: number }>(
        `SELECT source_l, record_key_l, source_r, record_key_r, linked, match_weight FROM ${out}._identity_prob_links`,
      )
    ).map((l) => `${l.source_l}:${l.record_key_l}~${l.source_r}:${l.record_key_r} linked=${Number(l.linked)} w=${Number(l.match_weight).toFixed(6)}`);
  const models = async () => Number((await warehouse.query<{ n: bigint }>(`SELECT COUNT(DISTINCT trained_at) AS n FROM ${out}._identity_prob_params`))[0]!.n);
  const resolved = async (key: string) =>
    (
      await warehouse.query<{ profile_id: string; link_kind: string; link_score: number | null }>(
        `SELECT profile_id, link_kind, link_score FROM ${out}.resolved_records WHERE record_key = '${key}'`,
      )
    )[0];
  const groupOf = async (label: string) => (await profileGroups(warehouse, out)).find((g) => g.includes(label));
  const build = async () => {
    lines.length = 0;
    return buildIdentity(project, { onProgress: (line) => lines.push(line) });
  };

  beforeAll(async () => {
    warehouse = await open();
    ({ crm, orders } = dataset());
    await loadTables(warehouse, raw, [
      { name: 'crm', columns: tsColumns, rows: crm },
      { name: 'orders', columns: tsColumns, rows: orders },
    ]);
    project = new TestProject(probabilisticFixtureConfig(out, raw), warehouse);
    await buildIdentity(project);
    linksBefore = await links();
    modelsBefore = await models();
  }, 60_000);
  afterAll(async () => {
    await dropSchemas(warehouse, [raw, out, rebuilt]);
    await warehouse?.close();
  });

  it('keeps a probabilistic link when an order sharing its record\'s email arrives (no retraining)', async () => {
    const o0 = orders.find((row) => row[0] === 'o0')!;
    const before = await resolved('o0');
    expect(before!.link_kind).toBe('probabilistic');
    expect(await groupOf('orders:o0')).toEqual(['crm:c0', 'orders:o0']);
    await appendRows(warehouse, raw, { name: 'orders', columns: tsColumns, rows: [['o900', ...o0.slice(1, 9), later(0)]] });
    const result = await build();
    expect(result.mode).toBe('incremental');
    expect(lines.some((l) => /probabilistic: incremental, model of .* reused/.test(l))).toBe(true);
    expect(await groupOf('orders:o0')).toEqual(['crm:c0', 'orders:o0', 'orders:o900']);
    expect(await resolved('o0')).toEqual(before);
    expect(await resolved('c0')).toEqual({ profile_id: before!.profile_id, link_kind: 'deterministic', link_score: null });
    // No model trained on the region: the stored one scored.
    expect(await models()).toBe(modelsBefore);
    // Every stored link is kept (weights and status); the new order's pairs are added: with c0 (the same
    // centers as c0~o0, hence linked too) and with o0 (one deterministic component already).
    const now = await links();
    for (const link of linksBefore) expect(now).toContain(link);
    expect(now.filter((l) => l.includes('orders:o900')).sort()).toEqual([
      expect.stringMatching(/^crm:c0~orders:o900 linked=1 /),
      expect.stringMatching(/^orders:o0~orders:o900 linked=0 /),
    ]);
    expect(now).toHaveLength(linksBefore.length + 2);
  }, 60_000);

  it('joins a new record to the existing record it matches', async () => {
    const c1 = crm.find((row) => row[0] === 'c1')!;
    expect(await groupOf('crm:c1')).toEqual(['crm:c1']);
    await appendRows(warehouse, raw, { name: 'orders', columns: tsColumns, rows: [['o901', null, 'brand.new@shop.com', null, ...c1.slice(4, 9), later(1)]] });
    const result = await build();
    expect(result.mode).toBe('incremental');
    expect(await groupOf('crm:c1')).toEqual(['crm:c1', 'orders:o901']);
    const o901 = (await resolved('o901'))!;
    expect(o901.link_kind).toBe('probabilistic');
    expect(Number(o901.link_score)).toBeGreaterThanOrEqual(0.99);
    expect((await links()).filter((l) => l.includes('o901'))).toEqual([expect.stringMatching(/^crm:c1~orders:o901 linked=1 /)]);
    expect(await models()).toBe(modelsBefore);
  }, 60_000);

  it('gives the profiles of a full rebuild after a batch of new records', async () => {
    const batch: unknown[][] = [];
    // Store orders of contacts that had none (odd p), some with a typo'd or upper-cased first name.
    for (const p of [3, 5, 7, 9, 11, 13, 15]) {
      const c = crm.find((row) => row[0] === `c${p}`)!;
      const first = String(c[4]);
      batch.push([`o${p}`, null, `order${p}@shop.com`, null, p % 3 === 0 ? first.toUpperCase() : first, c[5], c[6], c[7], c[8], later(10 + p)]);
    }
    // A new person in both sources, and a second order of an existing contact under a new email.
    const newCrm = ['c950', 'u950', 'vera.vogel@mail.com', null, 'vera', 'vogel', '1977-07-07', '12 quay st', 'bristol', later(40)];
    batch.push(['o950', null, 'vv@shop.com', null, 'vera', 'vogel', '1977-07-07', '12 quay st', 'bristol', later(41)]);
    const c2 = crm.find((row) => row[0] === 'c2')!;
    batch.push(['o902', null, 'second.order@shop.com', null, ...c2.slice(4, 9), later(42)]);
    await appendRows(warehouse, raw, { name: 'crm', columns: tsColumns, rows: [newCrm] });
    await appendRows(warehouse, raw, { name: 'orders', columns: tsColumns, rows: batch });
    const result = await build();
    expect(result.mode).toBe('incremental');
    const incremental = await profileGroups(warehouse, out);
    expect(incremental.find((g) => g.includes('crm:c950'))).toEqual(['crm:c950', 'orders:o950']);
    expect(incremental.find((g) => g.includes('crm:c2'))).toEqual(['crm:c2', 'orders:o2', 'orders:o902']);
    for (const p of [3, 5, 7, 9, 11, 13, 15]) expect(incremental.find((g) => g.includes(`crm:c${p}`))).toEqual([`crm:c${p}`, `orders:o${p}`]);
    // The same data built in full (a model trained on all of it) into another schema.
    await buildIdentity(new TestProject(probabilisticFixtureConfig(rebuilt, raw), warehouse), { full: true });
    expect(incremental).toEqual(await profileGroups(warehouse, rebuilt));
    // The stored links of the first full build are all still there.
    const now = await links();
    for (const link of linksBefore) expect(now).toContain(link);
    expect(await models()).toBe(modelsBefore);
  }, 120_000);

  it('falls back to a full build when no model is stored', async () => {
    await warehouse.execute(`DROP TABLE ${out}._identity_prob_params`);
    const c1 = crm.find((row) => row[0] === 'c1')!;
    await appendRows(warehouse, raw, { name: 'orders', columns: tsColumns, rows: [['o903', null, 'third@shop.com', null, ...c1.slice(4, 9), later(50)]] });
    const result = await build();
    expect(result.mode).toBe('full');
    expect(lines.some((l) => /no stored probabilistic model/.test(l))).toBe(true);
    expect(await models()).toBe(1);
    expect(await groupOf('crm:c1')).toEqual(['crm:c1', 'orders:o901', 'orders:o903']);
  }, 60_000);
});
