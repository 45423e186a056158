/**
 * Dialect conformance: every Dialect method, built per engine and run on real DuckDB and real
 * Postgres, must give the same result. Identity, audiences and syncs rely on this to behave the
 * same on every warehouse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnDef, Dialect, Row, SqlValue, Warehouse } from '../../../src/warehouse/index.js';
import type { TimeUnit } from '../../../src/warehouse/dialects/index.js';
import { dropSchema, openEngine, uniqueName } from './engines.js';

let duck: Warehouse;
let pg: Warehouse;
const schema = uniqueName('t_wh_dialect');
const engines = () => [duck, pg] as const;

beforeAll(async () => {
  [duck, pg] = await Promise.all([openEngine('duckdb'), openEngine('postgres')]);
  await Promise.all(engines().map((w) => w.createSchema(schema)));
});

afterAll(async () => {
  await Promise.all(engines().map((w) => dropSchema(w, schema)));
  await Promise.all(engines().map((w) => w.close()));
});

/** Runs `SELECT <expr> AS v, ...` (built per dialect) on both engines and returns both results. */
async function onBoth(build: (d: Dialect) => string): Promise<[Row[], Row[]]> {
  const [a, b] = await Promise.all(engines().map((w) => w.query(build(w.dialect))));
  return [a!, b!];
}

/** Asserts both engines give `expected` (when given) and the same thing. */
async function same(build: (d: Dialect) => string, expected?: Row[]): Promise<Row[]> {
  const [a, b] = await onBoth(build);
  expect(b, 'postgres differs from duckdb').toEqual(a);
  if (expected) expect(a).toEqual(expected);
  return a;
}

/** `VALUES` rows as a relation with the given column names (strings through literal()). */
function values(d: Dialect, rows: readonly SqlValue[][], names: readonly string[]): string {
  const body = rows.map((r) => `(${r.map((v) => d.literal(v)).join(', ')})`).join(', ');
  return `(VALUES ${body}) AS v(${names.map((n) => d.quoteIdent(n)).join(', ')})`;
}

async function loadBoth(name: string, columns: ColumnDef[], rows: unknown[][]): Promise<void> {
  await Promise.all(engines().map((w) => w.loadTable({ schema, name }, columns, [rows])));
}

const TRICKY_STRINGS = [
  "it's",
  "''",
  'back\\slash',
  '\\',
  "\\'",
  'ünïcödé 日本語 🎉',
  "'; drop table x; --",
  '',
  'line\nbreak\r\n',
  'tab\there',
  '$$dollar$$ $tag$',
  '?',
  '$1',
  '"double"',
  '%s %d',
  "E'\\x41'",
  '/* not a comment */',
  '-- not a comment',
];

describe('names and values', () => {
  it('literal() round-trips tricky strings', async () => {
    for (const text of TRICKY_STRINGS) {
      await same((d) => `SELECT ${d.literal(text)} AS v`, [{ v: text }]);
    }
  });

  it('literal() round-trips numbers, booleans, null, bigints and dates', async () => {
    const date = new Date('2024-02-29T23:59:58.123Z');
    await same(
      (d) =>
        `SELECT ${d.literal(0)} AS zero, ${d.literal(-1.5)} AS neg, ${d.literal(1e-7)} AS tiny, ${d.literal(2 ** 53 - 1)} AS big,
                ${d.literal(2n ** 62n)} AS huge, ${d.literal(true)} AS t, ${d.literal(false)} AS f, ${d.literal(null)} AS n,
                ${d.literal(date)} AS ts`,
      [{ zero: 0, neg: -1.5, tiny: 1e-7, big: 2 ** 53 - 1, huge: 2n ** 62n, t: true, f: false, n: null, ts: date }],
    );
  });

  it('literal() refuses what SQL text cannot hold', () => {
    for (const w of engines()) {
      expect(() => w.dialect.literal('nul\u0000')).toThrow(TypeError);
      expect(() => w.dialect.literal(Number.NaN)).toThrow(TypeError);
      expect(() => w.dialect.literal(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    }
  });

  it('quoteIdent() and relation() handle quotes, spaces and case', async () => {
    const name = 'Odd "name" with spaces';
    await Promise.all(
      engines().map(async (w) => {
        const d = w.dialect;
        await w.execute(`CREATE TABLE ${d.relation({ schema, name })} (${d.quoteIdent('Col "x"')} ${d.typeName('integer')})`);
        await w.execute(`INSERT INTO ${d.relation({ schema, name })} VALUES (1)`);
      }),
    );
    await same((d) => `SELECT ${d.quoteIdent('Col "x"')} AS v FROM ${d.relation({ schema, name })}`, [{ v: 1 }]);
  });

  it('param() numbers placeholders the same way', () => {
    for (const w of engines()) expect([w.dialect.param(1), w.dialect.param(12)]).toEqual(['$1', '$12']);
  });
});

describe('types', () => {
  const kinds = ['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'] as const;

  it('typeName() and columnKind() agree through the catalog', async () => {
    await Promise.all(
      engines().map(async (w) => {
        const d = w.dialect;
        await w.execute(`CREATE TABLE ${d.relation({ schema, name: 'kinds' })} (${kinds.map((k) => `${k} ${d.typeName(k)}`).join(', ')})`);
        const columns = await w.listColumns({ schema, name: 'kinds' });
        expect(columns.map((c) => d.columnKind(c.type))).toEqual([...kinds]);
      }),
    );
  });

  it('columnKind() maps array and nested types to other', () => {
    for (const w of engines()) {
      for (const t of ['TEXT[]', 'VARCHAR[]', 'INTEGER[3]', 'STRUCT(a INTEGER)', 'MAP(VARCHAR, INTEGER)', 'BYTEA', 'INTERVAL', 'TIME']) {
        expect(w.dialect.columnKind(t), t).toBe('other');
      }
      expect(w.dialect.columnKind('CHARACTER VARYING(20)')).toBe('string');
      expect(w.dialect.columnKind('NUMERIC(12,0)')).toBe('integer');
      expect(w.dialect.columnKind('NUMERIC(12,2)')).toBe('number');
      expect(w.dialect.columnKind('TIMESTAMP WITH TIME ZONE')).toBe('timestamp');
    }
  });

  it('cast() converts the same way', async () => {
    await same(
      (d) =>
        `SELECT ${d.cast("'42'", 'integer')} AS i, ${d.cast("'2.5'", 'number')} AS n, ${d.cast("'true'", 'boolean')} AS b,
                ${d.cast("'2024-01-02 03:04:05'", 'timestamp')} AS t, ${d.cast("'2024-01-02'", 'date')} AS d,
                ${d.cast('42', 'string')} AS s`,
      [{ i: 42, n: 2.5, b: true, t: new Date('2024-01-02T03:04:05Z'), d: new Date('2024-01-02T00:00:00Z'), s: '42' }],
    );
  });

  const tryCastCases: Record<(typeof kinds)[number], Array<[string | null, unknown]>> = {
    string: [
      ['abc', 'abc'],
      ['', ''],
      [null, null],
    ],
    integer: [
      ['42', 42],
      [' 12 ', 12],
      ['-7', -7],
      ['+5', 5],
      ['1.5', 2],
      ['2.4', 2],
      ['-2.5', -3],
      ['1e3', 1000],
      ['9223372036854775807', 9223372036854775807n],
      ['9223372036854775808', null],
      ['abc', null],
      ['', null],
      ['12abc', null],
      [null, null],
    ],
    number: [
      ['2.5', 2.5],
      ['-1e-3', -1e-3],
      [' 7 ', 7],
      ['abc', null],
      ['', null],
      ['1.2.3', null],
    ],
    boolean: [
      ['true', true],
      ['false', false],
      ['t', true],
      ['f', false],
      ['1', true],
      ['0', false],
      ['TRUE', true],
      ['maybe', null],
      ['', null],
    ],
    timestamp: [
      ['2024-01-02 03:04:05', new Date('2024-01-02T03:04:05Z')],
      ['2024-01-02T03:04:05.678', new Date('2024-01-02T03:04:05.678Z')],
      ['2024-01-02', new Date('2024-01-02T00:00:00Z')],
      ['2024-02-30 00:00:00', null],
      ['Jan 5 2024', null],
      ['not a date', null],
      ['', null],
    ],
    date: [
      ['2024-01-02', new Date('2024-01-02T00:00:00Z')],
      ['2024-1-2', new Date('2024-01-02T00:00:00Z')],
      ['2024-02-30', null],
      ['02/01/2024', null],
      ['yesterday', null],
      ['', null],
    ],
    json: [
      ['{"a": 1}', '{"a": 1}'],
      ['[1, 2]', '[1, 2]'],
      ['{oops', null],
      ['', null],
    ],
  };

  for (const kind of kinds) {
    it(`tryCast(${kind}) yields the value or NULL, never an error`, async () => {
      const cases = tryCastCases[kind];
      const rows = await same(
        (d) => `SELECT i, ${d.tryCast('x', kind)} AS v FROM ${values(d, cases.map(([x], i) => [i, x]), ['i', 'x'])} ORDER BY i`,
      );
      expect(rows.map((r) => r.v)).toEqual(cases.map(([, v]) => v));
    });
  }
});

describe('time', () => {
  it('currentTimestamp() is now on both', async () => {
    const [a, b] = await onBoth((d) => `SELECT ${d.currentTimestamp()} AS v`);
    for (const r of [a[0]!, b[0]!]) expect(Math.abs((r.v as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('dateAdd() shifts by every unit, both ways, clamping month ends', async () => {
    const units: TimeUnit[] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'];
    for (const unit of units) {
      for (const amount of [1, -3, 0, 13]) {
        await same((d) => `SELECT ${d.dateAdd(d.cast(d.literal('2024-01-31 10:20:30'), 'timestamp'), amount, unit)} AS v`);
      }
    }
    await same((d) => `SELECT ${d.dateAdd(d.cast(d.literal('2024-01-31 00:00:00'), 'timestamp'), 1, 'month')} AS v`, [
      { v: new Date('2024-02-29T00:00:00Z') },
    ]);
  });

  it('dateDiff() counts whole units elapsed, truncated toward zero', async () => {
    const pairs: Array<[string, string]> = [
      ['2024-01-01 23:00:00', '2024-01-02 01:00:00'],
      ['2024-01-02 01:00:00', '2024-01-01 23:00:00'],
      ['2024-01-01 00:00:00', '2024-03-01 00:00:00'],
      ['2024-01-01 00:00:00.900', '2024-01-01 00:00:01.100'],
      ['2024-01-01 00:00:00', '2024-01-01 00:00:59.999'],
      ['2023-12-31 12:00:00', '2024-01-01 11:59:59'],
      ['2024-03-10 00:00:00', '2024-03-10 00:00:00'],
    ];
    const expected: Record<'second' | 'minute' | 'hour' | 'day', number[]> = {
      second: [7200, -7200, 5184000, 0, 59, 86399, 0],
      minute: [120, -120, 86400, 0, 0, 1439, 0],
      hour: [2, -2, 1440, 0, 0, 23, 0],
      day: [0, 0, 60, 0, 0, 0, 0],
    };
    for (const unit of ['second', 'minute', 'hour', 'day'] as const) {
      const rows = await same(
        (d) =>
          `SELECT i, ${d.dateDiff(unit, d.cast('s', 'timestamp'), d.cast('e', 'timestamp'))} AS v FROM ${values(d, pairs.map(([s, e], i) => [i, s, e]), ['i', 's', 'e'])} ORDER BY i`,
      );
      expect(rows.map((r) => r.v), unit).toEqual(expected[unit]);
    }
    // Dates work as well as timestamps.
    await same((d) => `SELECT ${d.dateDiff('day', d.cast("'2024-01-01'", 'date'), d.cast("'2024-02-01'", 'date'))} AS v`, [{ v: 31 }]);
  });

  it('timestampsAgg() lists a group’s times (NULLs left out) and countTimestampsSince() counts those at or after a bound', async () => {
    const rows: SqlValue[][] = [
      ['a', '2024-01-01 00:00:00'],
      ['a', '2024-01-10 00:00:00'],
      ['a', '2024-01-10 00:00:00'],
      ['a', null],
      ['b', '2023-12-31 23:59:59.999'],
      ['c', null],
    ];
    for (const [bound, expected] of [
      ['2024-01-10 00:00:00', [2, 0, 0, 0]],
      ['2024-01-01 00:00:00', [3, 0, 0, 0]],
      ['2023-12-31 23:59:59.999', [3, 1, 0, 0]],
    ] as const) {
      const result = await same((d) => {
        const lists = `SELECT g, ${d.timestampsAgg(d.cast('t', 'timestamp'))} AS l FROM ${values(d, rows, ['g', 't'])} GROUP BY g`;
        // `d`: a group with no rows at all (a LEFT JOIN's NULL list).
        const all = `SELECT k.g, x.l FROM ${values(d, [['a'], ['b'], ['c'], ['d']], ['g'])} LEFT JOIN (${lists}) AS x ON x.g = k.g`.replace('AS v(', 'AS k(');
        return `SELECT y.g, ${d.countTimestampsSince('y.l', d.cast(d.literal(bound), 'timestamp'))} AS n FROM (${all}) AS y ORDER BY y.g`;
      });
      expect(result.map((r) => Number(r.n)), bound).toEqual(expected);
    }
  });
});

describe('strings, hashing, regexes', () => {
  it('sha256Hex() and hash64() agree on every engine', async () => {
    const inputs = [...TRICKY_STRINGS, 'abc', 'user@example.com', 'x'.repeat(1000)];
    const rows = await same(
      (d) => `SELECT i, ${d.sha256Hex('s')} AS sha, ${d.hash64('s')} AS h FROM ${values(d, inputs.map((s, i) => [i, s]), ['i', 's'])} ORDER BY i`,
    );
    expect(rows[inputs.indexOf('abc')]).toMatchObject({
      sha: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      h: BigInt('0xba7816bf8f01cfe'),
    });
    for (const r of rows) expect(typeof r.h === 'bigint' || typeof r.h === 'number').toBe(true);
  });

  it('regexMatches() and regexReplaceAll() agree', async () => {
    const inputs = ['Jane.Doe@Example.com', 'not an email', '+1 (555) 010-9999', '  padded  ', 'aaa', '', 'ünï 123'];
    const regexes: Array<[string, string]> = [
      ['^[^@\\s]+@[^@\\s]+\\.[a-zA-Z]+$', ''],
      ['\\d+', '#'],
      ['[^0-9]', ''],
      ['\\s+', ' '],
      ['^\\s+|\\s+$', ''],
      ['(a)(a)', '\\2-\\1'],
      ['[aeiou]', '*'],
      ['[[:digit:]]', 'D'],
    ];
    for (const [pattern, replacement] of regexes) {
      await same(
        (d) =>
          `SELECT i, ${d.regexMatches('s', pattern)} AS m, ${d.regexReplaceAll('s', pattern, replacement)} AS r FROM ${values(d, inputs.map((s, i) => [i, s]), ['i', 's'])} ORDER BY i`,
      );
    }
    await same((d) => `SELECT ${d.regexReplaceAll(d.literal('+1 (555) 010-9999'), '[^0-9]', '')} AS v`, [{ v: '15550109999' }]);
    await same((d) => `SELECT ${d.regexReplaceAll(d.literal('aabaa'), '(a)(a)', '\\2-\\1')} AS v`, [{ v: 'a-aba-a' }]);
  });

  it('concat() and length() agree, NULL propagating', async () => {
    await same(
      (d) =>
        `SELECT ${d.concat(d.literal('a'), d.literal('ü'), d.literal('🎉'))} AS c, ${d.length(d.literal('日本語🎉é'))} AS l,
                ${d.concat(d.literal('a'), 'NULL')} AS n, ${d.length(d.literal(''))} AS z`,
      [{ c: 'aü🎉', l: 5, n: null, z: 0 }],
    );
  });

  it('stringAgg() joins in the given order', async () => {
    const rows: SqlValue[][] = [
      ['g1', 3, 'c'],
      ['g1', 1, 'a'],
      ['g1', 2, "b'"],
      ['g2', 1, 'z'],
    ];
    await same(
      (d) => `SELECT g, ${d.stringAgg('s', ", '|", 'o DESC')} AS v FROM ${values(d, rows, ['g', 'o', 's'])} GROUP BY g ORDER BY g`,
      [
        { g: 'g1', v: "c, '|b', '|a" },
        { g: 'g2', v: 'z' },
      ],
    );
  });
});

describe('similarity', () => {
  /** Deterministic pseudo-random generator (mulberry32). */
  function random(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function pairs(): Array<[string, string]> {
    const rnd = random(7);
    const pick = (alphabet: string, len: number) => Array.from({ length: len }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
    const names = ['MARTHA', 'MARHTA', 'DWAYNE', 'DUANE', 'DIXON', 'DICKSONX', 'jonathan', 'jonathon', 'Katherine', 'Catherine',
      'smith', 'smyth', 'schmidt', 'john.doe@example.com', 'jon.doe@example.com', 'José', 'Jose', 'Müller', 'Mueller', '日本', '日本語'];
    const out: Array<[string, string]> = [
      ['', ''],
      ['a', ''],
      ['', 'a'],
      ['a', 'a'],
      ['a', 'b'],
      ['ab', 'ba'],
      ['abc', 'abc'],
      ['crate', 'trace'],
    ];
    for (const a of names) for (const b of names) out.push([a, b]);
    for (let i = 0; i < 300; i++) out.push([pick('abcde', Math.floor(rnd() * 12)), pick('abcde', Math.floor(rnd() * 12))]);
    for (let i = 0; i < 40; i++) {
      // Long strings: DuckDB's multi-word path (> 64 bytes) and fuzzystrmatch's 255-character limit.
      const base = pick('abcdefgh', 60 + Math.floor(rnd() * 240));
      const edited = base.slice(0, Math.floor(rnd() * base.length)) + pick('abcdefgh', 5) + base.slice(Math.floor(rnd() * base.length));
      out.push([base, edited]);
    }
    for (let i = 0; i < 40; i++) out.push([pick('aéü日b', Math.floor(rnd() * 8)), pick('aeu日b', Math.floor(rnd() * 8))]);
    return out;
  }

  it('jaroWinkler() and levenshtein() give identical numbers on many pairs', async () => {
    const list = pairs();
    await loadBoth(
      'similarity_pairs',
      [
        { name: 'i', kind: 'integer' },
        { name: 'a', kind: 'string' },
        { name: 'b', kind: 'string' },
      ],
      list.map(([a, b], i) => [i, a, b]),
    );
    const rows = await same(
      (d) =>
        `SELECT i, ${d.jaroWinkler('a', 'b')} AS jw, ${d.levenshtein('a', 'b')} AS lev FROM ${d.relation({ schema, name: 'similarity_pairs' })} ORDER BY i`,
    );
    expect(rows).toHaveLength(list.length);
    expect(rows[list.findIndex(([a, b]) => a === 'MARTHA' && b === 'MARHTA')]).toMatchObject({ jw: 0.9611111111111111, lev: 2 });
    expect(rows.find((r) => r.i === 0)).toMatchObject({ jw: 0, lev: 0 });
  });

  it('jaroWinkler() and levenshtein() propagate NULL', async () => {
    await same((d) => `SELECT ${d.jaroWinkler('NULL', d.literal('a'))} AS jw, ${d.levenshtein(d.literal('a'), 'NULL')} AS lev`, [
      { jw: null, lev: null },
    ]);
  });
});

describe('statements', () => {
  async function runAll(w: Warehouse, statements: string[]): Promise<void> {
    await w.transaction(async (s) => {
      for (const sql of statements) await s.execute(sql);
    });
  }

  const target = { schema, name: 'ctas_target' };

  it('createOrReplaceTableAs() creates, replaces, and keeps the old table when the select fails', async () => {
    for (const w of engines()) {
      const d = w.dialect;
      await runAll(w, d.createOrReplaceTableAs(target, `SELECT 1 AS a, ${d.literal('x')} AS b`));
      await runAll(w, d.createOrReplaceTableAs(target, `SELECT 2 AS a, ${d.literal('y')} AS b, TRUE AS c`));
      await expect(runAll(w, d.createOrReplaceTableAs(target, `SELECT ${d.cast("'not a number'", 'integer')} AS a`))).rejects.toMatchObject({
        code: 'WAREHOUSE',
      });
      // Also when the statements run one by one, outside a transaction.
      for (const sql of d.createOrReplaceTableAs(target, 'SELECT * FROM no_such_relation')) {
        const failed = await w.execute(sql).then(
          () => false,
          () => true,
        );
        if (failed) break;
      }
      expect((await w.listRelations(schema)).filter((r) => r.name.startsWith('ctas_target'))).toEqual([
        { schema, name: 'ctas_target', kind: 'table' },
      ]);
    }
    await same((d) => `SELECT * FROM ${d.relation(target)}`, [{ a: 2, b: 'y', c: true }]);
  });

  it('createOrReplaceViewAs() replaces a view even when its columns change', async () => {
    const view = { schema, name: 'a_view' };
    for (const w of engines()) {
      await runAll(w, w.dialect.createOrReplaceViewAs(view, 'SELECT 1 AS a'));
      await runAll(w, w.dialect.createOrReplaceViewAs(view, `SELECT 2 AS b, ${w.dialect.literal('v')} AS c`));
      expect((await w.listRelations(schema)).find((r) => r.name === 'a_view')).toEqual({ schema, name: 'a_view', kind: 'view' });
    }
    await same((d) => `SELECT * FROM ${d.relation(view)}`, [{ b: 2, c: 'v' }]);
  });

  it('dropRelation() drops tables and views and tolerates missing ones', async () => {
    for (const w of engines()) {
      const d = w.dialect;
      await w.execute(`CREATE TABLE ${d.relation({ schema, name: 'to_drop' })} (a ${d.typeName('integer')})`);
      await w.execute(`CREATE VIEW ${d.relation({ schema, name: 'to_drop_v' })} AS SELECT 1 AS a`);
      await w.execute(d.dropRelation({ schema, name: 'to_drop_v' }, 'view'));
      await w.execute(d.dropRelation({ schema, name: 'to_drop' }, 'table'));
      await w.execute(d.dropRelation({ schema, name: 'never_existed' }, 'table'));
      expect((await w.listRelations(schema)).map((r) => r.name)).not.toContain('to_drop');
      expect((await w.listRelations(schema)).map((r) => r.name)).not.toContain('to_drop_v');
    }
  });

  it('merge() updates matched rows and inserts the rest', async () => {
    const merged = { schema, name: 'merge_target' };
    for (const w of engines()) {
      const d = w.dialect;
      await w.execute(`CREATE TABLE ${d.relation(merged)} (k1 ${d.typeName('string')}, k2 ${d.typeName('integer')}, v ${d.typeName('string')}, n ${d.typeName('integer')})`);
      await w.execute(`INSERT INTO ${d.relation(merged)} VALUES ('a', 1, 'old', 10), ('a', 2, 'old', 20), ('b', 1, 'old', 30)`);
      const source = `SELECT * FROM ${values(
        d,
        [
          ['a', 2, 'new', 21],
          ['b', 1, "it's", 31],
          ['c', 1, 'ins', 40],
        ],
        ['k1', 'k2', 'v', 'n'],
      )}`;
      for (const sql of d.merge({ target: merged, source, keys: ['k1', 'k2'], insertColumns: ['k1', 'k2', 'v', 'n'], updateColumns: ['v', 'n'] })) {
        await w.execute(sql);
      }
      // No update columns: only inserts.
      const onlyNew = `SELECT * FROM ${values(d, [['a', 1, 'ignored', 0], ['d', 1, 'ins2', 50]], ['k1', 'k2', 'v', 'n'])}`;
      for (const sql of d.merge({ target: merged, source: onlyNew, keys: ['k1', 'k2'], insertColumns: ['k1', 'k2', 'v', 'n'], updateColumns: [] })) {
        await w.execute(sql);
      }
    }
    await same((d) => `SELECT * FROM ${d.relation(merged)} ORDER BY k1, k2`, [
      { k1: 'a', k2: 1, v: 'old', n: 10 },
      { k1: 'a', k2: 2, v: 'new', n: 21 },
      { k1: 'b', k2: 1, v: "it's", n: 31 },
      { k1: 'c', k2: 1, v: 'ins', n: 40 },
      { k1: 'd', k2: 1, v: 'ins2', n: 50 },
    ]);
  });

  it('renameTable() renames inside the schema', async () => {
    for (const w of engines()) {
      const d = w.dialect;
      await w.execute(`CREATE TABLE ${d.relation({ schema, name: 'before_rename' })} AS SELECT 1 AS a`);
      await w.execute(d.renameTable({ schema, name: 'before_rename' }, 'after rename'));
      expect(await w.relationExists({ schema, name: 'before_rename' })).toBe(false);
    }
    await same((d) => `SELECT a FROM ${d.relation({ schema, name: 'after rename' })}`, [{ a: 1 }]);
  });

  it('limit() limits and offsets', async () => {
    await same((d) => `SELECT i FROM ${values(d, [[1], [2], [3], [4]], ['i'])} ORDER BY i ${d.limit(2, 1)}`, [{ i: 2 }, { i: 3 }]);
    await same((d) => `SELECT i FROM ${values(d, [[1], [2]], ['i'])} ORDER BY i ${d.limit(0)}`, []);
    for (const w of engines()) expect(() => w.dialect.limit(-1)).toThrow(TypeError);
  });
});

describe('methods added by other streams', () => {
  it('currentTimestampUtc() is now, in UTC, on both', async () => {
    const [a, b] = await onBoth((d) => `SELECT ${d.currentTimestampUtc()} AS v`);
    for (const r of [a[0]!, b[0]!]) expect(Math.abs((r.v as Date).getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('textMatch() treats the text literally, pattern characters included', async () => {
    const haystacks = ['100%', '50_50', 'a\\b', 'abc', 'ABC', '', "it's", 'x%y_z'];
    const needles = ['%', '_', '\\', 'a', "'", 'x%y', 'bc', ''];
    const modes = ['contains', 'starts_with', 'ends_with'] as const;
    const rows = await same((d) => {
      const cols = needles.flatMap((n, i) => modes.map((m) => `${d.textMatch('s', m, n)} AS ${m}_${i}`));
      return `SELECT i, ${cols.join(', ')} FROM ${values(d, haystacks.map((s, i) => [i, s]), ['i', 's'])} ORDER BY i`;
    });
    expect(rows[0]).toMatchObject({ contains_0: true, ends_with_0: true, starts_with_0: false, contains_1: false });
    expect(rows[1]).toMatchObject({ contains_1: true, contains_0: false });
    expect(rows[4]).toMatchObject({ contains_3: false });
  });

  it('binaryOrder() sorts by bytes on both', async () => {
    const words = ['b', 'B', 'a', 'é', 'e', 'Z', '_', 'aa', '', 'A', 'ä', '日'];
    const rows = await same(
      (d) => `SELECT s FROM ${values(d, words.map((s) => [s]), ['s'])} ORDER BY ${d.binaryOrder('s')}`,
    );
    expect(rows.map((r) => r.s)).toEqual([...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
  });

  it('analyzeTable() is runnable where the engine needs it', async () => {
    for (const w of engines()) {
      const target = { schema, name: 'analyzed' };
      await w.execute(`CREATE TABLE ${w.dialect.relation(target)} AS SELECT 1 AS a`);
      const sql = w.dialect.analyzeTable(target);
      if (sql) await w.execute(sql);
    }
  });

  it('jsonObjectText() builds the same JSON from the same values', async () => {
    // Key order and spacing may differ by engine; the JSON value may not.
    const [duckRows, pgRows] = await onBoth((d) => {
      const inner = d.jsonObjectText([
        ['n', d.literal(1)],
        ['s', d.literal('x')],
      ]);
      return `SELECT ${d.jsonObjectText([
        ['str', d.literal(`quote " and 'single' \\ ünï 🎉`)],
        ['int', d.cast('42', 'integer')],
        ['dbl', d.cast('0.25', 'number')],
        ['yes', 'TRUE'],
        ['nothing', d.cast('NULL', 'string')],
        ['nested', inner, 'json'],
        ['key with "quotes"', d.literal('v')],
      ])} AS v`;
    });
    const parsed = [duckRows[0]!.v, pgRows[0]!.v].map((v) => JSON.parse(v as string) as unknown);
    expect(parsed[1]).toEqual(parsed[0]);
    expect(parsed[0]).toEqual({
      str: `quote " and 'single' \\ ünï 🎉`,
      int: 42,
      dbl: 0.25,
      yes: true,
      nothing: null,
      nested: { n: 1, s: 'x' },
      'key with "quotes"': 'v',
    });
  });
});

describe('dbt cross-database macros (Dialect.dbt)', () => {
  const at = (d: Dialect, text: string) => d.cast(d.literal(text), 'timestamp');
  const pairs = [
    ['2024-01-31 23:59:59', '2024-03-01 00:00:01'],
    ['2023-12-31 12:00:00', '2025-02-28 06:30:15'],
    ['2024-06-05 10:00:00', '2024-06-02 09:00:00'],
  ] as const;

  it('datediff, dateadd, date_trunc and last_day give the same dates on every engine', async () => {
    for (const part of ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second']) {
      for (const [first, second] of pairs) {
        await same((d) => `SELECT CAST(${d.dbt.dateDiff(at(d, first), at(d, second), part)} AS BIGINT) AS ${d.quoteIdent('v')}`);
      }
    }
    for (const part of ['year', 'quarter', 'month', 'day', 'hour']) {
      await same((d) => `SELECT CAST(${d.dbt.dateAdd(part, '-3', at(d, '2024-03-31 10:20:30'))} AS TIMESTAMP) AS ${d.quoteIdent('v')}`);
      await same((d) => `SELECT CAST(${d.dbt.dateTrunc(part, at(d, '2024-05-17 10:20:30'))} AS TIMESTAMP) AS ${d.quoteIdent('v')}`);
    }
    for (const part of ['year', 'quarter', 'month']) {
      await same((d) => `SELECT ${d.dbt.lastDay(at(d, '2024-02-10 10:00:00'), part)} AS ${d.quoteIdent('v')}`);
    }
  });

  it('the string and aggregate macros agree', async () => {
    const q = (d: Dialect) => (c: string) => d.quoteIdent(c);
    await same(
      (d) =>
        `SELECT ${d.dbt.concat([d.literal('a'), d.literal('-'), d.literal('b')])} AS ${q(d)('c')}, ${d.dbt.hash(d.literal('x'))} AS ${q(d)('h')}, ` +
        `${d.dbt.splitPart(d.literal('a@b.co'), d.literal('@'), '2')} AS ${q(d)('s')}, ${d.dbt.position(d.literal('@'), d.literal('a@b.co'))} AS ${q(d)('p')}, ` +
        `${d.literal(d.dbt.escapeSingleQuotes("o'neil"))} AS ${q(d)('e')}`,
      [{ c: 'a-b', h: '9dd4e461268c8034f5c8564e155c67a6', s: 'b.co', p: 2, e: "o''neil" }],
    );
    await same(
      (d) =>
        `SELECT ${d.dbt.listagg(q(d)('v'), d.literal('|'), `order by ${q(d)('v')}`)} AS ${q(d)('l')}, ${d.dbt.boolOr(`${q(d)('v')} = 'b'`)} AS ${q(d)('o')} ` +
        `FROM (VALUES ('c'), ('a'), ('b')) AS ${q(d)('t')}(${q(d)('v')})`,
      [{ l: 'a|b|c', o: true }],
    );
  });
});
