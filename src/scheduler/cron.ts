import cron from 'node-cron';
import { CdpError } from '../errors.js';

/** Throws a CdpError naming the field when `expression` is not a valid cron expression. */
export function validateCron(expression: string, path = 'schedule'): void {
  const result = cron.validateDetailed(expression);
  if (!result.valid) {
    const first = result.errors[0];
    throw new CdpError('INVALID_INPUT', `invalid cron expression "${expression}": ${first?.message ?? 'not a cron expression'}`, {
      location: { path },
      hint: 'use five fields: minute hour day-of-month month day-of-week, e.g. "0 * * * *" for hourly',
    });
  }
}

/** The next time `expression` fires after now, in `timezone` (default: the process's). */
export function nextFire(expression: string, timezone?: string): Date | null {
  const task = cron.createTask(expression, () => undefined, timezone ? { timezone } : {});
  try {
    return task.getNextRuns(1)[0] ?? null;
  } finally {
    void task.destroy();
  }
}

/** Presets the UI offers, as cron expressions. */
export const SCHEDULE_PRESETS: Readonly<Record<string, string>> = {
  every_15_minutes: '*/15 * * * *',
  hourly: '0 * * * *',
  daily: '0 6 * * *',
  weekly: '0 6 * * 1',
};
