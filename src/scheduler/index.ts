export { Scheduler, type SchedulerOptions, type JobStatus } from './scheduler.js';
export { MODELS_JOB, syncJobKey, type JobDefinition, type JobProvider, type RunContext, type RunOptions } from './jobs.js';
export { LeaseStore, localOwner, processAlive, type LeaseInfo } from '../state/repositories/leases.js';
export { JobStateStore, type JobState, type Trigger, type JobStatusValue } from '../state/repositories/job-states.js';
export { validateCron, nextFire, SCHEDULE_PRESETS } from './cron.js';
