import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { RUN_TRIGGERS, type RunTrigger, type SyncRunRecord } from '../../state/index.js';
import {
  checkSyncDestination,
  describeSyncFrom,
  getSyncStatus,
  listSyncSummaries,
  runSync,
  syncRowLog,
  type PlanCounts,
  type SyncRunResult,
} from '../../syncs/index.js';
import { groupRowErrors } from '../../syncs/error-groups.js';
import { reachLine } from '../../syncs/reach.js';
import { inProject, say, withProject } from '../context.js';
import { formatCount, formatTable } from '../table.js';

interface Flags {
  project?: string;
}

const n = formatCount;
const table = (header: string[], rows: string[][]): string => formatTable(header, rows);

function planLine(plan: PlanCounts): string {
  const held = Object.entries(plan.heldBack).filter(([, v]) => v > 0);
  return (
    `${n(plan.total)} ops: ${n(plan.added)} added, ${n(plan.changed)} changed, ${n(plan.retry)} retried, ${n(plan.full)} resent (full), ` +
    `${n(plan.removed)} removed, ${n(plan.replaced)} replaced` +
    ` — ${n(plan.current)} rows eligible${plan.nullKeys ? `, ${n(plan.nullKeys)} with a NULL key skipped` : ''}` +
    (held.length ? `, held back: ${held.map(([k, v]) => `${k} ${n(v)}`).join(', ')}` : '')
  );
}

function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 19) : '-';
}

function runLine(run: SyncRunRecord): string[] {
  const c = run.counts;
  return [when(run.startedAt), run.status, run.trigger, n(c.planned), n(c.sent), n(c.ok), n(c.rejected), n(c.retryable), reachLine(run.reach), run.id];
}

function printResult(result: SyncRunResult): void {
  const c = result.counts;
  if (result.resumedPlan) say(`resumed the unfinished plan of run ${result.resumedPlan}`);
  say(`plan: ${planLine(result.plan)}${result.planMs !== null ? ` (planned in ${(result.planMs / 1000).toFixed(2)}s)` : ''}`);
  say(`${result.status}: sent ${n(c.sent)}, ok ${n(c.ok)}, rejected ${n(c.rejected)}, retryable ${n(c.retryable)} in ${result.seconds.toFixed(2)}s (run ${result.runId})`);
  if (result.reach && result.counts.sent > 0) say(`reach: ${reachLine(result.reach)}${result.reach.source === 'vendor' && result.reach.received !== null ? ` (vendor received ${n(result.reach.received)}, invalid ${n(result.reach.invalid ?? 0)})` : ''}`);
  const snapshot = result.audienceSnapshot;
  if (snapshot) say(`audience ${snapshot.audience}: snapshot of ${n(snapshot.size)} members (+${n(snapshot.entered)} entered, -${n(snapshot.left)} left)`);
  if (result.firstErrors.length) {
    say('first errors, by reason:');
    for (const g of groupRowErrors(result.firstErrors).slice(0, 10)) {
      say(`  ${n(g.rows)} ${g.rows === 1 ? 'row' : 'rows'} ${g.status}: ${g.error} (${g.rows > g.keys.length ? 'e.g. ' : ''}${g.keys.join(', ')})`);
    }
  }
}

export function register(program: Command): void {
  const sync = program.command('sync').description('send audiences and models to destinations (definitions in syncs/*.yaml)');

  withProject(
    sync
      .command('run <name>')
      .description('plan in the warehouse and send what changed since the last successful run')
      .option('--dry-run', 'print the plan counts and a sample; send nothing')
      .option('--full', 'resend every row, changed or not')
      .option('--trigger <trigger>', `recorded in the run history (${RUN_TRIGGERS.join(', ')})`, 'cli'),
  ).action(async (name: string, flags: Flags & { dryRun?: boolean; full?: boolean; trigger: string }) => {
    if (!(RUN_TRIGGERS as readonly string[]).includes(flags.trigger)) {
      throw new CdpError('INVALID_INPUT', `unknown trigger ${flags.trigger}`, { hint: `use one of ${RUN_TRIGGERS.join(', ')}` });
    }
    await inProject(flags, async (project) => {
      let lastPrint = 0;
      const result = await runSync(project, name, {
        dryRun: flags.dryRun,
        full: flags.full,
        trigger: flags.trigger as RunTrigger,
        onProgress: (event) => {
          if (event.phase === 'resume') say(`resuming the unfinished plan of run ${event.planId}: ${n(event.remaining)} ops left`);
          if (event.phase === 'sending' && (Date.now() - lastPrint > 2000 || event.committed === event.planned)) {
            lastPrint = Date.now();
            say(`  committed ${n(event.committed)}/${n(event.planned)}`);
          }
        },
      });
      if (result.status === 'dry_run') {
        say(`dry run of ${name} (nothing sent): ${planLine(result.plan)}`);
        if (result.sample?.length) {
          say('sample:');
          for (const row of result.sample) say(`  ${row.op.padEnd(6)} ${row.reason.padEnd(8)} ${row.key}  ${JSON.stringify(row.fields).slice(0, 160)}`);
        }
        return;
      }
      printResult(result);
      if (result.status === 'failed' || result.status === 'interrupted') {
        throw new CdpError('DESTINATION', `sync ${name} ${result.status}: ${result.error ?? 'stopped before the plan was sent'}`, {
          hint: 'rows not confirmed stay planned: run it again once the cause is fixed',
        });
      }
    });
  });

  withProject(sync.command('list').description('syncs of the project with their last run')).action(async (flags: Flags) => {
    await inProject(flags, async (project) => {
      const listing = await listSyncSummaries(project);
      if (listing.syncs.length === 0 && listing.invalid.length === 0) {
        say(`no syncs (add YAML files to ${project.config.syncs.path}/)`);
        return;
      }
      say(
        table(
          ['sync', 'from', 'destination', 'mode', 'schedule', 'last run', 'status', 'ok', 'rejected'],
          listing.syncs.map((s) => [
            s.name,
            describeSyncFrom(s.from),
            s.destinationType,
            s.mode,
            s.schedule ?? '-',
            when(s.lastRun?.startedAt ?? null),
            s.lastRun?.status ?? 'never run',
            s.lastRun ? n(s.lastRun.counts.ok) : '-',
            s.lastRun ? n(s.lastRun.counts.rejected) : '-',
          ]),
        ),
      );
      for (const bad of listing.invalid) say(`invalid: ${bad.error}`);
    });
  });

  withProject(sync.command('status <name>').description('state of a sync: rows per status at the destination, unfinished plan, recent runs')).action(
    async (name: string, flags: Flags) => {
      await inProject(flags, async (project) => {
        const status = await getSyncStatus(project, name);
        say(`${status.name}: ${describeSyncFrom(status.from)} -> ${status.destinationType} (${status.mode})${status.schedule ? `, schedule "${status.schedule}"` : ''}`);
        say(`rows: ${n(status.state.ok)} ok, ${n(status.state.rejected)} rejected, ${n(status.state.retryable)} retryable, ${n(status.state.pending)} pending`);
        if (status.unfinishedPlan) {
          const p = status.unfinishedPlan;
          say(`unfinished plan ${p.planId} from ${when(p.createdAt)}: ${n(p.committed)}/${n(p.planned)} committed (the next run finishes it first)`);
        }
        if (status.recentRuns.length) {
          say('');
          say(table(['started', 'status', 'trigger', 'planned', 'sent', 'ok', 'rejected', 'retryable', 'match rate / reach', 'run'], status.recentRuns.map(runLine)));
          const last = status.recentRuns[0]!;
          const held = Object.entries(last.heldBack ?? {}).filter(([, v]) => v > 0);
          if (held.length) say(`last run held back: ${held.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
          if (last.error) say(`last error: ${last.error}`);
        } else say('never run');
      });
    },
  );

  withProject(
    sync
      .command('log <name>')
      .description('what happened to rows of a sync, newest first')
      .option('--key <key>', 'only this row key')
      .option('--run <id>', 'only this run')
      .option('--status <status>', 'only ok, rejected or retryable')
      .option('--limit <n>', 'at most n entries', '50'),
  ).action(async (name: string, flags: Flags & { key?: string; run?: string; status?: string; limit: string }) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new CdpError('INVALID_INPUT', `--limit must be a positive integer, not ${flags.limit}`);
    if (flags.status !== undefined && !['ok', 'rejected', 'retryable'].includes(flags.status)) {
      throw new CdpError('INVALID_INPUT', `unknown status ${flags.status}`, { hint: 'use ok, rejected or retryable' });
    }
    await inProject(flags, async (project) => {
      const entries = await syncRowLog(project, name, {
        key: flags.key,
        runId: flags.run,
        status: flags.status as 'ok' | 'rejected' | 'retryable' | undefined,
        limit,
      });
      if (entries.length === 0) {
        say(flags.key ? `no log entries for key ${flags.key}` : 'no log entries');
        return;
      }
      say(table(['at', 'key', 'op', 'status', 'error', 'run'], entries.map((e) => [when(e.at), e.key, e.op, e.status, e.error ?? '', e.runId])));
    });
  });

  withProject(sync.command('check <name>').description("test the connection to a sync's destination")).action(async (name: string, flags: Flags) => {
    await inProject(flags, async (project) => {
      await checkSyncDestination(project, name);
      say(`${name}: destination reachable and credentials accepted`);
    });
  });
}
