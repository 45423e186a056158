import cron from 'node-cron';
import { membershipTables } from '../audiences/snapshots.js';
import type { Project } from '../project/index.js';
import { SyncHistory, SIMULATED_TRIGGER, type RunCounts, type RunStatus } from '../state/index.js';
import { readSyncFiles, type PreparedSync } from '../syncs/index.js';
import { ReachTally } from '../syncs/reach.js';
import type { RelationRef, Warehouse } from '../warehouse/index.js';
import { labelCode, Rng } from './random.js';

/**
 * Simulated activity before the demo's build, so the dashboards show weeks of sync runs and
 * audience sizes from the first `npm start` (the identity builds of those days are reconstructed
 * from the data instead: history.ts). Nothing here happened, so everything is marked:
 * - sync runs go through the run history repository like real ones (`sync_runs`), with trigger
 *   `backfill`: shown as simulated, counted in the history charts, never a sync's last run;
 * - audience snapshots go into `audience_sizes` like real ones, with `simulated = TRUE`.
 * Seeded: the same seed and day give the same history. A rerun replaces the simulated records.
 */

const DAY_MS = 86_400_000;
/** More runs a day than this (every 15 minutes...) are not simulated one by one. */
const MAX_RUNS_PER_DAY = 24;
/** Destinations that answer with counts of their own (Meta: num_received, num_invalid_entries). */
const COUNTING_VENDORS = new Set(['meta_custom_audiences']);
const SIMULATED_ERROR = 'simulated by cdp demo: the destination did not answer in time (HTTP 503); the next run sends the rest';

export interface ActivityOptions {
  /** Days simulated, ending the day before `before`. */
  days: number;
  before: Date;
  seed: number;
}

export interface SimulatedDay {
  /** The end of the UTC day (23:59:59.999). */
  at: Date;
  size: number;
  entered: number;
  left: number;
}

/** The `days` UTC day ends before `before` (never after now: the real build stays the latest). */
export function dayEnds(days: number, before: Date): Date[] {
  const lastDay = Math.floor(Math.min(before.getTime(), Date.now()) / DAY_MS) * DAY_MS;
  return Array.from({ length: days }, (_, i) => new Date(lastDay - (days - 1 - i) * DAY_MS - 1));
}

/**
 * An audience's size at each day end, walked back from its size now: each day about 3% of the
 * members entered and 2% left, so it grows slowly towards today. size(d) = size(d-1) + entered - left.
 */
export function simulateAudienceDays(audience: string, current: number, ends: readonly Date[], seed: number): SimulatedDay[] {
  const rng = new Rng(seed ^ labelCode(`audience:${audience}`));
  const out: SimulatedDay[] = [];
  let size = current;
  for (let i = ends.length - 1; i >= 0; i--) {
    const entered = Math.min(size, rng.poisson(size * 0.03));
    const left = rng.poisson(size * 0.02);
    out.push({ at: ends[i]!, size, entered, left });
    size = size - entered + left;
  }
  return out.reverse();
}

/** Writes simulated daily sizes of every audience already snapshotted (replacing an earlier demo's); returns them per audience. */
export async function backfillAudienceHistory(project: Project, options: ActivityOptions): Promise<Map<string, SimulatedDay[]>> {
  const warehouse = await project.warehouse();
  const { sizes } = membershipTables(project);
  const out = new Map<string, SimulatedDay[]>();
  if (!(await warehouse.relationExists(sizes))) return out;
  const d = warehouse.dialect;
  const q = (c: string) => d.quoteIdent(c);
  await ensureSimulatedColumn(warehouse, sizes);
  await warehouse.execute(`DELETE FROM ${d.relation(sizes)} WHERE ${q('simulated')} = TRUE`);
  // Each audience's latest real snapshot is where the simulated days lead to.
  const latest = await warehouse.query<{ audience: string; size: number }>(
    `SELECT s.${q('audience')}, s.${q('size')} FROM ${d.relation(sizes)} s ` +
      `JOIN (SELECT ${q('audience')}, MAX(${q('at')}) AS last_at FROM ${d.relation(sizes)} GROUP BY ${q('audience')}) l ` +
      `ON l.${q('audience')} = s.${q('audience')} AND l.last_at = s.${q('at')}`,
  );
  const ends = dayEnds(options.days, options.before);
  const rows: string[] = [];
  for (const { audience, size } of latest) {
    const days = simulateAudienceDays(audience, Number(size), ends, options.seed);
    out.set(audience, days);
    for (const day of days) rows.push(`(${d.literal(audience)}, ${d.literal(day.at)}, ${day.size}, ${day.entered}, ${day.left}, TRUE)`);
  }
  if (rows.length) {
    const columns = ['audience', 'at', 'size', 'entered', 'left', 'simulated'].map(q).join(', ');
    await warehouse.execute(`INSERT INTO ${d.relation(sizes)} (${columns}) VALUES ${rows.join(', ')}`);
  }
  return out;
}

async function ensureSimulatedColumn(warehouse: Warehouse, sizes: RelationRef): Promise<void> {
  const columns = await warehouse.listColumns(sizes);
  if (columns.some((c) => c.name.toLowerCase() === 'simulated')) return;
  const d = warehouse.dialect;
  await warehouse.execute(`ALTER TABLE ${d.relation(sizes)} ADD COLUMN ${d.quoteIdent('simulated')} ${d.typeName('boolean')}`);
}

/** The UTC times of day a schedule fires at (at most MAX_RUNS_PER_DAY); unscheduled syncs run once a day, at 06:00. */
export function runTimesOfDay(schedule: string | null): number[] {
  if (!schedule) return [6 * 3_600_000];
  const task = cron.createTask(schedule, () => undefined, { timezone: 'Etc/UTC' });
  try {
    const next = task.getNextRuns(MAX_RUNS_PER_DAY + 1);
    const first = next[0]?.getTime() ?? 0;
    const within = next.filter((t) => t.getTime() - first < DAY_MS).slice(0, MAX_RUNS_PER_DAY);
    return [...new Set(within.map((t) => t.getTime() % DAY_MS))].sort((a, b) => a - b);
  } finally {
    void task.destroy();
  }
}

export interface SimulatedRun {
  startedAt: Date;
  finishedAt: Date;
  status: RunStatus;
  counts: RunCounts;
  /** Of the planned rows, removals (members who left). */
  removed: number;
  error: string | null;
}

/**
 * One sync's runs over the days: each run sends the audience's changes since the run before
 * (entered and left, split over the day's runs), mostly successfully; about one in ten is partial
 * (a few rows refused) and one in twenty-five fails part way (the rest is retried next run).
 */
export function simulateSyncRuns(sync: PreparedSync, audienceDays: readonly SimulatedDay[] | undefined, ends: readonly Date[], seed: number): SimulatedRun[] {
  const name = sync.definition.name;
  const rng = new Rng(seed ^ labelCode(`sync:${name}`));
  const times = runTimesOfDay(sync.definition.schedule);
  const runs: SimulatedRun[] = [];
  let carried = 0;
  ends.forEach((end, day) => {
    const dayStart = end.getTime() + 1 - DAY_MS;
    const today = audienceDays?.[day];
    const changes = today ? today.entered + today.left : Math.round(rng.logNormal(4, 0.8));
    const leaving = today && changes > 0 ? today.left / changes : 0;
    times.forEach((time, i) => {
      const share = Math.floor(changes / times.length) + (i < changes % times.length ? 1 : 0);
      const planned = share + carried;
      // A run with nothing to send can still fail (the destination refused the connection); only one with rows can be partial.
      const status = rng.weighted<RunStatus>(['success', 'partial', 'failed'], planned === 0 ? [0.96, 0, 0.04] : [0.86, 0.1, 0.04]);
      const sent = status === 'failed' ? Math.floor(planned * rng.next() * 0.5) : planned;
      const rejected = status === 'partial' ? Math.max(1, Math.round(planned * (0.005 + rng.next() * 0.06))) : 0;
      carried = planned - sent;
      const counts: RunCounts = { planned, sent, ok: sent - Math.min(rejected, sent), rejected: Math.min(rejected, sent), retryable: planned - sent, retried: 0 };
      const startedAt = new Date(dayStart + time + rng.int(0, 40_000));
      const ms = Math.round(300 + planned * (1.5 + rng.next() * 4.5) + (status === 'failed' ? 30_000 : 0));
      const removed = Math.round(planned * leaving);
      runs.push({ startedAt, finishedAt: new Date(startedAt.getTime() + ms), status, counts, removed, error: status === 'failed' ? SIMULATED_ERROR : null });
    });
  });
  return runs;
}

/**
 * Records simulated runs of every valid sync of the project through the run history, replacing
 * those of an earlier demo. Returns the number of runs written.
 */
export async function backfillSyncHistory(project: Project, audiences: Map<string, SimulatedDay[]>, options: ActivityOptions): Promise<number> {
  const knex = (await project.state()).knex;
  const ends = dayEnds(options.days, options.before);
  let written = 0;
  await knex.transaction(async (trx) => {
    const history = new SyncHistory(trx);
    await history.forgetSimulated();
    for (const file of await readSyncFiles(project)) {
      const sync = file.sync;
      if (!sync) continue;
      const from = sync.definition.from;
      const days = 'audience' in from ? audiences.get(from.audience) : undefined;
      for (const [i, run] of simulateSyncRuns(sync, days, ends, options.seed).entries()) {
        const id = `backfill-${sync.definition.name}-${i}`;
        const tally = new ReachTally();
        if (COUNTING_VENDORS.has(sync.destination.type) && run.counts.sent > 0) {
          tally.add({ received: run.counts.sent, invalid: run.counts.rejected + Math.round(run.counts.sent * 0.02) });
        }
        await history.start({ id, sync: sync.definition.name, destinationType: sync.destination.type, trigger: SIMULATED_TRIGGER, full: false, startedAt: run.startedAt, resumedPlan: null });
        await history.update(id, {
          status: run.status,
          counts: run.counts,
          plan: { added: run.counts.planned - run.removed, changed: 0, removed: run.removed },
          error: run.error,
          reach: run.counts.sent > 0 ? tally.summary(run.counts) : null,
          finishedAt: run.finishedAt,
        });
        written++;
      }
    }
  });
  return written;
}
