import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { connectedComponents, SqlRunner } from '../../../src/identity/index.js';
import { openWarehouse, type Warehouse } from '../../../src/warehouse/index.js';

const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Components by union-find, as sorted lists of sorted nodes. */
function expected(edges: Array<[number, number]>): number[][] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while ((parent.get(root) ?? root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const [a, b] of edges) {
    parent.set(a, parent.get(a) ?? a);
    parent.set(b, parent.get(b) ?? b);
    const [x, y] = [find(a), find(b)];
    if (x !== y) parent.set(x, y);
  }
  return groups([...parent.keys()].map((n) => [n, find(n)]));
}

function groups(pairs: Array<[number, number]>): number[][] {
  const by = new Map<number, number[]>();
  for (const [node, root] of pairs) by.set(root, [...(by.get(root) ?? []), node]);
  return [...by.values()].map((g) => g.sort((x, y) => x - y)).sort((x, y) => x[0]! - y[0]!);
}

const GRAPHS: Record<string, () => Array<[number, number]>> = {
  'a 2,000-node chain with scattered ids': () => {
    const next = random(1);
    const ids = Array.from({ length: 2000 }, () => Math.floor(next() * 1e12));
    return ids.slice(1).map((id, i) => [ids[i]!, id]);
  },
  'a sparse random graph (many small components and trees)': () => {
    const next = random(2);
    return Array.from({ length: 3000 }, () => [Math.floor(next() * 4000), Math.floor(next() * 4000)]);
  },
  // Stars settle in the first rounds and leave the working set while the chain is still being worked on.
  'settled stars beside a chain still converging': () => {
    const edges: Array<[number, number]> = [];
    for (let hub = 0; hub < 200; hub++) for (let leaf = 1; leaf <= 3; leaf++) edges.push([1e6 + hub * 10, 1e6 + hub * 10 + leaf]);
    for (let hub = 0; hub < 50; hub++) edges.push([2e6 + hub * 10, 2e6 + hub * 10 + 1], [2e6 + hub * 10 + 1, 2e6 + hub * 10 + 2]);
    const next = random(3);
    const ids = Array.from({ length: 500 }, () => Math.floor(next() * 1e12));
    edges.push(...ids.slice(1).map((id, i): [number, number] => [ids[i]!, id]));
    return edges;
  },
  // Numbered in order, every node hooks to the one before: one deep tree, resolved by pointer jumping.
  'a 3,000-node chain numbered in order': () => Array.from({ length: 2999 }, (_, i): [number, number] => [i + 2, i + 1]),
  // Lows alternate with highs: the lows become a chain numbered in order after one round.
  'a path alternating small and large ids': () => Array.from({ length: 999 }, (_, i): [number, number] => (i % 2 === 0 ? [i / 2, 10_000 - i / 2] : [10_000 - (i - 1) / 2, (i + 1) / 2])),
  'cycles, a clique, a grid and a binary tree': () => {
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < 500; i++) edges.push([100_000 + i, 100_000 + ((i + 1) % 500)]);
    for (let i = 0; i < 7; i++) edges.push([200_000 + i * 37, 200_000 + ((i + 1) % 7) * 37]);
    for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) edges.push([300_000 + j, 300_000 + i]);
    for (let x = 0; x < 40; x++) for (let y = 0; y < 40; y++) {
      if (x < 39) edges.push([400_000 + x * 40 + y, 400_000 + (x + 1) * 40 + y]);
      if (y < 39) edges.push([400_000 + x * 40 + y + 1, 400_000 + x * 40 + y]);
    }
    for (let i = 2; i < 1024; i++) edges.push([500_000 + 1024 - i, 500_000 + 1024 - Math.floor(i / 2)]);
    return edges;
  },
  // Leaves smaller and larger than their hub, hubs whose neighbours are all leaves, isolated pairs in both orientations.
  'leaf-only stars around the largest and the smallest node, and isolated pairs': () => {
    const edges: Array<[number, number]> = [];
    for (let hub = 0; hub < 40; hub++) for (let leaf = 1; leaf <= 5; leaf++) edges.push([hub * 100 + (hub % 2 ? 0 : 50), hub * 100 + leaf * 7]);
    for (let i = 0; i < 40; i++) edges.push(i % 2 ? [90_000 + i, 80_000 + i] : [80_000 + i, 90_000 + i]);
    return edges;
  },
  // Like the benchmark's people: a center with leaf identifiers, two cookies with a leaf each,
  // randomly numbered, so leaves are often smaller than their hub and most hubs are roots that
  // no round hooks (their leaves must still find them).
  'people: centers with leaves and cookies, randomly numbered': () => {
    const next = random(4);
    const id = () => Math.floor(next() * 1e12);
    const edges: Array<[number, number]> = [];
    for (let person = 0; person < 400; person++) {
      const [center, cookie1, cookie2] = [id(), id(), id()];
      for (let leaf = 0; leaf < person % 4; leaf++) edges.push([center, id()]);
      edges.push([center, cookie1], [cookie1, id()], [center, cookie2]);
      if (person % 3 === 0) edges.push([id(), cookie2]);
    }
    return edges;
  },
  'stars, loops, duplicates and isolated pairs': () => {
    const edges: Array<[number, number]> = [];
    for (let hub = 0; hub < 50; hub++) for (let leaf = 1; leaf <= 20; leaf++) edges.push([hub * 1000, hub * 1000 + leaf]);
    edges.push([5, 5], [7, 8], [8, 7], [7, 8], [1000, 2000], [2000, 3000]);
    return edges;
  },
};

for (const engine of ['duckdb', 'postgres'] as const) {
  describe(`connected components by large-star/small-star (${engine})`, () => {
    let warehouse: Warehouse;
    const schema = `t_identity_cc_${Math.floor(Math.random() * 1e9)}`;
    const ref = (name: string) => ({ schema, name });
    beforeAll(async () => {
      warehouse =
        engine === 'duckdb'
          ? await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp')
          : await openWarehouse({ type: 'postgres', connection: POSTGRES_URL, poolSize: 1 }, '/tmp');
      await warehouse.createSchema(schema);
    });
    afterAll(async () => {
      await warehouse.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await warehouse.close();
    });

    async function run(edges: Array<[number, number]>, maxRounds = 50) {
      await warehouse.loadTable(ref('edges'), [{ name: 'a', kind: 'integer' }, { name: 'b', kind: 'integer' }], [edges]);
      const result = await connectedComponents(new SqlRunner(warehouse), { edges: ref('edges'), output: ref('labels'), scratch: ref, maxRounds });
      const rows = await warehouse.query<{ node: number; root: number }>(`SELECT node, root FROM ${schema}.labels`);
      return { result, components: groups(rows.map((r) => [Number(r.node), Number(r.root)])) };
    }

    for (const [label, make] of Object.entries(GRAPHS)) {
      it(`finds the same components as union-find: ${label}`, async () => {
        const edges = make();
        const { components } = await run(edges);
        expect(components).toEqual(expected(edges.filter(([a, b]) => a !== b)));
      });
    }

    it('converges on a 2,000-node chain in about ten rounds', async () => {
      const { result } = await run(GRAPHS['a 2,000-node chain with scattered ids']!());
      expect(result.rounds).toBeGreaterThanOrEqual(5);
      expect(result.rounds).toBeLessThanOrEqual(14);
    });

    it('stops with IDENTITY_NOT_CONVERGED at the round cap', async () => {
      const error = await run(GRAPHS['a 2,000-node chain with scattered ids']!(), 3).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CdpError);
      expect((error as CdpError).code).toBe('IDENTITY_NOT_CONVERGED');
      expect((error as CdpError).location.path).toBe('identity.maxRounds');
    });
  });
}
