import { describe, expect, it } from 'vitest';
import { HELPERS_VERSION, helpersMarker, helperStatements, installedHelpersVersion } from '../../../src/warehouse/adapters/postgres-helpers.js';

describe('Postgres helper definitions', () => {
  it('records and reads the installed version', () => {
    expect(installedHelpersVersion(helpersMarker())).toBe(HELPERS_VERSION);
    expect(installedHelpersVersion('cdp helpers v12')).toBe(12);
    expect(installedHelpersVersion(null)).toBe(0);
    expect(installedHelpersVersion('something else')).toBe(0);
  });

  it('creates every function in cdp_functions', () => {
    const statements = helperStatements('public');
    const names = statements.map((s) => /FUNCTION (\S+)\(/.exec(s)?.[1]);
    expect(names).toEqual([
      'cdp_functions.cdp_try_cast_string',
      'cdp_functions.cdp_try_cast_integer',
      'cdp_functions.cdp_try_cast_number',
      'cdp_functions.cdp_try_cast_boolean',
      'cdp_functions.cdp_try_cast_timestamp',
      'cdp_functions.cdp_try_cast_date',
      'cdp_functions.cdp_try_cast_json',
      'cdp_functions.cdp_jaro_winkler',
      'cdp_functions.cdp_levenshtein_bytes',
      'cdp_functions.cdp_levenshtein',
      'cdp_functions.cdp_relation_kind_word',
      'cdp_functions.cdp_relation_state',
      'cdp_functions.cdp_restore_relation_state',
      'cdp_functions.cdp_replace_relation',
    ]);
  });

  it('calls fuzzystrmatch where it is installed, and only the plpgsql version without it', () => {
    const levenshtein = (statements: string[]) => statements.find((s) => s.includes('FUNCTION cdp_functions.cdp_levenshtein('))!;
    expect(levenshtein(helperStatements('ext schema'))).toContain('"ext schema".levenshtein(');
    const without = levenshtein(helperStatements(null));
    expect(without).not.toContain('.levenshtein(');
    expect(without).toContain('cdp_functions.cdp_levenshtein_bytes(a, b)');
  });
});
