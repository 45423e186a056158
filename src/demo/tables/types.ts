import type { ColumnDef } from '../../warehouse/index.js';
import type { Person } from '../people.js';
import { fmix32, hash32, hex4, hex8, labelCode } from '../random.js';
import type { DemoWorld } from '../world.js';

/** One row, values in the table's column order. */
export type DemoRow = unknown[];

/** Appends one person's rows of a table to `out`. */
export type RowWriter = (person: Person, out: DemoRow[]) => void;

/** A raw demo table: its columns (the first is the record key) and how to write everyone's rows. */
export interface DemoTable {
  /** Table name in the raw schema; also the identity source name in demo_truth. */
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  /** A writer for one pass over all people, in index order (row ids count rows within the pass). */
  writer(world: DemoWorld): RowWriter;
}

/**
 * Record ids numbered in generation order and spread by a keyed bijection ('wev_3f9a0c1d7e2b'):
 * unique within the table, different for another seed, and not revealing who the record is about.
 */
export class RowIds {
  private counter = 0;
  private readonly key: number;

  constructor(
    world: DemoWorld,
    table: string,
    private readonly prefix: string,
  ) {
    this.key = hash32(world.keys.row, labelCode(table));
  }

  next(): string {
    const c = this.counter++;
    const unique = fmix32((c ^ this.key) >>> 0); // bijective in c: never repeats within 2^32 rows
    const decoration = fmix32(unique ^ 0x5bd1e995);
    return this.prefix + hex8(unique) + hex4(decoration);
  }
}
