import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { AlertRuleCreateSchema, AlertRuleListSchema, alertRuleNameSchema, AlertRuleUpdateSchema, AlertsViewSchema, AlertTestResultSchema, StoredAlertRuleViewSchema } from '../schemas/alerts.js';
import { AlertRuleService } from '../services/alert-rules.js';
import { alertsView } from '../services/alerts-view.js';

const nameParams = z.object({ name: alertRuleNameSchema }).strict();
const example = {
  name: 'crm-failures',
  sync: null,
  condition: { on: 'failure' as const },
  channel: { type: 'slack' as const },
  secrets: { url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
};

export function alertRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const rules = () => new AlertRuleService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/alerts',
      response: AlertsViewSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'Alert rules (from cdp.config.ts and made here; no secrets or addresses), channels and the alerts firing now',
      handler: () => alertsView(ctx),
    }),
    route({
      method: 'get',
      path: '/api/alerts/rules',
      response: AlertRuleListSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'Alert rules made over the API, with their channels (secrets as {"set": true})',
      handler: () => rules().list(),
    }),
    route({
      method: 'post',
      path: '/api/alerts/rules',
      response: StoredAlertRuleViewSchema,
      status: 201,
      access: 'alerts:manage',
      tag: 'syncs',
      summary: 'Create an alert rule: a condition for one sync or every sync, and a Slack-compatible webhook or an email channel',
      body: AlertRuleCreateSchema,
      example,
      errors: [409],
      handler: ({ body, principal }) => {
        const { name, ...input } = body;
        return rules().create(name, input, actorOf(principal!));
      },
    }),
    route({
      method: 'get',
      path: '/api/alerts/rules/:name',
      response: StoredAlertRuleViewSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'One alert rule made over the API',
      params: nameParams,
      handler: ({ params }) => rules().get(params.name),
    }),
    route({
      method: 'put',
      path: '/api/alerts/rules/:name',
      response: StoredAlertRuleViewSchema,
      access: 'alerts:manage',
      tag: 'syncs',
      summary: 'Replace an alert rule; {"set": true} keeps a stored secret (not when the SMTP server changes)',
      params: nameParams,
      body: AlertRuleUpdateSchema,
      example: { sync: null, condition: { on: 'stale', hours: 26 }, channel: { type: 'slack', url: { set: true } } },
      handler: ({ params, body, principal }) => rules().update(params.name, body, actorOf(principal!)),
    }),
    route({
      method: 'delete',
      path: '/api/alerts/rules/:name',
      status: 204,
      access: 'alerts:manage',
      tag: 'syncs',
      summary: 'Delete an alert rule, its stored secrets and its alert state',
      params: nameParams,
      handler: ({ params, principal }) => rules().remove(params.name, actorOf(principal!)),
    }),
    route({
      method: 'post',
      path: '/api/alerts/rules/:name/test',
      response: AlertTestResultSchema,
      access: 'alerts:manage',
      tag: 'syncs',
      summary: 'Send a test message through the rule’s channel (answers ok or the scrubbed reason)',
      params: nameParams,
      handler: ({ params, principal }) => rules().test(params.name, actorOf(principal!)),
    }),
  ];
}
