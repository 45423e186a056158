/**
 * Puts ephemeral models' SELECTs in front of a model's SQL as CTEs, the way dbt does: into the
 * model's own WITH clause when it has one, otherwise as a new WITH. Leading comments stay first.
 */
export function injectCtes(sql: string, ctes: ReadonlyArray<{ name: string; sql: string }>): string {
  const definitions = ctes.map((cte) => `${cte.name} as (\n${cte.sql}\n)`).join(',\n');
  const lead = /^(\s*(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)?)*/.exec(sql)![0];
  const rest = sql.slice(lead.length);
  const withClause = /^with(\s+recursive)?\s+/i.exec(rest);
  if (withClause) return `${lead}${withClause[0]}${definitions},\n${rest.slice(withClause[0].length)}`;
  return `${lead}with ${definitions}\n${rest}`;
}
