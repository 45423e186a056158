import { z } from 'zod';
import { secretRefSchema } from './secrets.js';
import { nameSchema } from './identity.js';

/**
 * Alerts (docs/syncs.md, "Alerts"): who is told when a sync fails, delivers too little, stops
 * running, or its audience jumps in size. Channels are named once; rules name the channels they
 * go to. Rules apply to every sync (`rules`) and to one sync (`syncs.<name>`, which replace a
 * workspace rule of the same kind for that sync).
 */

/** A Slack incoming webhook (or anything taking Slack's JSON: Mattermost, Rocket.Chat, Teams workflows). */
const slackChannel = z
  .object({
    type: z.literal('slack'),
    /** The incoming-webhook URL is a credential (anyone holding it may post): a reference, never a literal in git. */
    url: secretRefSchema,
  })
  .strict();

const emailAddress = z.string().email('an email address like ops@example.com');

/** Email over SMTP (sent with nodemailer). */
const emailChannel = z
  .object({
    type: z.literal('email'),
    to: z.array(emailAddress).min(1),
    from: emailAddress,
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        user: z.string().optional(),
        password: secretRefSchema.optional(),
      })
      .strict(),
  })
  .strict();

export const alertChannelSchema = z.discriminatedUnion('type', [slackChannel, emailChannel]);

const to = z.array(nameSchema).min(1).describe('names of channels under alerts.channels');

/** When an alert fires, without whom it goes to. `partial.above` and `audience_change.percent` are percentages. */
const conditions = [
  z.object({ on: z.literal('failure') }),
  z.object({
    on: z.literal('partial'),
    /** Alert when more than this share (%) of the run's planned rows were not delivered (default 0: any). */
    above: z.number().min(0, 'a share from 0 to 100').max(100, 'a share from 0 to 100').default(0),
  }),
  z.object({
    on: z.literal('stale'),
    /** Alert when the sync's last run started more than this many hours ago. */
    hours: z.number().positive('more than 0 hours'),
  }),
  z.object({
    on: z.literal('audience_change'),
    /** Alert when the audience's size changed by more than this share (%) between two snapshots. */
    percent: z.number().positive('more than 0 percent'),
  }),
] as const;

/** An alert condition alone (rules made over the API carry their own channel instead of `to`). */
export const alertConditionSchema = z.discriminatedUnion('on', [conditions[0].strict(), conditions[1].strict(), conditions[2].strict(), conditions[3].strict()]);

/** One alert rule of the config: a condition and the channels it goes to. */
export const alertRuleSchema = z.discriminatedUnion('on', [
  conditions[0].extend({ to }).strict(),
  conditions[1].extend({ to }).strict(),
  conditions[2].extend({ to }).strict(),
  conditions[3].extend({ to }).strict(),
]);

export const alertsSchema = z
  .object({
    /** The service's address as people open it; links in alerts point to its pages (default http://localhost:3000). */
    baseUrl: z.string().url().optional(),
    channels: z.record(nameSchema, alertChannelSchema).default({}),
    /** Rules for every sync. */
    rules: z.array(alertRuleSchema).default([]),
    /** Rules for one sync, by sync name; they replace the workspace rule of the same `on` for that sync. */
    syncs: z.record(z.string(), z.array(alertRuleSchema)).default({}),
  })
  .strict()
  .superRefine((value, ctx) => {
    const check = (rules: ReadonlyArray<{ to: string[] }>, path: Array<string | number>) =>
      rules.forEach((rule, i) =>
        rule.to.forEach((name, j) => {
          if (!(name in value.channels)) ctx.addIssue({ code: 'custom', path: [...path, i, 'to', j], message: `no channel named ${name} under alerts.channels` });
        }),
      );
    check(value.rules, ['rules']);
    for (const [sync, rules] of Object.entries(value.syncs)) check(rules, ['syncs', sync]);
  });

export type AlertsConfig = z.output<typeof alertsSchema>;
export type AlertRule = z.output<typeof alertRuleSchema>;
export type AlertChannel = z.output<typeof alertChannelSchema>;
export type AlertCondition = z.output<typeof alertConditionSchema>;
