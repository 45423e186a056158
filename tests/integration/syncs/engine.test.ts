import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DestinationError } from '../../../src/destinations/index.js';
import { CdpError } from '../../../src/errors.js';
import { getSyncStatus, listSyncSummaries, loadSync, runSync, syncRowLog, syncTables } from '../../../src/syncs/index.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, webhookSyncYaml, type TestProject } from './helpers.js';
import { memoryDestination, memorySyncYaml, type MemoryDestination } from './memory-destination.js';

let t: TestProject;
let n = 0;
beforeAll(async () => {
  t = await makeProject();
});
afterAll(async () => {
  await t.close();
});

async function caught(promise: Promise<unknown>): Promise<CdpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CdpError)) throw new Error(`expected a CdpError, got ${String(error)}`);
  return error;
}

describe('run history', () => {
  it('records runs, per-row results searchable by key, and the sync status', async () => {
    const dest = memoryDestination();
    const sync = `h${n++}`;
    await loadPeople(t.project, people(15));
    t.writeSync(sync, memorySyncYaml(sync, dest.type));
    dest.answer = (_op, row) => (row.key === 'p000011' ? { status: 'rejected', reason: 'no thanks' } : undefined);
    const first = await runSync(t.project, sync, { trigger: 'cli' });
    await loadPeople(t.project, people(14));
    dest.reset();
    const second = await runSync(t.project, sync, { trigger: 'schedule' });

    const status = await getSyncStatus(t.project, sync);
    expect(status).toMatchObject({ name: sync, from: { model: 'people' }, destinationType: dest.type, mode: 'mirror', state: { ok: 13, rejected: 1, retryable: 0, pending: 0 }, unfinishedPlan: null });
    expect(status.recentRuns.map((r) => [r.id, r.status, r.trigger])).toEqual([
      [second.runId, 'success', 'schedule'],
      [first.runId, 'partial', 'cli'],
    ]);
    const firstRun = status.recentRuns[1]!;
    expect(firstRun.counts).toEqual({ planned: 15, sent: 15, ok: 14, rejected: 1, retryable: 0, retried: 0 });
    expect(firstRun.plan).toEqual({ added: 15, changed: 0, removed: 0 });
    expect(firstRun.firstErrors).toEqual([{ key: 'p000011', op: 'upsert', status: 'rejected', error: 'no thanks' }]);
    expect(firstRun.finishedAt!.getTime()).toBeGreaterThanOrEqual(firstRun.startedAt.getTime());
    expect(status.recentRuns[0]!.plan).toEqual({ added: 0, changed: 0, removed: 1 });

    const log = await syncRowLog(t.project, sync, { key: 'p000014' });
    expect(log.map((e) => [e.runId, e.op, e.status])).toEqual([
      [second.runId, 'remove', 'ok'],
      [first.runId, 'upsert', 'ok'],
    ]);
    expect(await syncRowLog(t.project, sync, { status: 'rejected' })).toMatchObject([{ key: 'p000011', error: 'no thanks', runId: first.runId }]);
    expect(await syncRowLog(t.project, sync, { runId: first.runId!, limit: 1000 })).toHaveLength(15);

    const listing = await listSyncSummaries(t.project);
    expect(listing.syncs.find((s) => s.name === sync)?.lastRun?.id).toBe(second.runId);
  });
});

describe('stopping and resuming', () => {
  let dest: MemoryDestination;
  let sync: string;
  beforeEach(() => {
    dest = memoryDestination({ batchSize: 10 });
    sync = `r${n++}`;
  });

  it('a destination error stops the run; the rerun finishes the same plan, then plans afresh', async () => {
    await loadPeople(t.project, people(50));
    t.writeSync(sync, memorySyncYaml(sync, dest.type));
    dest.failCall = (i) => (i === 2 ? new DestinationError('credentials revoked') : undefined);
    const failed = await runSync(t.project, sync, { concurrency: 1 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('credentials revoked');
    expect(failed.counts).toMatchObject({ planned: 50, sent: 30, ok: 20 });
    const status = await getSyncStatus(t.project, sync);
    expect(status.unfinishedPlan).toMatchObject({ planId: failed.runId, planned: 50, committed: 20 });
    expect(status.state.ok).toBe(20);

    dest.reset();
    const resumed = await runSync(t.project, sync);
    expect(resumed.status).toBe('success');
    expect(resumed.resumedPlan).toBe(failed.runId);
    expect(resumed.counts).toMatchObject({ planned: 30, sent: 30, ok: 30, retried: 30 });
    expect(resumed.plan.total).toBe(0);
    expect(dest.calls.flatMap((c) => c.keys)).toEqual(people(50).slice(20).map((p) => p.id));
    // The resumed batches keep their position in the plan (Meta's session batch_seq relies on it).
    expect(dest.calls.map((c) => [c.batch.planId, c.batch.index, c.batch.count])).toEqual([
      [failed.runId, 3, 5],
      [failed.runId, 4, 5],
      [failed.runId, 5, 5],
    ]);
    expect(dest.records.size).toBe(50);
  });

  it('an aborted run is interrupted after the batches in flight, and resumed next time', async () => {
    await loadPeople(t.project, people(60));
    t.writeSync(sync, memorySyncYaml(sync, dest.type));
    const controller = new AbortController();
    dest.answer = () => {
      if (dest.calls.length === 2) controller.abort();
      return undefined;
    };
    const interrupted = await runSync(t.project, sync, { signal: controller.signal, concurrency: 1 });
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.counts.ok).toBe(20);
    dest.reset();
    const resumed = await runSync(t.project, sync);
    expect(resumed.resumedPlan).toBe(interrupted.runId);
    expect(resumed.counts.ok).toBe(40);
    expect(dest.records.size).toBe(60);
  });

  it('gives up when batch after batch cannot be delivered, keeping the rows for the next run', async () => {
    let down = true;
    const hook: FakeWebhook = await startWebhook({ keyColumn: 'id', respond: () => (down ? { status: 503, body: 'down' } : { status: 200 }) });
    try {
      await loadPeople(t.project, people(100));
      t.writeSync(sync, webhookSyncYaml(sync, `${hook.url}/in`, { batchSize: 10 }));
      const failed = await runSync(t.project, sync, { http: { maxAttempts: 1 }, concurrency: 1, maxConsecutiveFailures: 3 });
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe(
        'webhook: 3 batches in a row could not be delivered (HTTP 503: down) — the destination looks down; rows not confirmed stay planned and the next run sends them',
      );
      expect(failed.counts).toMatchObject({ sent: 30, ok: 0, retryable: 30 });
      expect((await getSyncStatus(t.project, sync)).state).toMatchObject({ ok: 0, retryable: 30 });
      down = false;
      const next = await runSync(t.project, sync, { http: { maxAttempts: 1 } });
      expect(next.status).toBe('success');
      expect(next.counts).toMatchObject({ ok: 100, retried: 70 + 30 });
      expect(hook.state.size).toBe(100);
      expect(hook.violations).toEqual([]);
    } finally {
      await hook.close();
    }
  });
});

describe('bad input', () => {
  it('unknown destination type: a clear error naming the file and line', async () => {
    const sync = `b${n++}`;
    t.writeSync(sync, memorySyncYaml(sync, 'fax_machine'));
    const error = await caught(loadSync(t.project, sync));
    expect(error.message).toBe('unknown destination type "fax_machine"');
    expect(error.location).toEqual({ file: `syncs/${sync}.yaml`, line: 4, path: 'destination.type' });
    expect(error.hint).toMatch(/^use one of: (.*, )?file, (.*, )?mailchimp, (.*, )?meta_custom_audiences, (.*, )?webhook(, .*)?$/);
  });

  it('a missing secret stops the run before anything is planned', async () => {
    const sync = `b${n++}`;
    const hook = await startWebhook({ keyColumn: 'id' });
    try {
      await loadPeople(t.project, people(5));
      t.writeSync(sync, webhookSyncYaml(sync, `${hook.url}/in`, { secret: 'CDP_TEST_UNSET_SECRET' }));
      delete process.env.CDP_TEST_UNSET_SECRET;
      const error = await caught(runSync(t.project, sync));
      expect(error.code).toBe('SECRET_MISSING');
      expect(error.oneLine()).toBe(`syncs/${sync}.yaml:9: environment variable CDP_TEST_UNSET_SECRET is not set (at destination.config.secret) — export CDP_TEST_UNSET_SECRET=... before running`);
      expect(hook.requests).toHaveLength(0);
      const w = await t.project.warehouse();
      expect(await w.relationExists(syncTables('cdp', sync).plan)).toBe(false);
      process.env.CDP_TEST_UNSET_SECRET = 's3cret';
      const ok = await runSync(t.project, sync);
      expect(ok.status).toBe('success');
      expect(hook.violations).toEqual([]);
      expect(hook.batches[0]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    } finally {
      delete process.env.CDP_TEST_UNSET_SECRET;
      await hook.close();
    }
  });

  it('a mapped column that does not exist: the field, its line and the columns there are', async () => {
    const dest = memoryDestination();
    const sync = `b${n++}`;
    await loadPeople(t.project, people(5));
    t.writeSync(sync, memorySyncYaml(sync, dest.type, 'mirror', '{ email: email,\n  phone: phone_number }'));
    const error = await caught(runSync(t.project, sync));
    expect(error.oneLine()).toBe(`syncs/${sync}.yaml:7: column "phone_number" does not exist in model cdp.people (at fields.phone) — available columns: id, email, first_name, score`);
    expect(dest.calls).toEqual([]);
  });

  it('a model that is not built', async () => {
    const dest = memoryDestination();
    const sync = `b${n++}`;
    t.writeSync(sync, memorySyncYaml(sync, dest.type).replace('model: people', 'model: nowhere'));
    const error = await caught(runSync(t.project, sync));
    expect(error.oneLine()).toBe(`syncs/${sync}.yaml:2: model nowhere does not exist in the warehouse (cdp.nowhere) (at from.model) — build it with \`cdp run\`, or fix the model name`);
  });
});
