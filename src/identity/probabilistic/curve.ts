import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import type { LabelsConfig } from './labels.js';

/** Pairwise precision and recall if pairs at or above `weight` were links. */
export interface CurvePoint {
  weight: number;
  probability: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ThresholdCurve {
  /** `model`: expected from the match probabilities themselves; `labels`: measured on labelled pairs. */
  source: 'model' | 'labels';
  points: CurvePoint[];
  /** The point of highest F1 (the higher threshold on a tie). */
  suggested: CurvePoint | null;
}

/** Thresholds are tried every half bit of match weight. */
const STEP = 2;

/**
 * The curve the model itself predicts over the scored pairs: at threshold t, expected true links
 * = Σ p over pairs of weight ≥ t, expected false links = Σ (1 - p), expected matches = Σ p over
 * all scored pairs (recall relative to what blocking found). One aggregate query.
 */
export async function modelCurve(sql: SqlRunner, scored: RelationRef): Promise<ThresholdCurve> {
  const rows = await sql.query<{ b: number; tp: number; fp: number }>(
    `SELECT FLOOR(match_weight * ${STEP}) AS b, SUM(match_probability) AS tp, SUM(1 - match_probability) AS fp FROM ${sql.rel(scored)} GROUP BY FLOOR(match_weight * ${STEP})`,
  );
  const total = rows.reduce((s, r) => s + Number(r.tp), 0);
  return curveOf('model', rows, total);
}

/**
 * The curve measured on labelled pairs: a scored pair is judged by the labels (both records
 * labelled with a label field; listed in the pairs relation), recall over all known matches.
 */
export async function labelCurve(sql: SqlRunner, options: { scored: RelationRef; records: RelationRef; labelled: RelationRef; labels: LabelsConfig; knownMatches: number }): Promise<ThresholdCurve> {
  const d = sql.d;
  const { scored, records, labelled, labels } = options;
  let judged: string;
  if ('field' in labels) {
    const f = d.quoteIdent(labels.field);
    judged = `SELECT p.match_weight, CASE WHEN l.${f} = r.${f} THEN 1 ELSE 0 END AS is_match
              FROM ${sql.rel(scored)} p JOIN ${sql.rel(records)} l ON l.rid = p.rid_l JOIN ${sql.rel(records)} r ON r.rid = p.rid_r
              WHERE l.${f} IS NOT NULL AND r.${f} IS NOT NULL`;
  } else {
    judged = `SELECT p.match_weight, x.is_match FROM ${sql.rel(scored)} p JOIN ${sql.rel(labelled)} x ON x.rid_l = p.rid_l AND x.rid_r = p.rid_r`;
  }
  const rows = await sql.query<{ b: number; tp: number; fp: number }>(
    `SELECT FLOOR(match_weight * ${STEP}) AS b, SUM(is_match) AS tp, SUM(1 - is_match) AS fp FROM (${judged}) j GROUP BY FLOOR(match_weight * ${STEP})`,
  );
  return curveOf('labels', rows, options.knownMatches);
}

function curveOf(source: ThresholdCurve['source'], rows: Array<{ b: number; tp: number; fp: number }>, totalMatches: number): ThresholdCurve {
  const sorted = rows.map((r) => ({ b: Number(r.b), tp: Number(r.tp), fp: Number(r.fp) })).sort((a, b) => b.b - a.b);
  const points: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (const row of sorted) {
    tp += row.tp;
    fp += row.fp;
    const weight = row.b / STEP;
    const precision = tp + fp > 0 ? tp / (tp + fp) : 1;
    const recall = totalMatches > 0 ? Math.min(tp / totalMatches, 1) : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    points.push({ weight, probability: 1 / (1 + Math.pow(2, -weight)), precision, recall, f1 });
  }
  let suggested: CurvePoint | null = null;
  for (const p of points) if (!suggested || p.f1 > suggested.f1 + 1e-12) suggested = p;
  return { source, points: points.reverse(), suggested };
}
