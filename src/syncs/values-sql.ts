import type { DestinationField, FieldCatalog, ValueFormat } from '../destinations/index.js';
import { CdpError } from '../errors.js';
import { dropReasonSql, type BlocklistSql } from '../identity/junk.js';
import { normalizeQuery } from '../identity/normalize.js';
import { PHONE_REGIONS } from '../identity/phone.js';
import type { IdTypePlan } from '../identity/plan.js';
import type { ColumnInfo, Dialect } from '../warehouse/index.js';

/**
 * Values shaped for the destination, set-based in the warehouse while the plan is built:
 * - email and phone fields of the destination's catalogue are normalised and junk-checked with
 *   identity's own SQL (src/identity/normalize.ts, junk.ts): trimmed and lower-cased addresses,
 *   E.164 numbers. A value that is junk ('na@na.com') or invalid is not sent: the field goes out
 *   empty, and a row left with none of its identifier fields is rejected with the reason, stored
 *   as a row error and never sent;
 * - timestamps become ISO 8601 text in UTC (`2026-06-15T03:19:44.000Z`);
 * - dates and timestamps go in the format the field wants (`date` YYYY-MM-DD, `datetime`,
 *   `month_day` MM/DD): the sync's `{ column, as }`, else the catalogue field's `format`, else
 *   `date` for catalogue fields typed date;
 * - floating-point numbers are rounded to 6 decimal places (450.09000000000003 -> 450.09);
 *   decimals go as they are (exact, at their column's scale); booleans and dates stay typed.
 */

/** A mapped value column of the plan. */
export interface ValueColumn {
  /** Its name in the plan (f_0, f_1, ...). */
  name: string;
  /** The destination field. */
  field: string;
  column: ColumnInfo;
}

/** What shapes a sync's values: the destination's field catalogue and the project's identity rules. */
export interface ValueShaping {
  catalog: FieldCatalog | undefined;
  /** Formats the sync asks for per destination field (`{ column, as }` in its file). */
  formats?: Record<string, ValueFormat>;
  /**
   * The identity rules identifier fields are cleaned by; without identity in the project,
   * identifiers go as the model has them (the destination applies its own checks).
   */
  identity?: {
    /** Region of national phone numbers (the destination's default_phone_region, else identity's). */
    defaultPhoneRegion: string | null;
    /** The identity blocklist per kind (email, phone). */
    blocklist: Partial<Record<'email' | 'phone', BlocklistSql>>;
    /** Apply the built-in junk rules (identity.replaceDefaultBlocklist false). */
    useDefaults: boolean;
  };
}

/** A column that keeps a subquery from being inlined into the query around it (window functions are never pulled up). */
const BARRIER = 'ROW_NUMBER() OVER () AS barrier';

const NO_BLOCKLIST: BlocklistSql = { exactNormalized: [], exactRaw: [], regexes: [] };
/** Digits kept after the point for floating-point columns, which have no scale of their own. */
const FLOAT_DECIMALS = 6;

function catalogField(shaping: ValueShaping, field: string): DestinationField | undefined {
  return shaping.catalog?.known.find((f) => f.name === field);
}

/** The identifier normalisation a destination field gets, if any. */
function identifierKind(shaping: ValueShaping, field: string): 'email' | 'phone' | undefined {
  if (!shaping.identity) return undefined;
  const type = catalogField(shaping, field)?.type;
  return type === 'email' || type === 'phone' ? type : undefined;
}

/** The format a field's date/timestamp values are written in, if it has one. */
export function fieldFormat(shaping: ValueShaping, field: string): ValueFormat | undefined {
  const known = catalogField(shaping, field);
  return shaping.formats?.[field] ?? known?.format ?? (known?.type === 'date' ? 'date' : undefined);
}

/** `text` (ISO 8601: YYYY-MM-DD...) as the format wants it; SUBSTR and || mean the same on every engine. */
function formattedSql(text: string, format: ValueFormat, isDate: boolean): string {
  if (format === 'date') return isDate ? text : `SUBSTR(${text}, 1, 10)`;
  if (format === 'month_day') return `SUBSTR(${text}, 6, 2) || '/' || SUBSTR(${text}, 9, 2)`;
  return isDate ? `${text} || 'T00:00:00.000Z'` : text;
}

/** The expression a plain (non-identifier) value column is sent as. */
export function shapedValueSql(d: Dialect, expr: string, column: ColumnInfo, format?: ValueFormat): string {
  if (format && column.kind === 'timestamp') return formattedSql(d.isoUtcText(expr, column.type), format, false);
  if (format && column.kind === 'date') return formattedSql(d.cast(expr, 'string'), format, true);
  if (column.kind === 'timestamp') return d.isoUtcText(expr, column.type);
  // Decimals are exact at their column's scale already; floating-point columns have no scale.
  if (column.kind !== 'number' || /^(DECIMAL|NUMERIC|NUMBER|BIGNUMERIC|BIGDECIMAL)/.test(column.type.toUpperCase())) return expr;
  return d.roundFloat(expr, FLOAT_DECIMALS);
}

function idType(kind: 'email' | 'phone', region: string | null): IdTypePlan {
  return { name: kind, tier: 0, priority: 0, maxPerProfile: null, normalize: kind, defaultRegion: kind === 'phone' ? region : null };
}

const REASONS: Record<'email' | 'phone', { junk: string; invalid: string }> = {
  email: { junk: 'a placeholder address (junk), not sent', invalid: 'not an email address' },
  phone: { junk: 'a placeholder number (junk), not sent', invalid: 'not a valid phone number (write it with its country code)' },
};

/**
 * Wraps `base` (a SELECT of sync_key and the value columns) into a SELECT of the same columns,
 * shaped for the destination, plus `reject_reason` (NULL for rows to send).
 */
export function shapedRowsSql(d: Dialect, base: string, columns: readonly ValueColumn[], shaping: ValueShaping): string {
  const q = (name: string) => d.quoteIdent(name);
  const rules = shaping.identity;
  const wanted = rules?.defaultPhoneRegion ?? null;
  const region = wanted && PHONE_REGIONS[wanted] ? wanted : null;
  const names = ['sync_key', ...columns.map((c) => c.name)];
  let sql = `SELECT b.*, ${d.cast('NULL', 'string')} AS why FROM (${base}) b`;
  const identifiers = columns.filter((c) => identifierKind(shaping, c.field) !== undefined);
  for (const c of identifiers) {
    const kind = identifierKind(shaping, c.field)!;
    const type = idType(kind, region);
    const normalized = normalizeQuery(d, type, `SELECT w.*, ${d.cast(`w.${q(c.name)}`, 'string')} AS raw FROM (${sql}) w`);
    const drop = dropReasonSql(d, type, 'n.raw', 'n.norm', rules?.blocklist[kind] ?? NO_BLOCKLIST, rules?.useDefaults ?? true);
    // Computed once per row behind a barrier: engines that inline subqueries (Postgres) would
    // otherwise copy the normalisation into every reference, and the copies multiply per field.
    const checked = `SELECT ${[...names, 'why', 'raw', 'norm'].map((n) => `n.${q(n)}`).join(', ')}, ${drop} AS dropped, ${BARRIER} FROM (${normalized}) n`;
    const reason =
      `CASE z.dropped WHEN 'junk' THEN ${d.literal(`${c.field}: ${REASONS[kind].junk}`)} ` +
      `WHEN 'blocklist' THEN ${d.literal(`${c.field}: on the identity blocklist, not sent`)} ELSE ${d.literal(`${c.field}: ${REASONS[kind].invalid}`)} END`;
    const cols = names.map((n) => (n === c.name ? `CASE WHEN z.dropped IS NULL THEN z.norm END AS ${q(n)}` : `z.${q(n)}`));
    sql = `SELECT ${cols.join(', ')}, COALESCE(z.why, CASE WHEN z.raw IS NOT NULL AND z.dropped IS NOT NULL THEN ${reason} END) AS why FROM (${checked}) z`;
  }
  // Rejected: a value was dropped and no identifier field is left to match the person by.
  const allIdentifiers = columns.filter((c) => catalogField(shaping, c.field)?.identifier);
  const noneLeft = allIdentifiers.length ? allIdentifiers.map((c) => `s.${q(c.name)} IS NULL`).join(' AND ') : 'FALSE';
  for (const c of columns) checkAskedFormat(shaping.formats?.[c.field], c.field, c.column);
  const values = columns.map(
    (c) => `${identifierKind(shaping, c.field) ? `s.${q(c.name)}` : shapedValueSql(d, `s.${q(c.name)}`, c.column, fieldFormat(shaping, c.field))} AS ${q(c.name)}`,
  );
  return `SELECT s.sync_key, ${values.join(', ')}, CASE WHEN s.why IS NOT NULL AND ${noneLeft} THEN s.why END AS reject_reason FROM (${sql}) s`;
}

/** A format the sync asked for on a column that is neither a date nor a timestamp cannot be honoured: say so. */
export function checkAskedFormat(asked: ValueFormat | undefined, field: string, column: ColumnInfo): void {
  if (!asked || column.kind === 'date' || column.kind === 'timestamp') return;
  throw new CdpError('SYNC_INVALID', `field ${field}: "as: ${asked}" needs a date or timestamp column, and ${column.name} is ${column.type}`, {
    location: { path: `fields.${field}` },
    hint: `cast ${column.name} to a date or timestamp in the model, or map the column without "as"`,
  });
}
