import { z } from 'zod';
import { EVENT_TYPES, REJECT_REASONS } from '../../collect/index.js';

const reasonSchema = z.enum(REJECT_REASONS as [string, ...string[]]);

export const SourceSummarySchema = z
  .object({
    name: z.string(),
    origin: z.enum(['env', 'secret', 'ui']).describe('Where the write key lives: config `{env}`, config `{secret}`, or created in the UI'),
    ref: z.string().describe('Name of the environment variable or stored secret (never the key)'),
    set: z.boolean().describe("False when the variable or secret is not set: that source's requests are refused"),
    eventsPerMinute: z.array(z.number()).describe('Events accepted per minute over the last hour, oldest first'),
  })
  .meta({ id: 'SourceSummary' });

export const RejectionSchema = z
  .object({ reason: reasonSchema, status: z.number(), count: z.number(), lastAt: z.string(), lastMessage: z.string() })
  .meta({ id: 'Rejection' });

export const SourcesOverviewSchema = z
  .object({
    table: z.string().describe('The landing table, schema.collected_events'),
    sources: z.array(SourceSummarySchema),
    rejections: z.array(RejectionSchema),
    reasons: z.array(reasonSchema),
    totals: z.object({ accepted: z.number(), landed: z.number(), landingLatencyP99Ms: z.number().nullable() }),
  })
  .meta({ id: 'SourcesOverview' });

export const CollectedEventSchema = z
  .object({
    message_id: z.string(),
    type: z.enum(EVENT_TYPES),
    event: z.string().nullable(),
    name: z.string().nullable(),
    anonymous_id: z.string().nullable(),
    user_id: z.string().nullable(),
    group_id: z.string().nullable(),
    previous_id: z.string().nullable(),
    timestamp: z.string(),
    sent_at: z.string().nullable(),
    received_at: z.string(),
    source: z.string(),
    properties: z.unknown(),
    traits: z.unknown(),
    context: z.unknown(),
  })
  .meta({ id: 'CollectedEvent' });

export const LiveEventsSchema = z.object({ events: z.array(CollectedEventSchema) }).meta({ id: 'LiveEvents' });

export const SourceKeySchema = z
  .object({ name: z.string(), writeKey: z.string().describe('The new write key: shown only in this answer') })
  .meta({ id: 'SourceKey' });

/** What analytics.js reads from its settings URL (the parts cdp sets; see src/collect/settings.ts). */
export const AnalyticsSettingsSchema = z
  .object({ integrations: z.record(z.string(), z.unknown()), plan: z.record(z.string(), z.unknown()) })
  .catchall(z.unknown())
  .meta({ id: 'AnalyticsJsSettings' });
