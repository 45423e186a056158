import type { Warehouse } from '../../warehouse/index.js';
import { CURVE_TABLE, LINKS_TABLE, PARAMS_TABLE, PRIOR_FIELD, TRAINING_TABLE } from './store.js';

export interface StoredLevel {
  field: string;
  gamma: number;
  label: string;
  m: number;
  u: number;
  matchWeight: number;
}

export interface StoredModel {
  trainedAt: Date;
  prior: number;
  priorSource: string;
  levels: StoredLevel[];
  /** EM sessions (one per training rule; rule '' = all blocked pairs, for comparisons no rule left free). */
  sessions: Array<{ rule: string; pairs: number; estimated: string; iterations: number; converged: boolean; matchShare: number }>;
  /** Precision/recall curves by threshold: `model` (expected), `labels` (measured) when labels were given. */
  curves: Array<{ curve: string; weight: number; probability: number; precision: number; recall: number; f1: number; suggested: boolean }>;
}

export interface StoredLink {
  other: { source: string; recordKey: string };
  matchWeight: number;
  matchProbability: number;
  linked: boolean;
  /** Field by field: the level the pair reached and what it added to the match weight (term-frequency adjustments not included). */
  fields: Array<{ field: string; level: string; weight: number }>;
}

/** The latest trained model, or null when none was trained. */
export async function readModel(wh: Warehouse, schema: string): Promise<StoredModel | null> {
  const d = wh.dialect;
  const ref = { schema, name: PARAMS_TABLE };
  if (!(await wh.relationExists(ref))) return null;
  const rows = await wh.query<{ trained_at: Date; field: string; gamma: number; label: string; m: number; u: number; match_weight: number }>(
    `SELECT trained_at, field, gamma, label, m, u, match_weight FROM ${d.relation(ref)}
     WHERE trained_at = (SELECT MAX(trained_at) FROM ${d.relation(ref)}) ORDER BY field, gamma DESC`,
  );
  const prior = rows.find((r) => r.field === PRIOR_FIELD);
  if (!prior) return null;
  const at = (table: string) => `SELECT * FROM ${d.relation({ schema, name: table })} WHERE trained_at = (SELECT MAX(trained_at) FROM ${d.relation(ref)})`;
  const sessions = (await wh.relationExists({ schema, name: TRAINING_TABLE })) ? await wh.query(at(TRAINING_TABLE)) : [];
  const curves = (await wh.relationExists({ schema, name: CURVE_TABLE })) ? await wh.query(`${at(CURVE_TABLE)} ORDER BY curve, match_weight`) : [];
  return {
    sessions: sessions.map((r) => ({
      rule: String(r.rule_fields),
      pairs: Number(r.pairs),
      estimated: String(r.estimated),
      iterations: Number(r.iterations),
      converged: Number(r.converged) === 1,
      matchShare: Number(r.match_share),
    })),
    curves: curves.map((r) => ({
      curve: String(r.curve),
      weight: Number(r.match_weight),
      probability: Number(r.match_probability),
      precision: Number(r.precision_est),
      recall: Number(r.recall_est),
      f1: Number(r.f1),
      suggested: Number(r.suggested) === 1,
    })),
    trainedAt: new Date(prior.trained_at),
    prior: Number(prior.m),
    priorSource: prior.label,
    levels: rows
      .filter((r) => r.field !== PRIOR_FIELD)
      .map((r) => ({ field: r.field, gamma: Number(r.gamma), label: r.label, m: Number(r.m), u: Number(r.u), matchWeight: Number(r.match_weight) })),
  };
}

/** The probabilistic links (at or above the threshold) of one record, with field-by-field weights. */
export async function readLinks(wh: Warehouse, schema: string, source: string, recordKey: string): Promise<StoredLink[]> {
  const d = wh.dialect;
  const ref = { schema, name: LINKS_TABLE };
  const model = await readModel(wh, schema);
  if (!model || !(await wh.relationExists(ref))) return [];
  const rows = await wh.query(
    `SELECT * FROM ${d.relation(ref)} WHERE (source_l = ${d.literal(source)} AND record_key_l = ${d.literal(recordKey)})
        OR (source_r = ${d.literal(source)} AND record_key_r = ${d.literal(recordKey)}) ORDER BY match_weight DESC`,
  );
  const fields = [...new Set(model.levels.map((l) => l.field))];
  return rows.map((row) => {
    const left = row.source_l === source && row.record_key_l === recordKey;
    return {
      other: { source: String(left ? row.source_r : row.source_l), recordKey: String(left ? row.record_key_r : row.record_key_l) },
      matchWeight: Number(row.match_weight),
      matchProbability: Number(row.match_probability),
      linked: Number(row.linked) === 1,
      fields: fields.map((field) => {
        const level = model.levels.find((l) => l.field === field && l.gamma === Number(row[`g_${field}`]));
        return { field, level: level?.label ?? 'unknown', weight: level?.matchWeight ?? 0 };
      }),
    };
  });
}
