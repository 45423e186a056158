/**
 * kill -9 of `cdp serve` (a child process) while clients send: after a restart every acknowledged
 * event lands, none twice; SIGTERM lands everything pending before the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL } from './helpers.js';

const CDP = fileURLToPath(new URL('../../../bin/cdp.js', import.meta.url));
const KEY = `wk-crash-${randomBytes(8).toString('hex')}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function serve(dir: string, port: number): ChildProcess {
  return spawn(process.execPath, [CDP, 'serve', '--project', dir, '--port', String(port), '--no-scheduler'], {
    env: { ...process.env, CDP_CRASH_WK: KEY, CDP_SECRET_KEY: 'c'.repeat(64), CDP_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUp(url: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/api/health`)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('cdp serve did not start');
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** Sends batches until told to stop or the service goes away; returns the acknowledged messageIds. */
async function sender(url: string, name: string, stop: { now: boolean }): Promise<{ acked: string[]; sent: number }> {
  const acked: string[] = [];
  let sent = 0;
  for (let n = 0; !stop.now; n++) {
    const batch = Array.from({ length: 25 }, (_, i) => ({ type: 'track', messageId: `${name}-${n}-${i}`, userId: `u${i}`, event: 'Crash Test', properties: { n, i } }));
    sent += batch.length;
    try {
      const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` }, body: JSON.stringify({ batch }) });
      if (res.status === 200) acked.push(...batch.map((m) => m.messageId));
    } catch {
      return { acked, sent }; // the service died mid-request: not acknowledged
    }
  }
  return { acked, sent };
}

describe('collect: crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-crash-'));
  const schema = `collect_crash_${randomBytes(5).toString('hex')}`;
  const db = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 while clients send: after restart every acknowledged event lands, none twice', async () => {
    writeFileSync(
      join(dir, 'cdp.config.mjs'),
      `export default ${JSON.stringify({
        warehouse: { type: 'postgres', connection: POSTGRES_URL },
        schema,
        collect: { writeKeys: { crash: { env: 'CDP_CRASH_WK' } }, batch: { maxEvents: 300, maxAgeSeconds: 0.5 } },
      })};\n`,
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const first = serve(dir, port);
    await waitUp(url);

    const stop = { now: false };
    const senders = ['a', 'b', 'c', 'd'].map((name) => sender(url, name, stop));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    first.kill('SIGKILL');
    await exited(first);
    stop.now = true;
    const results = await Promise.all(senders);
    const acked = results.flatMap((r) => r.acked);
    expect(acked.length).toBeGreaterThan(100);
    // Some acknowledged events had not landed yet: only the spool has them.
    expect(readdirSync(join(dir, '.cdp', 'spool')).filter((f) => f.endsWith('.ndjson')).length).toBeGreaterThan(0);

    const second = serve(dir, port);
    await waitUp(url);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);

    const { rows } = await db.query<{ message_id: string; n: string }>(`SELECT message_id, COUNT(*) AS n FROM "${schema}".collected_events GROUP BY message_id`);
    const counts = new Map(rows.map((r) => [r.message_id, Number(r.n)]));
    const missing = acked.filter((id) => !counts.has(id));
    expect(missing).toEqual([]);
    expect(rows.filter((r) => Number(r.n) > 1)).toEqual([]);
    // Nothing but what was sent (an unacknowledged batch may or may not have landed).
    expect(rows.length).toBeLessThanOrEqual(results.reduce((sum, r) => sum + r.sent, 0));
    // SIGTERM landed everything: the spool is empty.
    expect(readdirSync(join(dir, '.cdp', 'spool')).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
  }, 180_000);
});
