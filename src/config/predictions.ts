import { z } from 'zod';
import { nameSchema } from './identity.js';

/** A span of days written as `90 days` (or `1 day`). */
export const daysSchema = z
  .string()
  .regex(/^\s*\d+\s+days?\s*$/, 'a number of days, like `90 days`')
  .transform((text) => Number(/\d+/.exec(text)![0]))
  .refine((days) => days >= 1 && days <= 3650, 'from 1 to 3650 days');

export const predictionFeaturesSchema = z
  .object({
    /** Look-back windows (days) of the counts and sums (default 30, 90, 365). */
    windows: z.array(z.number().int().min(1).max(3650)).min(1).max(6).optional(),
    /** Other events counted as features (default: every declared event name, up to `maxEvents`). */
    events: z.array(z.string().min(1)).optional(),
    /** How many other event names at most when `events` is not given. */
    maxEvents: z.number().int().min(0).max(50).default(12),
    /**
     * Profile traits used as features (numeric ones as they are, text ones one-hot over their top
     * values). Opt-in, because a trait is today's value, not the value at the training cutoff: only
     * list attributes that do not follow from later behaviour (country, plan), never aggregates of events.
     */
    traits: z.array(nameSchema).default([]),
    /** One-hot columns per text trait: its most frequent values. */
    topValues: z.number().int().min(1).max(20).default(8),
  })
  .strict();

export const predictionSchema = z
  .object({
    /** propensity: P(does `event` within `window`); churn: P(does not); ltv: expected sum of `value` within `window`. */
    kind: z.enum(['propensity', 'churn', 'ltv']),
    /** The target event (an event name of `events`). */
    event: z.string().min(1),
    /** The horizon predicted, e.g. `30 days`. */
    window: daysSchema,
    /** ltv: the event property (a column of its stream) holding the value. */
    value: z.string().min(1).optional(),
    features: predictionFeaturesSchema.default({ maxEvents: 12, traits: [], topValues: 8 }),
    /** `cdp run` retrains a model older than this (and trains one that is missing). */
    retrain: daysSchema.default(7),
    /** Training rows at most (a random sample of profiles above it). */
    sampleSize: z.number().int().min(1000).max(2_000_000).default(200_000),
    /** L2 penalty of the regression (on standardised features). */
    l2: z.number().min(0).default(1),
    description: z.string().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.kind === 'ltv' && value.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'an ltv prediction needs `value`: the event property summed (e.g. `amount`)' });
    }
  });

export const predictionsSchema = z.record(nameSchema, predictionSchema);

export type PredictionConfig = z.output<typeof predictionSchema>;
export type PredictionKind = PredictionConfig['kind'];
