import type { Knex } from 'knex';
import { toMsOrNull } from '../time.js';
import { scrubSecretText } from '../../util/secret-scrub.js';

export type JobStatusValue = 'running' | 'success' | 'error' | 'skipped';
export type Trigger = 'schedule' | 'catch_up' | 'manual';

export interface JobState {
  name: string;
  cron: string | null;
  paused: boolean;
  lastFireAt: Date | null;
  nextFireAt: Date | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastStatus: JobStatusValue | null;
  lastError: string | null;
  lastTrigger: Trigger | null;
}

interface StateRow {
  name: string;
  cron: string | null;
  paused: boolean | number;
  last_fire_at: unknown;
  next_fire_at: unknown;
  last_started_at: unknown;
  last_finished_at: unknown;
  last_status: JobStatusValue | null;
  last_error: string | null;
  last_trigger: Trigger | null;
}

function date(value: unknown): Date | null {
  const ms = toMsOrNull(value);
  return ms === null ? null : new Date(ms);
}

function toState(row: StateRow): JobState {
  return {
    name: row.name,
    cron: row.cron,
    paused: Boolean(row.paused),
    lastFireAt: date(row.last_fire_at),
    nextFireAt: date(row.next_fire_at),
    lastStartedAt: date(row.last_started_at),
    lastFinishedAt: date(row.last_finished_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastTrigger: row.last_trigger,
  };
}

/** Per-job schedule state shared by every process on the store. */
export class JobStateStore {
  constructor(private readonly knex: Knex) {}

  async get(name: string): Promise<JobState | undefined> {
    const row = await this.knex<StateRow>('scheduler_state').where({ name }).first();
    return row ? toState(row) : undefined;
  }

  async all(): Promise<JobState[]> {
    return (await this.knex<StateRow>('scheduler_state').select('*').orderBy('name')).map(toState);
  }

  /** Creates the row if missing (never overwrites another process's row). */
  async ensure(name: string, cron: string | null, nextFireAt: Date | null): Promise<void> {
    await this.knex('scheduler_state')
      .insert({ name, cron, paused: false, next_fire_at: nextFireAt?.getTime() ?? null })
      .onConflict('name')
      .ignore();
  }

  /** A changed cron expression starts afresh: no catch-up of fires computed from the old one. */
  async resetCron(name: string, cron: string | null, nextFireAt: Date | null): Promise<void> {
    await this.knex('scheduler_state').where({ name }).update({ cron, next_fire_at: nextFireAt?.getTime() ?? null });
  }

  /**
   * Claims the fire at `fireAt` for this process: true for exactly one caller across all
   * processes, and never for a paused job or a fire already claimed.
   */
  async claimFire(name: string, fireAt: Date, nextFireAt: Date | null): Promise<boolean> {
    const t = fireAt.getTime();
    const updated = await this.knex('scheduler_state')
      .where({ name, paused: false })
      .andWhere((q) => q.whereNull('last_fire_at').orWhere('last_fire_at', '<', t))
      .update({ last_fire_at: t, next_fire_at: nextFireAt?.getTime() ?? null });
    return updated === 1;
  }

  async setNextFire(name: string, nextFireAt: Date | null): Promise<void> {
    await this.knex('scheduler_state').where({ name }).update({ next_fire_at: nextFireAt?.getTime() ?? null });
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    await this.knex('scheduler_state').insert({ name, paused }).onConflict('name').merge(['paused']);
  }

  async started(name: string, trigger: Trigger): Promise<void> {
    await this.knex('scheduler_state')
      .insert({ name, paused: false, last_started_at: Date.now(), last_status: 'running', last_error: null, last_trigger: trigger })
      .onConflict('name')
      .merge(['last_started_at', 'last_status', 'last_error', 'last_trigger']);
  }

  async finished(name: string, status: Exclude<JobStatusValue, 'running'>, error: string | null): Promise<void> {
    await this.knex('scheduler_state')
      .where({ name })
      .update({ last_finished_at: Date.now(), last_status: status, last_error: error === null ? null : scrubSecretText(error).slice(0, 2000) });
  }
}
