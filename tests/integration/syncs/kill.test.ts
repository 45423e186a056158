import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { runSync, syncTables } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, type TestProject } from './helpers.js';

const BATCH = 100;
const CONCURRENCY = 2;

let t: TestProject;
let hook: FakeWebhook;
let child: ChildProcess | undefined;
let slow = false;
let killAfter = Number.POSITIVE_INFINITY;

beforeAll(async () => {
  t = await makeProject();
  hook = await startWebhook({
    keyColumn: 'id',
    respond: () => {
      if (!slow) return { status: 200 };
      if (hook.requests.length >= killAfter && child && child.exitCode === null) child.kill('SIGKILL');
      return { status: 200, delayMs: 150 };
    },
  });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await hook.close();
  await t.close();
});

it('kill -9 mid-run: the rerun delivers everything as planned, re-sending only the batches in flight', async () => {
  const yaml = `name: k\nfrom: { model: people }\nkey: id\ndestination:\n  type: webhook\n  config: { url: "${hook.url}/in", batch_size: ${BATCH}, concurrency: ${CONCURRENCY} }\nmode: mirror\nfields: { email: email, score: score }\n`;
  t.writeSync('k', yaml);
  const all = people(10_000);
  await loadPeople(t.project, all);
  expect((await runSync(t.project, 'k')).counts.ok).toBe(10_000);

  // 3,000 people leave, 3,000 change: a plan of 30 removal batches, then 30 upsert batches.
  const next = all.filter((_, i) => i % 10 < 7).map((p, i) => (i % 7 < 3 ? { ...p, score: 1000 + i } : p));
  await loadPeople(t.project, next);
  await t.project.close();

  const before = hook.batches.length;
  slow = true;
  killAfter = hook.requests.length + 12;
  child = spawn(process.execPath, ['bin/cdp.js', 'sync', 'run', 'k', '--project', t.dir], {
    cwd: process.cwd(),
    env: { ...process.env, CDP_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child!.on('exit', (code, signal) => resolve(signal ?? code)));
  expect(exit).toBe('SIGKILL');
  slow = false;
  const killedRun = hook.batches.slice(before);
  expect(killedRun.length).toBeGreaterThanOrEqual(12);
  expect(killedRun.length).toBeLessThan(60);

  // What the killed run committed, read back from the warehouse.
  const project = await Project.load(t.dir);
  try {
    const w = await project.warehouse();
    const tables = syncTables('cdp', 'k');
    const [progress] = await w.query<{ planned: number; plan_id: string }>(`SELECT * FROM cdp.sync_progress_k`);
    expect(progress!.planned).toBe(6000);
    const { seq: checkpoint, ahead } = await new SyncHistory((await project.state()).knex).lastCommit('k', progress!.plan_id);
    expect(checkpoint).toBeLessThan(6000);
    // Batches that finished out of order are committed too (beyond the gap-free checkpoint).
    const isCommitted = (seq: number) => seq <= checkpoint || ahead.some(([from, to]) => seq > from && seq <= to);
    const plan = await w.query<{ seq: number; sync_key: string; op: string }>(`SELECT seq, sync_key, op FROM ${w.dialect.relation(tables.plan)} ORDER BY seq`);
    const committed = new Set(plan.filter((p) => isCommitted(Number(p.seq))).map((p) => `${p.op}:${p.sync_key}`));
    const uncommitted = plan.filter((p) => !isCommitted(Number(p.seq))).map((p) => `${p.op}:${p.sync_key}`);
    expect(committed.size).toBeGreaterThan(0);

    const received1 = new Set(killedRun.flatMap((b) => b.rows.map((r) => `${b.op}:${String(r.id)}`)));
    const rerunFrom = hook.batches.length;
    const rerun = await runSync(project, 'k');
    expect(rerun.status).toBe('success');
    expect(rerun.resumedPlan).toBe(progress!.plan_id);
    expect(rerun.plan.total).toBe(0); // the resumed plan was all there was to do
    const sent2 = hook.batches.slice(rerunFrom).flatMap((b) => b.rows.map((r) => `${b.op}:${String(r.id)}`));

    // Exactly the rows not committed were sent again, each once, and nothing committed was.
    expect([...sent2].sort()).toEqual([...uncommitted].sort());
    for (const key of sent2) expect(committed.has(key)).toBe(false);
    // Re-sent rows are those of the batches in flight (or awaiting commit) at the kill: at most
    // `concurrency` batches plus the commit backlog (about 5,000 rows).
    const resent = sent2.filter((k) => received1.has(k));
    // A batch sent again carries the idempotency key of its first send, with the same rows.
    const firstKey = new Map(killedRun.map((b) => [b.idempotencyKey, b.rows.map((r) => String(r.id))]));
    const resentBatches = hook.batches.slice(rerunFrom).filter((b) => b.rows.some((r) => received1.has(`${b.op}:${String(r.id)}`)));
    for (const b of resentBatches) expect(firstKey.get(b.idempotencyKey)).toEqual(b.rows.map((r) => String(r.id)));
    expect(resent.length % BATCH).toBe(0);
    expect(resent.length).toBeLessThanOrEqual(CONCURRENCY * BATCH + 5_000);
    expect(resent.length).toBeLessThan(received1.size);

    // No removal lost; every change delivered: the receiver holds exactly the model.
    expect([...hook.state.keys()].sort()).toEqual(next.map((p) => p.id).sort());
    for (const p of next) expect(hook.state.get(p.id)).toEqual({ id: p.id, email: p.email, score: p.score });
    expect(hook.violations).toEqual([]);
  } finally {
    await project.close();
  }
});
