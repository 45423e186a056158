/**
 * docs/extending.md's recipe "add an audience operator", followed once: a test-only operator
 * registered through the public registry is parsed, checked, compiled, counted, described and
 * offered for the right columns, on DuckDB and Postgres, without touching anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  audienceFields,
  compileAudience,
  countAudience,
  describeCondition,
  operatorsForKind,
  parseAudienceDefinition,
  registerOperator,
  type AudienceDefinition,
  type Condition,
} from '../../../src/audiences/index.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

// "The e-mail's domain is ...", case-insensitive: a column's text ends with `@<domain>`.
registerOperator<string>({
  op: 'test_email_domain',
  kinds: ['string'],
  value: z.string().min(1),
  check: (domain, checks) => {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(domain)) checks.fail(`\`${domain}\` is not a domain`, 'write a domain like example.com');
  },
  sql: ({ d, expr, value, positive }) => positive(d.textMatch(`LOWER(${expr})`, 'ends_with', `@${value.toLowerCase()}`)),
  describe: (subject, domain) => `${subject} at ${domain}`,
});

const domain = (value: unknown): Condition => ({ trait: 'email', op: 'test_email_domain', value });

it('is offered for text columns only, after the built-in operators', () => {
  expect(operatorsForKind('string').at(-1)).toBe('test_email_domain');
  expect(operatorsForKind('string').slice(0, 3)).toEqual(['eq', 'neq', 'gt']);
  expect(operatorsForKind('integer')).not.toContain('test_email_domain');
  expect(describeCondition({ all: [domain('corp.io'), { trait: 'country', op: 'eq', value: 'US' }] })).toBe('all of (email at corp.io; country = "US")');
});

it('takes effect when registered after definitions were parsed', () => {
  const late = { where: { trait: 'email', op: 'test_is_blank' } };
  expect(parseAudienceDefinition({ where: { trait: 'email', op: 'is_null' } })).toBeTruthy();
  expect(() => parseAudienceDefinition(late)).toThrow();
  registerOperator<null | undefined>({
    op: 'test_is_blank',
    kinds: ['string'],
    value: z.null().optional(),
    sql: ({ expr }) => `(${expr} IS NULL OR TRIM(${expr}) = '')`,
  });
  expect(parseAudienceDefinition(late).where).toEqual({ trait: 'email', op: 'test_is_blank' });
  expect(describeCondition(late.where)).toBe('email test is blank');
});

describe.each(ENGINES)('a registered operator on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(async () => {
    await f?.close();
  });

  async function members(where: Condition): Promise<string[]> {
    const definition: AudienceDefinition = { where };
    const { sql } = await compileAudience(f.project, definition);
    const rows = await f.warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM (${sql}) m ORDER BY profile_id`);
    expect(await countAudience(f.project, definition)).toBe(rows.length);
    return rows.map((r) => r.profile_id);
  }

  it('selects the members, case-insensitively, and its `not` is the exact complement (NULL included)', async () => {
    expect(await members(domain('CORP.io'))).toEqual(['p1', 'p3', 'p6']);
    expect(await members({ not: domain('corp.io') })).toEqual(['p2', 'p4', 'p5', 'p7', 'p8']);
  });

  it('is refused where it does not fit, with its own checks and value schema', async () => {
    await expect(compileAudience(f.project, { where: { trait: 'orders_count', op: 'test_email_domain', value: 'corp.io' } })).rejects.toMatchObject({
      code: 'AUDIENCE_INVALID',
      message: expect.stringContaining('operator `test_email_domain` does not fit trait `orders_count` of type integer'),
    });
    await expect(compileAudience(f.project, { where: domain('corp') })).rejects.toMatchObject({
      code: 'AUDIENCE_INVALID',
      message: expect.stringContaining('`corp` is not a domain'),
      hint: 'write a domain like example.com',
    });
    await expect(compileAudience(f.project, { where: domain(42) })).rejects.toMatchObject({ code: 'AUDIENCE_INVALID' });
  });

  it('is listed by the fields API for text traits', async () => {
    const { traits } = await audienceFields(f.project);
    expect(traits.find((t) => t.name === 'email')?.operators).toContain('test_email_domain');
    expect(traits.find((t) => t.name === 'orders_count')?.operators).not.toContain('test_email_domain');
  });
});
