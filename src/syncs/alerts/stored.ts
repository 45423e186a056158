import type { Knex } from 'knex';
import { z } from 'zod';
import { alertChannelSchema, alertConditionSchema, type AlertChannel, type AlertCondition, type AlertsConfig } from '../../config/index.js';
import { AlertRuleRepository, EVERY_SYNC, type StoredAlertRuleOf } from '../../state/index.js';
import { rulesFor, type ActiveRule } from './rules.js';

/**
 * Alert rules made over the API (docs/syncs.md, "Alerts"): a condition and its own channel. They
 * are untrusted input: secrets in the channel are only `{secret: name}` references to the
 * encrypted store (never `{env}`), and the channel is reached under the network policy.
 */
const storedSecretRef = z.object({ secret: z.string().min(1) }).strict();

export const storedAlertSchema = z
  .object({
    condition: alertConditionSchema,
    channel: alertChannelSchema.superRefine((channel, ctx) => {
      const refs: Array<[unknown, string[]]> = channel.type === 'slack' ? [[channel.url, ['url']]] : channel.smtp.password ? [[channel.smtp.password, ['smtp', 'password']]] : [];
      for (const [ref, path] of refs) {
        if (!storedSecretRef.safeParse(ref).success) ctx.addIssue({ code: 'custom', path, message: 'a rule made over the API holds secrets only as stored secrets, never {env}' });
      }
    }),
  })
  .strict();

export interface StoredAlert {
  condition: AlertCondition;
  channel: AlertChannel;
}
export type StoredAlertRule = StoredAlertRuleOf<StoredAlert>;

export const alertRuleRepository = (knex: Knex): AlertRuleRepository<StoredAlert> =>
  new AlertRuleRepository<StoredAlert>(knex, (json) => storedAlertSchema.parse(JSON.parse(json)));

/** The channel name a stored rule's own channel goes by while alerts are checked. */
export const ruleChannel = (rule: string): string => `rule:${rule}`;

/** What checks of one sync use: its rules (config and API), every channel they name, and which channels are policed. */
export interface AlertSetup {
  config: AlertsConfig;
  rules: ActiveRule[];
  policed: Set<string>;
}

/**
 * The alert rules of a sync: the config's (a sync's own rule replacing the workspace rule of the
 * same kind) and every API rule for it or for every sync, each on its own channel. Null when no
 * rule applies. A stored rule that cannot be read stops nothing: it is skipped (the API lists it).
 */
export async function alertSetup(config: AlertsConfig | undefined, knex: Knex, sync: string): Promise<AlertSetup | null> {
  const base: AlertsConfig = config ?? { channels: {}, rules: [], syncs: {} };
  const rules: ActiveRule[] = rulesFor(base, sync);
  const channels = { ...base.channels };
  const policed = new Set<string>();
  for (const stored of (await alertRuleRepository(knex).list(sync)).rules) {
    const channel = ruleChannel(stored.name);
    channels[channel] = stored.definition.channel;
    policed.add(channel);
    rules.push({ ...stored.definition.condition, to: [channel], id: stored.name } as ActiveRule);
  }
  return rules.length ? { config: { ...base, channels }, rules, policed } : null;
}

export { EVERY_SYNC };
