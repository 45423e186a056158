import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { runSync, syncTables, type PlanFilter } from '../../../src/syncs/index.js';
import { loadPeople, makeProject, people, type Person, type TestProject } from './helpers.js';
import { memoryDestination, memorySyncYaml, type MemoryDestination } from './memory-destination.js';

const PG_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const engines = [
  { name: 'duckdb', config: undefined as string | undefined },
  { name: 'postgres', config: `{ type: 'postgres', connection: '${PG_URL}' }` },
];

describe.each(engines)('planner on $name', ({ name, config }) => {
  let t: TestProject;
  let dest: MemoryDestination;
  const schema = `t_syncs_plan_${name}_${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  let sync = '';

  beforeAll(async () => {
    t = await makeProject({ warehouseConfig: config, schema });
  });
  afterAll(async () => {
    if (name === 'postgres') await (await t.project.warehouse()).execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await t.close();
  });
  beforeEach(async () => {
    dest = memoryDestination({ identity: true });
    sync = `s${n++}`;
  });

  const run = (options: Parameters<typeof runSync>[2] = {}) => runSync(t.project, sync, { http: { maxAttempts: 1 }, ...options });
  const sentKeys = (op: 'upsert' | 'remove') => dest.calls.filter((c) => c.op === op).flatMap((c) => c.keys).sort();
  const state = async () => {
    const w = await t.project.warehouse();
    const rows = await w.query<{ sync_key: string; status: string; fields_hash: string; sent_values: string | null; error: string | null }>(
      `SELECT sync_key, status, fields_hash, sent_values, error FROM ${w.dialect.relation(syncTables(schema, sync).state)} ORDER BY sync_key`,
    );
    return new Map(rows.map((r) => [r.sync_key, r]));
  };
  const setup = async (rows: Person[], mode = 'mirror', fields?: string) => {
    await loadPeople(t.project, rows);
    t.writeSync(sync, memorySyncYaml(sync, dest.type, mode, fields));
  };

  it('sends every row once, then nothing while nothing changes', async () => {
    await setup(people(25));
    const first = await run();
    expect(first.status).toBe('success');
    expect(first.plan).toMatchObject({ current: 25, added: 25, changed: 0, removed: 0, total: 25 });
    expect(first.counts).toMatchObject({ planned: 25, sent: 25, ok: 25, rejected: 0, retryable: 0 });
    expect(dest.calls.map((c) => c.keys.length)).toEqual([10, 10, 5]);
    expect(dest.records.get('p000003')).toEqual({ email: 'user3@example.com', first_name: 'Name3', score: 3 });
    dest.reset();
    const second = await run();
    expect(second.plan.total).toBe(0);
    expect(dest.calls).toEqual([]);
    expect([...(await state()).values()].every((r) => r.status === 'ok')).toBe(true);
  });

  it('sends changed rows, removes rows that left (mirror) with their last delivered values', async () => {
    await setup(people(20));
    await run();
    const next = people(20).filter((p) => p.id !== 'p000004' && p.id !== 'p000005');
    next[0]!.score = 500; // p000000 changes
    next[1]!.email = null; // p000001 changes to NULL
    next.push(...people(2, 100)); // two new rows
    await loadPeople(t.project, next);
    dest.reset();
    const removedValues: unknown[] = [];
    dest.answer = (op, row) => {
      if (op === 'remove') removedValues.push(row.fields);
      return undefined;
    };
    const result = await run();
    expect(result.plan).toMatchObject({ added: 2, changed: 2, removed: 2, replaced: 1, total: 7 });
    // p000001's email changed: its old record is removed before the new one is sent.
    expect(sentKeys('remove')).toEqual(['p000001', 'p000004', 'p000005']);
    expect(sentKeys('upsert')).toEqual(['p000000', 'p000001', 'p000100', 'p000101']);
    expect(dest.calls.findIndex((c) => c.op === 'upsert')).toBeGreaterThan(dest.calls.findLastIndex((c) => c.op === 'remove'));
    expect(removedValues).toContainEqual({ email: 'user4@example.com', first_name: 'Name4', score: 4 });
    expect(dest.records.get('p000001')).toEqual({ email: null, first_name: 'Name1', score: 1 });
    expect(dest.records.has('p000004')).toBe(false);
    const s = await state();
    expect(s.has('p000004')).toBe(false);
    expect(s.size).toBe(20);
  });

  it('upsert and add modes never remove; insert sends only rows never delivered', async () => {
    for (const mode of ['upsert', 'add']) {
      sync = `s${n++}`;
      await setup(people(6), mode);
      await run();
      await loadPeople(t.project, people(4));
      dest.reset();
      const result = await run();
      expect(result.plan.total).toBe(0);
      expect(dest.calls).toEqual([]);
    }
    sync = `s${n++}`;
    await setup(people(6), 'insert');
    await run();
    const changed = people(7);
    changed[0]!.score = 99;
    await loadPeople(t.project, changed);
    dest.reset();
    const result = await run();
    expect(result.plan).toMatchObject({ added: 1, changed: 0, total: 1 });
    expect(sentKeys('upsert')).toEqual(['p000006']);
  });

  it('does not retry rejected rows until they change; retries retryable ones', async () => {
    await setup(people(12));
    dest.answer = (_op, row) =>
      row.key === 'p000002' ? { status: 'rejected', reason: 'invalid email' } : row.key === 'p000007' ? { status: 'retryable', reason: 'HTTP 503' } : undefined;
    const first = await run();
    expect(first.status).toBe('partial');
    expect(first.counts).toMatchObject({ ok: 10, rejected: 1, retryable: 1 });
    expect(first.firstErrors).toEqual([
      { key: 'p000002', op: 'upsert', status: 'rejected', error: 'invalid email' },
      { key: 'p000007', op: 'upsert', status: 'retryable', error: 'HTTP 503' },
    ]);
    let s = await state();
    expect(s.get('p000002')).toMatchObject({ status: 'rejected', error: 'invalid email', sent_values: null });
    expect(s.get('p000007')).toMatchObject({ status: 'retryable' });
    dest.reset();
    const second = await run();
    expect(second.plan).toMatchObject({ retry: 1, total: 1 });
    expect(second.counts.retried).toBe(1);
    expect(sentKeys('upsert')).toEqual(['p000007']);
    const rows = people(12);
    rows[2]!.email = 'fixed@example.com';
    await loadPeople(t.project, rows);
    dest.reset();
    const third = await run();
    expect(third.plan).toMatchObject({ changed: 1, total: 1 });
    expect(sentKeys('upsert')).toEqual(['p000002']);
    s = await state();
    expect([...s.values()].every((r) => r.status === 'ok')).toBe(true);
  });

  it('mirror: a row rejected and never delivered is not sent as a removal when it leaves', async () => {
    await setup(people(12));
    dest.answer = (_op, row) => (row.key === 'p000004' ? { status: 'rejected', reason: 'invalid email' } : undefined);
    expect((await run()).counts).toMatchObject({ ok: 11, rejected: 1 });
    expect((await state()).get('p000004')).toMatchObject({ status: 'rejected', sent_values: null });
    // p000004 (never delivered) and p000005 (delivered) leave the model.
    await loadPeople(t.project, people(12).filter((p) => p.id !== 'p000004' && p.id !== 'p000005'));
    dest.reset();
    const next = await run();
    expect(next.plan).toMatchObject({ removed: 1, total: 1 });
    expect(sentKeys('remove')).toEqual(['p000005']); // the destination never had p000004
    expect(sentKeys('upsert')).toEqual([]);
  });

  it('--full resends everything; --dry-run plans without sending or touching state', async () => {
    await setup(people(8));
    await run();
    const before = await state();
    const rows = people(8);
    rows[3]!.score = 1234;
    await loadPeople(t.project, rows);
    dest.reset();
    const dry = await run({ dryRun: true });
    expect(dry.status).toBe('dry_run');
    expect(dry.runId).toBeNull();
    expect(dry.plan).toMatchObject({ changed: 1, total: 1 });
    expect(dry.sample).toEqual([{ op: 'upsert', reason: 'changed', key: 'p000003', fields: { email: 'user3@example.com', first_name: 'Name3', score: 1234 } }]);
    expect(dest.calls).toEqual([]);
    expect(await state()).toEqual(before);
    const w = await t.project.warehouse();
    expect(await w.relationExists(syncTables(schema, sync).dryPlan)).toBe(false);
    const full = await run({ full: true });
    expect(full.plan).toMatchObject({ changed: 1, full: 7, total: 8 });
    expect(sentKeys('upsert')).toHaveLength(8);
  });

  it('skips NULL keys and refuses duplicate keys', async () => {
    await setup([...people(3), { id: null as unknown as string, email: 'x@example.com', first_name: 'X', score: 1 }]);
    const result = await run();
    expect(result.plan).toMatchObject({ current: 3, nullKeys: 1, added: 3 });
    await loadPeople(t.project, [...people(3), ...people(2)]);
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).message).toBe('key id is not unique in model ' + `${schema}.people: 2 rows repeat a key`);
    expect((error as CdpError).location).toMatchObject({ file: `syncs/${sync}.yaml`, line: 3, path: 'key' });
  });

  it('notices changes the encoding could confuse (NULL vs text, shifted separators)', async () => {
    await setup([{ id: 'a', email: 'x', first_name: null, score: null }], 'upsert', '{ email: email, first_name: first_name }');
    await run();
    const variants: Array<[string | null, string | null]> = [['x', ''], ['x', 'N'], ['xN', null], ['', 'x'], ['x', null]];
    for (const [email, first] of variants) {
      await loadPeople(t.project, [{ id: 'a', email, first_name: first, score: null }]);
      dest.reset();
      const result = await run();
      expect(result.plan.changed, `${email}/${first}`).toBe(1);
    }
  });

  it('compares state rows fingerprinted before fast hashes by their MD5: nothing is sent again, changes still are', async () => {
    const dialect = (await t.project.warehouse()).dialect as { valuesHash?: unknown };
    await setup(people(10));
    // The first run fingerprints as versions before fast hashes did (MD5 of a canonical text).
    dialect.valuesHash = undefined;
    try {
      expect((await run()).plan.added).toBe(10);
    } finally {
      delete dialect.valuesHash;
    }
    expect([...(await state()).values()].every((r) => r.fields_hash.length === 32)).toBe(true);
    dest.reset();
    expect((await run()).plan.total).toBe(0);
    const next = people(10);
    next[2]!.score = 99;
    next[3]!.email = 'changed@example.com'; // an identity field: its old record is replaced
    await loadPeople(t.project, next);
    dest.reset();
    const result = await run();
    expect(result.plan).toMatchObject({ changed: 2, replaced: 1, added: 0, removed: 0, total: 3 });
    expect(sentKeys('upsert')).toEqual(['p000002', 'p000003']);
    dest.reset();
    expect((await run()).plan.total).toBe(0);
  });

  it('holds rows back by plan filter, counts them, and removes them from a mirror destination', async () => {
    await setup(people(10));
    await run();
    const filter: PlanFilter = { name: 'consent:test', predicate: (alias, d) => `${alias}.${d.quoteIdent('score')} < 7` };
    dest.reset();
    const result = await run({ filters: [filter] });
    expect(result.plan).toMatchObject({ current: 7, heldBack: { 'consent:test': 3 }, removed: 3 });
    expect(sentKeys('remove')).toEqual(['p000007', 'p000008', 'p000009']);
    const history = await (await import('../../../src/syncs/index.js')).listSyncRuns(t.project, sync, { limit: 1 });
    expect(history[0]!.heldBack).toEqual({ 'consent:test': 3 });
  });
});
