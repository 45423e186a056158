import { logger } from '../logger.js';
import type { ColumnInfo, Dialect, RelationRef, Row, Warehouse, WarehouseSession } from '../warehouse/index.js';

/**
 * The few statement shapes identity resolution is made of (create a table from a SELECT, drop it,
 * count it), run against one warehouse session, with timings in the debug log. Tables are
 * created with plain `CREATE TABLE ... AS`: one statement template for every dialect. Temporary
 * scratch tables (`RelationRef.temporary`) are created, renamed and dropped through it only: it
 * answers whether one exists.
 */
export class SqlRunner {
  readonly d: Dialect;
  /** Statements run, for tests and the debug log. */
  statements = 0;

  private readonly catalog: Warehouse;
  /** Temporary tables (`RelationRef.temporary`) this runner created and has not dropped, by name. */
  private temporary = new Map<string, RelationRef>();

  /**
   * Statements run on `session` (the warehouse, or a transaction's session); catalog questions
   * (does a table exist) go to the warehouse, since every engine's catalog differs.
   */
  constructor(session: Warehouse);
  constructor(session: WarehouseSession, catalog: Warehouse);
  constructor(
    readonly session: WarehouseSession,
    catalog?: Warehouse,
  ) {
    this.d = session.dialect;
    this.catalog = catalog ?? (session as Warehouse);
  }

  /** A runner on `session` (a transaction on this runner's connection) that knows this one's temporary tables. */
  on(session: WarehouseSession): SqlRunner {
    const runner = new SqlRunner(session, this.catalog);
    runner.temporary = this.temporary;
    return runner;
  }

  rel(ref: RelationRef): string {
    return this.d.relation(ref);
  }

  q(name: string): string {
    return this.d.quoteIdent(name);
  }

  async exec(sql: string): Promise<void> {
    await this.timed(sql, () => this.session.execute(sql));
  }

  async query<T extends Row = Row>(sql: string): Promise<T[]> {
    return this.timed(sql, () => this.session.query<T>(sql));
  }

  /**
   * Runs one statement with its wall and process CPU milliseconds in the debug log (CPU: all the
   * process's threads, an embedded engine's included; steadier than wall time on a busy machine).
   */
  private async timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
    this.statements++;
    if (!logger.isLevelEnabled('debug')) return run();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await run();
    const used = process.cpuUsage(cpu);
    // String literals can hold identifier values (blocklists): never logged.
    const shape = sql.replace(/'(?:[^']|'')*'/g, "'?'").replace(/\s+/g, ' ').slice(0, 160);
    logger.debug({ ms: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000), sql: shape }, 'identity sql');
    return result;
  }

  /**
   * (Re)creates `target` as the result of `select`: one `CREATE OR REPLACE TABLE` where the
   * engine has it, else (Postgres) a DROP and a plain CREATE (its atomic replace takes three
   * statements, and scratch tables need no atomicity).
   */
  async create(target: RelationRef, select: string): Promise<void> {
    const replace = this.d.createOrReplaceTableAs(target, select);
    if (replace.length === 1) {
      await this.exec(replace[0]!);
    } else {
      await this.drop(target);
      await this.exec(this.d.createTableAs(target, select));
    }
    if (target.temporary) this.temporary.set(target.name, target);
    const analyze = this.d.analyzeTable(target);
    if (analyze) await this.exec(analyze);
  }

  /**
   * Replaces `target` with the dialect's own replace (atomic where the engine can, keeping views
   * over it on Postgres), then refreshes its statistics: for outputs and state, where `create`'s
   * drop + create would not do.
   */
  async replace(target: RelationRef, select: string): Promise<void> {
    for (const statement of this.d.createOrReplaceTableAs(target, select)) await this.exec(statement);
    const analyze = this.d.analyzeTable(target);
    if (analyze) await this.exec(analyze);
  }

  async drop(target: RelationRef): Promise<void> {
    await this.exec(`DROP TABLE IF EXISTS ${this.rel(target)}`);
    if (target.temporary) this.temporary.delete(target.name);
  }

  /** Renames a table inside its schema (a temporary one stays temporary). */
  async rename(from: RelationRef, toName: string): Promise<void> {
    await this.exec(this.d.renameTable(from, toName));
    if (from.temporary && this.temporary.delete(from.name)) this.temporary.set(toName, { ...from, name: toName });
  }

  /**
   * Drops every temporary table this runner made but `keep`: what the rest of a build no longer
   * reads goes before it runs, so the engine's memory holds what the next statements need (a
   * temporary table lives in DuckDB's buffer pool until it is dropped).
   */
  async dropTemporaryExcept(keep: readonly RelationRef[]): Promise<void> {
    const kept = new Set(keep.map((ref) => ref.name));
    for (const ref of [...this.temporary.values()]) if (!kept.has(ref.name)) await this.drop(ref);
  }

  async count(target: RelationRef | string, where = ''): Promise<number> {
    const from = typeof target === 'string' ? `(${target}) x` : this.rel(target);
    const rows = await this.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${from}${where ? ` WHERE ${where}` : ''}`);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * A temporary table is the session's own, which the catalog (other connections) cannot see: one
   * this runner made exists without asking (on every engine alike, so the statements sent do not
   * depend on the engine); any other table is the catalog's question.
   */
  async exists(target: RelationRef): Promise<boolean> {
    if (target.temporary && this.temporary.has(target.name)) return true;
    return this.catalog.relationExists(target);
  }

  async columns(target: RelationRef): Promise<ColumnInfo[]> {
    return this.catalog.listColumns(target);
  }

  /** Whether `target` is a table or a view (null: neither), as the catalog sees it. */
  async relationKind(target: RelationRef): Promise<'table' | 'view' | null> {
    const found = (await this.catalog.listRelations(target.schema)).find((r) => r.name.toLowerCase() === target.name.toLowerCase());
    return found?.kind ?? null;
  }

  async tablesIn(schema: string): Promise<string[]> {
    return (await this.catalog.listRelations(schema)).map((r) => r.name);
  }
}

/** DELETE the rows of `target` that have a match in `keys` on `columns` (the target referred to by its own name: no alias, valid everywhere). */
export function deleteMatching(sql: SqlRunner, target: RelationRef, keys: string, columns: string[]): string {
  const self = sql.q(target.name);
  const on = columns.map((c) => `k.${sql.q(c)} = ${self}.${sql.q(c)}`).join(' AND ');
  return `DELETE FROM ${sql.rel(target)} WHERE EXISTS (SELECT 1 FROM ${keys} k WHERE ${on})`;
}
