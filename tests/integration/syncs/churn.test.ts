import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSync } from '../../../src/syncs/index.js';
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

it('a second run after 1% churn sends exactly the churn', async () => {
  const rows = people(5000);
  await loadPeople(t.project, rows);
  t.writeSync('churn', webhookSyncYaml('churn', `${hook.url}/in`, { batchSize: 200 }));
  const first = await runSync(t.project, 'churn');
  expect(first.counts).toMatchObject({ ok: 5000, sent: 5000 });
  expect(hook.state.size).toBe(5000);

  // 1%: 25 rows change, 13 leave, 12 arrive.
  const changed = new Set(rows.filter((_, i) => i % 200 === 7).map((p) => p.id));
  const removed = new Set(rows.filter((_, i) => i % 385 === 3).map((p) => p.id));
  const next = rows.filter((p) => !removed.has(p.id)).map((p) => (changed.has(p.id) ? { ...p, first_name: `${p.first_name} Jr` } : p));
  const added = people(12, 90_000);
  next.push(...added);
  await loadPeople(t.project, next);
  expect(changed.size + removed.size + added.length).toBe(50);

  hook.batches.length = 0;
  const second = await runSync(t.project, 'churn');
  expect(second.plan).toMatchObject({ changed: 25, removed: 13, added: 12, total: 50 });
  expect(second.counts).toMatchObject({ sent: 50, ok: 50 });
  const upserts = hook.rowsSent('upsert');
  expect(upserts.map((r) => r.id).sort()).toEqual([...changed, ...added.map((p) => p.id)].sort());
  expect(hook.rowsSent('remove').map((r) => r.id).sort()).toEqual([...removed].sort());
  for (const row of upserts) if (changed.has(String(row.id))) expect(String(row.first_name)).toMatch(/ Jr$/);
  // The receiver now holds exactly the model.
  expect([...hook.state.keys()].sort()).toEqual(next.map((p) => p.id).sort());

  hook.batches.length = 0;
  const third = await runSync(t.project, 'churn');
  expect(third.plan.total).toBe(0);
  expect(hook.batches).toEqual([]);
});
