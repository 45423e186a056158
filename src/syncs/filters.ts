import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect } from '../warehouse/index.js';
import type { PreparedSync } from './load.js';

/**
 * A condition on the rows of a sync's audience or model, applied by the planner in the
 * warehouse. Rows that fail it are held back: never sent, counted per filter in the plan and the
 * run history, and removed from destinations that had them (mirror mode) — which is what consent
 * enforcement and suppression lists need.
 */
export interface PlanFilter {
  /** Shown in plan counts and run history, e.g. `consent:advertising`. */
  name: string;
  /**
   * A SQL boolean over the source row, whose columns are reachable as `<alias>.<column>`.
   * NULL counts as failing (the row is held back).
   */
  predicate(alias: string, dialect: Dialect): string;
  /**
   * Rows this filter holds back that the destination has are removed in every mode, not only in
   * mirror mode: a withdrawn consent must take the person out wherever they were sent.
   */
  removeHeldBack?: boolean;
}

export type PlanFilterProvider = (context: { project: Project; sync: PreparedSync }) => Promise<PlanFilter[]> | PlanFilter[];

interface Registration {
  provider: PlanFilterProvider;
  /** The provider holds back rows without the consent a destination's `consentPurposes` names. */
  enforcesConsent: boolean;
}

const registrations: Registration[] = [];

/**
 * Adds filters to every sync planned in this process; returns a function that removes them.
 * Privacy plugs in here (src/privacy/plugin.ts): consent enforcement and erasures.
 */
export function registerPlanFilterProvider(provider: PlanFilterProvider, options: { enforcesConsent?: boolean } = {}): () => void {
  const registration: Registration = { provider, enforcesConsent: options.enforcesConsent ?? false };
  registrations.push(registration);
  return () => {
    const i = registrations.indexOf(registration);
    if (i >= 0) registrations.splice(i, 1);
  };
}

/** Every filter of a sync's plan: the registered providers'. */
export async function planFiltersFor(project: Project, sync: PreparedSync): Promise<PlanFilter[]> {
  checkConsentEnforced(project, sync);
  const lists = await Promise.all(registrations.map(({ provider }) => provider({ project, sync })));
  return lists.flat();
}

/**
 * A destination that asks for consent, in a project with consent sources, is never planned
 * without a provider enforcing it: rows would go out unfiltered.
 */
function checkConsentEnforced(project: Project, sync: PreparedSync): void {
  const purposes = sync.destination.consentPurposes ?? [];
  if (purposes.length === 0 || !project.config.privacy?.consent?.sources.length) return;
  if (registrations.some((r) => r.enforcesConsent)) return;
  throw new CdpError('SYNC_INVALID', `${sync.destination.type} needs consent for ${purposes.join(', ')}, but no consent enforcement is installed in this process`, {
    hint: 'call installPrivacy() from src/privacy/plugin.ts before planning syncs (the cdp CLI and service do)',
  });
}
