import type { Project } from '../project/index.js';
import type { ColumnKind, Dialect, Row } from '../warehouse/index.js';
import { audienceCatalog } from './catalog.js';
import { invalid, suggestion } from './errors.js';
import type { AudienceInput } from './library.js';
import { audienceTables, membersSql, validateAudience } from './sql.js';

/**
 * Breakdown of an audience by one trait: its most frequent values with counts and shares of the
 * members, and for numeric traits a histogram of equal-width bins. Every number is counted by a
 * GROUP BY in the warehouse over the members query; only the top values and bins reach Node.
 */
export interface AudienceBreakdown {
  trait: string;
  kind: ColumnKind;
  /** Members of the audience. */
  members: number;
  /** Members without a value. */
  missing: number;
  /** Distinct values among members. */
  distinct: number;
  /** Most frequent values, most frequent first (ties by value); `share` of all members, 0..1. */
  values: Array<{ value: string | number | boolean; count: number; share: number }>;
  /** Members with a value outside `values`. */
  other: number;
  /** Numeric traits: equal-width bins from the smallest to the largest value (the last bin includes its end). */
  histogram: Array<{ from: number; to: number; count: number }> | null;
}

export interface BreakdownOptions {
  top?: number;
  bins?: number;
}

const MAX_TOP = 100;
const MAX_BINS = 100;
const NUMERIC: readonly ColumnKind[] = ['integer', 'number'];

export async function audienceBreakdown(project: Project, input: AudienceInput, trait: string, options: BreakdownOptions = {}): Promise<AudienceBreakdown> {
  const traits = await audienceCatalog(project).traits();
  const kind = traits.get(trait);
  if (!kind) throw invalid(`unknown trait \`${trait}\``, ['trait'], suggestion(trait, [...traits.keys()], 'trait'));
  const resolved = await validateAudience(project, input);
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const members = `(\n${membersSql(resolved, d, audienceTables(project))}\n) AS m`;
  const column = `m.${d.quoteIdent(trait)}`;
  const top = clamp(options.top ?? 10, 1, MAX_TOP);
  const bins = clamp(options.bins ?? 20, 1, MAX_BINS);

  const [summary] = await warehouse.query(summarySql(d, members, column, NUMERIC.includes(kind)));
  const counts = { members: num(summary?.members), withValue: num(summary?.with_value), distinct: num(summary?.distinct_values) };
  const rows = await warehouse.query(topValuesSql(d, members, column, kind, top));
  const values = rows.map((row) => ({ value: valueOf(row.value, kind), count: num(row.n), share: counts.members ? num(row.n) / counts.members : 0 }));
  const histogram = NUMERIC.includes(kind) && counts.withValue > 0 ? await histogramOf(warehouse.query.bind(warehouse), d, members, column, kind, bins, summary ?? {}) : null;
  return {
    trait,
    kind,
    members: counts.members,
    missing: counts.members - counts.withValue,
    distinct: counts.distinct,
    values,
    other: counts.withValue - values.reduce((sum, v) => sum + v.count, 0),
    histogram,
  };
}

function summarySql(d: Dialect, members: string, column: string, numeric: boolean): string {
  const q = (name: string) => d.quoteIdent(name);
  const range = numeric ? [`MIN(${column}) AS ${q('low')}`, `MAX(${column}) AS ${q('high')}`] : [];
  return `SELECT ${[`COUNT(*) AS ${q('members')}`, `COUNT(${column}) AS ${q('with_value')}`, `COUNT(DISTINCT ${column}) AS ${q('distinct_values')}`, ...range].join(', ')}\nFROM ${members}`;
}

/** Text for values JSON cannot carry as they are (dates, timestamps, JSON, other types). */
function shown(d: Dialect, column: string, kind: ColumnKind): string {
  return NUMERIC.includes(kind) || kind === 'boolean' || kind === 'string' ? column : d.cast(column, 'string');
}

function topValuesSql(d: Dialect, members: string, column: string, kind: ColumnKind, top: number): string {
  const value = shown(d, column, kind);
  const q = (name: string) => d.quoteIdent(name);
  return [
    `SELECT ${q('value')}, ${q('n')} FROM (`,
    `  SELECT ${value} AS ${q('value')}, COUNT(*) AS ${q('n')}`,
    `  FROM ${members}`,
    `  WHERE ${column} IS NOT NULL`,
    `  GROUP BY ${value}`,
    `) AS counted`,
    `ORDER BY ${q('n')} DESC, ${q('value')}`,
    d.limit(top),
  ].join('\n');
}

type Query = (sql: string) => Promise<Row[]>;

async function histogramOf(query: Query, d: Dialect, members: string, column: string, kind: ColumnKind, bins: number, summary: Row): Promise<AudienceBreakdown['histogram']> {
  const low = num(summary.low);
  const high = num(summary.high);
  // Whole numbers in a narrow range get one bin per value (no bin straddles two integers unevenly).
  const count = high === low ? 1 : kind === 'integer' && high - low + 1 <= bins ? high - low + 1 : bins;
  const width = high === low ? 1 : kind === 'integer' && count === high - low + 1 ? 1 : (high - low) / count;
  const q = (name: string) => d.quoteIdent(name);
  const offset = `(${d.cast(column, 'number')} - ${d.literal(low)}) / ${d.literal(width)}`;
  const bin = `LEAST(${d.cast(`FLOOR(${offset})`, 'integer')}, ${count - 1})`;
  const rows = await query(
    [`SELECT ${q('bin')}, COUNT(*) AS ${q('n')} FROM (`, `  SELECT ${bin} AS ${q('bin')}`, `  FROM ${members}`, `  WHERE ${column} IS NOT NULL`, `) AS binned`, `GROUP BY ${q('bin')}`, `ORDER BY ${q('bin')}`].join('\n'),
  );
  const counts = new Map(rows.map((row) => [num(row.bin), num(row.n)]));
  return Array.from({ length: count }, (_, i) => ({
    from: low + i * width,
    to: kind === 'integer' && width === 1 ? low + i : i === count - 1 ? high : low + (i + 1) * width,
    count: counts.get(i) ?? 0,
  }));
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.trunc(n)));
}

function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number(value ?? 0);
}

function valueOf(value: unknown, kind: ColumnKind): string | number | boolean {
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return NUMERIC.includes(kind) ? Number(value) : String(value);
  return String(value);
}
