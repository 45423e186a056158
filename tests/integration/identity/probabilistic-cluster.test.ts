/**
 * Clustering without chains (boundedClusters, the rule the build applies with `minLinkShare`):
 * a chain of links is one cluster only when enough of its record pairs link; the same clusters
 * on DuckDB and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlRunner } from '../../../src/identity/index.js';
import { boundedClusters } from '../../../src/identity/probabilistic/cluster.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { dropSchemas, openDuckDb, openPostgres, uniqueSchema } from './helpers.js';

/**
 * Nodes 1..9. A chain 1~2~3~4 (only neighbours link), a triangle 5~6~7 (all pairs link), a pair
 * 8~9 and nothing else. Weights make 2~3 the strongest link of the chain.
 */
const LINKS: Array<[number, number, number]> = [
  [1, 2, 10], [2, 3, 12], [3, 4, 9],
  [5, 6, 8], [6, 7, 8], [5, 7, 7],
  [8, 9, 5],
];

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('clusters that do not chain (%s)', (_engine, open) => {
  let wh: Warehouse;
  const schema = uniqueSchema('t_pclust');
  beforeAll(async () => {
    wh = await open();
    await wh.execute(`CREATE SCHEMA ${schema}`);
    await wh.execute(`CREATE TABLE ${schema}.links AS ${LINKS.map(([a, b, w]) => `SELECT CAST(${a} AS BIGINT) AS a, CAST(${b} AS BIGINT) AS b, CAST(${w} AS DOUBLE PRECISION) AS w`).join(' UNION ALL ')}`);
    await wh.execute(`CREATE TABLE ${schema}.nodes AS ${Array.from({ length: 9 }, (_, i) => `SELECT CAST(${i + 1} AS BIGINT) AS node`).join(' UNION ALL ')}`);
  });
  afterAll(async () => {
    await dropSchemas(wh, [schema]);
    await wh?.close();
  });

  async function clusters(minLinkShare: number): Promise<number[][]> {
    const sql = new SqlRunner(wh);
    const output = { schema, name: 'out' };
    await boundedClusters(sql, { links: { schema, name: 'links' }, nodes: { schema, name: 'nodes' }, minLinkShare, output, scratch: (n) => ({ schema, name: n }), maxRounds: 20 });
    const rows = await wh.query<{ node: number; cluster: number }>(`SELECT node, cluster FROM ${schema}.out`);
    const groups = new Map<number, number[]>();
    for (const row of rows) groups.set(Number(row.cluster), [...(groups.get(Number(row.cluster)) ?? []), Number(row.node)]);
    return [...groups.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
  }

  it('with share 0 gives the connected components: the chain is one cluster', async () => {
    expect(await clusters(0)).toEqual([[1, 2, 3, 4], [5, 6, 7], [8, 9]]);
  });

  it('with share 0.5 cuts the chain into linked pairs and keeps the triangle and the pair', async () => {
    // 2~3 first (strongest); then {2,3} with 1 or 4 has 1 link of 2 pairs (0.5): 1 joins (weight 10 > 9);
    // {1,2,3} with 4: 1 link of 3 pairs < 0.5, refused.
    expect(await clusters(0.5)).toEqual([[1, 2, 3], [4], [5, 6, 7], [8, 9]]);
  });

  it('with share 1 keeps only cliques', async () => {
    expect(await clusters(1)).toEqual([[1], [2, 3], [4], [5, 6, 7], [8, 9]]);
  });
});
