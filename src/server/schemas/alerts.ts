import { z } from 'zod';
import { dateSchema } from './common.js';

export const AlertRuleViewSchema = z.object({
  scope: z.string().describe("`workspace` (every sync) or the sync's name"),
  on: z.enum(['failure', 'partial', 'stale', 'audience_change']),
  threshold: z.number().nullable().describe('partial: % of rows undelivered; stale: hours; audience_change: % size change; null for failure'),
  to: z.array(z.string()),
}).meta({ id: 'AlertRuleView' });

export const AlertsViewSchema = z.object({
  configured: z.boolean().describe('Whether cdp.config.ts has an `alerts` block.'),
  baseUrl: z.string().nullable(),
  channels: z.array(z.object({
    name: z.string(),
    type: z.enum(['slack', 'email']),
    recipients: z.number().describe('Email: addresses it goes to; Slack: 1.'),
  })),
  rules: z.array(AlertRuleViewSchema),
  firing: z.array(z.object({
    kind: z.enum(['failure', 'partial', 'stale', 'audience_change']),
    sync: z.string(),
    title: z.string(),
    link: z.string().nullable(),
    sentAt: dateSchema,
    sends: z.number().describe('How often this alert was sent (once per change).'),
  })),
}).meta({ id: 'AlertsView' });
