/** Postgres errors as CdpErrors: the engine's message, where it points, and what to do. */
import { CdpError } from '../../errors.js';
import { HELPER_SCHEMA } from './postgres-helpers.js';

/** pg's error fields we report (pg-protocol's DatabaseError). */
interface PgErrorFields {
  message: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  /** Context, e.g. `COPY t, line 2, column v: "x"`. */
  where?: string;
}

export function isPgError(error: unknown): error is Error & PgErrorFields {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** `LINE n: <text>` and a caret under the position, the way DuckDB and psql report it. */
function pointAt(sql: string, position: number): string {
  const before = sql.slice(0, position - 1);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = sql.indexOf('\n', lineStart);
  const text = sql.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
  const prefix = `LINE ${line}: `;
  return `\n\n${prefix}${text}\n${' '.repeat(prefix.length + position - 1 - lineStart)}^`;
}

export function wrapError(error: unknown, sql: string): CdpError {
  if (error instanceof CdpError) return error;
  const running = `while running: ${sql.replace(/\s+/g, ' ').trim().slice(0, 200)}`;
  if (!isPgError(error)) {
    return new CdpError('WAREHOUSE', error instanceof Error ? error.message : String(error), { cause: error, hint: running });
  }
  let message = error.message;
  const position = Number(error.position);
  if (Number.isInteger(position) && position > 0 && position <= sql.length + 1) message += pointAt(sql, position);
  if (error.detail) message += `\nDETAIL: ${error.detail}`;
  // Which row and column a COPY failed on; not the value itself, which may be personal data.
  if (error.where?.startsWith('COPY ')) message += `\nCONTEXT: ${error.where.split('\n')[0]!.replace(/: .*$/, '')}`;
  let hint = error.hint ? `${error.hint}; ${running}` : running;
  // undefined_function / invalid_schema_name on our helpers: they were never installed here.
  if ((error.code === '42883' || error.code === '3F000') && error.message.includes(HELPER_SCHEMA)) {
    hint = `the cdp helper functions are missing: open the warehouse once as a role allowed to CREATE in this database (see docs/postgres.md); ${running}`;
  }
  return new CdpError('WAREHOUSE', message, { cause: error, hint });
}
