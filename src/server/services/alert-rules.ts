import type { Actor } from '../../audit/index.js';
import type { AlertChannel } from '../../config/index.js';
import { CdpError } from '../../errors.js';
import { isStoredSecretRef, safeExcerpt, scrubSecrets, secretResolver, type SecretResolver } from '../../secrets/index.js';
import { AlertLedger, alertRuleRepository, EVERY_SYNC, pageLink, runLink, sendAlert, type StoredAlert, type StoredAlertRule } from '../../syncs/alerts/index.js';
import { networkPolicy } from '../../syncs/index.js';
import type { ServerContext } from '../context.js';
import type { AlertRuleInput } from '../schemas/alerts.js';
import { isKeepMarker, requireOwnSecret } from './api-secrets.js';

/**
 * Alert rules made over the API (the UI's Alerts page). Untrusted input under the trust rule: the
 * webhook URL and the SMTP password are stored encrypted (or name a stored secret the same person
 * set), never `{env}`; the webhook and the SMTP server must pass the network policy at save and
 * again on every send; test messages' errors pass the secret scrubber.
 */

type SecretRefOut = { set: true } | { secret: string };
type ChannelIn = AlertRuleInput['channel'];

const secretName = (rule: string, field: 'url' | 'smtp.password'): string => `alert:${rule}:${field}`;

function notFound(name: string): CdpError {
  return new CdpError('NOT_FOUND', `no alert rule named ${name}`, { location: { path: 'params.name' }, hint: 'GET /api/alerts/rules lists the rules made here; rules in cdp.config.ts are changed there' });
}

/** A stored reference as the API shows it: the rule's own secret as `{"set": true}`, a named one by name. */
const shown = (rule: string, ref: { secret: string }): SecretRefOut => (ref.secret.startsWith(`alert:${rule}:`) ? { set: true } : { secret: ref.secret });

export function alertRuleView(rule: StoredAlertRule) {
  const { channel, condition } = rule.definition;
  const secretOf = (ref: unknown): SecretRefOut => (isStoredSecretRef(ref) ? shown(rule.name, ref) : { set: true });
  return {
    name: rule.name,
    sync: rule.scope === EVERY_SYNC ? null : rule.scope,
    condition,
    channel:
      channel.type === 'slack'
        ? { type: 'slack' as const, url: secretOf(channel.url) }
        : {
            type: 'email' as const,
            to: channel.to,
            from: channel.from,
            smtp: { host: channel.smtp.host, port: channel.smtp.port, secure: channel.smtp.secure, ...(channel.smtp.user ? { user: channel.smtp.user } : {}), ...(channel.smtp.password ? { password: secretOf(channel.smtp.password) } : {}) },
          },
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
    createdBy: rule.createdBy,
    updatedBy: rule.updatedBy,
  };
}

export class AlertRuleService {
  private readonly repo;
  constructor(private readonly ctx: ServerContext) {
    this.repo = alertRuleRepository(ctx.knex);
  }

  async list() {
    const { rules, broken } = await this.repo.list();
    return { rules: rules.map(alertRuleView), broken: broken.map((b) => ({ name: b.name, error: b.error.message })) };
  }

  async get(name: string) {
    return alertRuleView(await this.require(name));
  }

  private async require(name: string): Promise<StoredAlertRule> {
    const rule = await this.repo.find(name);
    if (!rule) throw notFound(name);
    return rule;
  }

  async create(name: string, input: AlertRuleInput, actor: Actor) {
    if (await this.repo.find(name).catch(() => true)) {
      throw new CdpError('CONFLICT', `an alert rule named ${name} already exists`, { location: { path: 'body.name' }, hint: 'choose another name, or edit that rule' });
    }
    const definition = await this.assemble(name, input, actor, undefined);
    await this.ctx.knex.transaction(async (trx) => {
      await this.repo.insert({ name, scope: input.sync ?? EVERY_SYNC, definition }, actor.email, trx);
      await this.storeSecrets(name, input, actor, trx);
      await this.ctx.audit.record({ actor, action: 'alert_rule.create', resourceType: 'alert_rule', resourceId: name, details: { sync: input.sync, on: input.condition.on, channel: input.channel.type } }, trx);
    });
    return this.get(name);
  }

  async update(name: string, input: AlertRuleInput, actor: Actor) {
    const before = await this.require(name);
    const definition = await this.assemble(name, input, actor, before.definition);
    // The rule's own secrets no longer referenced (replaced by a named secret, or the channel changed type).
    const dropped = (['url', 'smtp.password'] as const).filter((field) => !JSON.stringify(definition.channel).includes(JSON.stringify(secretName(name, field))));
    await this.ctx.knex.transaction(async (trx) => {
      await this.repo.update({ name, scope: input.sync ?? EVERY_SYNC, definition }, actor.email, trx);
      for (const field of dropped) await this.ctx.secrets.delete(secretName(name, field), trx);
      await this.storeSecrets(name, input, actor, trx);
      await this.ctx.audit.record({ actor, action: 'alert_rule.update', resourceType: 'alert_rule', resourceId: name, details: { sync: input.sync, on: input.condition.on, channel: input.channel.type, secretsSet: Object.keys(input.secrets) } }, trx);
    });
    return this.get(name);
  }

  async remove(name: string, actor: Actor): Promise<void> {
    await this.require(name);
    await this.ctx.knex.transaction(async (trx) => {
      await this.repo.delete(name, trx);
      await this.ctx.secrets.deletePrefix(`alert:${name}:`, trx);
      await new AlertLedger(trx).forgetRule(name);
      await this.ctx.audit.record({ actor, action: 'alert_rule.delete', resourceType: 'alert_rule', resourceId: name }, trx);
    });
  }

  /**
   * Sends a test message to the rule's channel with its stored secrets, under the network policy.
   * Never throws for a failed send: reports it, scrubbed of every secret and cut to an excerpt.
   */
  async test(name: string, actor: Actor): Promise<{ ok: boolean; message: string }> {
    const rule = await this.require(name);
    const revealed: string[] = [];
    const base = secretResolver(this.ctx.secrets);
    const resolve: SecretResolver = async (ref, path) => {
      if (!('secret' in ref)) throw new CdpError('INVALID_INPUT', `${path} reads the environment: rules made over the API may not`, { hint: 'enter the value again' });
      const value = await base(ref, path);
      revealed.push(value);
      return value;
    };
    const where = rule.scope === EVERY_SYNC ? 'every sync' : `sync ${rule.scope}`;
    const message = {
      title: `Test alert from cdp (rule ${name})`,
      detail: `This is a test of the alert rule ${name} (${rule.definition.condition.on}, ${where}). Real alerts look like this one.`,
      link: rule.scope === EVERY_SYNC ? pageLink(this.ctx.project.config.alerts, '/alerts') : runLink(this.ctx.project.config.alerts, rule.scope),
      resolved: false,
    };
    let result: { ok: boolean; message: string };
    try {
      await sendAlert(rule.definition.channel, `alert rule ${name}`, message, { secrets: resolve, network: networkPolicy(this.ctx.project) });
      result = { ok: true, message: rule.definition.channel.type === 'slack' ? 'the webhook took the test message' : 'the SMTP server took the test message' };
    } catch (error) {
      const text = error instanceof CdpError ? error.oneLine() : error instanceof Error ? error.message : String(error);
      result = { ok: false, message: safeExcerpt(scrubSecrets(text, revealed), 500) };
    }
    await this.ctx.audit.record({ actor, action: 'alert_rule.test', resourceType: 'alert_rule', resourceId: name, outcome: result.ok ? 'ok' : 'error' });
    return result;
  }

  private async storeSecrets(name: string, input: AlertRuleInput, actor: Actor, trx: Parameters<Parameters<ServerContext['knex']['transaction']>[0]>[0]): Promise<void> {
    for (const [field, value] of Object.entries(input.secrets) as Array<['url' | 'smtp.password', string | undefined]>) {
      if (value !== undefined) await this.ctx.secrets.set(secretName(name, field), value, actor.email, trx);
    }
  }

  /**
   * The definition to store, under the trust rule; throws a 400 at the field before anything is
   * written. `before` is the stored rule on an update (what `{"set": true}` keeps).
   */
  private async assemble(name: string, input: AlertRuleInput, actor: Actor, before: StoredAlert | undefined): Promise<StoredAlert> {
    if (input.sync !== null) await this.requireSync(input.sync);
    const policy = networkPolicy(this.ctx.project);
    const channel = await this.channel(name, input.channel, input.secrets, actor, before?.channel);
    if (channel.type === 'slack') {
      const url = input.secrets.url ?? (await this.ctx.secrets.reveal(channel.url.secret));
      await admitWebhook(url, policy);
    } else {
      try {
        await policy.assertReachable(channel.smtp.host, channel.smtp.port);
      } catch (error) {
        throw new CdpError('INVALID_INPUT', `SMTP server: ${error instanceof Error ? error.message : String(error)}`, {
          location: { path: 'body.channel.smtp.host' },
          hint: 'alert rules made in the UI may only reach public addresses; an admin can list more under network.allow in cdp.config.ts',
        });
      }
    }
    return { condition: input.condition, channel };
  }

  private async requireSync(sync: string): Promise<void> {
    const names = (await this.ctx.syncs.schedules()).map((s) => s.name);
    if (!names.includes(sync)) {
      throw new CdpError('INVALID_INPUT', `there is no sync named ${sync}`, { location: { path: 'body.sync' }, hint: names.length ? `one of: ${names.slice(0, 20).join(', ')}` : 'create a sync first, or choose every sync' });
    }
  }

  /** The channel to store: secrets as references (new values stored under the rule's own names). */
  private async channel(name: string, input: ChannelIn, secrets: AlertRuleInput['secrets'], actor: Actor, before: AlertChannel | undefined): Promise<AlertChannel & { url?: { secret: string } }> {
    const ref = async (field: 'url' | 'smtp.password', given: SecretRefOut | undefined, held: unknown, label: string, path: string): Promise<{ secret: string } | undefined> => {
      if (secrets[field] !== undefined) return { secret: secretName(name, field) };
      if (given === undefined) return undefined;
      const heldName = isStoredSecretRef(held) ? held.secret : undefined;
      if (isKeepMarker(given)) {
        if (!heldName) throw new CdpError('INVALID_INPUT', `${label}: nothing is stored yet, enter it`, { location: { path: `body.secrets.${field}` } });
        return { secret: heldName };
      }
      await requireOwnSecret(this.ctx.secrets, { field: label, path, secret: given.secret }, actor, heldName);
      return { secret: given.secret };
    };
    if (input.type === 'slack') {
      const held = before?.type === 'slack' ? before.url : undefined;
      const url = await ref('url', input.url, held, 'Webhook URL', 'body.channel.url');
      if (!url) throw new CdpError('INVALID_INPUT', 'Webhook URL: enter the webhook URL', { location: { path: 'body.secrets.url' }, hint: 'e.g. https://hooks.slack.com/services/…' });
      return { type: 'slack', url };
    }
    const heldSmtp = before?.type === 'email' ? before.smtp : undefined;
    // A stored password is not carried to another server or user: it must be entered again.
    const moved = heldSmtp && (heldSmtp.host !== input.smtp.host || heldSmtp.port !== input.smtp.port || heldSmtp.user !== input.smtp.user);
    if (moved && input.smtp.password && isKeepMarker(input.smtp.password) && secrets['smtp.password'] === undefined) {
      throw new CdpError('INVALID_INPUT', 'SMTP password: the server or user changed, so the stored password is not sent there; enter it again', { location: { path: 'body.secrets.smtp.password' } });
    }
    const password = await ref('smtp.password', input.smtp.password, heldSmtp?.password, 'SMTP password', 'body.channel.smtp.password');
    return {
      type: 'email',
      to: input.to,
      from: input.from,
      smtp: { host: input.smtp.host, port: input.smtp.port, secure: input.smtp.secure, ...(input.smtp.user ? { user: input.smtp.user } : {}), ...(password ? { password } : {}) },
    };
  }
}

/** A webhook URL from the API: http(s), and an address the network policy allows (the URL is a secret: never quoted). */
async function admitWebhook(url: string, policy: ReturnType<typeof networkPolicy>): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CdpError('INVALID_INPUT', 'Webhook URL: enter a full address like https://hooks.slack.com/services/…', { location: { path: 'body.secrets.url' } });
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new CdpError('INVALID_INPUT', 'Webhook URL: it must start with https:// (or http://)', { location: { path: 'body.secrets.url' } });
  try {
    await policy.assertUrl(parsed.toString());
  } catch (error) {
    throw new CdpError('INVALID_INPUT', `Webhook URL: ${scrubSecrets(error instanceof Error ? error.message : String(error), [url])}`, {
      location: { path: 'body.secrets.url' },
      hint: 'alert rules made in the UI may only reach public addresses; an admin can list more under network.allow in cdp.config.ts',
    });
  }
}
