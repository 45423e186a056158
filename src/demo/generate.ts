/**
 * Writes the demo's raw tables into a warehouse. Rows are produced block by block and handed to
 * the warehouse's bulk loader in batches, so memory stays flat at any size. Every table is loaded
 * beside the live one and all are swapped in one transaction: a failed run leaves the previous
 * demo data as it was.
 */
import { z } from 'zod';
import { nameSchema } from '../config/index.js';
import { CdpError, formatPath } from '../errors.js';
import { logger } from '../logger.js';
import type { ColumnDef, RelationRef, Warehouse } from '../warehouse/index.js';
import { allPeople } from './people.js';
import { SOURCE_TABLES, type DemoRow, type DemoTable } from './tables/index.js';
import { createWorld, referenceDay, type DemoWorld } from './world.js';

export const TRUTH_TABLE = 'demo_truth';

export const TRUTH_COLUMNS: readonly ColumnDef[] = [
  { name: 'source', kind: 'string' },
  { name: 'record_key', kind: 'string' },
  { name: 'person_id', kind: 'string' },
];

/** The most people one run may ask for: ids and phone numbers are unique up to far beyond this. */
export const MAX_PEOPLE = 10_000_000;

const optionsSchema = z
  .object({
    people: z.number().int().min(1).max(MAX_PEOPLE).default(10_000),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(42),
    referenceDate: z.date().optional(),
    schema: nameSchema.default('raw'),
    batchSize: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict();

export interface DemoOptions {
  /** How many true people to generate (default 10,000). */
  people?: number;
  /** Same seed (and reference date) -> identical rows (default 42). */
  seed?: number;
  /** The history ends at midnight UTC of this day (default: today). */
  referenceDate?: Date;
  /** Schema the raw tables go to (default 'raw'). */
  schema?: string;
  /** Rows handed to the bulk loader at a time (default 10,000). */
  batchSize?: number;
  /** One line per table loaded. */
  onProgress?: (line: string) => void;
}

export interface DemoTableResult {
  table: RelationRef;
  rows: number;
  seconds: number;
}

export interface DemoResult {
  people: number;
  seed: number;
  referenceDate: Date;
  tables: DemoTableResult[];
  seconds: number;
}

/** Staged tables get this suffix until the swap. */
const STAGED = '__cdp_demo_new';

export async function generateDemo(warehouse: Warehouse, options: DemoOptions = {}): Promise<DemoResult> {
  const { onProgress, ...rest } = options;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CdpError('INVALID_INPUT', `invalid demo option: ${issue.message}`, {
      location: { path: formatPath(issue.path) },
      hint: `people: 1..${MAX_PEOPLE.toLocaleString('en-US')}; seed: a non-negative integer`,
    });
  }
  const { people, seed, schema, batchSize } = parsed.data;
  const referenceDate = referenceDay(parsed.data.referenceDate ?? new Date());
  const world = createWorld({ seed, people, referenceDate });
  const started = performance.now();

  await warehouse.createSchema(schema);
  const staged: RelationRef[] = [];
  const tables: DemoTableResult[] = [];
  try {
    for (const table of SOURCE_TABLES) {
      const t0 = performance.now();
      const temp = stagedRelation(schema, table.name);
      staged.push(temp);
      const rows = await warehouse.loadTable(temp, [...table.columns, PERSON_COLUMN], tableBatches(world, table, batchSize));
      const seconds = (performance.now() - t0) / 1000;
      tables.push({ table: { schema, name: table.name }, rows, seconds });
      onProgress?.(`${schema}.${table.name}: ${rows.toLocaleString('en-US')} rows (${seconds.toFixed(1)}s)`);
    }
    const t0 = performance.now();
    const truthRows = await swapIn(warehouse, schema);
    const seconds = (performance.now() - t0) / 1000;
    tables.push({ table: { schema, name: TRUTH_TABLE }, rows: truthRows, seconds });
    onProgress?.(`${schema}.${TRUTH_TABLE}: ${truthRows.toLocaleString('en-US')} rows, tables swapped in (${seconds.toFixed(1)}s)`);
  } catch (error) {
    await dropQuietly(warehouse, staged);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  logger.info({ people, seed, tables: tables.length, seconds }, 'demo data generated');
  return { people, seed, referenceDate, tables, seconds };
}

/** Staged rows carry the true person in this extra column; demo_truth is cut from it in SQL. */
const PERSON_COLUMN: ColumnDef = { name: '_cdp_person_id', kind: 'string' };

function stagedRelation(schema: string, table: string): RelationRef {
  return { schema, name: `${table}${STAGED}` };
}

/**
 * One table's rows in batches, each row followed by its true person's id; one block of people in
 * memory at a time.
 */
export async function* tableBatches(world: DemoWorld, table: DemoTable, batchSize: number): AsyncGenerator<DemoRow[]> {
  const write = table.writer(world);
  let batch: DemoRow[] = [];
  for (const person of allPeople(world)) {
    const from = batch.length;
    write(person, batch);
    for (let i = from; i < batch.length; i++) batch[i]!.push(person.id);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
      await yieldToEventLoop();
    }
  }
  if (batch.length) yield batch;
}

/**
 * In one transaction: demo_truth is cut from the staged person columns, then each staged table
 * drops that column (a catalog change, no copy) and takes the live table's place. Returns the
 * number of truth rows.
 */
async function swapIn(warehouse: Warehouse, schema: string): Promise<number> {
  const d = warehouse.dialect;
  const q = (name: string) => d.quoteIdent(name);
  const truth = { schema, name: TRUTH_TABLE };
  try {
    return await warehouse.transaction(async (session) => {
      const parts = SOURCE_TABLES.map((table) => {
        const source = d.cast(d.literal(table.name), 'string');
        const key = d.cast(q(table.columns[0]!.name), 'string');
        return `SELECT ${source} AS ${q('source')}, ${key} AS ${q('record_key')}, ${q(PERSON_COLUMN.name)} AS ${q('person_id')} FROM ${d.relation(stagedRelation(schema, table.name))}`;
      });
      await session.execute(d.dropRelation(truth, 'table'));
      await session.execute(`CREATE TABLE ${d.relation(truth)} AS ${parts.join(' UNION ALL ')}`);
      for (const table of SOURCE_TABLES) {
        const staged = stagedRelation(schema, table.name);
        await session.execute(`ALTER TABLE ${d.relation(staged)} DROP COLUMN ${q(PERSON_COLUMN.name)}`);
        await session.execute(d.dropRelation({ schema, name: table.name }, 'table'));
        await session.execute(d.renameTable(staged, table.name));
      }
      const [row] = await session.query<{ n: number }>(`SELECT COUNT(*) AS ${q('n')} FROM ${d.relation(truth)}`);
      return Number(row?.n ?? 0);
    });
  } catch (error) {
    throw new CdpError('WAREHOUSE', `could not replace the demo tables: ${(error as Error).message}`, {
      cause: error,
      hint: 'a view may depend on a raw demo table (materialize models over it as tables), or the names are taken by views',
    });
  }
}

async function dropQuietly(warehouse: Warehouse, relations: RelationRef[]): Promise<void> {
  for (const relation of relations) {
    await warehouse.execute(warehouse.dialect.dropRelation(relation, 'table')).catch(() => undefined);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
