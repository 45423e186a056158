import type { ComparisonConfig, ComparisonLevelConfig } from '../../config/index.js';
import type { Dialect } from '../../warehouse/index.js';
import { canonicalName } from './nicknames.js';

/** Gamma value of the null level (either side missing): contributes nothing to the match weight. */
export const NULL_LEVEL = -1;
/** Gamma value of the "else" level (no listed level holds). */
export const ELSE_LEVEL = 0;

export interface LevelPlan {
  /** Gamma value: listed levels get n..1 (most similar = n), else 0, null -1. */
  gamma: number;
  label: string;
  exact: boolean;
}

export interface FieldPlan {
  name: string;
  /** Column of the pairs table holding this field's gamma. */
  gammaColumn: string;
  levels: LevelPlan[];
  termFrequency: boolean;
  /** Share of the term-frequency adjustment the non-exact levels get (0 unless `termFrequency`). */
  fuzzyTermFrequency: number;
  config: ComparisonConfig;
}

export function planField(name: string, input: Omit<ComparisonConfig, 'fuzzyTermFrequency'> & { fuzzyTermFrequency?: number }): FieldPlan {
  const config: ComparisonConfig = { ...input, fuzzyTermFrequency: input.fuzzyTermFrequency ?? 0 };
  const n = config.levels.length;
  const levels: LevelPlan[] = [{ gamma: NULL_LEVEL, label: 'null', exact: false }];
  config.levels.forEach((level, i) => levels.push({ gamma: n - i, label: levelLabel(level), exact: 'exact' in level }));
  levels.push({ gamma: ELSE_LEVEL, label: 'else', exact: false });
  const fuzzyTermFrequency = config.termFrequency ? config.fuzzyTermFrequency : 0;
  return { name, gammaColumn: `g_${name}`, levels, termFrequency: config.termFrequency, fuzzyTermFrequency, config };
}

export function levelLabel(level: ComparisonLevelConfig): string {
  if ('exact' in level) return 'exact';
  if ('jaroWinkler' in level) return `jaro_winkler >= ${level.jaroWinkler}`;
  if ('levenshtein' in level) return `levenshtein <= ${level.levenshtein}`;
  if ('numericWithin' in level) return `within ${level.numericWithin}`;
  if ('prefix' in level) return `first ${level.prefix} character(s)`;
  if ('nickname' in level) return 'nickname';
  if ('initial' in level) return 'initial';
  if ('swappedWith' in level) return `swapped with ${level.swappedWith}`;
  if ('wordOverlap' in level) return `word overlap >= ${level.wordOverlap}`;
  return `within ${level.withinDays} day(s)`;
}

/** Fields a comparison reads besides its own (a swapped-name level reads the other name field). */
export function crossFields(config: ComparisonConfig): string[] {
  return config.levels.flatMap((level) => ('swappedWith' in level ? [level.swappedWith] : []));
}

/** The SQL condition of one level comparing field `name` of the records aliased `la` and `ra` (both values non-null). */
function levelCondition(d: Dialect, level: ComparisonLevelConfig, name: string, la: string, ra: string): string {
  const l = `${la}.${d.quoteIdent(name)}`;
  const r = `${ra}.${d.quoteIdent(name)}`;
  if ('exact' in level) return `${l} = ${r}`;
  if ('jaroWinkler' in level) return `${d.jaroWinkler(l, r)} >= ${d.literal(level.jaroWinkler)}`;
  if ('levenshtein' in level) return `${d.levenshtein(l, r)} <= ${level.levenshtein}`;
  if ('numericWithin' in level) return `ABS(${d.tryCast(l, 'number')} - ${d.tryCast(r, 'number')}) <= ${d.literal(level.numericWithin)}`;
  if ('prefix' in level) return `SUBSTR(${l}, 1, ${level.prefix}) = SUBSTR(${r}, 1, ${level.prefix})`;
  if ('nickname' in level) return `${canonicalName(d, l)} = ${canonicalName(d, r)}`;
  if ('initial' in level) return `((LENGTH(${l}) = 1 AND ${l} = SUBSTR(${r}, 1, 1)) OR (LENGTH(${r}) = 1 AND ${r} = SUBSTR(${l}, 1, 1)))`;
  if ('swappedWith' in level) {
    const other = d.quoteIdent(level.swappedWith);
    return `(${l} = ${ra}.${other} AND ${r} = ${la}.${other})`;
  }
  if ('wordOverlap' in level) return `${d.tokenJaccard(l, r)} >= ${d.literal(level.wordOverlap)}`;
  const diff = d.dateDiff('day', d.tryCast(l, 'timestamp'), d.tryCast(r, 'timestamp'));
  return `ABS(${diff}) <= ${level.withinDays}`;
}

/** `CASE ... END AS g_<field>`: the comparison vector element of one field for the pair (l, r). */
export function gammaSql(d: Dialect, field: FieldPlan, leftAlias: string, rightAlias: string): string {
  const l = `${leftAlias}.${d.quoteIdent(field.name)}`;
  const r = `${rightAlias}.${d.quoteIdent(field.name)}`;
  const n = field.config.levels.length;
  const whens = field.config.levels.map((level, i) => `WHEN ${levelCondition(d, level, field.name, leftAlias, rightAlias)} THEN ${n - i}`).join(' ');
  return `CASE WHEN ${l} IS NULL OR ${r} IS NULL THEN ${NULL_LEVEL} ${whens} ELSE ${ELSE_LEVEL} END AS ${d.quoteIdent(field.gammaColumn)}`;
}

/** A float literal typed as a double (DuckDB would read `0.9` as a DECIMAL and lose precision in products). */
export function num(d: Dialect, value: number): string {
  return `CAST(${d.literal(value)} AS ${d.typeName('number')})`;
}
