import type { ProbabilisticConfig } from '../../config/index.js';
import type { Dialect } from '../../warehouse/index.js';
import type { IdentityPlan } from '../plan.js';

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A field's value: a column, or a SQL expression over the source row; lower-cased, trimmed, '' as NULL. */
export function fieldSql(d: Dialect, expr: string): string {
  const value = COLUMN.test(expr) ? `s.${d.quoteIdent(expr)}` : `(${expr})`;
  return `NULLIF(LOWER(TRIM(${d.cast(value, 'string')})), '')`;
}

/** The participating sources' rows: (source, record_key, <fields>), one SELECT per source, UNION ALL. */
export function participatingSelect(d: Dialect, plan: IdentityPlan, config: ProbabilisticConfig, fields: string[]): string {
  return Object.entries(config.sources)
    .map(([name, source]) => {
      const s = plan.sources.find((x) => x.name === name)!;
      return (
        `SELECT ${d.literal(name)} AS source, ${d.cast(`s.${d.quoteIdent(s.key)}`, 'string')} AS record_key, ` +
        `${fields.map((f) => `${fieldSql(d, source.fields[f]!)} AS ${d.quoteIdent(f)}`).join(', ')} FROM ${d.relation(s.relation)} s`
      );
    })
    .join(' UNION ALL ');
}
