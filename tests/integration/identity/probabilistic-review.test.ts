/**
 * Explain and review (docs/probabilistic.md, "Review"): a pair's match weights add up to its
 * stored probability; the queue lists pairs near the threshold, closest first; answers stored in
 * the state store become labels of the next full build's training (m from them, a measured
 * curve, the count in the progress line), on DuckDB (SQLite state) and Postgres (Postgres state).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity, IdentityTables, planIdentity, SqlRunner } from '../../../src/identity/index.js';
import { explainRecordPair } from '../../../src/identity/probabilistic/explain.js';
import { readModel } from '../../../src/identity/probabilistic/read.js';
import { nearThresholdPairs, thresholdProbability } from '../../../src/identity/probabilistic/review.js';
import type { StateConfig } from '../../../src/config/index.js';
import { deleteSubject } from '../../../src/privacy/requests/index.js';
import { MatchReviewStore, openStateStore, type StateStore } from '../../../src/state/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { columns, dataset, probabilisticFixtureConfig } from './probabilistic-fixture.js';
import { dropSchemas, loadTables, openDuckDb, openPostgres, POSTGRES_URL, TestProject, uniqueSchema } from './helpers.js';

/** Fixture keys: c<n> (CRM) and o<n> (orders) of person n; the traps (t, q, h) are other people. */
const person = (key: string) => (/^[co]\d+$/.test(key) ? key.slice(1) : key);

describe.each([
  ['DuckDB', openDuckDb, 'sqlite'],
  ['Postgres', openPostgres, 'pg'],
] as const)('probabilistic explain and review (%s)', (_engine, open, stateKind) => {
  let warehouse: Warehouse;
  let project: TestProject;
  let state: StateStore;
  const dir = mkdtempSync(join(tmpdir(), 'cdp-review-'));
  const raw = uniqueSchema('t_review_raw');
  const out = uniqueSchema('t_review_out');
  const stateSchema = uniqueSchema('t_review_state');
  beforeAll(async () => {
    warehouse = await open();
    const { crm, orders } = dataset();
    await loadTables(warehouse, raw, [
      { name: 'crm', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: crm },
      { name: 'orders', columns: [...columns, { name: 'ts', kind: 'timestamp' }], rows: orders },
    ]);
    const config = probabilisticFixtureConfig(out, raw);
    // The fixture's matches score 24-31 bits: a threshold among them puts true matches on both sides of it.
    config.identity!.probabilistic!.threshold = { weight: 25.5 };
    project = new TestProject(config, warehouse);
    await buildIdentity(project, { full: true });
    const stateConfig: StateConfig = stateKind === 'pg' ? { client: 'pg', connection: POSTGRES_URL, schema: stateSchema } : { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') };
    state = await openStateStore(stateConfig, dir);
  }, 120_000);
  afterAll(async () => {
    await state?.close();
    if (stateKind === 'pg') {
      const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
      await admin.raw(`DROP SCHEMA IF EXISTS "${stateSchema}" CASCADE`);
      await admin.destroy();
    }
    await dropSchemas(warehouse, [raw, out]);
    await warehouse?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const scope = () => {
    const config = project.config.identity!;
    const plan = planIdentity(project, config);
    return { sql: new SqlRunner(warehouse), plan, t: new IdentityTables(plan.schema), config: config.probabilistic! };
  };

  it('explains a pair: prior plus each level log2(m/u) plus term frequency is the stored weight', async () => {
    // Its own build, where fuzzy name agreements carry half a term-frequency adjustment: the waterfall must show those too.
    const fuzzyOut = uniqueSchema('t_review_fuzzy');
    const fuzzyConfig = probabilisticFixtureConfig(fuzzyOut, raw);
    for (const name of ['first_name', 'surname']) Object.assign(fuzzyConfig.identity!.probabilistic!.comparisons![name]!, { fuzzyTermFrequency: 0.5 });
    const fuzzyProject = new TestProject(fuzzyConfig, warehouse);
    await buildIdentity(fuzzyProject, { full: true });
    const config = fuzzyProject.config.identity!;
    const plan = planIdentity(fuzzyProject, config);
    const [sql, t] = [new SqlRunner(warehouse), new IdentityTables(plan.schema)];
    const model = (await readModel(warehouse, fuzzyOut))!;
    const links = await warehouse.query(`SELECT * FROM ${fuzzyOut}._identity_prob_links WHERE linked = 1 ORDER BY source_l, record_key_l, source_r, record_key_r`);
    let fuzzyAdjusted = 0;
    for (const link of links) {
      const pair = (await explainRecordPair(sql, plan, t, config.probabilistic!, model, { source: String(link.source_l), recordKey: String(link.record_key_l) }, { source: String(link.source_r), recordKey: String(link.record_key_r) }))!;
      expect(pair.prior).toBeCloseTo(model.prior, 12);
      for (const f of pair.fields) {
        if (f.level === 'null') continue;
        expect(f.weight).toBeCloseTo(Math.log2(f.m! / f.u!), 9);
        if (f.tfAdjustment !== null && f.level !== 'exact' && f.left !== f.right) fuzzyAdjusted++;
      }
      const sum = pair.priorWeight + pair.fields.reduce((s, f) => s + f.weight + (f.tfAdjustment ?? 0), 0);
      expect(pair.weight).toBeCloseTo(sum, 9);
      expect(pair.weight).toBeCloseTo(Number(link.match_weight), 6);
      expect(pair.probability).toBeCloseTo(Number(link.match_probability), 6);
      expect(pair.fields.find((f) => f.field === 'dob')!.left).toBe(pair.fields.find((f) => f.field === 'dob')!.right);
    }
    // Typo'd names linked through a fuzzy level, their adjustment explained (not only exact levels).
    expect(fuzzyAdjusted).toBeGreaterThan(0);
    await dropSchemas(warehouse, [fuzzyOut]);
  }, 120_000);

  it('lists pairs near the threshold, closest first, and trains on the answers at the next full build', async () => {
    const { sql, config } = scope();
    const threshold = thresholdProbability(config);
    const queue = await nearThresholdPairs(sql, out, config, { band: 0.25, skip: 0, take: 500 });
    expect(queue.total).toBe(queue.rows.length);
    expect(queue.rows.length).toBeGreaterThan(3);
    const distances = queue.rows.map((r) => Math.abs(r.matchProbability - threshold));
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    expect(queue.rows.every((r) => Math.abs(r.matchProbability - threshold) <= 0.25)).toBe(true);
    // Below the threshold too (the near-pairs table), not only the links.
    expect(queue.rows.some((r) => r.matchProbability < threshold)).toBe(true);
    expect(queue.rows.some((r) => r.matchProbability >= threshold)).toBe(true);

    const before = (await readModel(warehouse, out))!;
    expect(before.curves.some((c) => c.curve === 'labels')).toBe(false);
    const reviews = new MatchReviewStore(state.knex);
    const by = { id: '1', email: 'reviewer@example.com' };
    let matches = 0;
    let nonMatches = 0;
    // A reviewer answers the first pages (the pairs closest to the threshold), not every pair.
    for (const r of queue.rows.slice(0, 30)) {
      const same = person(r.recordKeyL) === person(r.recordKeyR);
      // Given right-to-left on purpose: the store keeps one canonical order.
      await reviews.answer({ source: r.sourceR, recordKey: r.recordKeyR }, { source: r.sourceL, recordKey: r.recordKeyL }, same ? 'match' : 'non_match', by, r.matchProbability);
      if (same) matches++;
      else nonMatches++;
    }
    expect(matches).toBeGreaterThan(0);
    // A skip is no label.
    await reviews.answer({ source: 'crm', recordKey: 'c1' }, { source: 'crm', recordKey: 'c3' }, 'skip', by, null);
    expect(await reviews.counts()).toEqual({ match: matches, non_match: nonMatches, skip: 1 });

    const lines: string[] = [];
    await buildIdentity(project, { full: true, reviewLabels: () => reviews.labels(7), onProgress: (line) => lines.push(line) });
    const trained = lines.find((l) => l.includes('probabilistic: m ')) ?? lines.join('\n');
    expect(trained).toContain(`m from ${matches} labelled matching pair(s) (review answers: ${matches} match, ${nonMatches} non-match)`);
    const after = (await readModel(warehouse, out))!;
    const labelCurve = after.curves.filter((c) => c.curve === 'labels');
    expect(labelCurve.length).toBeGreaterThan(0);
    // m now comes from the answered matches (the harder pairs near the threshold), no longer from EM: it moved.
    const moved = after.levels.filter((l) => {
      const old = before.levels.find((x) => x.field === l.field && x.gamma === l.gamma);
      return old && Math.abs(old.m - l.m) > 0.01;
    });
    expect(moved.length).toBeGreaterThan(0);
  }, 120_000);

  it('erasing a person forgets the review answers and the scored pairs that name their records', async () => {
    const [link] = await warehouse.query(`SELECT * FROM ${out}._identity_prob_links WHERE source_l = 'crm' ORDER BY record_key_l, source_r, record_key_r LIMIT 1`);
    const side = { source: 'crm', recordKey: String(link!.record_key_l) };
    const [row] = await warehouse.query(`SELECT email FROM ${raw}.crm WHERE k = '${side.recordKey}'`);
    const reviews = new MatchReviewStore(state.knex);
    await reviews.answer(side, { source: String(link!.source_r), recordKey: String(link!.record_key_r) }, 'match', { id: '1', email: 'reviewer@example.com' }, 0.5);
    const answersBefore = (await reviews.counts()).match;
    const pairsOf = async (table: string) =>
      Number((await warehouse.query(`SELECT COUNT(*) AS n FROM ${out}.${table} WHERE (source_l = 'crm' AND record_key_l = '${side.recordKey}') OR (source_r = 'crm' AND record_key_r = '${side.recordKey}')`))[0]!.n);
    expect(await pairsOf('_identity_prob_links')).toBeGreaterThan(0);
    project.state = () => Promise.resolve(state);
    const actor = { type: 'cli' as const, id: 'dpo', email: null };
    const dry = await deleteSubject(project, { idType: 'email', value: String(row!.email) }, { actor, dryRun: true });
    expect(dry.notes.join('\n')).toMatch(/would forget [1-9]\d* match review answer/);
    expect((await reviews.counts()).match).toBe(answersBefore);
    const report = await deleteSubject(project, { idType: 'email', value: String(row!.email) }, { actor });
    expect(report.notes.join('\n')).toMatch(/forgot [1-9]\d* match review answer/);
    expect(report.warehouse.find((t) => t.table === '_identity_prob_links')!.rows).toBeGreaterThan(0);
    expect(await pairsOf('_identity_prob_links')).toBe(0);
    expect(await pairsOf('_identity_prob_near')).toBe(0);
    const left = [...(await reviews.answeredKeys())].filter((k) => k.includes(JSON.stringify(side.recordKey)));
    expect(left).toEqual([]);
  }, 120_000);
});
