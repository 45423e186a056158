import cron from 'node-cron';
import { CdpError } from '../errors.js';

/** Throws a CdpError naming the field when `expression` is not a valid cron expression. */
export function validateCron(expression: string, path = 'schedule'): void {
  const problem = cronProblem(expression);
  if (problem) {
    throw new CdpError('INVALID_INPUT', `invalid cron expression "${expression}": ${problem}`, { location: { path }, hint: CRON_HINT });
  }
}

export const CRON_HINT = 'use five fields: minute hour day-of-month month day-of-week, e.g. "0 * * * *" for hourly';

/**
 * Why `expression` is not a five-field cron expression, or undefined. node-cron also takes a
 * sixth (seconds) field; schedules here are five fields, as the hint and the docs say, so a
 * six-field expression (which would run every second for `* * * * * *`) is refused.
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `${fields.length} field${fields.length === 1 ? '' : 's'}, not 5`;
  const result = cron.validateDetailed(expression);
  return result.valid ? undefined : (result.errors[0]?.message ?? 'not a cron expression');
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
