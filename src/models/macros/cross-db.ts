import { UnsupportedDbtMacro, type DbtTypeName, type Dialect } from '../../warehouse/index.js';
import { TemplateFailure } from '../template.js';

/**
 * dbt's cross-database macros (`dbt.date_trunc`, `dbt.dateadd`, ... and the `type_*` macros),
 * rendered for the engine a node is built on by its dialect (`Dialect.dbt`, where the engine
 * differences live). Here: dbt's parameter names, so keyword arguments work, and the macros that
 * read the same on every engine.
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

const TYPE_NAMES: readonly DbtTypeName[] = ['string', 'int', 'bigint', 'float', 'numeric', 'timestamp', 'boolean'];

const optional = (value: unknown) => (value === undefined || value === null ? undefined : text(value));

export function crossDbMacros(dialect: Dialect): Record<string, Macro> {
  const dbt = dialect.dbt;
  const macros: Record<string, (...values: unknown[]) => string> = {
    date_trunc: (part, date) => dbt.dateTrunc(unquote(part), text(date)),
    dateadd: (part, interval, from) => dbt.dateAdd(unquote(part), text(interval), text(from)),
    datediff: (first, second, part) => dbt.dateDiff(text(first), text(second), unquote(part)),
    safe_cast: (field, type) => dbt.safeCast(text(field), text(type)),
    cast: (field, type) => `cast(${text(field)} as ${text(type)})`,
    concat: (fields) => dbt.concat((fields as unknown[]).map(text)),
    hash: (field) => dbt.hash(text(field)),
    split_part: (string, delimiter, part) => dbt.splitPart(text(string), text(delimiter), text(part)),
    listagg: (measure, delimiter, orderBy, limit) => dbt.listagg(text(measure), optional(delimiter) ?? "','", orderBy ? text(orderBy) : undefined, optional(limit)),
    any_value: (expression) => dbt.anyValue(text(expression)),
    bool_or: (expression) => dbt.boolOr(text(expression)),
    replace: (field, from, to) => `replace(${text(field)}, ${text(from)}, ${text(to)})`,
    length: (expression) => `length(${text(expression)})`,
    position: (sub, string) => dbt.position(text(sub), text(string)),
    right: (string, length) => `right(${text(string)}, ${text(length)})`,
    escape_single_quotes: (expression) => dbt.escapeSingleQuotes(text(expression)),
    string_literal: (value) => `'${text(value)}'`,
    cast_bool_to_text: (field) => `cast(${text(field)} as ${dbt.typeName('string')})`,
    last_day: (date, part) => dbt.lastDay(text(date), unquote(part)),
    current_timestamp: () => dialect.currentTimestamp(),
    except: () => dbt.except(),
    intersect: () => dbt.intersect(),
  };
  const out: Record<string, Macro> = {};
  for (const [name, macro] of Object.entries(macros)) out[name] = (...args: Args) => asTemplateFailure(() => macro(...named(name, args)));
  for (const type of TYPE_NAMES) out[`type_${type}`] = () => dbt.typeName(type);
  return out;
}

/** What the engine cannot render fails the model at its line, with the dialect's hint. */
function asTemplateFailure(render: () => string): string {
  try {
    return render();
  } catch (error) {
    if (error instanceof UnsupportedDbtMacro) throw new TemplateFailure('MODEL_PARSE', error.message, error.hint);
    throw error;
  }
}
