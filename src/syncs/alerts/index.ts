import type { SyncFrom } from '../definition.js';
import type { AlertsConfig } from '../../config/index.js';
import { audienceSizeHistory } from '../../audiences/index.js';
import { logger } from '../../logger.js';
import type { Project } from '../../project/index.js';
import { SyncHistory, type SyncRunRecord } from '../../state/index.js';
import { envSecretResolver, type SecretResolver } from '../secrets.js';
import { networkPolicy } from '../session.js';
import { deliver, type AlertMessage } from './channels.js';
import { AlertLedger } from './ledger.js';
import { audienceSignals, runSignals, staleSignals, type AlertSignal } from './rules.js';
import { alertSetup, type AlertSetup } from './stored.js';

export { AlertLedger, type AlertStateRow } from './ledger.js';
export { slackPayload, sendAlert, type AlertMessage } from './channels.js';
export { alertRuleRepository, ruleChannel, storedAlertSchema, EVERY_SYNC, type StoredAlert, type StoredAlertRule } from './stored.js';

const DEFAULT_BASE_URL = 'http://localhost:3000';

export interface AlertOptions {
  /** How channel secrets are opened (default: environment variables; the service adds its stored secrets). */
  secrets?: SecretResolver;
  now?: Date;
}

/** A page of the service as people open it (`/alerts`). */
export function pageLink(config: Pick<AlertsConfig, 'baseUrl'> | undefined, path: string): string {
  return `${(config?.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '')}${path}`;
}

/** Where a sync's run is shown in the service. */
export function runLink(config: Pick<AlertsConfig, 'baseUrl'> | undefined, sync: string, runId?: string | null): string {
  return pageLink(config, `/syncs/${encodeURIComponent(sync)}${runId ? `?run=${encodeURIComponent(runId)}` : ''}`);
}

/**
 * Sends what a check found: a firing alert once until it is resolved or changes, a "resolved"
 * notice once when one that was sent clears. Never throws (alerting must not fail a run).
 */
async function act(project: Project, setup: AlertSetup, signals: readonly AlertSignal[], link: string, options: AlertOptions): Promise<number> {
  if (signals.length === 0) return 0;
  const ledger = new AlertLedger((await project.state()).knex);
  const delivery = { secrets: options.secrets ?? envSecretResolver, network: networkPolicy(project), policed: setup.policed };
  let sent = 0;
  for (const signal of signals) {
    try {
      const message: AlertMessage = { title: signal.title, detail: signal.detail, link, resolved: signal.state === 'resolved' };
      if (signal.state === 'firing') {
        const claim = await ledger.claimFiring(signal.subject, signal.fingerprint, { title: signal.title, link }, options.now);
        if (!claim.claimed) continue;
        const took = await deliver(setup.config.channels, signal.rule.to, message, delivery);
        if (took === 0) await claim.release();
        sent += took > 0 ? 1 : 0;
      } else if ((await ledger.resolve(signal.subject, options.now)) && !signal.quiet) {
        sent += (await deliver(setup.config.channels, signal.rule.to, message, delivery)) > 0 ? 1 : 0;
      }
    } catch (error) {
      logger.warn({ alert: signal.subject, err: error instanceof Error ? error.message : String(error) }, 'alert check failed');
    }
  }
  return sent;
}

/**
 * Alerts after a sync run: failure, partial above the threshold, stale resolved, and (for audience
 * syncs) a jump in the audience's size. Returns how many alerts or notices went out.
 */
export async function alertAfterRun(project: Project, run: SyncRunRecord, from: SyncFrom, options: AlertOptions = {}): Promise<number> {
  const setup = await alertSetup(project.config.alerts, (await project.state()).knex, run.sync);
  if (!setup) return 0;
  const { rules } = setup;
  const signals = runSignals(rules, run);
  if ('audience' in from && rules.some((rule) => rule.on === 'audience_change')) {
    try {
      signals.push(...audienceSignals(rules, run.sync, from.audience, await audienceSizeHistory(project, from.audience, { limit: 2 })));
    } catch (error) {
      logger.warn({ sync: run.sync, audience: from.audience, err: error instanceof Error ? error.message : String(error) }, 'audience size not read for alerts');
    }
  }
  return act(project, setup, signals, runLink(project.config.alerts, run.sync, run.id), options);
}

/**
 * The periodic check of `stale` rules (the service runs it every few minutes): every sync named
 * whose last run started longer ago than its rule allows.
 */
export async function alertStaleSyncs(project: Project, syncs: readonly string[], options: AlertOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  const { knex } = await project.state();
  const latest = await new SyncHistory(knex).latestRuns();
  let sent = 0;
  for (const sync of syncs) {
    const setup = await alertSetup(project.config.alerts, knex, sync);
    if (!setup?.rules.some((rule) => rule.on === 'stale')) continue;
    const last = latest.get(sync) ?? null;
    sent += await act(project, setup, staleSignals(setup.rules, sync, last, now), runLink(project.config.alerts, sync, last?.id), { ...options, now });
  }
  return sent;
}
