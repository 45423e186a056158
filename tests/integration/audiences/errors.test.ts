/** Bad definitions fail before any SQL runs, with a code, the condition path and what to do. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudience, saveAudience, type AudienceDefinition } from '../../../src/audiences/index.js';
import { CdpError } from '../../../src/errors.js';
import { createFixture, type Fixture } from './fixture.js';

describe('audience validation errors (DuckDB)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('duckdb');
  });
  afterAll(async () => {
    await f?.close();
  });

  async function failure(where: unknown): Promise<CdpError> {
    try {
      await compileAudience(f.project, { where } as AudienceDefinition);
    } catch (error) {
      expect(error).toBeInstanceOf(CdpError);
      return error as CdpError;
    }
    throw new Error('expected the definition to be rejected');
  }
  const within = (condition: unknown) => ({ all: [{ trait: 'country', op: 'eq', value: 'US' }, { trait: 'email', op: 'is_not_null' }, condition] });

  it('unknown trait: path and the closest name', async () => {
    const error = await failure(within({ trait: 'contry', op: 'eq', value: 'US' }));
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path).toBe('where.all[2].trait');
    expect(error.message).toBe('unknown trait `contry`');
    expect(error.hint).toContain('did you mean `country`?');
  });

  it('an operator that does not fit the column type', async () => {
    const error = await failure(within({ trait: 'lifetime_value', op: 'contains', value: '5' }));
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path).toBe('where.all[2].op');
    expect(error.message).toBe('operator `contains` does not fit trait `lifetime_value` of type number');
    expect(error.hint).toContain('gte');
    const recency = await failure({ trait: 'country', op: 'within_last', value: { days: 3 } });
    expect(recency.location.path).toBe('where.op');
    const boolean = await failure({ any: [{ trait: 'is_subscribed', op: 'gt', value: 1 }] });
    expect(boolean.location.path).toBe('where.any[0].op');
  });

  it('a value of the wrong type', async () => {
    expect((await failure({ trait: 'country', op: 'eq', value: 5 })).location.path).toBe('where.value');
    expect((await failure({ trait: 'lifetime_value', op: 'in', value: [1, 'two'] })).location.path).toBe('where.value[1]');
    const date = await failure({ trait: 'signup_date', op: 'before', value: 'last tuesday' });
    expect(date.location.path).toBe('where.value');
    expect(date.hint).toContain('2024-01-31');
    expect((await failure({ trait: 'signup_date', op: 'eq', value: '2023-02-30' })).location.path).toBe('where.value');
    expect((await failure({ trait: 'lifetime_value', op: 'between', value: [10, 1] })).location.path).toBe('where.value');
  });

  it('unknown event, with the closest declared one', async () => {
    const error = await failure(within({ event: 'order_complete', count: { op: 'gte', value: 2 } }));
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path).toBe('where.all[2].event');
    expect(error.hint).toContain('did you mean `order_completed`?');
  });

  it('unknown property of an event', async () => {
    const error = await failure({ event: 'order_completed', where: { all: [{ property: 'amount', op: 'gt', value: 1 }, { property: 'amout', op: 'gt', value: 1 }] } });
    expect(error.location.path).toBe('where.where.all[1].property');
    expect(error.hint).toContain('`amount`');
    const typed = await failure({ event: 'order_completed', where: { property: 'amount', op: 'starts_with', value: '1' } });
    expect(typed.location.path).toBe('where.where.op');
  });

  it('a malformed count names its path', async () => {
    const error = await failure(within({ event: 'order_completed', count: { op: 'most', value: 2 } }));
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path).toBe('where.all[2].count.op');
    expect((await failure({ event: 'order_completed', count: { op: 'gte', value: -1 } })).location.path).toBe('where.count.value');
    expect((await failure({ event: 'order_completed', within: { days: 3 }, between: ['2024-01-01', '2024-02-01'] })).location.path).toBe('where.between');
    expect((await failure({ event: 'order_completed', between: ['2024-01-01', 'soon'] })).location.path).toBe('where.between[1]');
  });

  it('unknown audience reference', async () => {
    f.writeAudienceFile('churned', 'where: { trait: last_seen_at, op: not_within_last, value: { days: 90 } }\n');
    const error = await failure({ not: { audience: 'churn' } });
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path).toBe('where.not.audience');
    expect(error.hint).toContain('did you mean `churned`?');
  });

  it('a cycle names the chain', async () => {
    f.writeAudienceFile('cycle_a', 'where:\n  all:\n    - trait: country\n      op: eq\n      value: US\n    - audience: cycle_b\n');
    f.writeAudienceFile('cycle_b', 'where:\n  any:\n    - audience: cycle_c\n');
    f.writeAudienceFile('cycle_c', 'where:\n  not:\n    audience: cycle_a\n');
    let error: CdpError | undefined;
    try {
      await compileAudience(f.project, 'cycle_a');
    } catch (e) {
      error = e as CdpError;
    }
    expect(error?.code).toBe('AUDIENCE_CYCLE');
    expect(error?.message).toBe('audience cycle: cycle_a → cycle_b → cycle_c → cycle_a');
    expect(error?.location.path).toBe('where.all[1].audience');
    expect(error?.location.file).toBe('audiences/cycle_a.yaml');
    expect(error?.location.line).toBe(6);
    // Saving an audience that refers to itself is a cycle too.
    await expect(saveAudience(f.project, { name: 'selfish', where: { not: { audience: 'selfish' } } })).rejects.toMatchObject({
      code: 'AUDIENCE_CYCLE',
      message: 'audience cycle: selfish → selfish',
    });
  });

  it('errors inside a referenced audience point at the reference and say where', async () => {
    f.writeAudienceFile('broken', 'where:\n  trait: nope\n  op: is_null\n');
    const error = await failure({ all: [{ audience: 'broken' }] });
    expect(error.location.path).toBe('where.all[0].audience');
    expect(error.message).toBe('in audience `broken` (audiences/broken.yaml:2, at where.trait): unknown trait `nope`');
  });

  it('semantic errors in a YAML file carry its file and line', async () => {
    f.writeAudienceFile('typo', 'name: typo\nwhere:\n  all:\n    - trait: country\n      op: eq\n      value: US\n    - event: order_completed\n      count: { op: gte, value: 2 }\n      where:\n        property: amont\n        op: gt\n        value: 5\n');
    await expect(compileAudience(f.project, 'typo')).rejects.toMatchObject({
      code: 'AUDIENCE_INVALID',
      location: { file: 'audiences/typo.yaml', line: 10, path: 'where.all[1].where.property' },
    });
  });

  it('unknown names in loadAudience', async () => {
    await expect(compileAudience(f.project, 'big_spender')).rejects.toMatchObject({ code: 'AUDIENCE_NOT_FOUND' });
  });
});
