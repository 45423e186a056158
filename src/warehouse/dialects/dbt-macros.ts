import type { DbtMacros, DbtTypeName, DialectName } from './types.js';

/**
 * dbt's cross-database macros as dbt-core's adapters render them, one class per engine: the base is
 * what dbt-duckdb renders, and each engine overrides what its adapter does differently. Arguments
 * are SQL text as the model wrote them; a date part is bare (`day`, not `'day'`).
 */

/** A macro or argument the engine's dbt adapter does not support; the model compiler turns it into a model error. */
export class UnsupportedDbtMacro extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** dbt-duckdb's `type_*` names; the other engines change a few. */
const BASE_TYPES: Record<DbtTypeName, string> = {
  string: 'varchar',
  int: 'integer',
  bigint: 'bigint',
  float: 'double',
  numeric: 'numeric(28,6)',
  timestamp: 'timestamp',
  boolean: 'boolean',
};

export class BaseDbtMacros implements DbtMacros {
  protected readonly types: Record<DbtTypeName, string> = BASE_TYPES;

  constructor(protected readonly engine: DialectName) {}

  typeName(type: DbtTypeName): string {
    return this.types[type];
  }

  dateTrunc(part: string, date: string): string {
    return `date_trunc('${part}', ${date})`;
  }

  dateAdd(part: string, interval: string, from: string): string {
    return `date_add(${from}, interval (${interval}) ${part})`;
  }

  dateDiff(first: string, second: string, part: string): string {
    return `date_diff('${part}', ${first}::timestamp, ${second}::timestamp)`;
  }

  safeCast(field: string, type: string): string {
    return `try_cast(${field} as ${type})`;
  }

  concat(fields: readonly string[]): string {
    return fields.join(' || ');
  }

  hash(field: string): string {
    return `md5(cast(${field} as ${this.typeName('string')}))`;
  }

  splitPart(text: string, delimiter: string, part: string): string {
    return `split_part(${text}, ${delimiter}, ${part})`;
  }

  listagg(measure: string, separator: string, orderBy?: string, limit?: string): string {
    if (limit !== undefined) this.refuseListaggLimit();
    return `string_agg(${measure}, ${separator}${orderBy ? ` ${orderBy}` : ''})`;
  }

  protected refuseListaggLimit(): never {
    throw new UnsupportedDbtMacro(`listagg(limit_num=...) is not supported on ${this.engine}`, 'drop limit_num, or filter the rows first');
  }

  anyValue(expr: string): string {
    return `any_value(${expr})`;
  }

  boolOr(expr: string): string {
    return `bool_or(${expr})`;
  }

  position(substring: string, text: string): string {
    return `position(${substring} in ${text})`;
  }

  escapeSingleQuotes(text: string): string {
    return text.replace(/'/g, "''");
  }

  lastDay(date: string, part: string): string {
    return `cast(${this.dateAdd('day', '-1', this.dateAdd(part, '1', this.dateTrunc(part, date)))} as date)`;
  }

  except(): string {
    return 'except';
  }

  intersect(): string {
    return 'intersect';
  }
}

export class PostgresDbtMacros extends BaseDbtMacros {
  protected override readonly types = { ...BASE_TYPES, float: 'float' };

  override dateAdd(part: string, interval: string, from: string): string {
    // Postgres has no `interval '1 quarter'` (dbt-postgres fails there); a quarter is three months.
    const unit = part.toLowerCase() === 'quarter' ? '3 month' : `1 ${part}`;
    return `${from} + ((interval '${unit}') * (${interval}))`;
  }

  /** dbt-postgres' datediff: whole units between two timestamps. */
  override dateDiff(first: string, second: string, part: string): string {
    const year = (of: string) => `date_part('year', (${of})::date)`;
    const datePart = (unit: string, of: string, as: 'date' | 'timestamp') => `date_part('${unit}', (${of})::${as})`;
    const days = `((${second})::date - (${first})::date)`;
    const hours = `((${days} * 24 + ${datePart('hour', second, 'timestamp')}) - ${datePart('hour', first, 'timestamp')})`;
    const minutes = `((${hours} * 60 + ${datePart('minute', second, 'timestamp')}) - ${datePart('minute', first, 'timestamp')})`;
    switch (part) {
      case 'year':
        return `(${year(second)} - ${year(first)})`;
      case 'quarter':
        return `(((${year(second)} - ${year(first)}) * 4) + ${datePart('quarter', second, 'date')} - ${datePart('quarter', first, 'date')})`;
      case 'month':
        return `(((${year(second)} - ${year(first)}) * 12) + ${datePart('month', second, 'date')} - ${datePart('month', first, 'date')})`;
      case 'day':
        return days;
      case 'week':
        return `(${days} / 7 + case when ${datePart('dow', first, 'timestamp')} <= ${datePart('dow', second, 'timestamp')} then case when ${first} <= ${second} then 0 else -1 end else case when ${first} <= ${second} then 1 else 0 end end)`;
      case 'hour':
        return hours;
      case 'minute':
        return minutes;
      case 'second':
        return `(${minutes} * 60 + floor(${datePart('second', second, 'timestamp')}) - floor(${datePart('second', first, 'timestamp')}))`;
      default:
        throw new UnsupportedDbtMacro(`datediff(datepart='${part}') is not supported on postgres`, 'use year, quarter, month, week, day, hour, minute or second');
    }
  }

  override safeCast(field: string, type: string): string {
    return `cast(${field} as ${type})`;
  }

  override anyValue(expr: string): string {
    return `min(${expr})`;
  }
}

export class BigQueryDbtMacros extends BaseDbtMacros {
  protected override readonly types = { string: 'string', int: 'int64', bigint: 'int64', float: 'float64', numeric: 'numeric', timestamp: 'timestamp', boolean: 'boolean' };

  override dateTrunc(part: string, date: string): string {
    return `timestamp_trunc(cast(${date} as timestamp), ${part})`;
  }

  override dateAdd(part: string, interval: string, from: string): string {
    return `datetime_add(cast(${from} as datetime), interval ${interval} ${part})`;
  }

  override dateDiff(first: string, second: string, part: string): string {
    return `datetime_diff(cast(${second} as datetime), cast(${first} as datetime), ${part})`;
  }

  override safeCast(field: string, type: string): string {
    return `safe_cast(${field} as ${type})`;
  }

  override concat(fields: readonly string[]): string {
    return `concat(${fields.join(', ')})`;
  }

  override hash(field: string): string {
    return `to_hex(${super.hash(field)})`;
  }

  override splitPart(text: string, delimiter: string, part: string): string {
    return `split(${text}, ${delimiter})[safe_offset(${part} - 1)]`;
  }

  override listagg(measure: string, separator: string, orderBy?: string, limit?: string): string {
    return `string_agg(${measure}, ${separator}${orderBy ? ` ${orderBy}` : ''}${limit ? ` limit ${limit}` : ''})`;
  }

  override boolOr(expr: string): string {
    return `logical_or(${expr})`;
  }

  override position(substring: string, text: string): string {
    return `strpos(${text}, ${substring})`;
  }

  override escapeSingleQuotes(text: string): string {
    return text.replace(/'/g, "\\'");
  }

  override lastDay(date: string, part: string): string {
    return `last_day(cast(${date} as date), ${part})`;
  }

  override except(): string {
    return 'except distinct';
  }

  override intersect(): string {
    return 'intersect distinct';
  }
}

export class SnowflakeDbtMacros extends BaseDbtMacros {
  protected override readonly types = { ...BASE_TYPES, float: 'float', timestamp: 'timestamp_ntz' };

  override dateAdd(part: string, interval: string, from: string): string {
    return `dateadd(${part}, ${interval}, ${from})`;
  }

  override dateDiff(first: string, second: string, part: string): string {
    return `datediff(${part}, ${first}, ${second})`;
  }

  override concat(fields: readonly string[]): string {
    return `concat(${fields.join(', ')})`;
  }

  override listagg(measure: string, separator: string, orderBy?: string, limit?: string): string {
    if (limit !== undefined) this.refuseListaggLimit();
    return `listagg(${measure}, ${separator})${orderBy ? ` within group (${orderBy.trim()})` : ''}`;
  }

  override boolOr(expr: string): string {
    return `boolor_agg(${expr})`;
  }

  override lastDay(date: string, part: string): string {
    return `cast(last_day(${date}, ${part}) as date)`;
  }
}
