/** SQL text the dialects produce where its exact shape matters (integration tests check results). */
import { describe, expect, it } from 'vitest';
import { getDialect } from '../../../src/warehouse/index.js';

const duck = getDialect('duckdb');
const pg = getDialect('postgres');

describe('dialect SQL', () => {
  it('calls the Postgres helpers schema-qualified, so search_path does not matter', () => {
    expect(pg.tryCast('x', 'integer')).toBe('cdp_functions.cdp_try_cast_integer((x)::text)');
    expect(pg.jaroWinkler('a', 'b')).toBe('cdp_functions.cdp_jaro_winkler(a, b)');
    expect(pg.levenshtein('a', 'b')).toBe('cdp_functions.cdp_levenshtein(a, b)');
  });

  it('counts whole elapsed units in dateDiff on both engines', () => {
    expect(duck.dateDiff('day', 's', 'e')).toBe("DATE_SUB('day', s, e)");
    expect(pg.dateDiff('hour', 's', 'e')).toBe('CAST(TRUNC((EXTRACT(EPOCH FROM e) - EXTRACT(EPOCH FROM s)) / 3600) AS BIGINT)');
  });

  it('escapes string literals by doubling quotes only (standard strings)', () => {
    for (const d of [duck, pg]) {
      expect(d.literal("a'b\\c")).toBe("'a''b\\c'");
      expect(d.quoteIdent('a"b')).toBe('"a""b"');
    }
  });

  it('maps arrays and nested types to other', () => {
    for (const d of [duck, pg]) {
      expect(d.columnKind('TEXT[]')).toBe('other');
      expect(d.columnKind('VARCHAR[3]')).toBe('other');
      expect(d.columnKind('STRUCT(a INTEGER)')).toBe('other');
      expect(d.columnKind('VARCHAR')).toBe('string');
    }
  });

  it('refuses merge without keys on Postgres', () => {
    expect(() => pg.merge({ target: { schema: 's', name: 't' }, source: 'SELECT 1', keys: [], insertColumns: ['a'], updateColumns: [] })).toThrow(
      /at least one key/,
    );
  });
});
