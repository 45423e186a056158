/**
 * Runs a recorded statement sequence through an engine's checker and reports each failure with
 * the generator step that produced it.
 */
import type { BigQueryCatalog } from './bigquery-catalog.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { checkSnowflake } from './snowflake.js';
import type { ZetaSqlServer } from './zetasql.js';

export interface CheckFailure {
  index: number;
  error: string;
  sql: string;
}

export interface CheckReport {
  checked: number;
  failures: CheckFailure[];
}

/** Statements our adapters answer without SQL on that engine (catalog reads), skipped by the checkers. */
const NOT_SQL = /^\s*(BEGIN|COMMIT|ROLLBACK)\b/i;

/** Checks statements in order; the catalog follows each CREATE/DROP/RENAME that analyzed cleanly. */
export async function checkBigQuery(zeta: ZetaSqlServer, catalog: BigQueryCatalog, statements: readonly RecordedStatement[]): Promise<CheckReport> {
  const failures: CheckFailure[] = [];
  let checked = 0;
  for (const [index, { sql }] of statements.entries()) {
    if (NOT_SQL.test(sql)) continue;
    checked++;
    const analysis = await zeta.analyze(sql, catalog);
    if (analysis.ok) catalog.apply(analysis);
    else {
      failures.push({ index, error: analysis.error, sql });
      // Carry on as if it had worked, so one failure is reported once, not again by every reader.
      if (statements[index]!.created) catalog.addCreated(statements[index]!.created!);
    }
  }
  return { checked, failures };
}

export async function checkSnowflakeAll(statements: readonly RecordedStatement[]): Promise<CheckReport> {
  const failures: CheckFailure[] = [];
  let checked = 0;
  for (const [index, { sql }] of statements.entries()) {
    if (NOT_SQL.test(sql)) continue;
    checked++;
    const result = await checkSnowflake(sql);
    if (!result.ok) failures.push({ index, error: result.error, sql });
  }
  return { checked, failures };
}

/** One line per failure, with the start of the statement: what a test failure message shows. */
export function describeFailures(report: CheckReport, width = 400): string[] {
  return report.failures.map((f) => `#${f.index}: ${f.error}\n    ${f.sql.replace(/\s+/g, ' ').slice(0, width)}`);
}
