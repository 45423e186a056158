import { CdpError } from '../errors.js';
import type { Dialect, RelationRef, Row, Warehouse } from '../warehouse/index.js';
import { RelationValue } from './relation-value.js';
import { TemplateFailure } from './template.js';

/**
 * Warehouse round trips while a template renders: `run_query()`, `{% call statement() %}` +
 * `load_result()`, `adapter.get_relation()` / `load_relation()`.
 *
 * nunjucks renders synchronously, and a warehouse answers asynchronously, so a render that asks
 * the warehouse something it has not been told yet gets a placeholder (an empty table, None) and
 * the question is remembered. `renderWithRoundTrips` then asks the warehouse every remembered
 * question, in the order the template asked them, and renders again with the answers, until a
 * render asks nothing new: the output is the one of a render that had every answer, as dbt's is.
 * Each distinct statement runs once per node (answers are kept by their SQL text for that node's
 * renders), so a `statement` with side effects is not repeated by the re-renders. Log lines of a render that
 * was re-done are dropped, so each is printed once.
 */
export class WarehouseRoundTrips {
  private warehouse: Warehouse | null = null;
  private readonly answers = new Map<string, unknown>();
  private readonly pending = new Map<string, (warehouse: Warehouse) => Promise<unknown>>();
  private readonly named = new Map<string, StatementResult>();
  private logs: string[] | null = null;

  constructor(private readonly onLog?: (message: string) => void) {}

  /** Lets templates ask `warehouse` (builds and compiles for the project's own warehouse). */
  attach(warehouse: Warehouse): void {
    this.warehouse = warehouse;
  }

  log(message: string): void {
    if (this.logs) this.logs.push(message);
    else this.onLog?.(message);
  }

  /** `run_query(sql)`: the result as an agate-like table. */
  runQuery(sql: string): AgateTable {
    return this.ask(`query:${sql}`, 'run_query()', async (w) => fetchTable(w, sql), agateTable([], []));
  }

  /** `{% call statement(name, fetch_result) %}sql{% endcall %}`: runs the SQL, keeps the result under `name`. */
  statement(name: string, sql: string, fetchResult: boolean): string {
    const result = this.ask(`statement:${fetchResult}:${sql}`, '{% call statement() %}', async (w) => runStatement(w, sql, fetchResult), null);
    if (result) this.named.set(name, result);
    return '';
  }

  /** `load_result(name)`: what the named statement returned (None before it ran). */
  loadResult(name: string): StatementResult | null {
    return this.named.get(name) ?? null;
  }

  /** `adapter.get_relation(database, schema, identifier)`: the relation if it exists, else None. */
  getRelation(relation: RelationRef, dialect: Dialect): RelationValue | null {
    const exists = this.ask(`relation:${relation.schema}.${relation.name}`, 'adapter.get_relation()', (w) => w.relationExists(relation), false);
    return exists ? new RelationValue(relation, dialect) : null;
  }

  private ask<T>(key: string, what: string, fetch: (warehouse: Warehouse) => Promise<T>, placeholder: T): T {
    if (this.answers.has(key)) return this.answers.get(key) as T;
    if (!this.logs) {
      // Outside render() nothing would ask the warehouse and render again: a placeholder would be a silently wrong answer.
      throw new TemplateFailure('MODEL_PARSE', `${what} is not supported in this kind of node`, 'use it in models, snapshots, hooks and unit-tested models; compute the value in SQL here');
    }
    if (!this.warehouse) {
      throw new TemplateFailure('MODEL_PARSE', `${what} needs the warehouse, and none is open for this render`, "compile for the project's own warehouse (without --dialect), or compute the value in SQL instead");
    }
    if (!this.pending.has(key)) this.pending.set(key, fetch);
    return placeholder;
  }

  /** Renders until no render asks the warehouse anything new (see the class comment). */
  async render<T>(render: () => T | Promise<T>): Promise<T> {
    // Answers hold for one node's render: the next node may read what this one built.
    this.answers.clear();
    this.named.clear();
    for (let round = 1; ; round++) {
      this.logs = [];
      let output: T | undefined;
      let failure: unknown;
      let failed = false;
      try {
        output = await render();
      } catch (error) {
        failure = error;
        failed = true;
      }
      const logs = this.logs;
      this.logs = null;
      if (this.pending.size === 0) {
        for (const line of logs) this.onLog?.(line);
        if (failed) throw failure;
        return output as T;
      }
      if (round >= MAX_ROUNDS) {
        throw new CdpError('MODEL_PARSE', `a template kept asking the warehouse new questions after ${MAX_ROUNDS} renders`, {
          hint: 'each run_query()/statement must depend on at most a few earlier answers; compute long chains in one SQL statement',
        });
      }
      const asked = [...this.pending];
      this.pending.clear();
      for (const [key, fetch] of asked) this.answers.set(key, await fetch(this.warehouse!));
    }
  }
}

const MAX_ROUNDS = 25;

/** Renders with warehouse round trips when the environment has them, else renders once. */
export async function renderWithRoundTrips<T>(trips: WarehouseRoundTrips | undefined, render: () => T | Promise<T>): Promise<T> {
  return trips ? trips.render(render) : render();
}

/**
 * An agate.Table as dbt templates use it: iterable rows (by index or column name), `rows`,
 * `columns` (each with `name` and `values()`), `column_names`, `len()`/`|length`.
 */
export type AgateTable = Array<AgateRow> & { rows: AgateRow[]; columns: AgateColumn[]; column_names: string[]; print_table(): string };
type AgateRow = unknown[] & Record<string, unknown>;

/**
 * A column: `name` and `values()`. Its own tag keeps nunjucks' Jinja layer from reading
 * `.values()` as a dict's values() (it does so for every plain object).
 */
class AgateColumn {
  constructor(
    readonly name: string,
    private readonly cells: unknown[],
  ) {}
  values(): unknown[] {
    return this.cells;
  }
  get [Symbol.toStringTag](): string {
    return 'AgateColumn';
  }
}

export function agateTable(names: string[], rows: unknown[][]): AgateTable {
  const asRows = rows.map((values) => Object.assign([...values], Object.fromEntries(names.map((name, i) => [name, values[i]]))) as AgateRow);
  return Object.assign([...asRows], {
    rows: asRows,
    columns: names.map((name, i) => new AgateColumn(name, rows.map((row) => row[i]))),
    column_names: names,
    print_table: () => '',
  }) as AgateTable;
}

export interface StatementResult {
  /** Rows as lists, as `load_result(name)['data']`. */
  data: unknown[][];
  table: AgateTable;
  response: { code: string; rows_affected: number | null };
}

async function fetchTable(warehouse: Warehouse, sql: string): Promise<AgateTable> {
  const rows = await warehouse.query<Row>(sql);
  const names = rows.length ? Object.keys(rows[0]!) : [];
  return agateTable(
    names,
    rows.map((row) => names.map((name) => row[name])),
  );
}

async function runStatement(warehouse: Warehouse, sql: string, fetchResult: boolean): Promise<StatementResult> {
  if (fetchResult) {
    const table = await fetchTable(warehouse, sql);
    return { data: table.rows.map((row) => [...row]), table, response: { code: 'SUCCESS', rows_affected: table.length } };
  }
  const affected = await warehouse.execute(sql);
  const count = typeof affected === 'number' ? affected : null;
  return { data: [], table: agateTable([], []), response: { code: 'SUCCESS', rows_affected: count } };
}
