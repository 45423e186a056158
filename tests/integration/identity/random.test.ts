import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { loadTables, openDuckDb, snapshot, TestProject } from './helpers.js';

/** mulberry32: a small deterministic generator. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random records over small pools of values, so that links collide and conflict a lot: the
 * guarantees must hold on graphs nobody drew by hand.
 */
function records(seed: number, count: number): unknown[][] {
  const next = random(seed);
  const pick = (pool: string, size: number, chance: number) => (next() < chance ? `${pool}${Math.floor(next() * size)}` : null);
  return Array.from({ length: count }, (_, i) => [
    `r${i}`,
    pick('u', 25, 0.3),
    pick('e', 40, 0.5),
    pick('p', 30, 0.3),
    pick('d', 20, 0.3),
    pick('a', 80, 0.6),
    new Date(Date.UTC(2024, 0, 1) + Math.floor(next() * 90) * 86_400_000),
  ]);
}

const COLUMNS = [
  { name: 'k', kind: 'string' as const },
  { name: 'user_id', kind: 'string' as const },
  { name: 'email', kind: 'string' as const },
  { name: 'phone', kind: 'string' as const },
  { name: 'device_id', kind: 'string' as const },
  { name: 'anon', kind: 'string' as const },
  { name: 'ts', kind: 'timestamp' as const },
];

function config(schema: string, view: string): CdpConfigInput {
  return {
    schema,
    identity: {
      sources: [{ name: 'r', relation: view, key: 'k', timestamp: 'ts', ids: { user_id: 'user_id', email: 'email', phone_ish: 'phone', device_id: 'device_id', anonymous_id: 'anon' } }],
      idTypes: {
        user_id: { priority: 1, maxPerProfile: 1 },
        email: { priority: 2, maxPerProfile: 2 },
        phone_ish: { priority: 3 },
        device_id: { priority: 4, maxPerProfile: 3 },
        anonymous_id: { priority: 5 },
      },
    },
  };
}

describe('identity on random graphs', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await openDuckDb();
  });
  afterAll(async () => warehouse.close());

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: limits hold, builds are deterministic, and incremental equals full`, async () => {
      const raw = `raw${seed}`;
      await loadTables(warehouse, raw, [{ name: 'r', columns: COLUMNS, rows: records(seed, 400) }]);
      await warehouse.execute(`CREATE TABLE ${raw}.cut AS SELECT TIMESTAMP '2024-02-01' AS ts`);
      await warehouse.execute(`CREATE VIEW ${raw}.v AS SELECT * FROM ${raw}.r WHERE ts < (SELECT ts FROM ${raw}.cut)`);

      const inc = new TestProject(config(`inc${seed}`, `${raw}.v`), warehouse);
      await buildIdentity(inc);
      for (const cut of ['2024-03-01', '2024-04-15']) {
        await warehouse.execute(`UPDATE ${raw}.cut SET ts = TIMESTAMP '${cut}'`);
        expect((await buildIdentity(inc)).mode).toBe('incremental');
      }
      await buildIdentity(new TestProject(config(`full${seed}`, `${raw}.v`), warehouse), { full: true });
      await buildIdentity(new TestProject(config(`again${seed}`, `${raw}.v`), warehouse), { full: true });

      const outputs = ['SELECT * FROM $s.resolved_records', 'SELECT * FROM $s.identity_graph', 'SELECT * FROM $s.profiles', 'SELECT id_type, id_value, reason, detail FROM $s.identity_dropped'];
      for (const query of outputs) {
        const full = await snapshot(warehouse, query.replace('$s', `full${seed}`));
        expect(await snapshot(warehouse, query.replace('$s', `again${seed}`))).toEqual(full);
        expect(await snapshot(warehouse, query.replace('$s', `inc${seed}`))).toEqual(full);
      }
      // No profile holds more values of a limited type than its limit.
      const over = await warehouse.query(
        `SELECT profile_id, id_type, COUNT(*) AS n FROM full${seed}.identity_graph GROUP BY profile_id, id_type
         HAVING (id_type = 'user_id' AND COUNT(*) > 1) OR (id_type = 'email' AND COUNT(*) > 2) OR (id_type = 'device_id' AND COUNT(*) > 3)`,
      );
      expect(over).toEqual([]);
      // Conflicts did happen (the test would prove little otherwise).
      const [limited] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM full${seed}.identity_dropped WHERE reason = 'limit'`);
      expect(Number(limited!.n)).toBeGreaterThan(5);
    });
  }
});
