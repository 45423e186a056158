/**
 * Results are folded into the state while a large plan is still being sent (every
 * `foldEveryRows` committed rows, in the background), and once more when sending stops: each row
 * is folded exactly once and the next run diffs against a state as complete as a single fold's.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSync } from '../../../src/syncs/index.js';
import { stateCounts } from '../../../src/syncs/state.js';
import { syncTables } from '../../../src/syncs/tables.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, webhookSyncYaml, type TestProject } from './helpers.js';

let t: TestProject;
let hook: FakeWebhook;
beforeAll(async () => {
  t = await makeProject();
  hook = await startWebhook({ keyColumn: 'id' });
});
afterAll(async () => {
  await hook.close();
  await t.close();
});

it('folds while sending, each row once, and the next run sends only what changed', async () => {
  const rows = people(3000);
  await loadPeople(t.project, rows);
  t.writeSync('folding', webhookSyncYaml('folding', `${hook.url}/in`, { batchSize: 100 }));
  // Every commit while sending starts a fold unless one is running: the first always does.
  const commits: number[] = [];
  const first = await runSync(t.project, 'folding', { foldEveryRows: 1, onProgress: (e) => void (e.phase === 'sending' && commits.push(e.committed)) });
  expect(first.counts).toMatchObject({ ok: 3000, sent: 3000 });
  expect(commits.length).toBeGreaterThan(1);

  const warehouse = await t.project.warehouse();
  const tables = syncTables('cdp', 'folding');
  expect(await stateCounts(warehouse, tables)).toEqual({ ok: 3000, rejected: 0, retryable: 0, pending: 0 });
  const [log] = await warehouse.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT seq) AS seqs FROM ${warehouse.dialect.relation(tables.log)}`);
  expect({ n: Number(log!.n), seqs: Number(log!.seqs) }).toEqual({ n: 3000, seqs: 3000 });

  const changed = new Set(rows.filter((_, i) => i % 100 === 1).map((p) => p.id));
  await loadPeople(t.project, rows.map((p) => (changed.has(p.id) ? { ...p, first_name: `${p.first_name} Jr` } : p)));
  hook.batches.length = 0;
  const second = await runSync(t.project, 'folding', { foldEveryRows: 1 });
  expect(second.plan).toMatchObject({ changed: 30, added: 0, removed: 0, total: 30 });
  expect(hook.rowsSent('upsert').map((r) => r.id).sort()).toEqual([...changed].sort());
});
