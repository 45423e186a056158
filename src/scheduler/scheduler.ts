import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditLog} from '../audit/index.js';
import { type Actor } from '../audit/index.js';
import { CdpError } from '../errors.js';
import { nextFire } from './cron.js';
import { MODELS_JOB, syncJobKey, type JobDefinition, type JobProvider, type RunContext, type RunOptions } from './jobs.js';
import { LeaseStore, type LeaseInfo } from '../state/repositories/leases.js';
import { JobStateStore, type JobState, type Trigger } from '../state/repositories/job-states.js';

export interface SchedulerOptions {
  knex: Knex;
  jobs: JobProvider;
  log: Logger;
  audit?: AuditLog;
  /** Cron for model builds (`cdp serve --models-schedule`); null: builds only on demand. */
  modelsCron?: string | null;
  timezone?: string;
  /** Lease time-to-live; renewed every third of it while a job runs. Default 60 s. */
  leaseMs?: number;
  /** How often job definitions are re-read (syncs made in the UI of another process). Default 60 s. */
  reloadMs?: number;
  /** How long a sync waits for a model build that runs before it. Default 2 h. */
  modelWaitMs?: number;
  /** Poll interval while waiting for a model build. Default 1 s. */
  pollMs?: number;
  /** Identifies this process in leases; default `<host>:<pid>:<random>`. */
  owner?: string;
  /** When `jobs.pruneRunLogs` runs (default daily at 03:17); it also runs once at start. Idempotent, so no lease. */
  retentionCron?: string;
}

export interface JobStatus extends JobDefinition {
  paused: boolean;
  running: boolean;
  runningOwner: string | null;
  lastFireAt: string | null;
  nextFireAt: string | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastStatus: JobState['lastStatus'];
  lastError: string | null;
  lastTrigger: Trigger | null;
}

interface Scheduled {
  job: JobDefinition;
  task: ScheduledTask | null;
}

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs model builds and syncs on their cron schedules, and on demand. Every run holds the job's
 * lease in the state store, so two processes never run one job at once; each scheduled fire is
 * claimed once across processes; a fire missed while no process ran is run once at start.
 */
export class Scheduler {
  readonly owner: string;
  private readonly leases: LeaseStore;
  private readonly states: JobStateStore;
  private readonly scheduled = new Map<string, Scheduled>();
  /** Runs in this process, by run id (a job may have a run going and a fire being skipped). */
  private readonly inFlight = new Map<number, { key: string; promise: Promise<void>; abort: AbortController; lease: LeaseStore }>();
  private nextRunId = 1;
  private readonly leaseMs: number;
  private readonly actor: Actor;
  private reloadTimer: NodeJS.Timeout | undefined;
  private retentionTask: ScheduledTask | undefined;
  private accepting = true;
  private started = false;

  constructor(private readonly options: SchedulerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    // Reads only (holder); each run takes the lease under its own owner id, see runLease().
    this.leases = new LeaseStore(options.knex, this.owner);
    this.states = new JobStateStore(options.knex);
    this.leaseMs = options.leaseMs ?? 60_000;
    this.actor = { type: 'scheduler', id: this.owner, email: null };
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Loads the jobs, catches up fires missed while no process ran, and starts the cron timers. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Jobs registered by an earlier reload() have no timers yet: register everything afresh.
    this.scheduled.clear();
    await this.reload({ catchUp: true });
    const reloadMs = this.options.reloadMs ?? 60_000;
    this.reloadTimer = setInterval(() => {
      this.reload({ catchUp: false }).catch((error: unknown) => this.options.log.error({ err: error }, 'scheduler reload failed'));
    }, reloadMs);
    this.reloadTimer.unref();
    this.startRetention();
  }

  /**
   * Run-log retention is not a job (nothing to pause, no history to show): a timer per process. The
   * prune is an idempotent DELETE, so two processes pruning at once is harmless.
   */
  private startRetention(): void {
    const prune = this.options.jobs.pruneRunLogs?.bind(this.options.jobs);
    if (!prune) return;
    const run = () => {
      if (!this.accepting) return;
      prune().catch((error: unknown) => this.options.log.error({ err: error }, 'run-log retention failed'));
    };
    this.retentionTask = cron.createTask(this.options.retentionCron ?? '17 3 * * *', run, {
      name: 'cdp:retention',
      ...(this.options.timezone ? { timezone: this.options.timezone } : {}),
    });
    void this.retentionTask.start();
    run();
  }

  /** The jobs as defined now (models + every sync). */
  async definitions(): Promise<JobDefinition[]> {
    const jobs: JobDefinition[] = [
      { key: MODELS_JOB, kind: 'models', name: MODELS_JOB, cron: this.options.modelsCron ?? null, timezone: this.options.timezone, origin: 'options' },
    ];
    for (const sync of await this.options.jobs.listSyncs()) {
      jobs.push({
        key: syncJobKey(sync.name),
        kind: 'sync',
        name: sync.name,
        cron: sync.schedule,
        timezone: sync.timezone ?? this.options.timezone,
        origin: sync.origin,
      });
    }
    return jobs;
  }

  /** Re-reads job definitions and (re)registers cron timers; call after a sync is created/changed/deleted. */
  async reload(options: { catchUp?: boolean } = {}): Promise<void> {
    const jobs = await this.definitions();
    const wanted = new Map(jobs.map((job) => [job.key, job]));
    for (const [key, entry] of this.scheduled) {
      const next = wanted.get(key);
      if (!next || next.cron !== entry.job.cron || next.timezone !== entry.job.timezone) {
        await entry.task?.destroy();
        this.scheduled.delete(key);
      }
    }
    for (const job of jobs) {
      if (this.scheduled.has(job.key)) {
        this.scheduled.get(job.key)!.job = job;
        continue;
      }
      await this.prepareState(job, options.catchUp ?? false);
      const task = this.started && job.cron ? this.createTask(job) : null;
      this.scheduled.set(job.key, { job, task });
    }
  }

  private createTask(job: JobDefinition): ScheduledTask {
    const task = cron.createTask(job.cron!, (context) => this.onFire(job.key, context.date), {
      name: `cdp:${job.key}`,
      ...(job.timezone ? { timezone: job.timezone } : {}),
    });
    void task.start();
    return task;
  }

  private async prepareState(job: JobDefinition, catchUp: boolean): Promise<void> {
    const next = job.cron ? nextFire(job.cron, job.timezone) : null;
    const state = await this.states.get(job.key);
    if (!state) {
      await this.states.ensure(job.key, job.cron, next);
      return;
    }
    if (state.cron !== job.cron) {
      await this.states.resetCron(job.key, job.cron, next);
      return;
    }
    const missed = state.nextFireAt;
    if (catchUp && job.cron && missed && missed.getTime() <= Date.now() && !state.paused) {
      // Down while one or more fires passed: run once for the earliest, not once per missed tick.
      if (await this.states.claimFire(job.key, missed, next)) {
        this.options.log.info({ job: job.key, missedFire: missed.toISOString() }, 'catching up a missed scheduled run');
        this.launch(job, 'catch_up', this.actor, missed, this.runLease());
      }
      return;
    }
    if (!missed || missed.getTime() <= Date.now()) await this.states.setNextFire(job.key, next);
  }

  private async onFire(key: string, fireAt: Date): Promise<void> {
    const entry = this.scheduled.get(key);
    if (!entry || !this.accepting) return;
    const next = entry.job.cron ? nextFire(entry.job.cron, entry.job.timezone) : null;
    try {
      if (!(await this.states.claimFire(key, fireAt, next))) return; // paused, or another process has it
      this.launch(entry.job, 'schedule', this.actor, fireAt, this.runLease());
    } catch (error) {
      this.options.log.error({ err: error, job: key }, 'scheduled fire failed');
    }
  }

  /**
   * Runs a job now for `actor`. Resolves once the run has started (it continues in the background);
   * CONFLICT when the job is already running in this or another process.
   */
  async runNow(key: string, actor: Actor, options: RunOptions = {}): Promise<{ key: string; startedAt: string }> {
    if (!this.accepting) throw new CdpError('CONFLICT', 'the service is shutting down', { hint: 'retry against a running instance' });
    const job = this.scheduled.get(key)?.job ?? (await this.definitions()).find((candidate) => candidate.key === key);
    if (!job) throw new CdpError('NOT_FOUND', `no job ${key}`);
    const lease = this.runLease();
    if (!(await lease.acquire(key, this.leaseMs))) {
      const holder = await this.leases.holder(key);
      throw new CdpError('CONFLICT', `${key} is already running${holder ? ` (since ${holder.acquiredAt.toISOString()})` : ''}`, {
        hint: 'wait for the current run to finish',
      });
    }
    const startedAt = new Date();
    if (!this.launch(job, 'manual', actor, null, lease, true, options)) {
      throw new CdpError('CONFLICT', 'the service is shutting down', { hint: 'retry against a running instance' });
    }
    return { key, startedAt: startedAt.toISOString() };
  }

  /**
   * A lease handle for one run: every run holds the job's lease under its own owner id, so two runs
   * of one job in the same process exclude each other exactly as runs in two processes do.
   */
  private runLease(): LeaseStore {
    return new LeaseStore(this.options.knex, `${this.owner}/${this.nextRunId++}`);
  }

  /** Runs in the background; `leaseHeld` when the caller took the lease already. */
  private launch(job: JobDefinition, trigger: Trigger, actor: Actor, fireAt: Date | null, lease: LeaseStore, leaseHeld = false, options: RunOptions = {}): boolean {
    // A fire or a "run now" that was claiming its turn when stop() began: stop() waits only for runs
    // launched before it, so nothing may start after it.
    if (!this.accepting) {
      if (leaseHeld) void lease.release(job.key).catch((error: unknown) => this.options.log.error({ err: error }, 'lease release failed'));
      return false;
    }
    const abort = new AbortController();
    const id = this.nextRunId++;
    const promise = this.execute(job, trigger, actor, fireAt, abort, lease, leaseHeld, options).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, { key: job.key, promise, abort, lease });
    return true;
  }

  private async execute(
    job: JobDefinition,
    trigger: Trigger,
    actor: Actor,
    fireAt: Date | null,
    abort: AbortController,
    lease: LeaseStore,
    leaseHeld: boolean,
    options: RunOptions,
  ): Promise<void> {
    const log = this.options.log.child({ job: job.key, trigger });
    try {
      if (job.kind === 'sync' && fireAt) await this.waitForModels(fireAt, abort.signal);
      // Shutdown ends the wait for a build early: that must not start the sync (before or after the build).
      if (abort.signal.aborted) {
        log.info('not started: the service is shutting down');
        return;
      }
      if (!leaseHeld && !(await lease.acquire(job.key, this.leaseMs))) {
        log.warn('skipped: the previous run is still going');
        await this.states.finished(job.key, 'skipped', 'the previous run was still going');
        return;
      }
    } catch (error) {
      log.error({ err: error }, 'could not start the job');
      return;
    }
    const heartbeat = setInterval(() => {
      lease
        .renew(job.key, this.leaseMs)
        .then((held) => {
          if (!held) {
            log.error('lost the job lease; stopping after the current batch');
            abort.abort(new Error('lease lost'));
          }
        })
        .catch((error: unknown) => log.error({ err: error }, 'lease renewal failed'));
    }, Math.max(Math.floor(this.leaseMs / 3), 50));
    const context: RunContext = { trigger, actor, signal: abort.signal, options };
    const started = Date.now();
    let failure: unknown;
    try {
      await this.states.started(job.key, trigger);
      log.info('job started');
      if (job.kind === 'models') await this.options.jobs.runModels(context);
      else await this.options.jobs.runSync(job.name, context);
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(heartbeat);
    }
    const message = failure === undefined ? null : failure instanceof Error ? failure.message : String(failure);
    try {
      await this.states.finished(job.key, failure === undefined ? 'success' : 'error', message);
      await this.options.audit?.record({
        actor,
        action: job.kind === 'models' ? 'models.run' : 'sync.run',
        resourceType: job.kind === 'models' ? 'models' : 'sync',
        resourceId: job.kind === 'models' ? null : job.name,
        outcome: failure === undefined ? 'ok' : 'error',
        details: { trigger, ...options, seconds: Math.round((Date.now() - started) / 100) / 10, ...(message ? { error: message.slice(0, 500) } : {}) },
      });
    } finally {
      await lease.release(job.key).catch((error: unknown) => log.error({ err: error }, 'lease release failed'));
    }
    if (failure === undefined) log.info({ seconds: (Date.now() - started) / 1000 }, 'job finished');
    else log.error({ err: failure }, 'job failed');
  }

  /**
   * Syncs read what the model build writes: a sync fired at the same tick as the build, or while a
   * build runs anywhere, waits for it to finish (bounded by modelWaitMs).
   */
  private async waitForModels(fireAt: Date, signal: AbortSignal): Promise<void> {
    const models = this.scheduled.get(MODELS_JOB);
    const buildDueNow = Boolean(models?.task?.match(fireAt));
    const deadline = Date.now() + (this.options.modelWaitMs ?? 2 * 60 * 60 * 1000);
    const poll = this.options.pollMs ?? 1000;
    while (Date.now() < deadline && !signal.aborted) {
      const state = await this.states.get(MODELS_JOB);
      const holder = await this.leases.holder(MODELS_JOB);
      // A build due at this tick counts as done once it finished (or was skipped) after the fire time:
      // between claiming its fire and taking its lease there is a moment with no holder.
      const dueBuildDone = !buildDueNow || Boolean(state?.paused) || (state?.lastFinishedAt?.getTime() ?? 0) >= fireAt.getTime();
      if (dueBuildDone && !holder) return;
      await sleep(poll);
    }
  }

  async pause(key: string, actor: Actor): Promise<void> {
    await this.requireJob(key);
    await this.states.setPaused(key, true);
    await this.options.audit?.record({ actor, action: 'schedule.pause', resourceType: 'schedule', resourceId: key });
  }

  async resume(key: string, actor: Actor): Promise<void> {
    const job = await this.requireJob(key);
    await this.states.setPaused(key, false);
    // Fires that passed while paused are not caught up.
    await this.states.setNextFire(key, job.cron ? nextFire(job.cron, job.timezone) : null);
    await this.options.audit?.record({ actor, action: 'schedule.resume', resourceType: 'schedule', resourceId: key });
  }

  private async requireJob(key: string): Promise<JobDefinition> {
    const job = this.scheduled.get(key)?.job ?? (await this.definitions()).find((candidate) => candidate.key === key);
    if (!job) throw new CdpError('NOT_FOUND', `no scheduled job ${key}`);
    return job;
  }

  /** Every job with its schedule and last run, as this process sees it. */
  async status(): Promise<JobStatus[]> {
    const jobs = this.started ? [...this.scheduled.values()].map((entry) => entry.job) : await this.definitions();
    const states = new Map((await this.states.all()).map((state) => [state.name, state]));
    const out: JobStatus[] = [];
    for (const job of jobs) {
      const state = states.get(job.key);
      const holder: LeaseInfo | undefined = await this.leases.holder(job.key);
      out.push({
        ...job,
        paused: state?.paused ?? false,
        running: holder !== undefined,
        runningOwner: holder?.owner ?? null,
        lastFireAt: iso(state?.lastFireAt),
        nextFireAt: state?.paused ? null : iso(state?.nextFireAt),
        lastStartedAt: iso(state?.lastStartedAt),
        lastFinishedAt: iso(state?.lastFinishedAt),
        lastStatus: state?.lastStatus ?? null,
        lastError: state?.lastError ?? null,
        lastTrigger: state?.lastTrigger ?? null,
      });
    }
    return out;
  }

  /** Keys of the jobs with a run in this process. */
  running(): string[] {
    return [...new Set([...this.inFlight.values()].map((run) => run.key))];
  }

  /** Resolves when every run started so far in this process has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight.values()].map((run) => run.promise));
  }

  /**
   * Graceful stop: no new runs, in-flight runs are asked to stop after their current batch and
   * given `timeoutMs` to finish, then this process's leases are released.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.accepting = false;
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    await this.retentionTask?.destroy();
    for (const entry of this.scheduled.values()) await entry.task?.destroy();
    this.scheduled.clear();
    const runs = [...this.inFlight.values()];
    for (const run of runs) run.abort.abort(new Error('shutting down'));
    const timeout = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(runs.map((run) => run.promise)).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeout);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.options.log.warn({ running: this.running() }, 'shutdown timeout: leaving runs unfinished');
    // Runs that did not finish in time give their leases up so another process can take over.
    for (const run of this.inFlight.values()) await run.lease.release(run.key).catch(() => undefined);
  }
}
