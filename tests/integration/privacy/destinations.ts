import { z } from 'zod';
import { defineDestination, registerDestination, type Row, type RowResult } from '../../../src/destinations/index.js';

/** Destinations living in the test process that record what the privacy tooling asks of them. */
export interface Recorder {
  type: string;
  calls: Array<{ verb: 'upsert' | 'remove' | 'forget'; rows: Row[] }>;
  /** Per-row answer to forget/remove; undefined = ok. */
  answer: (row: Row) => RowResult | undefined;
}

let counter = 0;

function recorder(kind: string): Recorder {
  return { type: `privacy_${kind}_${process.pid}_${counter++}`, calls: [], answer: () => undefined };
}

const ok = (rows: Row[]): RowResult[] => rows.map(() => ({ status: 'ok' }));

/** A CRM-like destination with a vendor delete API (`forget`). */
export function forgettable(): Recorder {
  const r = recorder('crm');
  registerDestination(
    defineDestination<Record<string, never>>({
      type: r.type,
      config: z.object({}).strict(),
      modes: ['upsert'],
      batchSize: 2,
      rateLimit: { requests: 1000, perSeconds: 1 },
      check: async () => undefined,
      upsert: async (rows) => (r.calls.push({ verb: 'upsert', rows }), ok(rows)),
      forget: async (rows) => (r.calls.push({ verb: 'forget', rows }), rows.map((row) => r.answer(row) ?? { status: 'ok' })),
    }),
  );
  return r;
}

/** An ad-audience-like destination (Meta): membership only, removals but no delete API. */
export function membership(): Recorder {
  const r = recorder('ads');
  registerDestination(
    defineDestination<Record<string, never>>({
      type: r.type,
      config: z.object({}).strict(),
      membership: true,
      modes: ['upsert', 'add', 'mirror'],
      batchSize: 10,
      rateLimit: { requests: 1000, perSeconds: 1 },
      check: async () => undefined,
      upsert: async (rows) => (r.calls.push({ verb: 'upsert', rows }), ok(rows)),
      remove: async (rows) => (r.calls.push({ verb: 'remove', rows }), rows.map((row) => r.answer(row) ?? { status: 'ok' })),
    }),
  );
  return r;
}

/** A fire-and-forget destination (webhook-like, upsert only): nothing can be deleted there. */
export function pushOnly(): Recorder {
  const r = recorder('push');
  registerDestination(
    defineDestination<Record<string, never>>({
      type: r.type,
      config: z.object({}).strict(),
      modes: ['upsert'],
      batchSize: 10,
      rateLimit: { requests: 1000, perSeconds: 1 },
      check: async () => undefined,
      upsert: async (rows) => (r.calls.push({ verb: 'upsert', rows }), ok(rows)),
    }),
  );
  return r;
}

/** A file/webhook-like destination: mirror (upsert and remove by row key), no membership, no delete API. */
export function mirrorOnly(): Recorder {
  const r = recorder('mirror');
  registerDestination(
    defineDestination<Record<string, never>>({
      type: r.type,
      config: z.object({}).strict(),
      modes: ['upsert', 'mirror'],
      batchSize: 10,
      rateLimit: { requests: 1000, perSeconds: 1 },
      check: async () => undefined,
      upsert: async (rows) => (r.calls.push({ verb: 'upsert', rows }), ok(rows)),
      remove: async (rows) => (r.calls.push({ verb: 'remove', rows }), rows.map((row) => r.answer(row) ?? { status: 'ok' })),
    }),
  );
  return r;
}
