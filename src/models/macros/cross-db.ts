import type { Dialect } from '../../warehouse/index.js';
import { TemplateFailure } from '../template.js';

/**
 * dbt's cross-database macros (`dbt.date_trunc`, `dbt.dateadd`, ... and the `type_*` macros),
 * rendered for the engine a node is built on, as dbt-core's adapters render them. Keyword
 * arguments are accepted by dbt's parameter names.
 */
type Args = unknown[];
type Macro = (...args: Args) => string;

const PARAMS: Record<string, string[]> = {
  date_trunc: ['datepart', 'date'],
  dateadd: ['datepart', 'interval', 'from_date_or_timestamp'],
  datediff: ['first_date', 'second_date', 'datepart'],
  safe_cast: ['field', 'type'],
  concat: ['fields'],
  hash: ['field'],
  split_part: ['string_text', 'delimiter_text', 'part_number'],
  listagg: ['measure', 'delimiter_text', 'order_by_clause', 'limit_num'],
  any_value: ['expression'],
  bool_or: ['expression'],
  replace: ['field', 'old_chars', 'new_chars'],
  length: ['expression'],
  position: ['substring_text', 'string_text'],
  right: ['string_text', 'length_expression'],
  escape_single_quotes: ['expression'],
  string_literal: ['value'],
  cast_bool_to_text: ['field'],
  last_day: ['date', 'datepart'],
  cast: ['field', 'type'],
  current_timestamp: [],
  except: [],
  intersect: [],
};

/** Positional and keyword arguments by name, in the macro's parameter order. */
function named(name: string, args: Args): unknown[] {
  const last = args[args.length - 1];
  const keywords = typeof last === 'object' && last !== null && (last as { __keywords?: boolean }).__keywords ? (last as Record<string, unknown>) : undefined;
  const positional = keywords ? args.slice(0, -1) : args;
  return (PARAMS[name] ?? []).map((param, i) => (i < positional.length ? positional[i] : keywords?.[param]));
}

const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
const unquote = (value: unknown) => text(value).replace(/^'(.*)'$/, '$1');

export function crossDbMacros(dialect: Dialect): Record<string, Macro> {
  const engine = dialect.name;
  const bq = engine === 'bigquery';
  const sf = engine === 'snowflake';
  const pg = engine === 'postgres';
  const types: Record<string, string> = bq
    ? { string: 'string', int: 'int64', bigint: 'int64', float: 'float64', numeric: 'numeric', timestamp: 'timestamp', boolean: 'boolean' }
    : sf
      ? { string: 'varchar', int: 'integer', bigint: 'bigint', float: 'float', numeric: 'numeric(28,6)', timestamp: 'timestamp_ntz', boolean: 'boolean' }
      : { string: pg ? 'varchar' : 'varchar', int: 'integer', bigint: 'bigint', float: pg ? 'float' : 'double', numeric: 'numeric(28,6)', timestamp: 'timestamp', boolean: 'boolean' };
  const macros: Record<string, (...values: unknown[]) => string> = {
    date_trunc: (part, date) => (bq ? `timestamp_trunc(cast(${text(date)} as timestamp), ${unquote(part)})` : `date_trunc('${unquote(part)}', ${text(date)})`),
    dateadd: (part, interval, from) => {
      const p = unquote(part);
      if (bq) return `datetime_add(cast(${text(from)} as datetime), interval ${text(interval)} ${p})`;
      if (sf) return `dateadd(${p}, ${text(interval)}, ${text(from)})`;
      if (pg) return `${text(from)} + ((interval '1 ${p}') * (${text(interval)}))`;
      return `date_add(${text(from)}, interval (${text(interval)}) ${p})`;
    },
    datediff: (first, second, part) => {
      const p = unquote(part);
      if (bq) return `datetime_diff(cast(${text(second)} as datetime), cast(${text(first)} as datetime), ${p})`;
      if (sf) return `datediff(${p}, ${text(first)}, ${text(second)})`;
      if (pg) return postgresDatediff(text(first), text(second), p);
      return `date_diff('${p}', ${text(first)}::timestamp, ${text(second)}::timestamp)`;
    },
    safe_cast: (field, type) => (bq ? `safe_cast(${text(field)} as ${text(type)})` : pg ? `cast(${text(field)} as ${text(type)})` : `try_cast(${text(field)} as ${text(type)})`),
    cast: (field, type) => `cast(${text(field)} as ${text(type)})`,
    concat: (fields) => (bq || sf ? `concat(${(fields as unknown[]).map(text).join(', ')})` : (fields as unknown[]).map(text).join(' || ')),
    hash: (field) => (bq ? `to_hex(md5(cast(${text(field)} as ${types.string})))` : `md5(cast(${text(field)} as ${types.string}))`),
    split_part: (string, delimiter, part) => (bq ? `split(${text(string)}, ${text(delimiter)})[safe_offset(${text(part)} - 1)]` : `split_part(${text(string)}, ${text(delimiter)}, ${text(part)})`),
    listagg: (measure, delimiter, orderBy, limit) => {
      const sep = delimiter === undefined || delimiter === null ? "','" : text(delimiter);
      const order = orderBy ? ` ${text(orderBy)}` : '';
      if (limit !== undefined && limit !== null && !bq) throw new TemplateFailure('MODEL_PARSE', `listagg(limit_num=...) is not supported on ${engine}`, 'drop limit_num, or filter the rows first');
      if (sf) return `listagg(${text(measure)}, ${sep})${order ? ` within group (${order.trim()})` : ''}`;
      if (bq) return `string_agg(${text(measure)}, ${sep}${order}${limit ? ` limit ${text(limit)}` : ''})`;
      return `string_agg(${text(measure)}, ${sep}${order})`;
    },
    any_value: (expression) => (pg ? `min(${text(expression)})` : `any_value(${text(expression)})`),
    bool_or: (expression) => (sf ? `boolor_agg(${text(expression)})` : bq ? `logical_or(${text(expression)})` : `bool_or(${text(expression)})`),
    replace: (field, from, to) => `replace(${text(field)}, ${text(from)}, ${text(to)})`,
    length: (expression) => `length(${text(expression)})`,
    position: (sub, string) => (bq ? `strpos(${text(string)}, ${text(sub)})` : `position(${text(sub)} in ${text(string)})`),
    right: (string, length) => `right(${text(string)}, ${text(length)})`,
    escape_single_quotes: (expression) => text(expression).replace(/'/g, bq ? "\\'" : "''"),
    string_literal: (value) => `'${text(value)}'`,
    cast_bool_to_text: (field) => `cast(${text(field)} as ${types.string})`,
    last_day: (date, part) => {
      const p = unquote(part);
      if (sf) return `cast(last_day(${text(date)}, ${p}) as date)`;
      if (bq) return `last_day(cast(${text(date)} as date), ${p})`;
      return `cast(${macros.dateadd!('day', '-1', macros.dateadd!(p, '1', macros.date_trunc!(p, text(date))))} as date)`;
    },
    current_timestamp: () => dialect.currentTimestamp(),
    except: () => (bq ? 'except distinct' : 'except'),
    intersect: () => (bq ? 'intersect distinct' : 'intersect'),
  };
  const out: Record<string, Macro> = {};
  for (const [name, macro] of Object.entries(macros)) out[name] = (...args: Args) => macro(...named(name, args));
  for (const [name, type] of Object.entries(types)) out[`type_${name}`] = () => type;
  return out;
}

/** dbt-postgres' datediff: whole units between two timestamps. */
function postgresDatediff(first: string, second: string, part: string): string {
  const days = `((${second})::date - (${first})::date)`;
  switch (part) {
    case 'year':
      return `(date_part('year', (${second})::date) - date_part('year', (${first})::date))`;
    case 'quarter':
      return `(((date_part('year', (${second})::date) - date_part('year', (${first})::date)) * 4) + date_part('quarter', (${second})::date) - date_part('quarter', (${first})::date))`;
    case 'month':
      return `(((date_part('year', (${second})::date) - date_part('year', (${first})::date)) * 12) + date_part('month', (${second})::date) - date_part('month', (${first})::date))`;
    case 'day':
      return days;
    case 'week':
      return `(${days} / 7 + case when date_part('dow', (${first})::timestamp) <= date_part('dow', (${second})::timestamp) then case when ${first} <= ${second} then 0 else -1 end else case when ${first} <= ${second} then 1 else 0 end end)`;
    case 'hour':
      return `((${days} * 24 + date_part('hour', (${second})::timestamp)) - date_part('hour', (${first})::timestamp))`;
    case 'minute':
      return `((((${days} * 24 + date_part('hour', (${second})::timestamp)) - date_part('hour', (${first})::timestamp)) * 60 + date_part('minute', (${second})::timestamp)) - date_part('minute', (${first})::timestamp))`;
    case 'second':
      return `(((((${days} * 24 + date_part('hour', (${second})::timestamp)) - date_part('hour', (${first})::timestamp)) * 60 + date_part('minute', (${second})::timestamp)) - date_part('minute', (${first})::timestamp)) * 60 + floor(date_part('second', (${second})::timestamp)) - floor(date_part('second', (${first})::timestamp)))`;
    default:
      throw new TemplateFailure('MODEL_PARSE', `datediff(datepart='${part}') is not supported on postgres`, 'use year, quarter, month, week, day, hour, minute or second');
  }
}
