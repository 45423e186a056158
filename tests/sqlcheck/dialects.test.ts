/**
 * Every Dialect method's output for BigQuery (analyzed by ZetaSQL against a catalog) and Snowflake
 * (parsed by sqlparser-rs + function allow-list), inside the statements that use it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDialect, type Dialect } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkSnowflake } from './snowflake.js';
import { ZetaSqlServer } from './zetasql.js';

const t = { schema: 'raw', name: 'people' };
const columns = [
  { name: 'id', type: 'TYPE_STRING' },
  { name: 'email', type: 'TYPE_STRING' },
  { name: 'n', type: 'TYPE_INT64' },
  { name: 'amount', type: 'TYPE_DOUBLE' },
  { name: 'ts', type: 'TYPE_TIMESTAMP' },
  { name: 'flag', type: 'TYPE_BOOL' },
];

/** Statements built only from dialect methods, over raw.people. */
function statements(d: Dialect): Array<[string, string]> {
  const q = (c: string) => d.quoteIdent(c);
  const from = `FROM ${d.relation(t)} AS x`;
  const col = (c: string) => `x.${q(c)}`;
  const target = { schema: 'cdp', name: 'people_copy' };
  const select = `SELECT ${col('id')}, ${col('email')}, ${col('n')}, ${col('ts')} ${from}`;
  return [
    ['literals', `SELECT ${[d.literal("it's \\ a \"test\"\n\ttab"), d.literal(42), d.literal(-1.5), d.literal(9223372036854775807n), d.literal(-12345678901234567890123n), d.literal(true), d.literal(null), d.literal(new Date('2024-03-01T12:34:56.789Z'))].join(', ')}`],
    ['param', `SELECT ${col('id')} ${from} WHERE ${col('email')} = ${d.param(1)} AND ${col('id')} <> ${d.param(2)}`],
    ['casts', `SELECT ${(['string', 'integer', 'number', 'boolean', 'timestamp', 'date'] as const).map((k) => d.cast(col('id'), k)).join(', ')}, ${d.cast(d.literal('{"a":1}'), 'json')} ${from}`],
    ['tryCasts', `SELECT ${(['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'] as const).map((k) => d.tryCast(col('email'), k)).join(', ')}, ${d.tryCast(col('n'), 'string')}, ${d.tryCast(col('amount'), 'integer')} ${from}`],
    ['time', `SELECT ${d.currentTimestamp()}, ${d.currentTimestampUtc()}, ${(['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const).map((u) => d.dateAdd(col('ts'), -3, u)).join(', ')}, ${(['second', 'minute', 'hour', 'day'] as const).map((u) => d.dateDiff(u, col('ts'), d.currentTimestampUtc())).join(', ')} ${from} WHERE ${col('ts')} > ${d.dateAdd(d.currentTimestampUtc(), -30, 'day')}`],
    ['hashes', `SELECT ${d.sha256Hex(col('email'))}, ${d.hash64(col('email'))}, ${d.hash64(d.concat(col('id'), d.literal(':'), col('email')))} + 1 AS ${q('h')} ${from}`],
    ['regexes', `SELECT ${d.regexReplaceAll(col('email'), '[^0-9]+', '')} ${from} WHERE ${d.regexMatches(col('email'), '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$')}`],
    ['strings', `SELECT ${d.length(col('email'))}, ${d.concat(col('id'), d.literal('-'), col('email'))}, ${d.jaroWinkler(col('email'), d.literal('a@b.co'))}, ${d.levenshtein(col('email'), d.literal('a@b.co'))}, ${d.binaryOrder(col('id'))} ${from} WHERE ${d.textMatch(col('email'), 'contains', "50%_off\\'")} OR ${d.textMatch(col('email'), 'starts_with', 'a_')} OR ${d.textMatch(col('email'), 'ends_with', '%')}`],
    ['stringAgg', `SELECT ${col('id')}, ${d.stringAgg(col('email'), ', ', `${col('ts')} DESC`)} AS ${q('emails')}, ${d.stringAgg(col('email'), '|')} AS ${q('any_order')} ${from} GROUP BY ${col('id')}`],
    ['json', `SELECT ${d.jsonObjectText([['id', col('id')], ['n', col('n')], ['ts', col('ts')], ['flag', col('flag')], ['nested', d.jsonObjectText([['a', col('amount')]]), 'json']])}, ${d.jsonObjectText([])} ${from}`],
    [
      'dbtMacros',
      `SELECT ${d.dbt.dateTrunc('day', col('ts'))}, ${d.dbt.dateAdd('day', '3', col('ts'))}, ${d.dbt.dateDiff(col('ts'), col('ts'), 'day')}, ${d.dbt.lastDay(col('ts'), 'month')}, ${d.dbt.safeCast(col('id'), d.dbt.typeName('int'))}, ` +
        `${d.dbt.concat([col('id'), d.literal('-'), col('email')])}, ${d.dbt.hash(col('email'))}, ${d.dbt.splitPart(col('email'), d.literal('@'), '2')}, ${d.dbt.position(d.literal('@'), col('email'))}, ` +
        `CAST(${col('n')} AS ${d.dbt.typeName('bigint')}), CAST(${col('amount')} AS ${d.dbt.typeName('float')}), CAST(${col('ts')} AS ${d.dbt.typeName('timestamp')}), '${d.dbt.escapeSingleQuotes("o'neil")}' ${from}`,
    ],
    ['dbtAggregates', `SELECT ${col('id')}, ${d.dbt.listagg(col('email'), d.literal(','), `order by ${col('ts')}`)}, ${d.dbt.anyValue(col('email'))}, ${d.dbt.boolOr(col('flag'))} ${from} GROUP BY ${col('id')}`],
    ['dbtExcept', `SELECT ${q('id')} FROM ${d.relation(t)} ${d.dbt.except()} SELECT ${q('id')} FROM ${d.relation(t)}`],
    ['dbtIntersect', `SELECT ${q('id')} FROM ${d.relation(t)} ${d.dbt.intersect()} SELECT ${q('id')} FROM ${d.relation(t)}`],
    [
      'timestampLists',
      `SELECT y.${q('id')}, ${d.countTimestampsSince(`y.${q('l')}`, d.dateAdd(d.currentTimestampUtc(), -30, 'day'))} AS ${q('recent')} ` +
        `FROM (SELECT ${col('id')}, ${d.timestampsAgg(col('ts'))} AS ${q('l')} ${from} GROUP BY ${col('id')}) AS y`,
    ],
    ['limit', `SELECT ${col('id')} ${from} ORDER BY ${col('id')} ${d.limit(10)}`],
    ['limitOffset', `SELECT ${col('id')} ${from} ORDER BY ${col('id')} ${d.limit(10, 20)}`],
    ['inSubquery', `SELECT ${col('id')} ${from} WHERE ${col('id')} NOT IN (SELECT ${q('id')} FROM ${d.relation(t)} WHERE ${q('flag')})`],
    ['qualify', `SELECT ${col('id')}, ${col('email')} ${from} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY ${col('id')} ORDER BY ${col('ts')} DESC) = 1`],
    ...d.createOrReplaceTableAs(target, select).map((sql, i): [string, string] => [`createOrReplaceTableAs#${i}`, sql]),
    ...d.createOrReplaceViewAs({ schema: 'cdp', name: 'people_view' }, select).map((sql, i): [string, string] => [`createOrReplaceViewAs#${i}`, sql]),
    ...d
      .merge({ target, source: select, keys: ['id'], insertColumns: ['id', 'email', 'n', 'ts'], updateColumns: ['email', 'n', 'ts'] })
      .map((sql, i): [string, string] => [`merge#${i}`, sql]),
    ...d.merge({ target, source: select, keys: ['id', 'email'], insertColumns: ['id', 'email', 'n', 'ts'], updateColumns: [] }).map((sql, i): [string, string] => [`mergeInsertOnly#${i}`, sql]),
    ['renameTable', d.renameTable(target, 'people_renamed')],
    ['dropTable', d.dropRelation({ schema: 'cdp', name: 'people_renamed' }, 'table')],
    ['dropView', d.dropRelation({ schema: 'cdp', name: 'people_view' }, 'view')],
  ];
}

describe('BigQuery dialect output, analyzed by ZetaSQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('every statement resolves against the catalog', async () => {
    const catalog = new BigQueryCatalog();
    catalog.addTable('raw', 'people', columns);
    const failures: string[] = [];
    for (const [name, sql] of statements(getDialect('bigquery'))) {
      const analysis = await zeta.analyze(sql, catalog);
      if (analysis.ok) catalog.apply(analysis);
      else failures.push(`${name}: ${analysis.error}\n  ${sql}`);
    }
    expect(failures).toEqual([]);
    expect(catalog.hasTable('cdp', 'people_copy')).toBe(false); // renamed, then dropped
  });

  it('types come out as the other engines give them', async () => {
    const catalog = new BigQueryCatalog();
    catalog.addTable('raw', 'people', columns);
    const d = getDialect('bigquery');
    const col = (c: string) => `x.${d.quoteIdent(c)}`;
    const sql = `SELECT ${d.hash64(col('email'))} AS h, ${d.sha256Hex(col('email'))} AS s, ${d.dateDiff('day', col('ts'), col('ts'))} AS dd, ${d.jaroWinkler(col('id'), col('email'))} AS jw, ${d.levenshtein(col('id'), col('email'))} AS lv, ${d.jsonObjectText([['a', col('n')]])} AS j, ${d.dateAdd(col('ts'), 1, 'month')} AS m FROM ${d.relation(t)} AS x`;
    const analysis = await zeta.analyze(sql, catalog);
    expect(analysis.ok && analysis.columns).toEqual([
      { name: 'h', type: 'TYPE_INT64' },
      { name: 's', type: 'TYPE_STRING' },
      { name: 'dd', type: 'TYPE_INT64' },
      { name: 'jw', type: 'TYPE_DOUBLE' },
      { name: 'lv', type: 'TYPE_INT64' },
      { name: 'j', type: 'TYPE_STRING' },
      { name: 'm', type: 'TYPE_TIMESTAMP' },
    ]);
  });

  it('catches what BigQuery rejects: DuckDB functions, unknown columns, type errors, doubled quotes', async () => {
    const catalog = new BigQueryCatalog();
    catalog.addTable('raw', 'people', columns);
    const errors = async (sql: string) => {
      const analysis = await zeta.analyze(sql, catalog);
      return analysis.ok ? 'accepted' : analysis.error;
    };
    expect(await errors('SELECT REGEXP_MATCHES(email, "a") FROM `raw`.`people`')).toMatch(/Function not found: REGEXP_MATCHES/);
    expect(await errors('SELECT nosuch FROM `raw`.`people`')).toMatch(/Unrecognized name: nosuch/);
    expect(await errors('SELECT n + email FROM `raw`.`people`')).toMatch(/No matching signature for operator \+/);
    expect(await errors("SELECT 'it''s' FROM `raw`.`people`")).toMatch(/Syntax error/);
    expect(await errors('SELECT CAST(id AS VARCHAR) FROM `raw`.`people`')).toMatch(/Type not found: VARCHAR/);
    expect(await errors('SELECT table_name FROM information_schema.tables')).toMatch(/Table not found/);
  });
});

describe('Snowflake dialect output, parsed by sqlparser-rs (snowflake) with the function allow-list', () => {
  it('every statement parses and calls only Snowflake functions', async () => {
    const failures: string[] = [];
    for (const [name, sql] of statements(getDialect('snowflake'))) {
      const check = await checkSnowflake(sql);
      if (!check.ok) failures.push(`${name}: ${check.error}\n  ${sql}`);
    }
    expect(failures).toEqual([]);
  });

  it('catches other engines’ functions and types', async () => {
    expect(await checkSnowflake('SELECT REGEXP_MATCHES(a, \'x\') FROM t')).toEqual({ ok: false, error: 'not Snowflake function(s): REGEXP_MATCHES' });
    expect(await checkSnowflake('SELECT STRING_AGG(a, \',\') FROM t')).toEqual({ ok: false, error: 'not Snowflake function(s): STRING_AGG' });
    expect(await checkSnowflake('SELECT CAST(a AS INT64) FROM t')).toEqual({ ok: false, error: 'not Snowflake type(s) in a cast: INT64' });
    expect((await checkSnowflake('SELECT FROM WHERE')).ok).toBe(false);
  });
});
