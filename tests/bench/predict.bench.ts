/**
 * Predictions at scale on DuckDB: feature build, training (sample read + fit) and scoring of a
 * propensity model over generated customers (tests/fixtures/predictions), with memory, side by
 * side with honest baselines measured in the same run on the same tables:
 *  - features vs a plain scan: the per-profile feature GROUP BY against `COUNT(*), MAX(ts)` per profile;
 *  - scoring vs the same feature SQL without the model: CTAS of the scoring features alone
 *    against CTAS of features + model expression + percentile window.
 *
 *   CDP_BENCH_LARGE=1           adds 1,000,000 customers (default: 100,000)
 *   CDP_BENCH_PREDICT_SIZES     comma-separated customer counts, overriding both
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { buildIdentity } from '../../src/identity/index.js';
import { featureColumn, scoringFeaturesSelect } from '../../src/predictions/features.js';
import { KINDS } from '../../src/predictions/kinds.js';
import type { StoredModel } from '../../src/predictions/model.js';
import { daysBefore, labelledTable, prepare, scratch } from '../../src/predictions/prepare.js';
import { readSample } from '../../src/predictions/sample.js';
import { scoresSelect } from '../../src/predictions/score.js';
import { Project } from '../../src/project/index.js';
import { loadCustomers, predictionConfig } from '../fixtures/predictions/customers.js';

const SIZES = process.env.CDP_BENCH_PREDICT_SIZES
  ? process.env.CDP_BENCH_PREDICT_SIZES.split(',').map(Number)
  : process.env.CDP_BENCH_LARGE
    ? [100_000, 1_000_000]
    : [100_000];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

/** Highest RSS and JS heap seen while `work` runs (sampled every 50 ms). */
async function peakMemory<T>(work: () => Promise<T>): Promise<[T, { rss: number; heap: number }]> {
  const peak = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heap = Math.max(peak.heap, m.heapUsed);
  }, 50);
  try {
    return [await work(), peak];
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<void> {
  for (const customers of SIZES) await benchSize(customers);
}

async function benchSize(customers: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-predict-'));
  const schema = 'bench';
  const project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig(predictionConfig(schema, { type: 'duckdb', path: join(dir, 'warehouse.duckdb') }, dir)));
  try {
    const warehouse = await project.warehouse();
    const d = warehouse.dialect;
    await warehouse.createSchema(schema);
    const [{ eventCount }, loadSeconds] = await timed(() => loadCustomers(warehouse, schema, customers));
    const [, identitySeconds] = await timed(() => buildIdentity(project, {}));
    say(`${customers.toLocaleString('en-US')} customers, ${eventCount.toLocaleString('en-US')} events: generated+loaded ${loadSeconds.toFixed(1)} s, identity ${identitySeconds.toFixed(1)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    const prediction = project.config.predictions.buy_30d!;
    const [data, eventsSeconds] = await timed(() => prepare(project, 'buy_30d', prediction));
    try {
      const train = scratch(project, 'buy_30d', 'train');
      const cutoff = daysBefore(data.asOf, prediction.window);
      const [rows, featureSeconds] = await timed(() => labelledTable(data, train, cutoff));
      const plain = scratch(project, 'buy_30d', 'plain');
      const [, plainSeconds] = await timed(async () => {
        for (const s of d.createOrReplaceTableAs(plain, `SELECT profile_id, COUNT(*) AS n, MAX(ts) AS last_ts FROM ${d.relation(data.sources.events)} WHERE ts <= ${d.literal(cutoff)} GROUP BY profile_id`)) await warehouse.execute(s);
      });
      const p = data.featureNames.length;
      const before = process.memoryUsage();
      const [[sample, sampleSeconds], sampleMemory] = await peakMemory(() => timed(() => readSample(warehouse, train, rows, p, prediction.sampleSize, false)));
      const [[parts, fitSeconds], fitMemory] = await peakMemory(() => timed(async () => KINDS.propensity.train(sample, data.featureNames, prediction.l2)));
      const model: StoredModel = {
        version: 1, name: 'buy_30d', kind: 'propensity', fingerprint: '', trainedAt: '', asOf: data.asOf.toISOString(), cutoff: cutoff.toISOString(),
        spec: data.spec, featureNames: data.featureNames, ...parts,
        training: { rows: sample.n, positives: 0, negatives: 0, calibrationRows: 0, sampled: sample.sampled },
      };
      const featuresOnly = scratch(project, 'buy_30d', 'features_only');
      const scored = scratch(project, 'buy_30d', 'scored');
      const featureSql = scoringFeaturesSelect(d, data.spec, data.sources, data.asOf);
      const [, featuresOnlySeconds] = await timed(async () => {
        for (const s of d.createOrReplaceTableAs(featuresOnly, `SELECT profile_id, ${Array.from({ length: p }, (_, i) => d.quoteIdent(featureColumn(i))).join(', ')} FROM (${featureSql}) x`)) await warehouse.execute(s);
      });
      const [, scoreSeconds] = await timed(async () => {
        for (const s of d.createOrReplaceTableAs(scored, scoresSelect(d, model, data.sources, data.asOf))) await warehouse.execute(s);
      });
      say(`  events table (one scan of the streams)      ${eventsSeconds.toFixed(2)} s`);
      say(`  feature build, ${p} features x ${rows.toLocaleString('en-US')} rows   ${featureSeconds.toFixed(2)} s   vs plain scan (COUNT, MAX per profile) ${plainSeconds.toFixed(2)} s   ratio ${(featureSeconds / plainSeconds).toFixed(2)}`);
      say(`  training: read sample of ${sample.n.toLocaleString('en-US')}${sample.sampled ? ' (sampled)' : ''} ${sampleSeconds.toFixed(2)} s, fit (IRLS + Platt) ${fitSeconds.toFixed(2)} s`);
      say(`  scoring ${customers.toLocaleString('en-US')} profiles (features + model + percentile) ${scoreSeconds.toFixed(2)} s   vs the same features without the model ${featuresOnlySeconds.toFixed(2)} s   ratio ${(scoreSeconds / featuresOnlySeconds).toFixed(2)}`);
      say(`  total (events + features + training + scoring) ${(eventsSeconds + featureSeconds + sampleSeconds + fitSeconds + scoreSeconds).toFixed(2)} s`);
      say(`  memory: sample matrix ${mb(sample.x.byteLength)}; peak RSS while reading ${mb(sampleMemory.rss)}, while fitting ${mb(fitMemory.rss)} (heap ${mb(fitMemory.heap)}; RSS before ${mb(before.rss)})`);
      say(`  load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      for (const table of [train, plain, featuresOnly, scored]) await warehouse.execute(d.dropRelation(table, 'table'));
    } finally {
      await data.cleanup();
    }
  } finally {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
