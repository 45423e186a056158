import { z } from 'zod';
import { secretRefSchema } from './secrets.js';

/** A source's name: what lands in `collected_events.source` and names its write key. */
export const sourceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "-" and "_", starting with a letter');

/**
 * Event collection (docs/collect.md): Segment-compatible `/v1` endpoints that land raw events in
 * `<schema>.collected_events`. Write keys are secret references, never literals.
 */
export const collectSchema = z
  .object({
    /** One write key per source: `{ web: { env: 'CDP_WRITE_KEY_WEB' } }` or `{ app: { secret: 'app-write-key' } }`. */
    writeKeys: z.record(sourceNameSchema, secretRefSchema).default({}),
    /** A micro-batch lands when it holds this many events or is this old, whichever comes first. */
    batch: z
      .object({
        maxEvents: z.number().int().min(1).max(1_000_000).default(10_000),
        maxAgeSeconds: z.number().min(0.05).max(3600).default(10),
      })
      .strict()
      .default({ maxEvents: 10_000, maxAgeSeconds: 10 }),
    /** The local spool events are fsync'd to before they are acknowledged. */
    spool: z
      .object({
        /** Relative to the project directory. */
        dir: z.string().min(1).default('.cdp/spool'),
        /** Beyond this the API answers 503 + Retry-After until landing catches up. */
        maxBytes: z.number().int().min(1024).default(1024 * 1024 * 1024),
      })
      .strict()
      .default({ dir: '.cdp/spool', maxBytes: 1024 * 1024 * 1024 }),
  })
  .strict();

export type CollectConfig = z.output<typeof collectSchema>;
export type CollectConfigInput = z.input<typeof collectSchema>;
