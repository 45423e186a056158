/**
 * kill -9 of `cdp sync run` at several moments of an insert-mode send (right after
 * acknowledgements, mid-batch, during the commit of an answer), then a rerun in-process:
 * - every batch sent again carries the idempotency key of its first send (same key, same rows);
 * - nothing acknowledged well before the kill is sent again (insert mode commits each answer
 *   before sending more), only batches in flight or whose answer was being committed;
 * - nothing is lost: every row reaches the receiver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { startWebhook, type FakeWebhook, type WebhookBatch } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, type TestProject } from './helpers.js';

const ROWS = 3_000;
const BATCH = 100;
const CONCURRENCY = 2;
/** An answer written this long before the kill has surely been committed (one SQLite write). */
const SETTLED_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Script {
  /** Answer delay of each request before the kill. */
  delayMs: number;
  /** Request index (0-based, of the killed run) at which the kill is armed. */
  at: number;
  /** When to kill: after answering request `at` (+ ms), or when it arrives (mid-batch). */
  kill: { afterAnswerMs: number } | 'on-arrival';
}

let t: TestProject;
let hook: FakeWebhook;
let child: ChildProcess | undefined;
let script: Script | undefined;
let killedAt = 0;
/** Request index -> when its answer was written (killed run only). */
let answeredAt = new Map<number, number>();
let runStart = 0;

function killChild(): void {
  if (child && child.exitCode === null && killedAt === 0) {
    killedAt = Date.now();
    child.kill('SIGKILL');
  }
}

beforeAll(async () => {
  t = await makeProject();
  hook = await startWebhook({
    keyColumn: 'id',
    respond: async (_batch, index) => {
      if (!script) return { status: 200 };
      const n = index - runStart;
      if (killedAt > 0) return { destroy: true }; // the killed process no longer listens
      if (script.kill === 'on-arrival' && n === script.at) {
        killChild();
        return { destroy: true };
      }
      if (typeof script.kill === 'object' && n > script.at) {
        // After the acknowledgement that arms the kill, later requests stay in flight.
        while (killedAt === 0) await sleep(10);
        return { destroy: true };
      }
      await sleep(script.delayMs);
      if (killedAt > 0) return { destroy: true };
      answeredAt.set(n, Date.now());
      if (typeof script.kill === 'object' && n === script.at) {
        const wait = script.kill.afterAnswerMs;
        setTimeout(killChild, wait);
      }
      return { status: 200 };
    },
  });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await hook.close();
  await t.close();
});

const rowsOf = (b: WebhookBatch) => b.rows.map((r) => String(r.id));

async function killAndRerun(name: string, s: Script) {
  t.writeSync(
    name,
    `name: ${name}\nfrom: { model: people }\nkey: id\ndestination:\n  type: webhook\n  config: { url: "${hook.url}/in", batch_size: ${BATCH}, concurrency: ${CONCURRENCY} }\nmode: insert\nfields: { email: email, score: score }\n`,
  );
  const before = hook.batches.length;
  runStart = hook.requests.length;
  answeredAt = new Map();
  killedAt = 0;
  script = s;
  child = spawn(process.execPath, ['bin/cdp.js', 'sync', 'run', name, '--project', t.dir], {
    cwd: process.cwd(),
    env: { ...process.env, CDP_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child!.on('exit', (code, signal) => resolve(signal ?? code)));
  script = undefined;
  expect(exit).toBe('SIGKILL');
  const killed = hook.batches.slice(before);
  const settled = killed.filter((_, i) => (answeredAt.get(i) ?? Number.POSITIVE_INFINITY) <= killedAt - SETTLED_MS);

  const project = await Project.load(t.dir);
  try {
    const rerunFrom = hook.batches.length;
    const rerun = await runSync(project, name);
    expect(rerun.status).toBe('success');
    return { killed, settled, rerun: hook.batches.slice(rerunFrom) };
  } finally {
    await project.close();
  }
}

describe('kill -9 of an insert-mode sync', () => {
  beforeAll(async () => {
    await loadPeople(t.project, people(ROWS));
    await t.project.close();
  });

  const moments: Array<[string, Script]> = [
    ['right after acknowledgements', { delayMs: 10, at: 22, kill: { afterAnswerMs: 120 } }],
    ['mid-batch (a request in flight)', { delayMs: 60, at: 12, kill: 'on-arrival' }],
    ['during the commit of an answer', { delayMs: 25, at: 15, kill: { afterAnswerMs: 1 } }],
    ['during the commit, later in the plan', { delayMs: 15, at: 21, kill: { afterAnswerMs: 3 } }],
  ];

  for (const [i, [moment, s]] of moments.entries()) {
    it(`${moment}: resends carry their first key, nothing acknowledged is sent again, nothing is lost`, async () => {
      const { killed, settled, rerun } = await killAndRerun(`kill_at_${i}`, s);
      expect(killed.length).toBeGreaterThanOrEqual(s.at);
      expect(settled.length).toBeGreaterThan(0);

      // Every batch has a key; the first send of each key fixes its rows.
      const firstSend = new Map<string, string[]>();
      for (const b of [...killed, ...rerun]) {
        expect(b.idempotencyKey).toMatch(/^.+:\d+$/);
        const rows = rowsOf(b);
        const first = firstSend.get(b.idempotencyKey!);
        if (first) expect(rows).toEqual(first); // a resend: same key, same rows
        else firstSend.set(b.idempotencyKey!, rows);
      }
      // A row sent in both runs went out under the same key both times.
      const keyOfRow = new Map(killed.flatMap((b) => rowsOf(b).map((r) => [r, b.idempotencyKey] as const)));
      const resent = rerun.filter((b) => rowsOf(b).some((r) => keyOfRow.has(r)));
      for (const b of resent) for (const r of rowsOf(b)) expect(b.idempotencyKey).toBe(keyOfRow.get(r));

      // Nothing acknowledged (and so committed) before the kill goes out again; at most the
      // batches in flight or being committed at the kill do.
      const acknowledged = new Set(settled.flatMap(rowsOf));
      expect(rerun.flatMap(rowsOf).filter((r) => acknowledged.has(r))).toEqual([]);
      expect(resent.length).toBeLessThanOrEqual(CONCURRENCY);

      // Nothing lost; no row twice in one run.
      const delivered = new Set([...killed, ...rerun].flatMap(rowsOf));
      expect(delivered.size).toBe(ROWS);
      expect(new Set(rerun.flatMap(rowsOf)).size).toBe(rerun.flatMap(rowsOf).length);
      expect(hook.violations).toEqual([]);
    });
  }
});
