import { readBatches, type Batch, type BatchSource, type PlanLayout } from '../batches.js';

/** Chunks of the plan requested from the warehouse ahead of the one being sent. */
const READ_AHEAD = 3;

/**
 * Reads a plan in chunks of whole batches of one op, from `firstBatch` to the end.
 *
 * Chunks are read while the ones before them are sent. One chunk ahead was not enough once
 * sending got fast (reading a chunk takes about as long as sending it, and its latency varies
 * with the warehouse's load: the sender sat waiting for the next chunk), so up to READ_AHEAD
 * chunks are requested early; memory stays bounded by READ_AHEAD + 1 chunks of JSON text (a few MB).
 */
export class ChunkReader {
  private readonly chunks: Array<[number, number]>;
  private readonly reads: Array<Promise<Batch[]>> = [];
  private requested = 0;
  private taken = 0;

  constructor(
    private readonly source: BatchSource,
    private readonly layout: PlanLayout,
    firstBatch: number,
    chunkBatches: number,
  ) {
    this.chunks = chunksOf(layout, firstBatch, chunkBatches);
  }

  /** The batches of the next chunk, or undefined when the plan is all read. */
  async next(): Promise<Batch[] | undefined> {
    if (this.taken >= this.chunks.length) return undefined;
    this.readAhead();
    const batches = await this.reads.shift()!;
    this.taken++;
    this.readAhead();
    return batches;
  }

  /** Waits for the reads requested ahead of a stop: no query outlives the run. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.reads);
  }

  private readAhead(): void {
    while (this.requested < this.chunks.length && this.reads.length < READ_AHEAD) {
      const read = readBatches(this.source, this.layout, ...this.chunks[this.requested++]!);
      read.catch(() => undefined); // an error surfaces when awaited
      this.reads.push(read);
    }
  }
}

/** Batch ranges [first, last] of at most `chunkBatches` batches each, never spanning two ops. */
export function chunksOf(layout: PlanLayout, firstBatch: number, chunkBatches: number): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  for (let b = firstBatch; b < layout.total; ) {
    const op = layout.batch(b).op;
    let end = Math.min(layout.total - 1, b + chunkBatches - 1);
    while (layout.batch(end).op !== op) end--;
    chunks.push([b, end]);
    b = end + 1;
  }
  return chunks;
}
