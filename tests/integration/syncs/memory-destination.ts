import { z } from 'zod';
import { defineDestination, registerDestination, type Row, type RowResult, type SendContext, type SendOp, type SyncMode } from '../../../src/destinations/index.js';

/** A destination living in the test process: records every call, answers as told. */
export interface MemoryDestination {
  type: string;
  /** key -> fields, as the destination would hold them. */
  records: Map<string, Record<string, unknown>>;
  calls: Array<{ op: SendOp; keys: string[]; batch: SendContext<unknown>['batch'] }>;
  /** Per-row answer; undefined = ok. */
  answer: (op: SendOp, row: Row) => RowResult | undefined;
  /** Throw from send (a DestinationError, say) for the n-th call (0-based). */
  failCall?: (index: number, op: SendOp) => Error | undefined;
  reset(): void;
}

let counter = 0;

export function memoryDestination(options: { modes?: SyncMode[]; identity?: boolean; batchSize?: number } = {}): MemoryDestination {
  const type = `memory_${process.pid}_${counter++}`;
  const memory: MemoryDestination = {
    type,
    records: new Map(),
    calls: [],
    answer: () => undefined,
    reset() {
      this.calls.length = 0;
      this.answer = () => undefined;
      this.failCall = undefined;
    },
  };
  const deliver = async (op: SendOp, rows: Row[], ctx: SendContext<unknown>): Promise<RowResult[]> => {
    const index = memory.calls.length;
    memory.calls.push({ op, keys: rows.map((r) => r.key), batch: ctx.batch });
    const failure = memory.failCall?.(index, op);
    if (failure) throw failure;
    await new Promise((r) => setImmediate(r));
    return rows.map((row) => {
      const result = memory.answer(op, row) ?? { status: 'ok' };
      if (result.status === 'ok') {
        if (op === 'upsert') memory.records.set(row.key, row.fields);
        else memory.records.delete(row.key);
      }
      return result;
    });
  };
  registerDestination(
    defineDestination<{ note?: string }>({
      type,
      config: z.object({ note: z.string().optional() }).strict(),
      modes: options.modes ?? ['upsert', 'update', 'insert', 'mirror', 'add'],
      batchSize: options.batchSize ?? 10,
      rateLimit: { requests: 100_000, perSeconds: 1 },
      concurrency: 2,
      identityFields: options.identity ? (_c, fields) => fields.filter((f) => f === 'email') : undefined,
      check: async () => undefined,
      upsert: (rows, ctx) => deliver('upsert', rows, ctx),
      remove: (rows, ctx) => deliver('remove', rows, ctx),
    }),
  );
  return memory;
}

export function memorySyncYaml(name: string, type: string, mode = 'mirror', fields = '{ email: email, first_name: first_name, score: score }'): string {
  return `name: ${name}\nfrom: { model: people }\nkey: id\ndestination: { type: ${type}, config: {} }\nmode: ${mode}\nfields: ${fields}\n`;
}
