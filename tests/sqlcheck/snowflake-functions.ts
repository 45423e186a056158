/**
 * Every function name the Snowflake checker accepts: Snowflake built-ins, each checked against
 * Snowflake's function reference (https://docs.snowflake.com/en/sql-reference/functions/<name>),
 * plus the UDFs our Snowflake adapter creates. A name missing here is reported as unknown, which
 * catches other engines' functions (DuckDB's REGEXP_MATCHES, BigQuery's TO_HEX, STRING_AGG, ...)
 * leaking into Snowflake SQL. Add a name only after checking it in that reference.
 */
export const SNOWFLAKE_FUNCTIONS: ReadonlySet<string> = new Set([
  // aggregates
  'ANY_VALUE', 'APPROX_COUNT_DISTINCT', 'ARRAY_AGG', 'AVG', 'BOOLAND_AGG', 'BOOLOR_AGG', 'COUNT', 'COUNT_IF',
  'HASH_AGG', 'LISTAGG', 'MAX', 'MAX_BY', 'MEDIAN', 'MIN', 'MIN_BY', 'MODE', 'OBJECT_AGG', 'STDDEV', 'SUM',
  // window
  'CUME_DIST', 'DENSE_RANK', 'FIRST_VALUE', 'LAG', 'LAST_VALUE', 'LEAD', 'NTH_VALUE', 'NTILE', 'PERCENT_RANK',
  'RANK', 'ROW_NUMBER', 'RATIO_TO_REPORT',
  // conditional
  'COALESCE', 'DECODE', 'EQUAL_NULL', 'GREATEST', 'IFF', 'IFNULL', 'LEAST', 'NULLIF', 'NULLIFZERO', 'NVL', 'NVL2',
  'ZEROIFNULL',
  // strings
  'ASCII', 'BASE64_ENCODE', 'CHARINDEX', 'CHR', 'COLLATE', 'CONCAT', 'CONCAT_WS', 'CONTAINS', 'EDITDISTANCE',
  'ENDSWITH', 'HEX_ENCODE', 'INITCAP', 'INSERT', 'JAROWINKLER_SIMILARITY', 'LEFT', 'LEN', 'LENGTH',
  'LOWER', 'LPAD', 'LTRIM', 'MD5', 'POSITION', 'REGEXP_COUNT', 'REGEXP_INSTR', 'REGEXP_LIKE', 'REGEXP_REPLACE',
  'REGEXP_SUBSTR', 'REPEAT', 'REPLACE', 'REVERSE', 'RIGHT', 'RPAD', 'RTRIM', 'SHA1', 'SHA2', 'SPLIT', 'SPLIT_PART',
  'STARTSWITH', 'STRTOK', 'SUBSTR', 'SUBSTRING', 'TRANSLATE', 'TRIM', 'UPPER', 'UUID_STRING',
  // numbers
  'ABS', 'CEIL', 'DIV0', 'EXP', 'FLOOR', 'HASH', 'LN', 'LOG', 'MOD', 'POW', 'POWER', 'RANDOM', 'ROUND', 'SIGN',
  'SQRT', 'TRUNC', 'TRUNCATE', 'UNIFORM',
  // conversion
  'TO_BOOLEAN', 'TO_CHAR', 'TO_DATE', 'TO_DECIMAL', 'TO_DOUBLE', 'TO_NUMBER', 'TO_NUMERIC', 'TO_TIMESTAMP',
  'TO_TIMESTAMP_LTZ', 'TO_TIMESTAMP_NTZ', 'TO_TIMESTAMP_TZ', 'TO_VARCHAR', 'TO_VARIANT', 'TRY_TO_BOOLEAN',
  'TRY_TO_DATE', 'TRY_TO_DECIMAL', 'TRY_TO_DOUBLE', 'TRY_TO_NUMBER', 'TRY_TO_TIMESTAMP', 'TRY_TO_TIMESTAMP_NTZ',
  // dates and times
  'CONVERT_TIMEZONE', 'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'DATEADD', 'DATEDIFF', 'DATE_PART', 'DATE_TRUNC',
  'DAY', 'DAYOFWEEK', 'HOUR', 'LAST_DAY', 'MONTH', 'SYSDATE', 'TIMEADD', 'TIMEDIFF', 'TIMESTAMPADD',
  'TIMESTAMPDIFF', 'TIMESTAMP_FROM_PARTS', 'YEAR',
  // semi-structured
  'ARRAY_CAT', 'ARRAY_CONSTRUCT', 'ARRAY_DISTINCT', 'ARRAY_INTERSECTION', 'ARRAY_SIZE', 'FLATTEN', 'GET', 'GET_PATH', 'OBJECT_CONSTRUCT', 'OBJECT_CONSTRUCT_KEEP_NULL',
  'OBJECT_KEYS', 'PARSE_JSON', 'TO_JSON', 'TRY_PARSE_JSON',
  // higher-order (https://docs.snowflake.com/en/sql-reference/functions/filter)
  'FILTER',
  // context
  'CURRENT_DATABASE', 'CURRENT_ROLE', 'CURRENT_SCHEMA', 'CURRENT_WAREHOUSE',
]);

/** UDFs the Snowflake adapter creates on first use (schema.function, as folded). */
export const SNOWFLAKE_ADAPTER_UDFS: ReadonlySet<string> = new Set(['CDP_FUNCTIONS.JARO_WINKLER']);

/**
 * Type names of other engines that Snowflake does not have, looked for after `AS` in casts and
 * after `::`. (Snowflake's own names: VARCHAR/STRING/TEXT, NUMBER/INT/BIGINT, FLOAT/DOUBLE,
 * BOOLEAN, DATE, TIMESTAMP[_NTZ|_LTZ|_TZ], VARIANT/OBJECT/ARRAY, BINARY.)
 */
export const FOREIGN_TYPE_NAMES = ['INT64', 'FLOAT64', 'BOOL', 'BYTES', 'JSON', 'JSONB', 'HUGEINT', 'UBIGINT', 'UINTEGER', 'BIGNUMERIC', 'STRUCT', 'BLOB', 'INTERVAL'] as const;
