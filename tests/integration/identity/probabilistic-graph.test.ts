/**
 * Probabilistic links inside the identity build: a CRM and an orders source whose records of the
 * same person share no identifier (different emails, typos in names), plus the traps: twins with
 * different user_ids, and a household sharing a landline (same surname and address, different people).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticHop } from '../../../src/cli/commands/identity.js';
import { buildIdentity, explainIdentifier } from '../../../src/identity/index.js';
import { probabilityOf, readLinks, readModel } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { columns, dataset, probabilisticFixtureConfig } from './probabilistic-fixture.js';
import { appendRows, dropSchemas, loadTables, openDuckDb, openPostgres, profileGroups, TestProject, uniqueSchema } from './helpers.js';

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('probabilistic links in the identity graph (%s)', (_engine, open) => {
  let warehouse: Warehouse;
  let groups: string[][];
  let project: TestProject;
  let crmRows: unknown[][];
  const raw = uniqueSchema('t_prob_raw');
  const out = uniqueSchema('t_prob_out');
  beforeAll(async () => {
    warehouse = await open();
    const { crm, orders } = dataset();
    crmRows = crm;
    await loadTables(warehouse, raw, [
      { name: 'crm', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: crm },
      { name: 'orders', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: orders },
    ]);
    project = new TestProject(probabilisticFixtureConfig(out, raw), warehouse);
    await buildIdentity(project);
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

  /** link_kind/link_score of the rows of an output table, grouped. */
  async function linkKinds(table: string): Promise<Array<{ kind: string | null; scored: number; n: number; lo: number | null }>> {
    const rows = await warehouse.query<{ link_kind: string | null; scored: bigint; n: bigint; lo: number | null }>(
      `SELECT link_kind, COUNT(link_score) AS scored, COUNT(*) AS n, MIN(link_score) AS lo FROM ${out}.${table} GROUP BY link_kind ORDER BY link_kind`,
    );
    return rows.map((r) => ({ kind: r.link_kind, scored: Number(r.scored), n: Number(r.n), lo: r.lo === null ? null : Number(r.lo) }));
  }

  it('keeps the link kind and score in identity_graph and resolved_records', async () => {
    // CRM contacts are seen first, so they anchor their profiles: the 151 orders (150 + q3) joined by a probabilistic pair.
    const graph = await linkKinds('identity_graph');
    expect(graph.map((g) => [g.kind, g.scored, g.n])).toEqual([
      ['deterministic', 0, 2 * 304 + 2], // + the household's two emails, each its own profile
      ['probabilistic', 151, 151],
    ]);
    expect(graph[1]!.lo).toBeGreaterThanOrEqual(0.99);
    const resolved = await linkKinds('resolved_records');
    expect(resolved.map((g) => [g.kind, g.scored, g.n])).toEqual([
      ['deterministic', 0, 306],
      ['probabilistic', 151, 151],
    ]);
    // A record's score is its pair's probability, as stored on the edge.
    const [o0] = await warehouse.query<{ link_kind: string; link_score: number; profile_id: string }>(
      `SELECT link_kind, link_score, profile_id FROM ${out}.resolved_records WHERE source = 'orders' AND record_key = 'o0'`,
    );
    const links = await readLinks(warehouse, out, 'orders', 'o0');
    expect(o0!.link_kind).toBe('probabilistic');
    expect(o0!.link_score).toBeCloseTo(links[0]!.matchProbability, 12);
    const [c0] = await warehouse.query<{ link_kind: string; link_score: number | null; profile_id: string }>(
      `SELECT link_kind, link_score, profile_id FROM ${out}.resolved_records WHERE source = 'crm' AND record_key = 'c0'`,
    );
    expect(c0).toEqual({ link_kind: 'deterministic', link_score: null, profile_id: o0!.profile_id });
  });

  it('explains a probabilistic hop field by field: the prior and the field weights sum to the pair\'s weight', async () => {
    const e = await explainIdentifier(project, 'email', 'jsmith0@work.org'.replace('jsmith', `${String(crmRows[0]![4])[0]}${String(crmRows[0]![5])}`));
    expect(e.status).toBe('linked');
    const hop = e.chain.find((l) => l.kind === 'probabilistic')!;
    expect(hop).toBeDefined();
    const pair = hop.match!.pair!;
    expect([pair.left, pair.right].map((x) => `${x.source}:${x.recordKey}`).sort()).toEqual(['crm:c0', 'orders:o0']);
    expect(pair.fields.map((f) => f.field)).toEqual(['first_name', 'surname', 'dob', 'address', 'city', 'phone']);
    const sum = pair.priorWeight + pair.fields.reduce((s, f) => s + f.weight + (f.tfAdjustment ?? 0), 0);
    expect(pair.weight).toBeCloseTo(sum, 9);
    // The same weight the build scored the pair with (stored with the links), and the edge's probability.
    const stored = (await readLinks(warehouse, out, 'orders', 'o0'))[0]!;
    expect(pair.weight).toBeCloseTo(stored.matchWeight, 6);
    expect(probabilityOf(pair.weight)).toBeCloseTo(hop.match!.probability, 9);
    const model = (await readModel(warehouse, out))!;
    expect(pair.priorWeight).toBeCloseTo(Math.log2(model.prior / (1 - model.prior)), 9);
    const dob = pair.fields.find((f) => f.field === 'dob')!;
    expect(dob.level).toBe('exact');
    expect(dob.weight).toBeCloseTo(model.levels.find((l) => l.field === 'dob' && l.label === 'exact')!.matchWeight, 9);
    expect(pair.fields.find((f) => f.field === 'phone')!).toMatchObject({ level: 'null', weight: 0 });
    const printed = probabilisticHop(hop);
    expect(printed[0]).toMatch(/^-- probabilistic match (crm c0 ~ orders o0|orders o0 ~ crm c0): probability [01]\.\d{6}, weight \d+\.\d\d --> /);
    expect(printed).toContain(`     dob: exact +${dob.weight.toFixed(2)}`);
  });

  it('keeps link kinds right through an incremental build', async () => {
    // A new CRM contact: the recomputed region is its own; every other row keeps its kind and score.
    const score = async (key: string) =>
      (await warehouse.query<{ link_kind: string; link_score: number | null }>(`SELECT link_kind, link_score FROM ${out}.resolved_records WHERE record_key = '${key}'`))[0];
    const before = await score('o0');
    const row = ['c900', 'u900', 'new.contact@mail.com', null, 'nina', 'newman', '1999-09-09', '5 new st', 'salem', new Date(Date.UTC(2027, 0, 1))]; // after every row so far
    await appendRows(warehouse, raw, { name: 'crm', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: [row] });
    const result = await buildIdentity(project);
    expect(result.mode).toBe('incremental');
    expect(await score('c900')).toEqual({ link_kind: 'deterministic', link_score: null });
    expect(await score('o0')).toEqual(before);
    expect(before!.link_kind).toBe('probabilistic');
    expect((await linkKinds('identity_graph')).map((g) => [g.kind, g.scored, g.n])).toEqual([
      ['deterministic', 0, 2 * 305 + 2],
      ['probabilistic', 151, 151],
    ]);
    expect((await linkKinds('resolved_records')).map((g) => [g.kind, g.scored, g.n])).toEqual([
      ['deterministic', 0, 307],
      ['probabilistic', 151, 151],
    ]);
  });
});
