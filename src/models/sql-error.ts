import { CdpError, isCdpError } from '../errors.js';
import { mapRenderedLine } from './line-map.js';
import type { Model } from './types.js';

/**
 * Turns an engine error raised by one of a model's statements into a MODEL_SQL error at the
 * model file's line. The engine reports a line (DuckDB: `LINE n:`) or a character position
 * (Postgres: `position`) in the statement; the statement embeds the rendered SELECT, which maps
 * back to the template line. When nothing maps, the first line of the SQL body is used.
 */
export function modelSqlError(model: Model, statement: string, body: string, error: unknown): CdpError {
  const message = engineMessage(error);
  const statementLine = reportedLine(error, statement);
  let line = model.bodyLine;
  const at = statement.indexOf(body);
  if (statementLine !== undefined && at >= 0) {
    const bodyLine = statementLine - countNewlines(statement.slice(0, at));
    const bodyLines = countNewlines(body) + 1;
    if (bodyLine >= 1 && bodyLine <= bodyLines) line = mapRenderedLine(model.template, body, bodyLine);
  }
  return new CdpError('MODEL_SQL', `model ${model.name} failed: ${message}`, {
    location: { file: model.file, line },
    hint: dependentViewHint(error) ?? 'fix the SQL of the model; the relation in the warehouse was left as it was',
    cause: error,
  });
}

/**
 * The engine's hint when the model built but a view over its relation no longer works with it
 * (Postgres, SQLSTATE 2BP01 from cdp_replace_relation): the view is what needs changing.
 */
function dependentViewHint(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const { code, hint } = current as { code?: unknown; hint?: unknown };
    if (code === '2BP01' && typeof hint === 'string' && hint) return hint;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The engine's own message, without the echoed SQL and caret lines that follow `LINE n:`. */
function engineMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cut = message.search(/\n\s*LINE \d+:/);
  return (cut >= 0 ? message.slice(0, cut) : message).replace(/\s+/g, ' ').trim();
}

/** The 1-based statement line an engine error points at, if it says. */
function reportedLine(error: unknown, statement: string): number | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : '';
    const lineMatch = /\bLINE (\d+):/.exec(message);
    if (lineMatch) return Number(lineMatch[1]);
    const position = Number((current as { position?: unknown }).position);
    if (Number.isInteger(position) && position > 0) return countNewlines(statement.slice(0, position - 1)) + 1;
    current = isCdpError(current) || current instanceof Error ? (current as Error).cause : undefined;
  }
  return undefined;
}
