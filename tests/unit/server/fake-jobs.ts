import type { JobProvider, RunContext } from '../../../src/scheduler/index.js';

export interface RunRecord {
  job: string;
  owner: string;
  trigger: string;
  start: number;
  end: number;
  aborted: boolean;
}

/** Jobs that record when they ran; each run takes `ms` (stopping early, "after the batch", when aborted). */
export function fakeJobs(options: {
  owner: string;
  runs: RunRecord[];
  syncs: Array<{ name: string; schedule: string | null }>;
  ms?: number;
  modelsMs?: number;
  fail?: (job: string) => boolean;
}): JobProvider {
  const run = async (job: string, context: RunContext, ms: number) => {
    const record: RunRecord = { job, owner: options.owner, trigger: context.trigger, start: Date.now(), end: 0, aborted: false };
    options.runs.push(record);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      context.signal.addEventListener('abort', () => {
        record.aborted = true;
        // "finish the current batch": a short tail after the abort
        clearTimeout(timer);
        setTimeout(resolve, 50);
      });
    });
    record.end = Date.now();
    if (options.fail?.(job)) throw new Error(`${job} failed on purpose`);
    return { ok: true };
  };
  return {
    listSyncs: async () => options.syncs.map((s) => ({ ...s, origin: 'ui' as const })),
    runSync: (name, context) => run(`sync:${name}`, context, options.ms ?? 200),
    runModels: (context) => run('models', context, options.modelsMs ?? options.ms ?? 200),
  };
}

/** True when two runs of the same job overlap in time. */
export function overlaps(runs: readonly RunRecord[]): Array<[RunRecord, RunRecord]> {
  const out: Array<[RunRecord, RunRecord]> = [];
  const byJob = new Map<string, RunRecord[]>();
  for (const run of runs) byJob.set(run.job, [...(byJob.get(run.job) ?? []), run]);
  for (const list of byJob.values()) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.start < sorted[i - 1]!.end) out.push([sorted[i - 1]!, sorted[i]!]);
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
