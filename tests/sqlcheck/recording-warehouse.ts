/**
 * Collecting the exact SQL a generator sends to BigQuery or Snowflake, without those engines.
 *
 * A generator (model builds, identity, audiences, sync planning) decides what to run next from
 * what earlier reads returned. So it is run twice in lock-step:
 *  1. on the real DuckDB demo warehouse through a TapingWarehouse, which records the answer of
 *     every warehouse call in order (rows, counts, catalog reads);
 *  2. with the BigQuery or Snowflake dialect against a RecordingWarehouse, which runs nothing,
 *     records every statement, and answers the i-th call with the i-th answer of the tape.
 * The second run therefore takes the same path as a real run over the same data (same rounds,
 * same branches), and every statement it would send is collected in order. A call that does not
 * match the tape (a dialect-dependent path) is reported rather than guessed.
 */
import { Project } from '../../src/project/index.js';
import {
  getDialect,
  type ColumnDef,
  type ColumnInfo,
  type Dialect,
  type HeldSession,
  type Params,
  type RelationInfo,
  type RelationRef,
  type Row,
  type Warehouse,
  type WarehouseSession,
} from '../../src/warehouse/index.js';

type Op = 'execute' | 'query' | 'stream' | 'listRelations' | 'listColumns' | 'relationExists' | 'createSchema' | 'loadTable';

interface TapeEntry {
  op: Op;
  sql: string;
  result: unknown;
  /** For a CREATE TABLE/VIEW: the relation DuckDB built, with its columns. */
  created?: CreatedRelation;
}

export interface CreatedRelation extends RelationRef {
  columns: ColumnInfo[];
}

export interface RecordedStatement {
  sql: string;
  via: 'execute' | 'query' | 'stream';
  /** What the same statement created on DuckDB: lets a checker carry on after a failed CREATE. */
  created?: CreatedRelation;
}

const CREATE_RELATION = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"((?:[^"]|"")+)"\."((?:[^"]|"")+)"/i;

/** Wraps a real warehouse and records every call's answer. */
export class TapingWarehouse implements Warehouse {
  readonly tape: TapeEntry[] = [];

  constructor(private readonly inner: Warehouse) {}

  get type(): Warehouse['type'] {
    return this.inner.type;
  }

  get dialect(): Dialect {
    return this.inner.dialect;
  }

  /**
   * The tape slot is taken when the call is made, not when it completes: concurrent calls
   * (Promise.all) are taped in the order they were issued, which the replay issues them in too.
   */
  private async record<T>(op: Op, sql: string, run: () => Promise<T>, session?: WarehouseSession): Promise<T> {
    const entry: TapeEntry = { op, sql, result: undefined };
    this.tape.push(entry);
    entry.result = await run();
    const created = op === 'execute' ? CREATE_RELATION.exec(sql) : null;
    if (created) {
      const ref = { schema: created[1]!.replaceAll('""', '"'), name: created[2]!.replaceAll('""', '"') };
      entry.created = { ...ref, columns: await columnsOf(session ?? this.inner, ref) };
    }
    return entry.result as T;
  }

  execute(sql: string, params?: Params): Promise<number | undefined> {
    return this.record('execute', sql, () => this.inner.execute(sql, params));
  }

  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.record('query', sql, () => this.inner.query<T>(sql, params));
  }

  async *stream(sql: string, options?: { params?: Params; batchSize?: number }): AsyncIterable<Row[]> {
    const entry: TapeEntry = { op: 'stream', sql, result: [] };
    this.tape.push(entry);
    const batches: Row[][] = [];
    for await (const batch of this.inner.stream(sql, options)) batches.push(batch);
    entry.result = batches;
    yield* batches;
  }

  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return this.inner.transaction((session) => work(this.taped(session)));
  }

  withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    return this.inner.withSession((session) =>
      work({ ...this.taped(session), transaction: (inner) => session.transaction((inTransaction) => inner(this.taped(inTransaction))) }),
    );
  }

  /** `session` with every call taped (created relations read through it: it may see what others cannot). */
  private taped(session: WarehouseSession): WarehouseSession {
    return {
      dialect: session.dialect,
      execute: (sql, params) => this.record('execute', sql, () => session.execute(sql, params), session),
      query: <R extends Row = Row>(sql: string, params?: Params) => this.record('query', sql, () => session.query<R>(sql, params)),
    };
  }

  listRelations(schema: string): Promise<RelationInfo[]> {
    return this.record('listRelations', schema, () => this.inner.listRelations(schema));
  }

  listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    return this.record('listColumns', `${relation.schema}.${relation.name}`, () => this.inner.listColumns(relation));
  }

  relationExists(relation: RelationRef): Promise<boolean> {
    return this.record('relationExists', `${relation.schema}.${relation.name}`, () => this.inner.relationExists(relation));
  }

  createSchema(schema: string): Promise<void> {
    return this.record('createSchema', schema, () => this.inner.createSchema(schema));
  }

  loadTable(relation: RelationRef, columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<number> {
    return this.record('loadTable', `${relation.schema}.${relation.name}`, () => this.inner.loadTable(relation, columns, rows));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Columns of a relation, read through the same session (inside a transaction, it may not be visible to others yet). */
async function columnsOf(session: WarehouseSession, ref: RelationRef): Promise<ColumnInfo[]> {
  const rows = await session.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [ref.schema, ref.name],
  );
  return rows.map((r) => ({ name: r.name, type: r.type, kind: session.dialect.columnKind(r.type) }));
}

/** Runs nothing: records statements in a dialect and answers from a tape. */
export class RecordingWarehouse implements Warehouse {
  readonly dialect: Dialect;
  readonly statements: RecordedStatement[] = [];
  /** Calls that did not match the tape (op differs), e.g. a dialect-dependent extra read. */
  readonly divergences: string[] = [];
  private position = 0;

  constructor(
    readonly type: 'bigquery' | 'snowflake',
    private readonly tape: readonly TapeEntry[],
  ) {
    this.dialect = getDialect(type);
  }

  /** Tape entries not consumed (the replayed run stopped early or took a shorter path). */
  get remaining(): number {
    return this.tape.length - this.position;
  }

  private next(op: Op, what: string): unknown {
    return this.nextEntry(op, what).result;
  }

  private nextEntry(op: Op, what: string): TapeEntry {
    const entry = this.tape[this.position];
    if (!entry || entry.op !== op) {
      const expected = entry ? `${entry.op} ${entry.sql.slice(0, 80)}` : 'the end of the tape';
      const message = `call #${this.position} is ${op} ${what.slice(0, 80)}, the DuckDB run made ${expected}`;
      this.divergences.push(message);
      throw new Error(`replay diverged: ${message}`);
    }
    this.position++;
    return entry;
  }

  async execute(sql: string, _params?: Params): Promise<number | undefined> {
    const recorded: RecordedStatement = { sql, via: 'execute' };
    this.statements.push(recorded);
    const entry = this.nextEntry('execute', sql);
    if (entry.created) recorded.created = entry.created;
    return entry.result as number | undefined;
  }

  async query<T extends Row = Row>(sql: string, _params?: Params): Promise<T[]> {
    this.statements.push({ sql, via: 'query' });
    return structuredClone(this.next('query', sql)) as T[];
  }

  async *stream(sql: string, _options?: { params?: Params; batchSize?: number }): AsyncIterable<Row[]> {
    this.statements.push({ sql, via: 'stream' });
    yield* structuredClone(this.next('stream', sql)) as Row[][];
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  async withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    return work(this);
  }

  async listRelations(schema: string): Promise<RelationInfo[]> {
    return this.next('listRelations', schema) as RelationInfo[];
  }

  async listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    const columns = this.next('listColumns', `${relation.schema}.${relation.name}`) as ColumnInfo[];
    // As this engine's catalog would name the types.
    return columns.map((c) => ({ ...c, type: c.kind === 'other' ? c.type : this.dialect.typeName(c.kind) }));
  }

  async relationExists(relation: RelationRef): Promise<boolean> {
    return this.next('relationExists', `${relation.schema}.${relation.name}`) as boolean;
  }

  async createSchema(schema: string): Promise<void> {
    this.statements.push({ sql: `CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdent(schema)}`, via: 'execute' });
    this.next('createSchema', schema);
  }

  async loadTable(relation: RelationRef, _columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<number> {
    for await (const _batch of rows) {
      // drained like a real load
    }
    return this.next('loadTable', `${relation.schema}.${relation.name}`) as number;
  }

  async close(): Promise<void> {}
}

/** A project whose warehouse is `warehouse` (and, for a recording, whose config names that engine). */
export class ProjectWith extends Project {
  constructor(
    base: Project,
    private readonly replacement: Warehouse,
  ) {
    const warehouseConfig =
      replacement.type === 'bigquery'
        ? { type: 'bigquery' as const, projectId: 'cdp-check' }
        : replacement.type === 'snowflake'
          ? { type: 'snowflake' as const, account: 'check', username: 'check', warehouse: 'check', database: 'check', password: { env: 'UNUSED' } }
          : base.config.warehouse;
    super(base.dir, base.configFile, { ...base.config, warehouse: warehouseConfig } as Project['config']);
  }

  override warehouse(): Promise<Warehouse> {
    return Promise.resolve(this.replacement);
  }
}
