import type { RelationRef, Warehouse } from '../warehouse/index.js';
import { featureColumn } from './features.js';
import type { Matrix } from './regression.js';

/** Labelled rows read into typed arrays: a bounded, deterministic random sample of a features table. */
export interface Sample extends Matrix {
  label: Float64Array;
  /** The value in the horizon (ltv), else zeros. */
  value: Float64Array;
  /** Rows held out (about 20%, by a hash of the profile id) to calibrate on. */
  heldOut: Uint8Array;
  /** Whether the table had more rows than were read. */
  sampled: boolean;
}

/** FNV-1a of a string: the held-out split follows the profile, not the order rows arrive in. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * Streams at most `limit` rows of `table` (profile_id, f0..fn, label[, label_value]). Above the
 * limit, profiles are kept by a hash of their id (the same profiles on every engine). Rows come
 * sorted by profile id so sums run in the same order everywhere.
 */
export async function readSample(warehouse: Warehouse, table: RelationRef, rows: number, p: number, limit: number, withValue: boolean): Promise<Sample> {
  const d = warehouse.dialect;
  const sampled = rows > limit;
  const perMillion = Math.floor((limit / Math.max(rows, 1)) * 1_000_000);
  const filter = sampled ? ` WHERE MOD(${d.hash64('profile_id')}, 1000000) < ${perMillion}` : '';
  const columns = ['profile_id', ...Array.from({ length: p }, (_, i) => d.quoteIdent(featureColumn(i))), 'label', ...(withValue ? ['label_value'] : [])];
  const capacity = Math.min(rows, limit);
  const x = new Float64Array(capacity * p);
  const label = new Float64Array(capacity);
  const value = new Float64Array(capacity);
  const heldOut = new Uint8Array(capacity);
  let n = 0;
  const sql = `SELECT ${columns.join(', ')} FROM ${d.relation(table)}${filter} ORDER BY ${d.binaryOrder('profile_id')}`;
  for await (const batch of warehouse.stream(sql, { batchSize: 10_000 })) {
    for (const row of batch) {
      if (n >= capacity) break;
      for (let i = 0; i < p; i++) x[n * p + i] = Number(row[featureColumn(i)] ?? 0);
      label[n] = Number(row.label);
      value[n] = withValue ? Number(row.label_value ?? 0) : 0;
      heldOut[n] = fnv1a(String(row.profile_id)) % 5 === 0 ? 1 : 0;
      n++;
    }
  }
  return { n, p, x: x.subarray(0, n * p), label: label.subarray(0, n), value: value.subarray(0, n), heldOut: heldOut.subarray(0, n), sampled };
}

/** Indices of the rows where `keep` holds. */
export function rowsWhere(n: number, keep: (r: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < n; r++) if (keep(r)) out.push(r);
  return Int32Array.from(out);
}
