/**
 * SQL functions the Postgres dialect calls that Postgres lacks: TRY_CAST, Jaro-Winkler, a
 * Levenshtein with DuckDB's semantics, and replacing a relation while keeping the views over it
 * (postgres-replace.ts). They live in their own schema and the dialect calls them
 * schema-qualified, so they work whatever the session's search_path is.
 *
 * DuckDB's jaro_winkler_similarity and levenshtein compare UTF-8 *bytes*, not characters; the
 * versions here do the same so identity matching gives identical results on both engines.
 */
import type { ColumnKind } from '../types.js';
import { replaceStatements } from './postgres-replace.js';

/** Schema holding the helpers; the Postgres dialect qualifies calls with it. */
export const HELPER_SCHEMA = 'cdp_functions';

/**
 * Bump when any definition below changes: the installer re-creates everything when the installed
 * version is older (never when newer, so an older cdp does not undo a newer one's definitions).
 */
export const HELPERS_VERSION = 3; // 2: cdp_replace_relation (postgres-replace.ts); 3: try casts PARALLEL UNSAFE

/** The schema comment recording the installed version. */
export function helpersMarker(version: number = HELPERS_VERSION): string {
  return `cdp helpers v${version}`;
}

/** The version a schema comment records, or 0 when there is none. */
export function installedHelpersVersion(comment: string | null | undefined): number {
  const match = /^cdp helpers v(\d+)$/.exec(comment ?? '');
  return match ? Number(match[1]) : 0;
}

type CastKind = Exclude<ColumnKind, 'other'>;

const s = HELPER_SCHEMA;

/** ISO-8601-like dates/timestamps only: DuckDB rejects 'Jan 5 2024' and DateStyle-dependent forms. */
const ISO_TIMESTAMP = String.raw`^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?\s*$`;

/** Body of each cdp_try_cast_<kind>(v text): the cast, or NULL when it fails. */
const tryCastBodies: Record<CastKind, { returns: string; body: string; volatility: string }> = {
  string: { returns: 'text', body: 'RETURN v;', volatility: 'IMMUTABLE' },
  // DuckDB casts '1.5' to 2 and '1e3' to 1000: fall back to numeric and round like it does.
  integer: {
    returns: 'bigint',
    body: 'BEGIN RETURN v::bigint; EXCEPTION WHEN others THEN BEGIN RETURN round(v::numeric)::bigint; EXCEPTION WHEN others THEN RETURN NULL; END; END;',
    volatility: 'IMMUTABLE',
  },
  number: { returns: 'double precision', body: 'RETURN v::double precision; EXCEPTION WHEN others THEN RETURN NULL;', volatility: 'IMMUTABLE' },
  boolean: { returns: 'boolean', body: 'RETURN v::boolean; EXCEPTION WHEN others THEN RETURN NULL;', volatility: 'IMMUTABLE' },
  timestamp: {
    returns: 'timestamp',
    body: `IF v !~ '${ISO_TIMESTAMP}' THEN RETURN NULL; END IF; RETURN v::timestamp; EXCEPTION WHEN others THEN RETURN NULL;`,
    volatility: 'STABLE',
  },
  date: {
    returns: 'date',
    body: `IF v !~ '${ISO_TIMESTAMP}' THEN RETURN NULL; END IF; RETURN v::date; EXCEPTION WHEN others THEN RETURN NULL;`,
    volatility: 'STABLE',
  },
  json: { returns: 'jsonb', body: 'RETURN v::jsonb; EXCEPTION WHEN others THEN RETURN NULL;', volatility: 'IMMUTABLE' },
};

function tryCastFunction(kind: CastKind): string {
  const { returns, body, volatility } = tryCastBodies[kind];
  // Exception blocks open subtransactions, which no process in parallel mode can, the leader
  // included ("cannot start subtransactions during a parallel operation" as soon as a plan has a
  // Gather, e.g. a CREATE TABLE AS over 500,000 rows): PARALLEL UNSAFE keeps such plans serial.
  return `CREATE OR REPLACE FUNCTION ${s}.cdp_try_cast_${kind}(v text) RETURNS ${returns}
LANGUAGE plpgsql ${volatility} STRICT PARALLEL UNSAFE AS $fn$ BEGIN ${body} END $fn$`;
}

/**
 * Jaro-Winkler exactly as DuckDB's jaro_winkler_similarity (rapidfuzz): bytes, match window
 * max(len)/2 - 1, greedy matching in order of b, prefix bonus (scale 0.1, at most 4) only when
 * the Jaro score exceeds 0.7, 0 when either string is empty. Float operations in the same order.
 */
const jaroWinkler = `CREATE OR REPLACE FUNCTION ${s}.cdp_jaro_winkler(a text, b text) RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  p bytea := convert_to(a, 'UTF8');
  t bytea := convert_to(b, 'UTF8');
  plen int := length(p);
  tlen int := length(t);
  bound int;
  pflag boolean[];
  tflag boolean[];
  m int := 0;
  trans int := 0;
  prefix int := 0;
  tj int;
  i int;
  j int;
  k int;
  sim double precision;
BEGIN
  IF plen = 0 OR tlen = 0 THEN RETURN 0; END IF;
  IF plen = 1 AND tlen = 1 THEN RETURN CASE WHEN p = t THEN 1 ELSE 0 END; END IF;
  bound := greatest(plen, tlen) / 2 - 1;
  pflag := array_fill(false, ARRAY[plen]);
  tflag := array_fill(false, ARRAY[tlen]);
  FOR j IN 0 .. tlen - 1 LOOP
    tj := get_byte(t, j);
    FOR i IN greatest(0, j - bound) .. least(plen - 1, j + bound) LOOP
      IF NOT pflag[i + 1] AND get_byte(p, i) = tj THEN
        pflag[i + 1] := true;
        tflag[j + 1] := true;
        m := m + 1;
        EXIT;
      END IF;
    END LOOP;
  END LOOP;
  IF m = 0 THEN RETURN 0; END IF;
  k := 0;
  FOR j IN 0 .. tlen - 1 LOOP
    IF tflag[j + 1] THEN
      WHILE NOT pflag[k + 1] LOOP k := k + 1; END LOOP;
      IF get_byte(p, k) <> get_byte(t, j) THEN trans := trans + 1; END IF;
      k := k + 1;
    END IF;
  END LOOP;
  trans := trans / 2;
  sim := 0;
  sim := sim + m::double precision / plen::double precision;
  sim := sim + m::double precision / tlen::double precision;
  sim := sim + (m::double precision - trans::double precision) / m::double precision;
  sim := sim / 3.0::double precision;
  IF sim > 0.7::double precision THEN
    WHILE prefix < least(plen, tlen, 4) AND get_byte(p, prefix) = get_byte(t, prefix) LOOP
      prefix := prefix + 1;
    END LOOP;
    sim := sim + prefix::double precision * 0.1::double precision * (1.0::double precision - sim);
  END IF;
  RETURN sim;
END $fn$`;

/** Levenshtein over UTF-8 bytes (DuckDB's semantics), any length: the fallback and the long-string path. */
const levenshteinBytes = `CREATE OR REPLACE FUNCTION ${s}.cdp_levenshtein_bytes(a text, b text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE
  x bytea := convert_to(a, 'UTF8');
  y bytea := convert_to(b, 'UTF8');
  m int := length(x);
  n int := length(y);
  prev int[];
  cur int[];
  xi int;
  i int;
  j int;
BEGIN
  IF m = 0 THEN RETURN n; END IF;
  IF n = 0 THEN RETURN m; END IF;
  prev := array_fill(0, ARRAY[n + 1]);
  FOR j IN 0 .. n LOOP prev[j + 1] := j; END LOOP;
  cur := array_fill(0, ARRAY[n + 1]);
  FOR i IN 1 .. m LOOP
    xi := get_byte(x, i - 1);
    cur[1] := i;
    FOR j IN 1 .. n LOOP
      cur[j + 1] := least(prev[j + 1] + 1, cur[j] + 1, prev[j] + CASE WHEN xi = get_byte(y, j - 1) THEN 0 ELSE 1 END);
    END LOOP;
    prev := cur;
  END LOOP;
  RETURN prev[n + 1];
END $fn$`;

/**
 * cdp_levenshtein(a, b): fuzzystrmatch's C implementation when the extension is there (fast),
 * applied to the strings re-read byte-per-character so it counts bytes like DuckDB; its 255
 * character limit sends longer strings to the plpgsql version.
 */
function levenshtein(fuzzystrmatchSchema: string | null): string {
  const body = fuzzystrmatchSchema
    ? `SELECT CASE WHEN octet_length(a) <= 255 AND octet_length(b) <= 255
         THEN "${fuzzystrmatchSchema.replaceAll('"', '""')}".levenshtein(
                convert_from(convert_to(a, 'UTF8'), 'LATIN1'), convert_from(convert_to(b, 'UTF8'), 'LATIN1'))::bigint
         ELSE ${s}.cdp_levenshtein_bytes(a, b) END`
    : `SELECT ${s}.cdp_levenshtein_bytes(a, b)`;
  return `CREATE OR REPLACE FUNCTION ${s}.cdp_levenshtein(a text, b text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ ${body} $fn$`;
}

/** Statements creating every helper (after the schema exists). */
export function helperStatements(fuzzystrmatchSchema: string | null): string[] {
  const kinds: CastKind[] = ['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'];
  return [...kinds.map(tryCastFunction), jaroWinkler, levenshteinBytes, levenshtein(fuzzystrmatchSchema), ...replaceStatements];
}
