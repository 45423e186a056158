import { CdpError } from '../errors.js';
import { logger } from '../logger.js';
import { planConsent, validateConsent } from './consent/index.js';
import type { IdentityConfig } from '../config/identity.js';
import type { Project } from '../project/index.js';
import { commitBuild, commitInputs, computeMerges, type SourceWatermark } from './commit.js';
import { computeSplits } from './splits.js';
import { buildEdges } from './edges.js';
import { stageSources } from './extract.js';
import { finalizeComponents } from './finalize.js';
import { planIdentity, type IdentityPlan } from './plan.js';
import { touchedProfilesSelect } from './profiles.js';
import { linkProbabilistic, loadStoredParams, scoreIncremental, validateProbabilistic } from './probabilistic/index.js';
import { writeReviewedPairs, type ReviewedLabel } from './probabilistic/labels.js';
import { prepareFullRegion, prepareIncrementalRegion } from './region.js';
import { resolveComponents } from './resolve.js';
import { applySuppressions, suppressionFingerprint } from './suppress.js';
import { SqlRunner } from './runner.js';
import { IdentityTables, STATE_TABLES, TMP_PREFIX } from './tables.js';
import { validateIdentity } from './validate.js';
import type { HeldSession, Warehouse } from '../warehouse/index.js';

export interface IdentityBuildOptions {
  /** Rebuild from all source rows instead of only the rows since the last build. */
  full?: boolean;
  onProgress?: (line: string) => void;
  /**
   * The review queue's answers (the state store's, in pages), labels for a full build's training
   * (docs/probabilistic.md, "Review"); `cdp run` passes them. Incremental builds do not train.
   */
  reviewLabels?: () => AsyncIterable<ReviewedLabel[]>;
}

export interface IdentityBuildResult {
  profiles: number;
  /** Identifiers in identity_graph. */
  identifiers: number;
  /** Most large-star/small-star rounds one connected-components pass needed. */
  rounds: number;
  seconds: number;
  mode: 'full' | 'incremental';
  /** Source rows read this build (all of them for a full build). */
  rowsRead: number;
  /** Identifiers quarantined by the degree guard (in the recomputed region). */
  quarantined: number;
  /** Links refused by maxPerProfile limits (in the recomputed region). */
  limited: number;
  /** Rounds spent settling conflicting links (0 unless limits conflict). */
  conflictRounds: number;
  /** Profiles merged into older ones by this build. */
  merges: number;
  /** SQL statements this build ran (its fixed cost). */
  statements: number;
  warnings: string[];
}

interface PreviousBuild {
  hash: string;
  watermarks: Map<string, Date>;
}

/**
 * Builds (or incrementally updates) the identity graph, resolved records and profiles in the
 * warehouse. Validates everything first; builds into scratch tables; swaps the results in inside
 * one transaction. See docs/identity.md for the exact semantics.
 */
export async function buildIdentity(project: Project, options: IdentityBuildOptions = {}): Promise<IdentityBuildResult> {
  const started = performance.now();
  const startedAt = new Date();
  const config = project.config.identity;
  if (!config) {
    throw new CdpError('IDENTITY_INVALID', 'the config has no identity section', {
      location: { file: project.configFile, path: 'identity' },
      hint: 'declare identity.sources and identity.idTypes (see README "Identity")',
    });
  }
  const say = (line: string) => options.onProgress?.(`identity: ${line}`);
  const plan = planIdentity(project, config);
  const warehouse = await project.warehouse();
  // One session for the whole build: its temporary scratch tables are that connection's own.
  return warehouse.withSession((session) => buildOnSession({ project, config, options, plan, warehouse, session, say, started, startedAt }));
}

interface BuildContext {
  project: Project;
  config: IdentityConfig;
  options: IdentityBuildOptions;
  plan: IdentityPlan;
  warehouse: Warehouse;
  session: HeldSession;
  say: (line: string) => void;
  started: number;
  startedAt: Date;
}

async function buildOnSession(context: BuildContext): Promise<IdentityBuildResult> {
  const { project, config, options, plan, warehouse, session, say, started, startedAt } = context;
  const sql = new SqlRunner(session, warehouse);
  const t = new IdentityTables(plan.schema);

  const previous = await readPreviousBuild(sql, t);
  // The stored hash covers the config and the suppressed identifiers: either changing means a full rebuild.
  const suppressions = await suppressionFingerprint(sql, plan);
  const buildHash = suppressions ? `${plan.hash}:${suppressions}` : plan.hash;
  let mode: 'full' | 'incremental' = 'incremental';
  if (options.full) mode = 'full';
  else if (!previous) mode = 'full';
  else if (previous.hash !== buildHash) {
    mode = 'full';
    say('the identity config or the suppressed identifiers changed since the last build: rebuilding in full');
  }
  // Incremental builds score with the stored model (trained by the last full build), never retrain.
  const storedModel = mode === 'incremental' && config.probabilistic ? await loadStoredParams(sql, plan.schema, config.probabilistic) : null;
  if (mode === 'incremental' && config.probabilistic && !storedModel) {
    mode = 'full';
    say('no stored probabilistic model to score new records with (a full build trains it): rebuilding in full');
  }
  const watermarks = mode === 'incremental' ? previous!.watermarks : new Map<string, Date>();

  const warnings = await validateIdentity(project, plan, warehouse, { watermarks });
  const consent = planConsent(project);
  if (consent) await validateConsent(project, plan, consent, warehouse);
  for (const warning of warnings) {
    say(`warning: ${warning}`);
    logger.warn({ warning }, 'identity config');
  }
  await warehouse.createSchema(plan.schema);
  await dropScratch(sql, plan);
  try {
    await stageSources(sql, plan, t, { incremental: mode === 'incremental', watermarks });
    await applySuppressions(sql, plan, t);
    const read = await sql.query<{ source: string; n: number; ts: Date | null }>(
      `SELECT source, COUNT(*) AS n, MAX(ts) AS ts FROM ${sql.rel(t.tmp('stage_records'))} GROUP BY source`,
    );
    const rowsRead = read.reduce((sum, row) => sum + Number(row.n), 0);
    say(`${mode} build: ${rowsRead} source row(s) to read`);

    if (mode === 'incremental' && config.probabilistic && storedModel) {
      // New/changed records against every participating record: what they match joins the region.
      validateProbabilistic(plan, config.probabilistic);
      const scored = await scoreIncremental(sql, plan, t, config.probabilistic, storedModel);
      say(`probabilistic: ${scored.pairs} new pair(s) scored against ${scored.records} record(s), ${scored.seeds} matched record(s) join the region`);
    }
    if (mode === 'full') await prepareFullRegion(sql, t);
    else await prepareIncrementalRegion(sql, plan, t);

    const { quarantined, centersFromRecords } = await buildEdges(sql, plan, t, { wideRecords: mode === 'full', centers: !!config.probabilistic });
    await sql.create(t.tmp('graph_nodes'), `SELECT node, tier FROM ${sql.rel(t.tmp('dict'))} WHERE NOT quarantined`);
    const resolved = await resolveComponents(sql, plan, t);
    // Probabilistic (Fellegi-Sunter) links join deterministic components under the same limits.
    const reviewed = config.probabilistic && mode === 'full' && options.reviewLabels ? await writeReviewedPairs(sql, t.tmp('prob_reviewed'), options.reviewLabels()) : null;
    const probabilistic = config.probabilistic ? await linkProbabilistic(sql, plan, t, config.probabilistic, { say, model: storedModel ?? undefined, reviewed }) : null;
    const { rawRounds } = await finalizeComponents(sql, plan, t, { centersFromRecords });
    const merges = await computeMerges(sql, t, mode, previous !== null);
    const splits = await computeSplits(sql, t, mode, previous !== null);
    if (mode === 'incremental') await sql.create(t.tmp('touched'), touchedProfilesSelect(sql, t));
    const rounds = Math.max(resolved.rounds, rawRounds);

    await sql.dropTemporaryExcept(commitInputs(t));
    const newWatermarks = mergeWatermarks(plan, mode === 'incremental' ? previous!.watermarks : new Map(), read);
    let committed = 0;
    const figures = await session.transaction(async (inTransaction) => {
      const runner = sql.on(inTransaction);
      try {
        return await commitBuild(runner, plan, t, project.config.profiles.traits, {
          mode,
          watermarks: newWatermarks,
          run: { startedAt, configHash: buildHash, mode, rounds, splits, seconds: (performance.now() - started) / 1000 },
          consent,
        });
      } finally {
        committed = runner.statements;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    const probLinks = probabilistic ? `, ${probabilistic.linked} probabilistic link(s)` : '';
    say(`${figures.profiles} profile(s), ${figures.identifiers} identifier(s), ${rounds} round(s), ${merges} merge(s)${probLinks} in ${seconds.toFixed(1)}s`);
    logger.info({ mode, ...figures, rounds, seconds, quarantined, limited: resolved.limited, merges }, 'identity built');
    return {
      ...figures,
      rounds,
      seconds,
      mode,
      rowsRead,
      quarantined,
      limited: resolved.limited,
      conflictRounds: resolved.conflictRounds,
      merges,
      statements: sql.statements + committed,
      warnings,
    };
  } finally {
    await dropScratch(sql, plan);
  }
}

function mergeWatermarks(plan: IdentityPlan, previous: Map<string, Date>, read: Array<{ source: string; n: number; ts: Date | null }>): SourceWatermark[] {
  return plan.sources.map((source) => {
    const row = read.find((r) => r.source === source.name);
    const before = previous.get(source.name) ?? null;
    const now = row?.ts ?? null;
    const watermark = before && now ? (before > now ? before : now) : (now ?? before);
    return { source: source.name, relation: source.relationName, watermark, rows: Number(row?.n ?? 0) };
  });
}

/** The last build's config hash and watermarks, or null when there is no usable stored graph. */
async function readPreviousBuild(sql: SqlRunner, t: IdentityTables): Promise<PreviousBuild | null> {
  for (const name of Object.keys(STATE_TABLES) as Array<keyof typeof STATE_TABLES>) {
    if (!(await sql.exists(t.state(name)))) return null;
  }
  if (!(await sql.exists(t.output('resolved')))) return null;
  const runs = await sql.query<{ config_hash: string }>(
    `SELECT config_hash FROM ${sql.rel(t.state('runs'))} ORDER BY finished_at DESC ${sql.d.limit(1)}`,
  );
  if (!runs.length) return null;
  const rows = await sql.query<{ source: string; watermark: Date | null }>(`SELECT source, watermark FROM ${sql.rel(t.state('sources'))}`);
  const watermarks = new Map<string, Date>();
  for (const row of rows) if (row.watermark) watermarks.set(row.source, row.watermark);
  return { hash: runs[0]!.config_hash, watermarks };
}

/** Drops every scratch table (left over by a crashed build, or this build's). */
async function dropScratch(sql: SqlRunner, plan: IdentityPlan): Promise<void> {
  for (const name of await sql.tablesIn(plan.schema)) {
    if (name.startsWith(TMP_PREFIX)) await sql.exec(`DROP TABLE IF EXISTS ${sql.rel({ schema: plan.schema, name })}`);
  }
}
