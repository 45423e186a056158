/**
 * Issue 14, finding 4: audience references were inlined, so `b<N> = any[b<N-1>, all[b<N-1>]]`
 * doubled the SQL per level (16 levels: a 3.9 MB statement). Each referenced audience is now one
 * CTE: the SQL grows linearly with the nesting, and the members are the same on DuckDB and
 * Postgres. Definitions beyond the limits are refused with the limit named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE_LIMITS } from '../../../src/audiences/limits.js';
import { compileAudience, countAudience, previewAudience, saveAudience, snapshotAudience, type Condition } from '../../../src/audiences/index.js';
import { isCdpError } from '../../../src/errors.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

const LEVELS = 16;
const BUYERS = ['p1', 'p4', 'p7'];

describe.each(ENGINES)('audience references at scale on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
    await saveAudience(f.project, { name: 'level_0', where: { all: [{ trait: 'country', op: 'eq', value: 'US' }, { event: 'order_completed' }] } });
    for (let n = 1; n <= LEVELS; n++) {
      const previous = { audience: `level_${n - 1}` };
      await saveAudience(f.project, { name: `level_${n}`, where: { any: [previous, { all: [previous] }] } });
    }
    // Two chains that refer to each other's previous level: every path doubles, not only the SQL.
    await saveAudience(f.project, { name: 'left_0', where: { audience: 'level_0' } });
    await saveAudience(f.project, { name: 'right_0', where: { not: { not: { audience: 'level_0' } } } });
    for (let n = 1; n <= LEVELS; n++) {
      const both = [{ audience: `left_${n - 1}` }, { audience: `right_${n - 1}` }];
      await saveAudience(f.project, { name: `left_${n}`, where: { any: both } });
      await saveAudience(f.project, { name: `right_${n}`, where: { all: both } });
    }
  });
  afterAll(async () => {
    await f?.close();
  });

  async function members(where: Condition): Promise<string[]> {
    const { sql } = await compileAudience(f.project, { where });
    const rows = await f.warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM (${sql}) m ORDER BY profile_id`);
    return rows.map((r) => r.profile_id);
  }

  it('the SQL grows linearly with the nesting and every audience is compiled once', async () => {
    const sizes = await Promise.all([4, 8, 16].map(async (n) => (await compileAudience(f.project, `level_${n}`)).sql.length));
    const [four, eight, sixteen] = sizes as [number, number, number];
    // Linear: each level adds the same amount (doubling per level would make these ratios 16 and 256).
    expect(sixteen - eight).toBeLessThanOrEqual(2 * (eight - four) + 64);
    expect(sixteen).toBeLessThan(20_000);
    const { sql } = await compileAudience(f.project, 'left_16');
    expect(sql.length).toBeLessThan(40_000);
    // One CTE per referenced audience: level_0 plus 16 of each chain.
    expect(sql.match(/"audience_\d+" AS \(/g)).toHaveLength(1 + 2 * LEVELS);
  });

  it('members are exact through 16 levels, under NOT, and in counts, previews and snapshots', async () => {
    expect(await members({ audience: `level_${LEVELS}` })).toEqual(BUYERS);
    expect(await members({ audience: `left_${LEVELS}` })).toEqual(BUYERS);
    expect(await members({ not: { audience: `right_${LEVELS}` } })).toEqual(['p2', 'p3', 'p5', 'p6', 'p8']);
    expect(await members({ all: [{ audience: 'level_3' }, { trait: 'lifetime_value', op: 'gte', value: 500 }] })).toEqual(['p1', 'p7']);
    expect(await countAudience(f.project, `left_${LEVELS}`)).toBe(3);
    const preview = await previewAudience(f.project, { where: { all: [{ audience: `level_${LEVELS}` }, { not: { audience: 'right_2' } }] } }, { limit: 5 });
    expect(preview.steps.map((s) => s.count)).toEqual([3, 0]);
    const snapshot = await snapshotAudience(f.project, `right_${LEVELS}`);
    expect(snapshot.size).toBe(3);
  });

  it('refuses a definition beyond the limits, naming the limit and where', async () => {
    const refusal = async (where: unknown): Promise<{ code: string; message: string; path?: string }> => {
      try {
        await compileAudience(f.project, { where } as never);
      } catch (error) {
        if (isCdpError(error)) return { code: error.code, message: error.message, path: error.location.path };
        throw error;
      }
      throw new Error('not refused');
    };
    let deep: unknown = { trait: 'country', op: 'eq', value: 'US' };
    for (let i = 0; i < AUDIENCE_LIMITS.depth + 5; i++) deep = { not: deep };
    expect(await refusal(deep)).toMatchObject({ code: 'AUDIENCE_INVALID', message: expect.stringContaining(`more than ${AUDIENCE_LIMITS.depth} deep`) });

    const references = Array.from({ length: 2_000 }, () => ({ audience: 'level_0' }));
    expect(await refusal({ any: references })).toMatchObject({
      message: expect.stringContaining(`more than ${AUDIENCE_LIMITS.references} audience references`),
      path: `where.any[${AUDIENCE_LIMITS.references}]`,
    });
    const conditions = Array.from({ length: AUDIENCE_LIMITS.conditions + 1 }, () => ({ trait: 'country', op: 'eq', value: 'US' }));
    expect(await refusal({ any: conditions })).toMatchObject({ message: expect.stringContaining(`more than ${AUDIENCE_LIMITS.conditions} conditions`) });

    // left_16 reaches 34 audiences (itself, left_0-15, right_0-15, level_0); right_16 and level_1-16 make 51.
    const many = [{ audience: 'left_16' }, { audience: 'right_16' }, ...Array.from({ length: LEVELS }, (_, i) => ({ audience: `level_${i + 1}` }))];
    expect(await refusal({ any: many })).toMatchObject({ message: expect.stringContaining(`more than ${AUDIENCE_LIMITS.audiencesReferenced} audiences`) });
  });
});
