import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileManifest } from '../../../src/destinations/index.js';
import { checkSyncDestination, runSync } from '../../../src/syncs/index.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

let t: TestProject;
beforeAll(async () => {
  t = await makeProject();
});
afterAll(async () => {
  await t.close();
});

function yaml(name: string, format: 'csv' | 'jsonl'): string {
  return `name: ${name}\nfrom: { model: people }\nkey: id\ndestination: { type: file, config: { path: exports, format: ${format}, batch_size: 2 } }\nmode: mirror\nfields: { email: email, first_name: first_name, score: score }\n`;
}

const manifest = (dir: string, run: string) => JSON.parse(readFileSync(join(dir, `${run}.manifest.json`), 'utf8')) as FileManifest;

it('writes one JSON Lines file per run with a manifest; removals are rows with _op remove', async () => {
  t.writeSync('f_jsonl', yaml('f_jsonl', 'jsonl'));
  const rows = people(3);
  rows[1]!.first_name = 'Ann, "the" Second';
  await loadPeople(t.project, rows);
  const first = await runSync(t.project, 'f_jsonl');
  const dir = join(t.dir, 'exports', 'f_jsonl');
  const lines = readFileSync(join(dir, `${first.runId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toEqual([
    { _op: 'upsert', id: 'p000000', email: 'user0@example.com', first_name: 'Name0', score: 0 },
    { _op: 'upsert', id: 'p000001', email: 'user1@example.com', first_name: 'Ann, "the" Second', score: 1 },
    { _op: 'upsert', id: 'p000002', email: 'user2@example.com', first_name: 'Name2', score: 2 },
  ]);
  expect(manifest(dir, first.runId!)).toMatchObject({ sync: 'f_jsonl', run_id: first.runId, data_file: `${first.runId}.jsonl`, format: 'jsonl', rows: 3, upserts: 3, removes: 0, complete: true });

  await loadPeople(t.project, rows.slice(0, 2));
  const second = await runSync(t.project, 'f_jsonl');
  expect(readFileSync(join(dir, `${second.runId}.jsonl`), 'utf8')).toBe('{"_op":"remove","id":"p000002","email":"user2@example.com","first_name":"Name2","score":2}\n');
  // A run with nothing to send writes nothing.
  const third = await runSync(t.project, 'f_jsonl');
  expect(existsSync(join(dir, `${third.runId}.jsonl`))).toBe(false);
  expect(readdirSync(dir).filter((f) => f.endsWith('.manifest.json'))).toHaveLength(2);
});

it('writes CSV with a header and RFC 4180 quoting; the manifest has its checksum', async () => {
  t.writeSync('f_csv', yaml('f_csv', 'csv'));
  const rows = people(2);
  rows[0]!.first_name = 'Ann, "the" First';
  rows[1]!.email = null;
  await loadPeople(t.project, rows);
  const run = await runSync(t.project, 'f_csv');
  const dir = join(t.dir, 'exports', 'f_csv');
  const text = readFileSync(join(dir, `${run.runId}.csv`), 'utf8');
  expect(text).toBe('_op,id,email,first_name,score\nupsert,p000000,user0@example.com,"Ann, ""the"" First",0\nupsert,p000001,,Name1,1\n');
  const m = manifest(dir, run.runId!);
  expect(m.columns).toEqual(['_op', 'id', 'email', 'first_name', 'score']);
  expect(m.bytes).toBe(Buffer.byteLength(text));
  expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
});

it('gives a file left by a killed run a manifest, cutting its half-written last line', async () => {
  t.writeSync('f_orphan', yaml('f_orphan', 'jsonl'));
  const dir = join(t.dir, 'exports', 'f_orphan');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'dead-run.jsonl'), '{"_op":"upsert","id":"a"}\n{"_op":"remove","id":"b"}\n{"_op":"ups');
  await loadPeople(t.project, people(1));
  await runSync(t.project, 'f_orphan');
  expect(readFileSync(join(dir, 'dead-run.jsonl'), 'utf8')).toBe('{"_op":"upsert","id":"a"}\n{"_op":"remove","id":"b"}\n');
  expect(manifest(dir, 'dead-run')).toMatchObject({ rows: 2, upserts: 1, removes: 1, complete: false, recovered: true });
  await expect(checkSyncDestination(t.project, 'f_orphan')).resolves.toBeUndefined();
});
