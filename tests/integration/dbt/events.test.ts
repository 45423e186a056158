/**
 * The `events` fixture: incremental models with dbt's strategies (merge, delete+insert, append),
 * on_schema_change (append_new_columns, fail), pre/post hooks, full_refresh, enabled: false and
 * persist_docs (ignored with a note), run twice over changing source rows on DuckDB and Postgres.
 * Expected rows are computed here from the source rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type DbtFixture, type EngineName } from './harness.js';

interface Event {
  event_id: number;
  user_id: string;
  amount: number;
  updated_at: string;
}

const batch1: Event[] = [
  { event_id: 1, user_id: 'u1', amount: 10, updated_at: '2024-01-01 10:00:00' },
  { event_id: 2, user_id: 'u2', amount: 20, updated_at: '2024-01-01 10:00:00' },
  { event_id: 3, user_id: 'u1', amount: 5, updated_at: '2024-01-01 10:00:00' },
];
const since = '2024-01-02 00:00:00';
const batch2: Event[] = [
  { ...batch1[0]! },
  { ...batch1[1]! },
  { event_id: 3, user_id: 'u1', amount: 7, updated_at: '2024-01-02 09:00:00' },
  { event_id: 4, user_id: 'u3', amount: 40, updated_at: '2024-01-02 09:00:00' },
];

const totals = (events: Event[]) =>
  [...new Set(events.map((e) => e.user_id))].sort().map((user) => {
    const mine = events.filter((e) => e.user_id === user);
    return { user_id: user, events: mine.length, amount: mine.reduce((s, e) => s + e.amount, 0) };
  });

describe.each<EngineName>(['duckdb', 'postgres'])('the events dbt project on %s', (engine) => {
  let fx: DbtFixture;
  const load = async (events: Event[]) => {
    const w = await fx.warehouse();
    const d = w.dialect;
    const raw = d.relation({ schema: `${fx.schema}_raw`, name: 'events' });
    await w.createSchema(`${fx.schema}_raw`);
    await w.execute(`DROP TABLE IF EXISTS ${raw}`);
    const values = events.map((e) => `(${e.event_id}, ${d.literal(e.user_id)}, ${e.amount}, CAST(${d.literal(e.updated_at)} AS TIMESTAMP))`).join(', ');
    await w.execute(`CREATE TABLE ${raw} AS SELECT * FROM (VALUES ${values}) AS t(event_id, user_id, amount, updated_at)`);
  };
  const rows = async (name: string, order: string) => (await fx.rows(`SELECT * FROM ${fx.schema}.${name} ORDER BY ${order}`)).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^\d+$/.test(v)) ? Number(v) : v])));

  beforeAll(async () => {
    fx = await openFixture('events', engine);
  }, 60_000);
  afterAll(async () => fx?.close());

  it('a first run creates every enabled incremental model; persist_docs is noted, not applied', async () => {
    await load(batch1);
    const run = await fx.cdp('run');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('note: persist_docs of events_merge is ignored: cdp does not write descriptions into the warehouse');
    expect(run.out).not.toContain('old_report');
    expect((await rows('events_merge', 'event_id')).map((r) => [r.event_id, r.amount])).toEqual(batch1.map((e) => [e.event_id, e.amount]));
    expect(await rows('events_delete_insert', 'user_id')).toEqual(totals(batch1));
    // The pre-hook created the log table, the post-hook wrote to it.
    expect(await rows('events_merge_log', 'n')).toEqual([{ step: 'merge', n: 3 }]);
    const snap = await fx.cdp('snapshot');
    expect(snap.err).toBe('');
    expect(snap.out).toContain(`OK snapshotted ${fx.schema}_snapshots.events_snapshot (create) 3 rows`);
    expect(snap.out).toContain(`OK snapshotted ${fx.schema}.amounts_snapshot (create) 3 rows`);
  });

  it('cdp snapshot keeps SCD2 history: timestamp and check strategies', async () => {
    await load(batch2);
    const snap = await fx.cdp('snapshot');
    expect(snap.code).toBe(0);
    const history = await fx.rows(`SELECT event_id, amount, dbt_valid_from, dbt_valid_to FROM ${fx.schema}_snapshots.events_snapshot ORDER BY event_id, dbt_valid_from`);
    const at = (value: unknown) => (value === null ? null : new Date(value as Date).toISOString().slice(0, 19).replace('T', ' '));
    // Expected: every batch1 row as first seen, closed when batch2 changed it; batch2's new versions open.
    const expected = [
      ...batch1.map((e) => {
        const next = batch2.find((n) => n.event_id === e.event_id && n.updated_at > e.updated_at);
        return [e.event_id, e.amount, e.updated_at, next ? next.updated_at : null];
      }),
      ...batch2.filter((n) => !batch1.some((e) => e.event_id === n.event_id && e.updated_at === n.updated_at)).map((n) => [n.event_id, n.amount, n.updated_at, null]),
    ].sort((a, b) => Number(a[0]) - Number(b[0]) || String(a[2]).localeCompare(String(b[2])));
    expect(history.map((r) => [Number(r.event_id), Number(r.amount), at(r.dbt_valid_from), at(r.dbt_valid_to)])).toEqual(expected);
    // check strategy: a new version per changed amount (event 3) and per new key (event 4).
    const checked = await fx.rows(`SELECT event_id, amount, dbt_valid_to IS NULL AS current FROM ${fx.schema}.amounts_snapshot ORDER BY event_id, dbt_valid_from`);
    expect(checked.map((r) => [Number(r.event_id), Number(r.amount), Boolean(r.current)])).toEqual([[1, 10, true], [2, 20, true], [3, 5, false], [3, 7, true], [4, 40, true]]);
  });

  it('an incremental run merges, deletes+inserts and appends; append_new_columns adds the column; on_schema_change=fail stops', async () => {
    await load(batch2);
    const run = await fx.cdp('run', '--vars', `{since: '${since}', with_user: true}`);
    expect(run.code).toBe(1);
    expect(run.err).toContain('models/events_strict.sql');
    expect(run.err).toContain('the columns of incremental model events_strict changed (added: user_id; removed: none) and on_schema_change is fail');
    // merge: event 3 updated, event 4 inserted.
    expect((await rows('events_merge', 'event_id')).map((r) => [r.event_id, r.amount])).toEqual(batch2.map((e) => [e.event_id, e.amount]));
    expect((await rows('events_merge_log', 'n')).map((r) => r.n)).toEqual([3, 4]);
    // delete+insert: the users with rows updated since `since` are recomputed, the others kept.
    expect(await rows('events_delete_insert', 'user_id')).toEqual(totals(batch2));
    // append: only event 4 is appended (event 3's old amount stays); user_id is a new column, NULL for old rows.
    const appended = await rows('events_append', 'event_id');
    expect(appended.map((r) => [r.event_id, r.amount, r.user_id])).toEqual([...batch1.map((e) => [e.event_id, e.amount, null]), [4, 40, 'u3']]);
  });

  it('--full-refresh rebuilds; full_refresh: false keeps a model incremental', async () => {
    const refresh = await fx.cdp('run', '--full-refresh', '--select', 'events_strict', 'events_append', '--vars', '{with_user: true}');
    expect(refresh.err).toBe('');
    expect(refresh.code).toBe(0);
    expect((await rows('events_append', 'event_id')).map((r) => [r.event_id, r.amount, r.user_id])).toEqual(batch2.map((e) => [e.event_id, e.amount, e.user_id]));
    expect((await rows('events_strict', 'event_id')).map((r) => r.user_id)).toEqual(batch2.map((e) => e.user_id));

    writeFileSync(join(fx.dir, 'models/events_merge.sql'), `{{ config(full_refresh=false) }}\nselect event_id, user_id, amount, updated_at from {{ source('raw', 'events') }} where event_id = 1`);
    const kept = await fx.cdp('run', '--full-refresh', '--select', 'events_merge');
    expect(kept.code).toBe(0);
    expect((await rows('events_merge', 'event_id')).map((r) => r.event_id)).toEqual([1, 2, 3, 4]);
  });

  it('on-run-start / on-run-end run around the nodes; a failing hook names dbt_project.yml', async () => {
    const project = readFileSync(join(fx.dir, 'dbt_project.yml'), 'utf8');
    writeFileSync(join(fx.dir, 'dbt_project.yml'), `${project}\non-run-start:\n  - "create table if not exists {{ target.schema }}.run_log (step varchar(10))"\non-run-end:\n  - "insert into {{ target.schema }}.run_log values ('end')"\n`);
    const run = await fx.cdp('run', '--select', 'events_append', '--vars', '{with_user: true}');
    expect(run.err).toBe('');
    expect(run.out).toContain('on-run-start 1 of 1');
    expect(await fx.rows(`SELECT step FROM ${fx.schema}.run_log`)).toEqual([{ step: 'end' }]);
    writeFileSync(join(fx.dir, 'dbt_project.yml'), `${project}\non-run-start: "select * from no_such_table"\n`);
    const broken = await fx.cdp('run');
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error: dbt_project\.yml:\d+: on-run-start hook 1 failed/);
  });
});
