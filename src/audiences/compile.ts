import { createHash } from 'node:crypto';
import type { Dialect, RelationRef } from '../warehouse/index.js';
import { ago, dateBounds, predicateSql } from './operators.js';
import type { ResolvedCondition } from './resolve.js';
import { AGGREGATE_VALUE, EVENT_TS, aggregateOfNothing, aggregateSql, firstLastSql, sequenceSql } from './compile-events.js';
import { filterSql, group, indent, parenthesise } from './sql-parts.js';

export { indent };
import type { CountComparison } from './schema.js';
import type { Duration } from './values.js';

/** The tables a compiled audience reads. */
export interface AudienceTables {
  profiles: RelationRef;
  resolvedRecords: RelationRef;
  /**
   * The build's audience base (src/audiences/base.ts), for queries that only count: every profile
   * with its columns and, per common set of events, a count and/or a list of recent event times.
   * Read instead of `profiles`, and an event condition with a column there (a count, or a list
   * reaching back as far as its `within`) compares it instead of joining the events.
   */
  base?: AudienceBaseTable;
}

export interface AudienceBaseTable {
  relation: RelationRef;
  /**
   * Names of its event columns: counts (`ev_<hash of the condition's events query>`) and lists of
   * recent event times (`ev_<hash>_<hours>h`, every matching event since <hours> before the build).
   */
  eventColumns: ReadonlySet<string>;
}

type EventNode = Extract<ResolvedCondition, { type: 'event' }>;

/** A `within` window in whole hours (the unit the base's time-list columns are named in). */
export function windowHours(within: Duration): number {
  return 'days' in within ? within.days * 24 : within.hours;
}

export const PROFILE_ALIAS = 'p';

/**
 * The referenced audiences of one statement, each compiled once as a common table expression of
 * its members' profile ids. Inlining a reference would copy the referenced audience's SQL into
 * every place it is used, and `b = any[a, all[a]]` nested N levels deep would double the SQL N
 * times; as CTEs the SQL grows with the number of distinct audiences. Builders sharing one set
 * share the CTEs (a snapshot of many audiences evaluates a common reference once).
 */
export class AudienceCtes {
  private readonly byItem = new Map<ResolvedCondition, string>();
  private readonly byBody = new Map<string, string>();
  private readonly definitions: string[] = [];

  constructor(
    readonly dialect: Dialect,
    readonly tables: AudienceTables,
  ) {}

  /** The CTE name holding the members of a referenced audience (compiled on first use). */
  nameFor(node: Extract<ResolvedCondition, { type: 'audience' }>): string {
    const known = this.byItem.get(node.item);
    if (known) return known;
    const d = this.dialect;
    const builder = new AudienceQueryBuilder(d, this.tables, this);
    const profileId = `${PROFILE_ALIAS}.${d.quoteIdent('profile_id')}`;
    // Compiling the body first registers the audiences it refers to (a CTE only names earlier
    // ones) and the joins its FROM needs.
    const where = builder.predicate(node.item);
    const body = `SELECT ${profileId}\n${builder.from()}\nWHERE ${profileId} IS NOT NULL AND ${parenthesise(where)}`;
    let name = this.byBody.get(body);
    if (!name) {
      name = d.quoteIdent(`audience_${this.definitions.length + 1}`);
      this.definitions.push(`${name} AS (\n${indent(body)}\n)`);
      this.byBody.set(body, name);
    }
    this.byItem.set(node.item, name);
    return name;
  }

  /** `WITH ...` and a newline, or nothing when no audience was referenced: put before the SELECT. */
  clause(): string {
    return this.definitions.length ? `WITH ${this.definitions.join(',\n')}\n` : '';
  }
}

/**
 * Builds the SQL of one or more audience predicates over `profiles p`. Each event condition is one
 * uncorrelated subquery of profile ids (GROUP BY profile_id HAVING <count> when the count matters):
 * an `IN` / `NOT IN` semi/anti join on engines that plan those as hash joins anywhere
 * (`dialect.prefersInSubquery()`), else a LEFT JOIN whose match is tested for NULL. Either way it
 * is set-based (no per-row subqueries), and a profile without any event simply has no match, which
 * is what `count eq 0` and `lt` need. Predicates are boolean expressions over p (and the joins), so
 * groups nest to any depth and several predicates can share one FROM (funnel counts, overlaps).
 */
export class AudienceQueryBuilder {
  private readonly joins: string[] = [];
  private readonly joinAliases = new Map<string, string>();
  private readonly referenceAliases = new Map<string, string>();
  readonly ctes: AudienceCtes;

  constructor(
    readonly dialect: Dialect,
    readonly tables: AudienceTables,
    ctes?: AudienceCtes,
  ) {
    this.ctes = ctes ?? new AudienceCtes(dialect, tables);
  }

  /** The `WITH` clause of the referenced audiences the predicates built so far use (or ''). */
  with(): string {
    return this.ctes.clause();
  }

  /** `profiles p` (or the audience base) and the joins the predicates built so far need. */
  from(): string {
    const d = this.dialect;
    return [`FROM ${d.relation(this.tables.base?.relation ?? this.tables.profiles)} AS ${PROFILE_ALIAS}`, ...this.joins].join('\n');
  }

  /**
   * The audience base's column counting the events of an event condition (its streams, name,
   * absolute `between` window and property filter; the count comparison aside): `ev_` and a hash
   * of what selects those events, the same in every dialect, so a column stands for exactly one
   * set of events. Undefined when that set moves with the clock (`within`, relative times in a
   * filter): a count kept at build time would go stale (a `within` condition reads a list of
   * times instead, `eventTimesColumn`).
   */
  eventCountColumn(node: EventNode): string | undefined {
    return node.within === undefined ? this.eventSetColumn(node) : undefined;
  }

  /**
   * The name both base columns of the condition's events start with: `ev_` and the hash of what
   * selects them, its `within` window aside (a window only says which of those events count).
   * Undefined when anything else in it reads the clock (a relative time in a property filter).
   */
  eventSetColumn(node: EventNode): string | undefined {
    if (CLOCK.test(this.eventSubquery({ ...node, within: undefined }, { grouped: true }))) return undefined;
    const streams = node.streams.map((s) => [s.source, s.relation.schema, s.relation.name, s.key, s.timestamp, s.nameSql]);
    const selects = JSON.stringify({ event: node.event, streams, between: node.between ?? null, where: node.where ?? null });
    return `ev_${createHash('sha256').update(selects).digest('hex').slice(0, 16)}`;
  }

  /**
   * The base column listing the times of a windowed condition's events since `horizon` before the
   * build (`ev_<hash>_<hours>h`). A count `within` N at any later time counts events after
   * now - N >= build - N >= build - horizon when N <= horizon: all of them are in the list.
   */
  eventTimesColumn(node: EventNode, horizon: Duration): string | undefined {
    const set = this.eventSetColumn(node);
    return set === undefined ? undefined : `${set}_${windowHours(horizon)}h`;
  }

  /** Profile ids and how many matching events each has (`n`): what the base's event count columns hold. */
  eventCountsSql(node: EventNode): string {
    return this.eventSubquery({ ...node, within: undefined }, { grouped: true, counted: true });
  }

  /**
   * Profile ids and the times of their matching events since `since` (SQL for an instant,
   * evaluated at the build) as a list `t`: what the base's time-list columns hold. Its own join of
   * the events (the count keeps the plain count's exact query, which may skip the event streams).
   */
  eventTimesSql(node: EventNode, since: string): string {
    return this.eventSubquery({ ...node, within: undefined }, { grouped: true, times: { since } });
  }

  /** The condition's count read from the base (a count column, or a list's times in the window); undefined when the base has neither. */
  private baseCount(node: EventNode): string | undefined {
    const base = this.tables.base;
    if (!base) return undefined;
    const d = this.dialect;
    if (node.within === undefined) {
      const counted = this.eventCountColumn(node);
      return counted !== undefined && base.eventColumns.has(counted) ? `${PROFILE_ALIAS}.${d.quoteIdent(counted)}` : undefined;
    }
    const set = this.eventSetColumn(node);
    if (set === undefined) return undefined;
    // The narrowest list reaching back far enough: any with a horizon at least this window holds every event it counts.
    const needed = windowHours(node.within);
    let best: { column: string; hours: number } | undefined;
    for (const column of base.eventColumns) {
      const hours = column.startsWith(`${set}_`) ? Number(/^_(\d+)h$/.exec(column.slice(set.length))?.[1]) : NaN;
      if (hours >= needed && (!best || hours < best.hours)) best = { column, hours };
    }
    return best && d.countTimestampsSince(`${PROFILE_ALIAS}.${d.quoteIdent(best.column)}`, ago(d, node.within));
  }

  /**
   * A boolean expression true for members. `twoValued`: never NULL (for use under NOT or as a
   * value). `narrowed`: trait conditions ANDed above this one already cut the profiles down.
   */
  predicate(node: ResolvedCondition, twoValued = false, narrowed = false): string {
    const d = this.dialect;
    switch (node.type) {
      case 'all': {
        const inner = narrowed || node.items.some((item) => item.type === 'trait');
        return group(node.items.map((item) => this.predicate(item, twoValued, inner)), 'AND', 'TRUE');
      }
      case 'any':
        return group(node.items.map((item) => this.predicate(item, twoValued, narrowed)), 'OR', 'FALSE');
      case 'not':
        return `NOT ${parenthesise(this.predicate(node.item, true, narrowed))}`;
      case 'audience':
        return this.reference(node);
      case 'trait':
        return predicateSql(d, `${PROFILE_ALIAS}.${d.quoteIdent(node.column)}`, node.kind, node.predicate, twoValued);
      case 'event':
        return this.event(node, narrowed);
      case 'aggregate': {
        const value = `${this.leftJoin(aggregateSql(d, this.tables, node))}.${d.quoteIdent(AGGREGATE_VALUE)}`;
        const nothing = aggregateOfNothing(node);
        return predicateSql(d, nothing === undefined ? value : `COALESCE(${value}, ${nothing})`, node.kind, node.predicate, twoValued);
      }
      case 'first_last': {
        // Profiles that never did it have no first or last time: they match no operator, not even a negative one.
        const alias = this.leftJoin(firstLastSql(d, this.tables, node));
        const time = predicateSql(d, `${alias}.${d.quoteIdent(AGGREGATE_VALUE)}`, 'timestamp', node.predicate, twoValued);
        return `(${alias}.${d.quoteIdent('profile_id')} IS NOT NULL AND ${parenthesise(time)})`;
      }
      case 'sequence':
        return this.memberOf(sequenceSql(d, this.tables, node));
    }
  }

  private event(node: EventNode, narrowed: boolean): string {
    const d = this.dialect;
    const profileId = d.quoteIdent('profile_id');
    // A comparison that 0 satisfies ("did not do it", "fewer than 3") is built as its negation:
    // find the profiles that break it and keep the others, so profiles without events count.
    const zeroMatches = holds(node.count, 0);
    const counted = this.baseCount(node);
    // The base gives this count for every profile (0 without events, or without any in the list's
    // window): never NULL, so two-valued.
    if (counted !== undefined) return countComparisonSql(counted, node.count);
    const having = havingSql(node.count, zeroMatches);
    if (d.prefersInSubquery()) {
      if (having === undefined && narrowed) {
        // "Did it" / "did not" among profiles trait filters already narrowed: a correlated
        // semi/anti join, which decorrelating engines (DuckDB's delim join) run from the few
        // remaining profiles instead of hashing every matching event.
        const correlated = this.eventSubquery(node, { correlated: true });
        return `${zeroMatches ? 'NOT ' : ''}EXISTS (\n${indent(correlated)}\n)`;
      }
      // Otherwise hash the (small) set of matching profiles once; GROUP BY only when a count matters.
      const subquery = this.eventSubquery(node, { having, grouped: having !== undefined });
      return `${PROFILE_ALIAS}.${profileId} ${zeroMatches ? 'NOT IN' : 'IN'} (\n${indent(subquery)}\n)`;
    }
    const subquery = this.eventSubquery(node, { having, grouped: true });
    let alias = this.joinAliases.get(subquery);
    if (!alias) {
      alias = `ev${this.joinAliases.size + 1}`;
      this.joinAliases.set(subquery, alias);
      this.joins.push(`LEFT JOIN (\n${indent(subquery)}\n) AS ${alias} ON ${alias}.${profileId} = ${PROFILE_ALIAS}.${profileId}`);
    }
    return `${alias}.${profileId} IS ${zeroMatches ? '' : 'NOT '}NULL`;
  }

  /** Joins one row per profile (`profile_id` and values) from `subquery`, once per distinct subquery: its alias. */
  private leftJoin(subquery: string): string {
    const profileId = this.dialect.quoteIdent('profile_id');
    let alias = this.joinAliases.get(subquery);
    if (!alias) {
      alias = `ev${this.joinAliases.size + 1}`;
      this.joinAliases.set(subquery, alias);
      this.joins.push(`LEFT JOIN (\n${indent(subquery)}\n) AS ${alias} ON ${alias}.${profileId} = ${PROFILE_ALIAS}.${profileId}`);
    }
    return alias;
  }

  /** Whether the profile is among the (never NULL, possibly repeated) `profile_id`s of `subquery`: two-valued. */
  private memberOf(subquery: string): string {
    const profileId = this.dialect.quoteIdent('profile_id');
    if (this.dialect.prefersInSubquery()) return `${PROFILE_ALIAS}.${profileId} IN (\n${indent(subquery)}\n)`;
    const unique = `SELECT m.${profileId}\nFROM (\n${indent(subquery)}\n) AS m\nGROUP BY m.${profileId}`;
    return `${this.leftJoin(unique)}.${profileId} IS NOT NULL`;
  }

  /** Membership of a referenced audience: a semi join (or a LEFT JOIN tested for NULL) to its CTE. */
  private reference(node: Extract<ResolvedCondition, { type: 'audience' }>): string {
    const d = this.dialect;
    const profileId = d.quoteIdent('profile_id');
    const cte = this.ctes.nameFor(node);
    // Profile ids are never NULL (the CTE keeps none), so both forms are two-valued under NOT.
    if (d.prefersInSubquery()) return `${PROFILE_ALIAS}.${profileId} IN (SELECT ${profileId} FROM ${cte})`;
    let alias = this.referenceAliases.get(cte);
    if (!alias) {
      alias = `ref${this.referenceAliases.size + 1}`;
      this.referenceAliases.set(cte, alias);
      // GROUP BY tells the planner the ids are unique, so each join keeps the estimate at the size
      // of profiles. Joined bare, estimates multiply per level of references and Postgres spends
      // seconds JIT-compiling a plan it thinks returns 10^40 rows.
      this.joins.push(`LEFT JOIN (SELECT ${profileId} FROM ${cte} GROUP BY ${profileId}) AS ${alias} ON ${alias}.${profileId} = ${PROFILE_ALIAS}.${profileId}`);
    }
    return `${alias}.${profileId} IS NOT NULL`;
  }

  /**
   * Profiles with matching events (one row each when `grouped`), filtered by the count comparison;
   * or, `correlated`, the matching events of the outer profile `p`.
   */
  private eventSubquery(
    node: EventNode,
    shape: { having?: string; grouped?: boolean; correlated?: boolean; counted?: boolean; times?: { since: string } },
  ): string {
    const { having, grouped = false, correlated = false, counted = false, times } = shape;
    const d = this.dialect;
    const q = (name: string) => d.quoteIdent(name);
    const several = node.streams.length > 1;
    const perStream = node.streams.map((stream) => {
      const filters: string[] = [];
      const column = (name: string) => `s.${q(name)}`;
      // The config's name expression is user SQL: a newline keeps a trailing `--` comment contained.
      const nameSql = stream.nameSql.includes('--') ? `${stream.nameSql}\n` : stream.nameSql;
      if (stream.constantName === undefined) filters.push(`(${nameSql}) = ${d.literal(node.event)}`);
      if (node.within) filters.push(`${column(stream.timestamp)} >= ${ago(d, node.within)}`);
      if (node.between) filters.push(dateBounds(d, column(stream.timestamp), node.between[0], node.between[1]));
      if (node.where) filters.push(filterSql(d, node.where, stream, false));
      // Times of several streams meet in one column: as timestamps, which is what the window compares them as.
      const time = stream.columns.get(stream.timestamp) === 'timestamp' ? column(stream.timestamp) : d.cast(column(stream.timestamp), 'timestamp');
      if (times) filters.push(`${time} >= ${times.since}`);
      const key = stream.columns.get(stream.key) === 'string' ? column(stream.key) : d.cast(column(stream.key), 'string');
      const select = [several ? `${d.literal(stream.source)} AS ${q('source')}` : '', `${key} AS ${q('record_key')}`, times ? `${time} AS ${q(EVENT_TS)}` : '']
        .filter(Boolean)
        .join(', ');
      return `SELECT ${select}\nFROM ${d.relation(stream.relation)} AS s${filters.length ? `\nWHERE ${filters.join('\n  AND ')}` : ''}`;
    });
    const events = perStream.join('\nUNION ALL\n');
    const sourceFilter = several
      ? `r.${q('source')} IN (${node.streams.map((s) => d.literal(s.source)).join(', ')})`
      : `r.${q('source')} = ${d.literal(node.streams[0]!.source)}`;
    const on = `r.${q('record_key')} = e.${q('record_key')}${several ? ` AND r.${q('source')} = e.${q('source')}` : ''}`;
    // Every row of these streams is a match (constant name, no window, no filter): resolved_records
    // alone has one row per event, so the source relations need not be read at all.
    const everyRow = !node.within && !node.between && !node.where && !times && node.streams.every((s) => s.constantName !== undefined);
    const profileFilter = correlated ? `r.${q('profile_id')} = ${PROFILE_ALIAS}.${q('profile_id')}` : `r.${q('profile_id')} IS NOT NULL`;
    const listed = times && d.timestampsAgg(`e.${q(EVENT_TS)}`);
    return [
      correlated ? 'SELECT 1' : `SELECT r.${q('profile_id')}${counted ? `, COUNT(*) AS ${q('n')}` : ''}${listed ? `, ${listed} AS ${q('t')}` : ''}`,
      `FROM ${d.relation(this.tables.resolvedRecords)} AS r`,
      ...(everyRow ? [] : [`JOIN (\n${indent(events)}\n) AS e ON ${on}`]),
      `WHERE ${sourceFilter} AND ${profileFilter}`,
      ...(grouped ? [`GROUP BY r.${q('profile_id')}`] : []),
      ...(having ? [`HAVING ${having}`] : []),
    ].join('\n');
  }
}

/** SQL reading the clock, in any dialect (custom operators included). */
const CLOCK = /\bCURRENT_(TIMESTAMP|DATE|TIME)\b|\b(NOW|GETDATE|SYSDATE|SYSTIMESTAMP)\s*\(/i;

function countSql(c: CountComparison): string {
  return countComparisonSql('COUNT(*)', c);
}

/** `count <op> value` for a count expression. */
function countComparisonSql(count: string, c: CountComparison): string {
  const symbol = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  if (c.op === 'between') return `${count} BETWEEN ${c.value[0]} AND ${c.value[1]}`;
  return `${count} ${symbol[c.op]} ${c.value}`;
}

/** Whether `n` events satisfy the comparison. */
export function holds(c: CountComparison, n: number): boolean {
  switch (c.op) {
    case 'eq':
      return n === c.value;
    case 'neq':
      return n !== c.value;
    case 'gt':
      return n > c.value;
    case 'gte':
      return n >= c.value;
    case 'lt':
      return n < c.value;
    case 'lte':
      return n <= c.value;
    case 'between':
      return n >= c.value[0] && n <= c.value[1];
  }
}

/**
 * The HAVING clause keeping the profiles (with at least one event) the join should find: those
 * satisfying the count, or with `negated` those breaking it. None when every such profile qualifies.
 */
function havingSql(c: CountComparison, negated: boolean): string | undefined {
  const limit = (c.op === 'between' ? c.value[1] : c.value) + 2;
  let always = true;
  for (let n = 1; n <= limit && always; n++) always = holds(c, n) !== negated;
  if (always) return undefined;
  if (!negated) return countSql(c);
  if (c.op === 'between') return `NOT (${countSql(c)})`;
  const opposite = { eq: 'neq', neq: 'eq', gt: 'lte', gte: 'lt', lt: 'gte', lte: 'gt' } as const;
  return countSql({ op: opposite[c.op], value: c.value });
}
