import { randomBytes } from 'node:crypto';
import type { Project } from '../project/index.js';
import type { Warehouse } from '../warehouse/index.js';
import type { RelationRef } from '../warehouse/index.js';
import { EVENT_COLUMNS, eventRow, type CollectedEvent } from './event.js';

export const LANDING_TABLE = 'collected_events';
/** A resent messageId is dropped when its first copy arrived less than this many days before. */
export const DEDUP_WINDOW_DAYS = 7;

/**
 * Lands micro-batches in `<schema>.collected_events` with the engine's bulk path: the batch is
 * bulk-loaded (loadTable: DuckDB appender, Postgres COPY, BigQuery load job, Snowflake PUT to a
 * stage + COPY INTO) into a scratch table, then one set-based INSERT … SELECT copies the messages not landed
 * yet (first copy of each messageId) into the table. That one statement is the commit: a batch
 * replayed after a crash inserts nothing twice.
 */
export class Lander {
  /** One creation at a time (concurrent CREATE SCHEMA conflicts in DuckDB's catalog); retried after a failure. */
  private ensuring: Promise<void> | null = null;
  /** Scratch table of this process (two services landing into one warehouse never share one). */
  private readonly scratch: RelationRef;

  constructor(
    private readonly warehouse: () => Promise<Warehouse>,
    readonly target: RelationRef,
  ) {
    this.scratch = { schema: target.schema, name: `${target.name}__landing_${randomBytes(4).toString('hex')}` };
  }

  /** Lands events; returns how many were new (not landed before) where the engine reports it. */
  async land(events: readonly CollectedEvent[]): Promise<number | undefined> {
    if (!events.length) return 0;
    const wh = await this.warehouse();
    await this.ensure();
    // The scratch table is kept between batches (Postgres then truncates instead of swapping tables).
    await wh.loadTable(this.scratch, EVENT_COLUMNS, [events.map(eventRow)]);
    const oldest = events.reduce((min, e) => (e.received_at < min ? e.received_at : min), events[0]!.received_at);
    return wh.execute(insertNewSql(wh, this.target, this.scratch, new Date(oldest)));
  }

  /** Drops the scratch table (at shutdown; one left by a crash is safe to drop by hand). */
  async dispose(): Promise<void> {
    const wh = await this.warehouse();
    await wh.execute(wh.dialect.dropRelation(this.scratch, 'table'));
  }

  /** Creates the table when missing (at start too, so models over it build before the first event). */
  ensure(): Promise<void> {
    this.ensuring ??= (async () => {
      const wh = await this.warehouse();
      await wh.createSchema(this.target.schema);
      await wh.execute(createTableSql(wh, this.target));
    })().catch((error: unknown) => {
      this.ensuring = null;
      throw error;
    });
    return this.ensuring;
  }
}

export function createTableSql(wh: Pick<Warehouse, 'dialect'>, target: RelationRef): string {
  const d = wh.dialect;
  return `CREATE TABLE IF NOT EXISTS ${d.relation(target)} (${d.columnDefinitions(EVENT_COLUMNS)})`;
}

/** The first copy of each messageId in the batch, unless the table has it from the last DEDUP_WINDOW_DAYS. */
export function insertNewSql(wh: Pick<Warehouse, 'dialect'>, target: RelationRef, scratch: RelationRef, oldestReceived: Date): string {
  const d = wh.dialect;
  const names = EVENT_COLUMNS.map((c) => d.quoteIdent(c.name));
  const id = d.quoteIdent('message_id');
  const received = d.quoteIdent('received_at');
  const rowNumber = d.quoteIdent('cdp_copy');
  const since = d.literal(new Date(oldestReceived.getTime() - DEDUP_WINDOW_DAYS * 86_400_000));
  return [
    `INSERT INTO ${d.relation(target)} (${names.join(', ')})`,
    `SELECT ${names.map((n) => `s.${n}`).join(', ')}`,
    `FROM (SELECT ${names.map((n) => `l.${n}`).join(', ')}, ROW_NUMBER() OVER (PARTITION BY l.${id} ORDER BY l.${received}) AS ${rowNumber} FROM ${d.relation(scratch)} l) s`,
    `WHERE s.${rowNumber} = 1`,
    `AND NOT EXISTS (SELECT 1 FROM ${d.relation(target)} t WHERE t.${id} = s.${id} AND t.${received} >= ${since})`,
  ].join('\n');
}

/** Creates `<schema>.collected_events` when missing (`cdp run` does, so staging models over it build). */
export async function ensureLandingTable(project: Pick<Project, 'schema' | 'warehouse'>): Promise<void> {
  await new Lander(() => project.warehouse(), { schema: project.schema, name: LANDING_TABLE }).ensure();
}
