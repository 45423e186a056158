import { format } from 'sql-formatter';
import type { Dialect } from './dialects/index.js';

/**
 * SQL for a person to read ("Show SQL", `cdp compile`, plans): laid out by sql-formatter in the
 * engine's own dialect (`Dialect.formatterLanguage`). Only whitespace changes (keywords keep their
 * case, literals and identifiers are untouched); what runs is always the unformatted text, the one
 * the SQL checks parse. SQL the formatter cannot read is shown as it is rather than refused.
 */
export function readableSql(sql: string, dialect: Pick<Dialect, 'formatterLanguage'>): string {
  try {
    return format(sql, { language: dialect.formatterLanguage, tabWidth: 2, linesBetweenQueries: 1 });
  } catch {
    return sql;
  }
}
