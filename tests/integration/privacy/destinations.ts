import { z } from 'zod';
import { defineDestination, registerDestination, type Row, type RowResult, type SyncMode } from '../../../src/destinations/index.js';

/** Destinations living in the test process that record what the privacy tooling asks of them. */
export interface Recorder {
  type: string;
  calls: Array<{ verb: 'upsert' | 'remove' | 'forget'; rows: Row[] }>;
  /** Per-row answer to forget/remove; undefined = ok. */
  answer: (row: Row) => RowResult | undefined;
}

let counter = 0;

const ok = (rows: Row[]): RowResult[] => rows.map(() => ({ status: 'ok' }));

interface Shape {
  kind: string;
  modes: SyncMode[];
  batchSize: number;
  membership?: boolean;
  /** Which verbs besides upsert it has. */
  remove?: boolean;
  forget?: boolean;
}

/** Registers a destination of this shape that records every call and answers removals/deletions with `answer`. */
function recording(shape: Shape): Recorder {
  const r: Recorder = { type: `privacy_${shape.kind}_${process.pid}_${counter++}`, calls: [], answer: () => undefined };
  const answered = (verb: 'remove' | 'forget') => async (rows: Row[]) => (r.calls.push({ verb, rows }), rows.map((row) => r.answer(row) ?? { status: 'ok' as const }));
  registerDestination(
    defineDestination<Record<string, never>>({
      type: r.type,
      config: z.object({}).strict(),
      modes: shape.modes,
      batchSize: shape.batchSize,
      rateLimit: { requests: 1000, perSeconds: 1 },
      ...(shape.membership ? { membership: true } : {}),
      check: async () => undefined,
      upsert: async (rows) => (r.calls.push({ verb: 'upsert', rows }), ok(rows)),
      ...(shape.remove ? { remove: answered('remove') } : {}),
      ...(shape.forget ? { forget: answered('forget') } : {}),
    }),
  );
  return r;
}

/** A CRM-like destination with a vendor delete API (`forget`). */
export const forgettable = (): Recorder => recording({ kind: 'crm', modes: ['upsert'], batchSize: 2, forget: true });

/** An ad-audience-like destination (Meta): membership only, removals but no delete API. */
export const membership = (): Recorder => recording({ kind: 'ads', modes: ['upsert', 'add', 'mirror'], batchSize: 10, membership: true, remove: true });

/** A fire-and-forget destination (webhook-like, upsert only): nothing can be deleted there. */
export const pushOnly = (): Recorder => recording({ kind: 'push', modes: ['upsert'], batchSize: 10 });

/** A file/webhook-like destination: mirror (upsert and remove by row key), no membership, no delete API. */
export const mirrorOnly = (): Recorder => recording({ kind: 'mirror', modes: ['upsert', 'mirror'], batchSize: 10, remove: true });
