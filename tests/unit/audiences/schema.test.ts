import { describe, expect, it } from 'vitest';
import { parseAudienceDefinition, parseAudienceFile, type AudienceDefinition } from '../../../src/audiences/index.js';
import type { CdpError } from '../../../src/errors.js';

const ISSUE_EXAMPLE = {
  name: 'vip_recent_buyers',
  where: {
    all: [
      { trait: 'lifetime_value', op: 'gte', value: 500 },
      { any: [{ trait: 'country', op: 'in', value: ['US', 'CA'] }, { trait: 'email', op: 'ends_with', value: '@corp.io' }] },
      { event: 'order_completed', count: { op: 'gte', value: 2 }, within: { days: 90 }, where: { all: [{ property: 'amount', op: 'gt', value: 50 }] } },
      { not: { audience: 'churned' } },
    ],
  },
};

function rejection(value: unknown): CdpError {
  try {
    parseAudienceDefinition(value);
  } catch (error) {
    return error as CdpError;
  }
  throw new Error('expected a rejection');
}

describe('audience definition schema', () => {
  it('accepts the issue example exactly', () => {
    expect(parseAudienceDefinition(ISSUE_EXAMPLE)).toEqual(ISSUE_EXAMPLE);
  });

  it('accepts every operator shape', () => {
    const where = {
      all: [
        { trait: 'a', op: 'eq', value: 'x' },
        { trait: 'a', op: 'neq', value: 1 },
        { trait: 'a', op: 'gt', value: 1.5 },
        { trait: 'a', op: 'between', value: [1, 2] },
        { trait: 'a', op: 'in', value: ['x', 'y'] },
        { trait: 'a', op: 'not_in', value: [] },
        { trait: 'a', op: 'contains', value: 'x' },
        { trait: 'a', op: 'is_null' },
        { trait: 'a', op: 'is_true', value: null },
        { trait: 'a', op: 'before', value: '2024-01-01' },
        { trait: 'a', op: 'within_last', value: { hours: 3 } },
        { trait: 'a', op: 'not_within_last', value: { days: 3 } },
        { event: 'e', between: ['2024-01-01', '2024-02-01'] },
        { event: 'e', count: { op: 'between', value: [0, 3] }, where: { not: { any: [{ property: 'p', op: 'is_not_null' }] } } },
        { not: { not: { all: [] } } },
      ],
    };
    expect(parseAudienceDefinition({ where })).toEqual({ where });
  });

  it.each([
    [{ where: { trait: 'a', op: 'like', value: 'x' } }, 'where.op'],
    [{ where: { trait: 'a', op: 'eq' } }, 'where.value'],
    [{ where: { trait: 'a', op: 'in', value: 'US' } }, 'where.value'],
    [{ where: { trait: 'a', op: 'is_null', value: 3 } }, 'where.value'],
    [{ where: { trait: 'a', op: 'within_last', value: { weeks: 2 } } }, 'where.value'],
    [{ where: { all: [{ trait: 'a', op: 'eq', value: 1 }, { event: 'e', count: { op: 'atleast', value: 2 } }] } }, 'where.all[1].count.op'],
    [{ where: { all: [{ all: [{ event: 'e', count: { op: 'eq', value: 1.5 } }] }] } }, 'where.all[0].all[0].count.value'],
    [{ where: { event: 'e', within: { days: 0 } } }, 'where.within.days'],
    [{ where: { event: 'e', where: { trait: 'x', op: 'is_null' } } }, 'where.where'],
    [{ where: { any: [{ trait: 'a', event: 'b', op: 'is_null' }] } }, 'where.any[0]'],
    [{ where: { trait: 'a', op: 'gt', value: 1e29 } }, 'where.value'],
    [{ where: { trait: 'a', op: 'in', value: [1, -1e21] } }, 'where.value[1]'],
    [{ where: { foo: 1 } }, 'where'],
    [{ where: { all: {} } }, 'where.all'],
    [{ name: 'has space', where: { all: [] } }, 'name'],
    [{ where: { all: [] }, extra: true }, ''],
  ])('rejects %j at %s', (value, path) => {
    const error = rejection(value);
    expect(error.code).toBe('AUDIENCE_INVALID');
    expect(error.location.path ?? '').toBe(path);
  });

  it('reads YAML files, defaulting the name to the file name, and locates errors by line', () => {
    const yaml = 'description: Recent buyers\nwhere:\n  all:\n    - trait: lifetime_value\n      op: gte\n      value: 500\n';
    const parsed: AudienceDefinition = parseAudienceFile(yaml, 'audiences/recent.yaml');
    expect(parsed).toEqual({ name: 'recent', description: 'Recent buyers', where: { all: [{ trait: 'lifetime_value', op: 'gte', value: 500 }] } });

    const bad = 'where:\n  all:\n    - trait: country\n      op: eq\n      value: US\n    - event: order_completed\n      count:\n        op: most\n        value: 2\n';
    expect(() => parseAudienceFile(bad, 'audiences/bad.yaml')).toThrow(
      expect.objectContaining({ code: 'AUDIENCE_INVALID', location: { file: 'audiences/bad.yaml', line: 8, path: 'where.all[1].count.op' } }),
    );
    expect(() => parseAudienceFile('where: [unclosed\n', 'audiences/syntax.yaml')).toThrow(
      expect.objectContaining({ code: 'AUDIENCE_INVALID', location: expect.objectContaining({ file: 'audiences/syntax.yaml', line: expect.any(Number) }) }),
    );
    expect(parseAudienceFile(JSON.stringify(ISSUE_EXAMPLE), 'audiences/x.json')).toEqual(ISSUE_EXAMPLE);
  });
});
