import { z } from 'zod';
import { alertConditionSchema } from '../../config/index.js';
import { dateSchema } from './common.js';

export const AlertRuleViewSchema = z.object({
  scope: z.string().describe("`workspace` (every sync) or the sync's name"),
  source: z.enum(['config', 'api']).describe('`config`: defined in cdp.config.ts (read-only here); `api`: made in the UI or over the API'),
  name: z.string().nullable().describe('The name of a rule made over the API (null for config rules).'),
  on: z.enum(['failure', 'partial', 'stale', 'audience_change']),
  threshold: z.number().nullable().describe('partial: % of rows undelivered; stale: hours; audience_change: % size change; null for failure'),
  to: z.array(z.string()).describe('Config rules: the channels by name; API rules: their own channel (`slack` or `email`).'),
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

/** Names of rules made over the API (and in URLs). */
export const alertRuleNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, 'lower-case letters, digits, "-" and "_", starting with a letter or digit');

const keepSchema = z.object({ set: z.literal(true) }).strict().describe('keeps the stored value');
const namedSecretSchema = z.object({ secret: z.string().min(1).max(200) }).strict().describe('a stored secret you set (PUT /api/secrets/:name)');
/**
 * A secret field of a rule's channel: the value itself goes in `secrets` (stored encrypted); here
 * `{"set": true}` keeps the stored one, `{"secret": name}` names one you set. `{env}` is refused in words.
 */
const secretField = z.union([keepSchema, namedSecretSchema], {
  error: (issue) =>
    typeof issue.input === 'object' && issue.input !== null && 'env' in issue.input
      ? 'environment variables are for cdp.config.ts only: enter the value (it is stored encrypted) or name a stored secret you set'
      : 'enter the value, keep the stored one ({"set": true}) or name a stored secret ({"secret": "name"})',
});

const emailAddress = z.string().email('an email address like ops@example.com');

export const AlertChannelInputSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('slack'), url: secretField.optional().describe('the webhook URL: send it in secrets.url') }).strict(),
    z
      .object({
        type: z.literal('email'),
        to: z.array(emailAddress).min(1, 'at least one address').max(50),
        from: emailAddress,
        smtp: z
          .object({
            host: z.string().min(1, 'the SMTP server').max(253),
            port: z.number().int().min(1).max(65535).default(587),
            secure: z.boolean().default(false),
            user: z.string().max(320).optional(),
            password: secretField.optional().describe('send it in secrets["smtp.password"]'),
          })
          .strict(),
      })
      .strict(),
  ])
  .meta({ id: 'AlertChannelInput' });

const alertSecretsSchema = z
  .object({
    url: z.string().min(1).max(4096).optional().describe('Slack-compatible webhook URL (stored encrypted)'),
    'smtp.password': z.string().min(1).max(1024).optional().describe('SMTP password (stored encrypted)'),
  })
  .strict()
  .default({});

/** The config's condition schema (src/config/alerts.ts): one definition of what each kind takes. */
export const AlertConditionSchema = alertConditionSchema.meta({ id: 'AlertCondition' });

const ruleFields = {
  sync: z.string().min(1).max(200).nullable().default(null).describe("the sync's name; null: every sync"),
  condition: AlertConditionSchema,
  channel: AlertChannelInputSchema,
  /** Write-only: the webhook URL and the SMTP password. */
  secrets: alertSecretsSchema,
};

export const AlertRuleCreateSchema = z.object({ name: alertRuleNameSchema, ...ruleFields }).strict();
export const AlertRuleUpdateSchema = z.object(ruleFields).strict();
export type AlertRuleInput = z.output<typeof AlertRuleUpdateSchema>;

export const StoredAlertRuleViewSchema = z
  .object({
    name: z.string(),
    sync: z.string().nullable(),
    condition: AlertConditionSchema,
    channel: z.discriminatedUnion('type', [
      z.object({ type: z.literal('slack'), url: z.union([keepSchema, namedSecretSchema]) }),
      z.object({
        type: z.literal('email'),
        to: z.array(z.string()),
        from: z.string(),
        smtp: z.object({ host: z.string(), port: z.number(), secure: z.boolean(), user: z.string().optional(), password: z.union([keepSchema, namedSecretSchema]).optional() }),
      }),
    ]),
    createdAt: dateSchema,
    updatedAt: dateSchema,
    createdBy: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: 'StoredAlertRule' });

export const AlertRuleListSchema = z.object({
  rules: z.array(StoredAlertRuleViewSchema),
  broken: z.array(z.object({ name: z.string(), error: z.string() })).describe('stored rules that cannot be read (delete and create them again)'),
});

export const AlertTestResultSchema = z.object({ ok: z.boolean(), message: z.string() }).meta({ id: 'AlertTestResult' });
