// What keeping each run's payloads in the row log costs (src/syncs/payloads.ts), on DuckDB: the
// fold's log INSERT ... SELECT from the plan with the payload column against the same statement
// without it (the log as it was: the fastest honest alternative, since it is the statement the
// payload rides on), the UPDATE that prunes payloads beyond the last N runs, and the bytes the
// warehouse file grows by. Side by side in one run, wall and CPU, with the load average.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { prunePayloadsSql } from '../../src/syncs/payloads.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/index.js';

const ROWS = Number(process.env.CDP_BENCH_PAYLOAD_ROWS ?? 500_000);

async function timed(label: string, work: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${label.padEnd(52)} ${ms.toFixed(0).padStart(7)} ms wall  ${((used.user + used.system) / 1000).toFixed(0).padStart(7)} ms CPU\n`);
  return ms;
}

async function fileBytes(warehouse: Warehouse, path: string): Promise<number> {
  await warehouse.execute('CHECKPOINT');
  return statSync(path).size;
}

export async function run(): Promise<void> {
  process.stdout.write(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${ROWS.toLocaleString('en-US')} planned rows\n`);
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-payloads-'));
  const path = join(dir, 'w.duckdb');
  const warehouse = await openWarehouse({ type: 'duckdb', path }, dir);
  try {
    await warehouse.execute('CREATE SCHEMA b');
    // A plan like an audience sync's: key, op, and the values as the planner writes them (JSON text).
    await warehouse.execute(
      `CREATE TABLE b.plan AS SELECT i AS seq, 'p' || md5(CAST(i AS VARCHAR)) AS sync_key, 'upsert' AS op,
         '{"profile_id":"p' || md5(CAST(i AS VARCHAR)) || '","email":"person' || i || '@example.com","first_name":"Name' || (i % 997) ||
         '","country":"US","lifetime_value":"' || (i % 5000) || '.25"}' AS values_json
       FROM range(1, ${ROWS + 1}) t(i)`,
    );
    const columns = 'plan_id VARCHAR, run_id VARCHAR, seq BIGINT, sync_key VARCHAR, op VARCHAR, status VARCHAR, error VARCHAR, attempted_at TIMESTAMP';
    await warehouse.execute(`CREATE TABLE b.log_plain (${columns})`);
    await warehouse.execute(`CREATE TABLE b.log_payload (${columns}, values_json VARCHAR)`);
    const insert = (table: string, payload: boolean, run: number) =>
      `INSERT INTO b.${table} SELECT 'plan${run}', 'run${run}', p.seq, p.sync_key, p.op, 'ok', NULL, TIMESTAMP '2026-01-01' + INTERVAL (${run}) HOUR${payload ? ', p.values_json' : ''} FROM b.plan p`;
    // Interleaved, so load changes hit both; file growth measured per log (checkpointed).
    let plain = 0;
    let withPayload = 0;
    let grownPlain = 0;
    let grownPayload = 0;
    for (let run = 1; run <= 3; run++) {
      let size = await fileBytes(warehouse, path);
      plain += await timed(`fold ${run}: log INSERT without payload (baseline)`, () => warehouse.execute(insert('log_plain', false, run)));
      grownPlain += (await fileBytes(warehouse, path)) - size;
      size = await fileBytes(warehouse, path);
      withPayload += await timed(`fold ${run}: log INSERT with payload`, () => warehouse.execute(insert('log_payload', true, run)));
      grownPayload += (await fileBytes(warehouse, path)) - size;
    }
    process.stdout.write(`fold ratio (with payload / without), 3 runs, wall: ${(withPayload / plain).toFixed(2)}x\n`);
    process.stdout.write(`warehouse file growth for 3 runs: ${(grownPlain / 1e6).toFixed(0)} MB without payloads, ${(grownPayload / 1e6).toFixed(0)} MB with (${((grownPayload - grownPlain) / (3 * ROWS)).toFixed(0)} bytes a row more, compressed)\n`);
    const [sizes] = await warehouse.query<{ payload_bytes: number }>(`SELECT SUM(LENGTH(values_json)) AS payload_bytes FROM b.log_payload`);
    process.stdout.write(`payload text kept for 3 runs: ${(Number(sizes?.payload_bytes ?? 0) / 1e6).toFixed(0)} MB raw (${(Number(sizes?.payload_bytes ?? 0) / (3 * ROWS)).toFixed(0)} bytes a row, before compression)\n`);
    const log = { schema: 'b', name: 'log_payload' };
    await timed('prune to the last 2 runs (clears one run)', () => warehouse.execute(prunePayloadsSql(warehouse.dialect, log, 2)));
    await timed('prune again (nothing to clear)', () => warehouse.execute(prunePayloadsSql(warehouse.dialect, log, 2)));
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
