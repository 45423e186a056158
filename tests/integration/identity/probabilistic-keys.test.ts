/**
 * Data with no identifiers: records whose only id type is their own key link probabilistically
 * without extra config (the key type is no default exclusive type), a key "0" is a key like any
 * other (never default junk), and the build's summary line counts the probabilistic links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { dropSchemas, loadTables, openDuckDb, openPostgres, profileGroups, TestProject, uniqueSchema } from './helpers.js';

const FIRST = ['ada', 'bo', 'cy', 'dee', 'eli', 'fay', 'gus', 'hal', 'ivy', 'jo'];
const LAST = ['adams', 'baker', 'clark', 'dixon', 'evans', 'frost'];
const str = (name: string) => ({ name, kind: 'string' as const });

/** 30 people, two records each with keys 2p and 2p + 1 (so "0" and "1" are one person); the second copy has a surname typo. */
function rows(): unknown[][] {
  const out: unknown[][] = [];
  for (let p = 0; p < 30; p++) {
    const first = FIRST[p % FIRST.length]!;
    const last = LAST[Math.floor(p / FIRST.length) % LAST.length]!;
    const dob = `19${60 + p}-0${1 + (p % 9)}-1${p % 10}`;
    out.push([String(2 * p), first, last, dob, `${p} main st`, new Date(Date.UTC(2024, 0, 1 + p))]);
    out.push([String(2 * p + 1), first, `${last.slice(0, 2)}${last[3]}${last[2]}${last.slice(4)}`, dob, `${p} main st`, new Date(Date.UTC(2024, 1, 1 + p))]);
  }
  return out;
}

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('records identified only by their key (%s)', (_engine, open) => {
  let warehouse: Warehouse;
  const raw = uniqueSchema('t_pkeys_raw');
  const out = uniqueSchema('t_pkeys_out');
  const lines: string[] = [];
  let groups: string[][];
  beforeAll(async () => {
    warehouse = await open();
    await loadTables(warehouse, raw, [{ name: 'people', columns: [...['k', 'first_name', 'last_name', 'dob', 'address'].map(str), { name: 'ts', kind: 'timestamp' }], rows: rows() }]);
    const fields = { first_name: 'first_name', surname: 'last_name', dob: 'dob', address: 'address' };
    const project = new TestProject(
      {
        schema: out,
        identity: {
          sources: [{ name: 'people', relation: `${raw}.people`, key: 'k', timestamp: 'ts', ids: { person_id: 'k' } }],
          idTypes: { person_id: { priority: 1 } },
          probabilistic: {
            sources: { people: { fields } },
            blocking: [['first_name', 'dob'], ['address']],
            comparisons: {
              first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }] },
              surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }] },
              dob: { levels: [{ exact: true }] },
              address: { levels: [{ exact: true }, { levenshtein: 2 }] },
            },
          },
        },
      },
      warehouse,
    );
    await buildIdentity(project, { full: true, onProgress: (line) => lines.push(line) });
    groups = await profileGroups(warehouse, out);
  }, 60_000);
  afterAll(async () => {
    await dropSchemas(warehouse, [raw, out]);
    await warehouse?.close();
  });

  it('links the two records of every person, key "0" included', () => {
    expect(groups).toContainEqual(['people:0', 'people:1']);
    expect(groups.length).toBe(30);
    for (const g of groups) {
      expect(g.length).toBe(2);
      const [a, b] = g.map((k) => Number(k.split(':')[1]));
      expect(Math.floor(a! / 2)).toBe(Math.floor(b! / 2));
    }
  });

  it('says how the model was trained: EM per training rule, convergence, the prior', () => {
    expect(lines.some((l) => /probabilistic: m by EM over 2 training rule\(s\), all converged, prior \(em\) [\d.]+e-\d+; \d+ pair\(s\) scored/.test(l))).toBe(true);
  });

  it('counts the probabilistic links on the summary line', () => {
    expect(lines.at(-1)).toMatch(/30 profile\(s\), .*, 30 probabilistic link\(s\) in /);
  });
});
