import type { AlertRule } from '../../config/index.js';
import { AlertLedger } from '../../syncs/alerts/index.js';
import type { ServerContext } from '../context.js';

const thresholdOf = (rule: AlertRule): number | null => (rule.on === 'partial' ? rule.above : rule.on === 'stale' ? rule.hours : rule.on === 'audience_change' ? rule.percent : null);

/** The alert rules of the project config and the alerts firing now (no secrets, no recipient addresses). */
export async function alertsView(ctx: ServerContext) {
  const config = ctx.project.config.alerts;
  const firing = await new AlertLedger(ctx.knex).firing();
  const rules = config
    ? [
        ...config.rules.map((rule) => ({ scope: 'workspace', rule })),
        ...Object.entries(config.syncs).flatMap(([sync, list]) => list.map((rule) => ({ scope: sync, rule }))),
      ]
    : [];
  return {
    configured: config !== undefined,
    baseUrl: config?.baseUrl ?? null,
    channels: Object.entries(config?.channels ?? {}).map(([name, channel]) => ({ name, type: channel.type, recipients: channel.type === 'email' ? channel.to.length : 1 })),
    rules: rules.map(({ scope, rule }) => ({ scope, on: rule.on, threshold: thresholdOf(rule), to: rule.to })),
    firing: firing.map((alert) => ({ kind: alert.kind, sync: alert.sync, title: alert.title, link: alert.link, sentAt: alert.sentAt.toISOString(), sends: alert.sends })),
  };
}
