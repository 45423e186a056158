import type { Knex } from 'knex';
import { SIMULATED_TRIGGER } from '../../state/index.js';
import { IdentityTables } from '../../identity/tables.js';
import type { Project } from '../../project/index.js';
import type { Dialect, RelationRef, Warehouse } from '../../warehouse/index.js';

/** One identity build as the dashboards chart it. */
export interface IdentityBuildPoint {
  startedAt: string;
  finishedAt: string;
  mode: string;
  profiles: number;
  identifiers: number;
  /** Profile ids that disappeared into another profile during this build (profile_merges). */
  merges: number;
  /** Previous profiles whose identifiers this build spread over two profiles or more (null: not counted, e.g. backfilled builds). */
  splits: number | null;
  seconds: number;
}

/** Records of one source whose timestamp falls on one UTC day. */
export interface SourceDayPoint {
  day: string;
  source: string;
  records: number;
}

/** Sync runs started on one UTC day, by outcome, with what they sent. */
export interface SyncDayPoint {
  day: string;
  runs: number;
  success: number;
  partial: number;
  failed: number;
  /** Interrupted or still running. */
  other: number;
  sent: number;
  ok: number;
  rejected: number;
  /** Mean duration of the finished runs, milliseconds (null: none finished). */
  avgMs: number | null;
  /** What the vendors matched or accepted of the rows sent, 0..1, weighted by rows sent (null: no run reported one). */
  matchRate: number | null;
  /** Runs `cdp demo` simulated (trigger `backfill`), included in the counts above. */
  simulated: number;
}

const DAY_MS = 86_400_000;

function iso(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value).replace(' ', 'T').replace(/(T[\d:.]+)$/, '$1Z'));
  return date.toISOString();
}

function dayOf(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/**
 * History queries for the dashboards: each is one set-based, bounded query over history the
 * platform already keeps — identity builds (`_identity_runs`, `profile_merges`) and source records
 * (`_identity_records`) in the warehouse, sync runs (`sync_runs`) in the state store.
 */
export class HistoryService {
  constructor(
    private readonly project: Project,
    private readonly knex: Knex,
  ) {}

  /** The last `limit` identity builds, oldest first. */
  async identityBuilds(limit: number): Promise<IdentityBuildPoint[]> {
    const warehouse = await this.project.warehouse();
    const t = new IdentityTables(this.project.schema);
    if (!(await warehouse.relationExists(t.state('runs')))) return [];
    const merges = await warehouse.relationExists(t.output('merges'));
    // Builds before splits were counted have no such column.
    const splits = (await warehouse.listColumns(t.state('runs'))).some((c) => c.name.toLowerCase() === 'splits');
    const rows = await warehouse.query(identityBuildsSql(warehouse.dialect, t, { merges, splits }, limit));
    return rows
      .map((r) => ({
        startedAt: iso(r.started_at),
        finishedAt: iso(r.finished_at),
        mode: String(r.mode),
        profiles: Number(r.profiles),
        identifiers: Number(r.identifiers),
        merges: Number(r.merges),
        splits: r.splits === null || r.splits === undefined ? null : Number(r.splits),
        seconds: Math.round(Number(r.seconds) * 1000) / 1000,
      }))
      .reverse();
  }

  /** Records per source per day over the `days` days up to the newest record. */
  async sourceRecords(days: number): Promise<SourceDayPoint[]> {
    const warehouse = await this.project.warehouse();
    const records = new IdentityTables(this.project.schema).state('records');
    if (!(await warehouse.relationExists(records))) return [];
    return readSourceDays(warehouse, records, days);
  }

  /** Sync runs per UTC day over the last `days` days (one sync, or all), oldest first. */
  async syncDays(days: number, sync: string | null, now = Date.now()): Promise<SyncDayPoint[]> {
    const since = (Math.floor(now / DAY_MS) - days + 1) * DAY_MS;
    const count = (status: string) => this.knex.raw(`SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS ??`, [status, status]);
    const query = this.knex('sync_runs')
      .select(
        // A literal divisor: better-sqlite3 binds numbers as REAL, which would make this a real division.
        this.knex.raw(`started_at / ${DAY_MS} AS day`),
        this.knex.raw('COUNT(*) AS runs'),
        count('success'),
        count('partial'),
        count('failed'),
        this.knex.raw('SUM(sent) AS sent'),
        this.knex.raw('SUM(ok) AS ok'),
        this.knex.raw('SUM(rejected) AS rejected'),
        this.knex.raw('AVG(finished_at - started_at) AS avg_ms'),
        this.knex.raw(`SUM(CASE WHEN ?? = ? THEN 1 ELSE 0 END) AS simulated`, ['trigger', SIMULATED_TRIGGER]),
      )
      .where('started_at', '>=', since)
      .groupByRaw(`started_at / ${DAY_MS}`)
      .orderBy('day');
    if (sync !== null) void query.andWhere('sync', sync);
    const [rows, matchRates] = await Promise.all([query as Promise<Array<Record<string, unknown>>>, this.matchRates(since, sync)]);
    return rows.map((r) => {
      const runs = Number(r.runs);
      const [success, partial, failed] = [Number(r.success), Number(r.partial), Number(r.failed)];
      return {
        day: dayOf(Number(r.day)),
        runs,
        success,
        partial,
        failed,
        other: runs - success - partial - failed,
        sent: Number(r.sent ?? 0),
        ok: Number(r.ok ?? 0),
        rejected: Number(r.rejected ?? 0),
        avgMs: r.avg_ms === null || r.avg_ms === undefined ? null : Math.round(Number(r.avg_ms)),
        matchRate: matchRates.get(Number(r.day)) ?? null,
        simulated: Number(r.simulated ?? 0),
      };
    });
  }

  /**
   * Match rate per day, weighted by rows sent. The reach is JSON text in the state store (SQLite
   * or Postgres read it differently), so its two numbers are read here: one query over the
   * window's reporting runs, a few hundred rows a month per sync.
   */
  private async matchRates(since: number, sync: string | null): Promise<Map<number, number>> {
    const query = this.knex('sync_runs')
      .select(this.knex.raw(`started_at / ${DAY_MS} AS day`), 'sent', 'reach')
      .where('started_at', '>=', since)
      .whereNotNull('reach');
    if (sync !== null) void query.andWhere('sync', sync);
    const sums = new Map<number, { weighted: number; sent: number }>();
    for (const row of (await query) as Array<{ day: unknown; sent: unknown; reach: string }>) {
      const rate = (JSON.parse(row.reach) as { matchRate?: number | null }).matchRate;
      const sent = Number(row.sent ?? 0);
      if (typeof rate !== 'number' || sent <= 0) continue;
      const day = Math.floor(Number(row.day));
      const sum = sums.get(day) ?? { weighted: 0, sent: 0 };
      sum.weighted += rate * sent;
      sum.sent += sent;
      sums.set(day, sum);
    }
    return new Map([...sums].map(([day, s]) => [day, Math.round((s.weighted / s.sent) * 1000) / 1000]));
  }
}

/** The last `limit` identity builds, newest first, each with the merges written while it ran and the splits it counted. */
export function identityBuildsSql(d: Dialect, t: IdentityTables, has: { merges: boolean; splits: boolean }, limit: number): string {
  const merges = has.merges
    ? `(SELECT COUNT(*) FROM ${d.relation(t.output('merges'))} m WHERE m.merged_at >= r.started_at AND m.merged_at <= r.finished_at)`
    : '0';
  const splits = has.splits ? 'r.splits' : d.cast('NULL', 'integer');
  return (
    `SELECT r.started_at, r.finished_at, r.mode, r.profiles, r.identifiers, r.seconds, ${merges} AS merges, ${splits} AS splits ` +
    `FROM ${d.relation(t.state('runs'))} r ORDER BY r.finished_at DESC ${d.limit(limit)}`
  );
}

/** Records per (UTC day, source) over the `days` days up to the newest record. */
export function sourceDaysSql(d: Dialect, records: RelationRef, days: number): string {
  const rel = d.relation(records);
  const day = `CAST(CAST(ts AS ${d.typeName('date')}) AS ${d.typeName('string')})`;
  const newest = `(SELECT MAX(ts) FROM ${rel})`;
  // Grouped by the inner query's column: BigQuery does not match a repeated expression.
  return (
    `SELECT day, source, COUNT(*) AS records FROM (SELECT ${day} AS day, source FROM ${rel} ` +
    `WHERE ts IS NOT NULL AND ts > ${d.dateAdd(newest, -days, 'day')}) recent GROUP BY day, source ORDER BY day, source`
  );
}

async function readSourceDays(warehouse: Warehouse, records: RelationRef, days: number): Promise<SourceDayPoint[]> {
  const rows = await warehouse.query(sourceDaysSql(warehouse.dialect, records, days));
  return rows.map((r) => ({ day: String(r.day), source: String(r.source), records: Number(r.records) }));
}
