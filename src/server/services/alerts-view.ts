import type { AlertCondition } from '../../config/index.js';
import { AlertLedger, alertRuleRepository, EVERY_SYNC } from '../../syncs/alerts/index.js';
import type { ServerContext } from '../context.js';

const thresholdOf = (rule: AlertCondition): number | null => (rule.on === 'partial' ? rule.above : rule.on === 'stale' ? rule.hours : rule.on === 'audience_change' ? rule.percent : null);

/** The alert rules of the project config and of the state store, and the alerts firing now (no secrets, no recipient addresses). */
export async function alertsView(ctx: ServerContext) {
  const config = ctx.project.config.alerts;
  const firing = await new AlertLedger(ctx.knex).firing();
  const fromConfig = config
    ? [
        ...config.rules.map((rule) => ({ scope: 'workspace', rule })),
        ...Object.entries(config.syncs).flatMap(([sync, list]) => list.map((rule) => ({ scope: sync, rule }))),
      ]
    : [];
  const made = (await alertRuleRepository(ctx.knex).list()).rules;
  return {
    configured: config !== undefined,
    baseUrl: config?.baseUrl ?? null,
    channels: Object.entries(config?.channels ?? {}).map(([name, channel]) => ({ name, type: channel.type, recipients: channel.type === 'email' ? channel.to.length : 1 })),
    rules: [
      ...fromConfig.map(({ scope, rule }) => ({ scope, source: 'config' as const, name: null, on: rule.on, threshold: thresholdOf(rule), to: rule.to })),
      ...made.map((rule) => ({
        scope: rule.scope === EVERY_SYNC ? 'workspace' : rule.scope,
        source: 'api' as const,
        name: rule.name,
        on: rule.definition.condition.on,
        threshold: thresholdOf(rule.definition.condition),
        to: [rule.definition.channel.type],
      })),
    ],
    firing: firing.map((alert) => ({ kind: alert.kind, sync: alert.sync, title: alert.title, link: alert.link, sentAt: alert.sentAt.toISOString(), sends: alert.sends })),
  };
}
