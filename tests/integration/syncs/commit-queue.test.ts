/**
 * The commit queue of a send, on its own over a real state store: batches that come back out of
 * order are committed as they come (kept, not held until the batches before them finish), the
 * gap-free checkpoint never skips a batch still in flight, consecutive batches share a commit,
 * and failed rows are logged and counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getDestination, type Row, type RowResult } from '../../../src/destinations/index.js';
import { PlanLayout, type Batch } from '../../../src/syncs/batches.js';
import { syncTables } from '../../../src/syncs/index.js';
import { openStateStore, SyncHistory, type RowError, type RunCounts, type StateStore } from '../../../src/state/index.js';
import { CommitQueue } from '../../../src/syncs/send/commit-queue.js';
import { Wakeup } from '../../../src/syncs/send/wakeup.js';
import type { Progress } from '../../../src/syncs/state.js';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import type { Warehouse } from '../../../src/warehouse/index.js';

let dir: string;
let store: StateStore;
let warehouse: Warehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdp-commit-queue-'));
  store = await openStateStore({ client: 'better-sqlite3', filename: join(dir, 'state.sqlite') }, dir);
  warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
});
afterAll(async () => {
  await warehouse?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const progress: Progress = {
  planId: 'plan-1',
  planned: 30,
  removes: 0,
  upserts: 30,
  batchSize: 10,
  committedSeq: 0,
  committedAhead: [],
  done: false,
  compactedSeq: 0,
  createdAt: new Date(),
  mode: 'upsert',
  keyColumn: 'id',
  fields: ['email'],
};

function batch(number: number): Batch {
  const firstSeq = number * 10 + 1;
  const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({ key: `k${firstSeq + i}`, fields: {} }));
  return { number, op: 'upsert', index: number + 1, firstSeq, lastSeq: firstSeq + 9, count: 10, rows };
}

it('commits out-of-order batches as they come, the checkpoint gap-free, with failed rows logged and counted', async () => {
  const history = new SyncHistory(store.knex);
  await history.start({ id: 'run-1', sync: 'q', destinationType: 'webhook', trigger: 'manual', full: false, startedAt: new Date(), resumedPlan: null });
  const counts: RunCounts = { planned: 30, sent: 30, ok: 0, rejected: 0, retryable: 0, retried: 0 };
  const firstErrors: RowError[] = [];
  const commits: number[] = [];
  const queue = new CommitQueue({
    warehouse,
    tables: syncTables('cdp', 'q'),
    progress,
    destination: getDestination('webhook'),
    scope: { runId: 'run-1', sync: 'q' },
    history,
    counts,
    firstErrors,
    layout: new PlanLayout(progress),
    firstBatch: 0,
    backlog: 6,
    wakeup: new Wakeup(),
    onCommit: (seq) => commits.push(seq),
  });
  const ok: RowResult[] = Array.from({ length: 10 }, () => ({ status: 'ok' }));
  const withRejection: RowResult[] = ok.map((r, i) => (i === 3 ? { status: 'rejected', reason: 'bad email' } : r));

  // The last batch comes back first: it is committed (a crash now would not re-send it), but the
  // checkpoint stays before the batches still out.
  queue.add({ batch: batch(2), results: ok, failed: [], at: new Date() });
  await expect.poll(() => commits).toEqual([0]);
  expect(await history.lastCommit('q', 'plan-1')).toMatchObject({ seq: 0, ahead: [[20, 30]] });
  expect(queue.waiting).toBe(0);
  expect(queue.isCommitted(2)).toBe(true);
  expect(queue.isCommitted(0)).toBe(false);

  queue.add({ batch: batch(0), results: withRejection, failed: [3], at: new Date() });
  await expect.poll(() => commits).toEqual([0, 10]);
  expect(await history.lastCommit('q', 'plan-1')).toMatchObject({ seq: 10, ahead: [[20, 30]] });
  queue.add({ batch: batch(1), results: ok, failed: [], at: new Date() });
  await queue.flush();

  expect(commits).toEqual([0, 10, 30]); // batch 1 closes the gap: the checkpoint jumps to the end
  expect(queue.committedSeq).toBe(30);
  expect(queue.waiting).toBe(0);
  expect(queue.error).toBeUndefined();
  expect(await history.lastCommit('q', 'plan-1')).toMatchObject({ seq: 30, ahead: [] });
  expect((await history.failures('q', 'plan-1', 0, 30)).map((f) => [f.seq, f.key, f.status, f.error])).toEqual([[4, 'k4', 'rejected', 'bad email']]);
  expect(counts).toMatchObject({ ok: 29, rejected: 1, retryable: 0 });
  expect(firstErrors).toEqual([{ key: 'k4', op: 'upsert', status: 'rejected', error: 'bad email' }]);
  // flush saved the counts to the run record.
  expect((await history.run('run-1'))?.counts).toMatchObject({ ok: 29, rejected: 1 });
});
