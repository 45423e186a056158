import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { nameSchema } from '../../config/index.js';
import { ok, sameForAll } from '../results.js';
import { defineDestination } from '../template.js';
import type { Row, RowResult, RunScope } from '../types.js';
import { csvLine, jsonLine, type FileFormat } from './format.js';
import { isCdpError } from '../../errors.js';
import { DestinationError } from '../errors.js';
import { ensureDirectory, locateDirectory, type FileTarget } from './root.js';

export const fileConfigSchema = z
  .object({
    /** Directory (relative to the project) that receives `<sync>/<run id>.<format>` and its manifest. */
    path: z.string().min(1),
    format: z.enum(['csv', 'jsonl']).default('jsonl'),
    batch_size: z.number().int().min(1).max(100_000).default(5_000),
  })
  .strict();

export type FileConfig = z.output<typeof fileConfigSchema>;

/** What a manifest says about its data file; consumers read a data file only once its manifest exists. */
export interface FileManifest {
  sync: string;
  run_id: string;
  data_file: string;
  format: FileFormat;
  columns: string[];
  rows: number;
  upserts: number;
  removes: number;
  bytes: number;
  sha256: string;
  created_at: string;
  /** False when the run was cut short (a later run of the sync re-sends what this one did not confirm). */
  complete: boolean;
  /** True when written by a later run for a file whose own run was killed. */
  recovered?: boolean;
}

interface OpenFile {
  handle: FileHandle;
  path: string;
  columns: string[];
  upserts: number;
  removes: number;
}

const openFiles = new Map<string, OpenFile>();

/** `<path>/<sync>`; under the files root for destinations created over the API (root.ts). */
function directory(scope: { config: FileConfig; sync: string } & FileTarget, create: boolean): Promise<string> {
  return (create ? ensureDirectory : locateDirectory)(scope, scope.config.path, nameSchema.parse(scope.sync));
}

const OP_COLUMN = '_op';

async function dataFile(scope: RunScope<FileConfig>): Promise<OpenFile> {
  const existing = openFiles.get(scope.runId);
  if (existing) return existing;
  const dir = await directory(scope, true);
  const path = join(dir, `${scope.runId}.${scope.config.format}`);
  const handle = await open(path, 'a');
  const columns = [OP_COLUMN, scope.keyColumn, ...scope.fields.filter((f) => f !== scope.keyColumn)];
  const file: OpenFile = { handle, path, columns, upserts: 0, removes: 0 };
  if (scope.config.format === 'csv' && (await handle.stat()).size === 0) await handle.write(csvLine(columns));
  openFiles.set(scope.runId, file);
  return file;
}

async function append(op: 'upsert' | 'remove', rows: Row[], scope: RunScope<FileConfig>): Promise<RowResult[]> {
  const file = await dataFile(scope);
  let text = '';
  for (const row of rows) {
    const record: Record<string, unknown> = { [OP_COLUMN]: op, [scope.keyColumn]: row.key };
    for (const field of file.columns.slice(2)) record[field] = row.fields[field] ?? null;
    text += scope.config.format === 'csv' ? csvLine(file.columns.map((c) => record[c])) : jsonLine(record);
  }
  await file.handle.write(text);
  // Rows are confirmed only once on disk: a crash after this point loses nothing.
  await file.handle.datasync();
  if (op === 'upsert') file.upserts += rows.length;
  else file.removes += rows.length;
  return sameForAll(rows, ok());
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function writeManifest(path: string, manifest: FileManifest): Promise<void> {
  const target = path.replace(/\.(csv|jsonl)$/, '.manifest.json');
  await writeFile(`${target}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${target}.tmp`, target); // readers never see a half-written manifest
}

/**
 * A data file left without a manifest by a killed run: cut any half-written last line and give
 * it a manifest marked `recovered`, so its confirmed rows are not lost to consumers.
 */
async function recoverOrphans(scope: RunScope<FileConfig>): Promise<void> {
  const dir = await directory(scope, false);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^(.+)\.(csv|jsonl)$/.exec(name);
    if (!m || names.includes(`${m[1]}.manifest.json`) || openFiles.has(m[1]!)) continue;
    const path = join(dir, name);
    const content = await readFile(path, 'utf8');
    const end = content.lastIndexOf('\n') + 1;
    if (end < content.length) await truncate(path, Buffer.byteLength(content.slice(0, end)));
    const lines = content.slice(0, end).split('\n').filter((l) => l !== '');
    const format = m[2] as FileFormat;
    const dataLines = format === 'csv' ? lines.slice(1) : lines;
    const ops = dataLines.map((l) => (l.startsWith('remove') || l.startsWith('{"_op":"remove"') ? 'remove' : 'upsert'));
    await writeManifest(path, {
      sync: scope.sync,
      run_id: m[1]!,
      data_file: name,
      format,
      columns: format === 'csv' && lines[0] ? lines[0].split(',') : [],
      rows: dataLines.length,
      upserts: ops.filter((o) => o === 'upsert').length,
      removes: ops.filter((o) => o === 'remove').length,
      bytes: (await stat(path)).size,
      sha256: await sha256File(path),
      created_at: new Date().toISOString(),
      complete: false,
      recovered: true,
    });
  }
}

export const file = defineDestination<FileConfig>({
  type: 'file',
  label: 'Files (CSV or JSON Lines, one per run, with a manifest)',
  displayName: 'Files',
  docs: 'docs/destinations/file.md',
  secretFields: [],
  targetFields: ['path'],
  fields: { known: [], open: true, rule: 'any field names: they become the CSV columns or JSON keys' },
  config: fileConfigSchema,
  modes: ['upsert', 'insert', 'mirror', 'add'],
  batchSize: 5_000,
  rateLimit: { requests: 1_000_000, perSeconds: 1 },
  concurrency: 1,
  batchSizeFor: (config) => config.batch_size,
  accountKey: (config) => `file:${config.path}`,
  async check(config, ctx) {
    let dir = config.path;
    try {
      dir = await ensureDirectory(ctx, config.path);
      const probe = join(dir, `.cdp-check-${process.pid}`);
      await writeFile(probe, '');
      await rm(probe);
    } catch (error) {
      if (isCdpError(error)) throw error;
      throw new DestinationError(`cannot write to ${dir}: ${(error as Error).message}`, { hint: 'fix path or its permissions' });
    }
  },
  async begin(scope) {
    await recoverOrphans(scope);
  },
  upsert: (rows, ctx) => append('upsert', rows, ctx),
  remove: (rows, ctx) => append('remove', rows, ctx),
  async finish(scope, outcome) {
    const current = openFiles.get(scope.runId);
    if (!current) return; // nothing was sent: no file, no manifest
    openFiles.delete(scope.runId);
    await current.handle.close();
    const name = current.path.slice(current.path.lastIndexOf('/') + 1);
    await writeManifest(current.path, {
      sync: scope.sync,
      run_id: scope.runId,
      data_file: name,
      format: scope.config.format,
      columns: current.columns,
      rows: current.upserts + current.removes,
      upserts: current.upserts,
      removes: current.removes,
      bytes: (await stat(current.path)).size,
      sha256: await sha256File(current.path),
      created_at: new Date().toISOString(),
      complete: outcome.complete,
    });
  },
});
