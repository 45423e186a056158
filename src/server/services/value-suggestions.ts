import { audienceCatalog } from '../../audiences/index.js';
import { suggestion } from '../../audiences/errors.js';
import { CdpError } from '../../errors.js';
import { PiiTags, UNMASKED, type PiiView } from '../../privacy/pii.js';
import type { ColumnKind, Dialect } from '../../warehouse/index.js';
import type { ServerContext } from '../context.js';
import { SingleFlight } from './single-flight.js';

/** One value and how many rows (profiles, or events) hold it. */
export interface ValueCount {
  value: string | number | boolean;
  count: number;
}

/** The most frequent values of a column, for the audience builder's value suggestions. */
export interface ValueCounts {
  kind: ColumnKind;
  /** The most frequent non-null values (matching the prefix), most frequent first; ties by value in byte order. */
  values: ValueCount[];
  /**
   * How many distinct non-null values match (exact), and how many rows hold one: together they
   * tell "mostly unique" columns (emails, ids) apart from enums. Null when PII hid the values.
   */
  distinct: number | null;
  total: number | null;
  /** True when the column is PII-tagged and the caller may not read PII: no values are returned at all. */
  piiMasked: boolean;
}

export interface ValueQuery {
  limit: number;
  /** Case-insensitive prefix of the value's text. */
  q?: string;
}

/** Answers are reused this long: the builder asks again for every condition it renders. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 500;

type Computed = Omit<ValueCounts, 'piiMasked'>;

/** One relation to count values in: `column` of `from`, restricted by `filters` (SQL conditions). */
interface ValueSource {
  from: string;
  column: string;
  filters: string[];
}

/**
 * Value suggestions for profile traits and event properties: one set-based GROUP BY in the
 * warehouse per question, cached briefly in process, identical concurrent questions sharing it.
 * PII-tagged columns return no values to callers without `pii:read` (not masked strings, which
 * the builder would offer as values).
 */
export class ValueSuggestionService {
  private readonly flights = new SingleFlight<Computed>();
  private readonly cache = new Map<string, { at: number; value: Computed }>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly now: () => number = Date.now,
  ) {}

  /** The most frequent values of a profile trait (counts are profiles). */
  async traitValues(trait: string, query: ValueQuery, pii: PiiView = UNMASKED): Promise<ValueCounts & { trait: string }> {
    const catalog = audienceCatalog(this.ctx.project);
    const traits = await catalog.traits();
    const kind = traits.get(trait);
    if (kind === undefined) {
      throw new CdpError('NOT_FOUND', `unknown trait \`${trait}\``, { location: { path: 'params.name' }, hint: suggestion(trait, [...traits.keys()], 'trait') });
    }
    const answer = await this.answer(['trait', trait], trait, kind, query, pii, (d) => [{ from: d.relation(catalog.profiles), column: trait, filters: [] }]);
    return { trait, ...answer };
  }

  /** The most frequent values of a property of an event, over every stream it occurs in (counts are events). */
  async eventPropertyValues(event: string, property: string, query: ValueQuery, pii: PiiView = UNMASKED): Promise<ValueCounts & { event: string; property: string }> {
    const events = await audienceCatalog(this.ctx.project).events();
    const streams = events.get(event);
    if (!streams) {
      const hint = events.size === 0 ? 'declare event streams under `events` in cdp.config.ts' : suggestion(event, [...events.keys()], 'event');
      throw new CdpError('NOT_FOUND', `unknown event \`${event}\``, { location: { path: 'params.name' }, hint });
    }
    const having = streams.filter((s) => s.columns.has(property));
    if (having.length === 0) {
      const known = [...new Set(streams.flatMap((s) => [...s.columns.keys()]))];
      throw new CdpError('NOT_FOUND', `unknown property \`${property}\` of event \`${event}\``, { location: { path: 'params.prop' }, hint: suggestion(property, known, 'property') });
    }
    const kinds = new Set(having.map((s) => s.columns.get(property)!));
    // Streams that disagree on the column's type are compared as text.
    const kind: ColumnKind = kinds.size === 1 ? [...kinds][0]! : 'string';
    const answer = await this.answer(['event', event, property], property, kind, query, pii, (d) =>
      having.map((stream) => ({
        from: d.relation(stream.relation),
        column: property,
        // The config's name expression is user SQL: a newline keeps a trailing `--` comment contained.
        filters: stream.constantName === undefined ? [`(${stream.nameSql.includes('--') ? `${stream.nameSql}\n` : stream.nameSql}) = ${d.literal(event)}`] : [],
      })),
      kinds.size > 1,
    );
    return { event, property, ...answer };
  }

  private async answer(
    id: readonly string[],
    name: string,
    kind: ColumnKind,
    query: ValueQuery,
    pii: PiiView,
    sources: (d: Dialect) => ValueSource[],
    asText = false,
  ): Promise<ValueCounts> {
    // Hidden values are not fetched at all.
    if (pii.mask && PiiTags.of(this.ctx.project.config).isPii(name)) return { kind, values: [], distinct: null, total: null, piiMasked: true };
    const q = query.q ? query.q.toLowerCase() : '';
    const key = JSON.stringify([...id, query.limit, q]);
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.at < TTL_MS) return { ...cached.value, piiMasked: false };
    const value = await this.flights.run(key, async () => {
      const warehouse = await this.ctx.project.warehouse();
      const rows = await warehouse.query(topValuesSql(warehouse.dialect, sources(warehouse.dialect), query.limit, q, asText));
      const computed: Computed = {
        kind,
        values: rows.map((row) => ({ value: jsonValue(row.value), count: Number(row.n) })),
        distinct: rows.length ? Number(rows[0]!.distinct_values) : 0,
        total: rows.length ? Number(rows[0]!.total_rows) : 0,
      };
      this.remember(key, computed);
      return computed;
    });
    return { ...value, piiMasked: false };
  }

  private remember(key: string, value: Computed): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_ENTRIES) {
      const now = this.now();
      for (const [k, entry] of this.cache) if (now - entry.at >= TTL_MS) this.cache.delete(k);
      // Still full: drop the oldest (a Map keeps insertion order).
      while (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(key, { at: this.now(), value });
  }
}

/**
 * The top `limit` non-null values of the sources' column with their counts, plus the number of
 * distinct values and of rows holding one. Each source is renamed to `value` in a subquery (so no
 * output name can shadow it in GROUP BY); the window aggregates run after GROUP BY and before
 * LIMIT, so the totals come from the same scan as the top values.
 */
export function topValuesSql(d: Dialect, sources: readonly ValueSource[], limit: number, prefix: string, asText: boolean): string {
  const value = d.quoteIdent('value');
  const union = sources
    .map((source) => {
      const column = d.quoteIdent(source.column);
      const where = [...source.filters, `${column} IS NOT NULL`];
      if (prefix) where.push(d.textMatch(`LOWER(${d.cast(column, 'string')})`, 'starts_with', prefix));
      return `SELECT ${asText ? d.cast(column, 'string') : column} AS ${value} FROM ${source.from} WHERE ${where.join(' AND ')}`;
    })
    .join(' UNION ALL ');
  return (
    `SELECT ${value}, COUNT(*) AS ${d.quoteIdent('n')}, ` +
    `COUNT(*) OVER () AS ${d.quoteIdent('distinct_values')}, SUM(COUNT(*)) OVER () AS ${d.quoteIdent('total_rows')} ` +
    `FROM (${union}) ${d.quoteIdent('v')} ` +
    `GROUP BY ${value} ORDER BY COUNT(*) DESC, ${d.binaryOrder(d.cast(value, 'string'))} ${d.limit(limit)}`
  );
}

/** A value as JSON can carry it: big integers as numbers when exact, else text; dates as ISO text. */
function jsonValue(value: unknown): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
