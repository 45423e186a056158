import { consentFilters } from '../privacy/enforce.js';
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

const providers: PlanFilterProvider[] = [];

/** Adds filters to every sync planned in this process; returns a function that removes them. */
export function registerPlanFilterProvider(provider: PlanFilterProvider): () => void {
  providers.push(provider);
  return () => {
    const i = providers.indexOf(provider);
    if (i >= 0) providers.splice(i, 1);
  };
}

/**
 * Every filter of a sync's plan: consent enforcement for the destination's `consentPurposes`
 * (always on when consent sources are configured; see src/privacy/enforce.ts), then the
 * registered providers'.
 */
export async function planFiltersFor(project: Project, sync: PreparedSync): Promise<PlanFilter[]> {
  const consent = await consentFilters(project, sync);
  const lists = await Promise.all(providers.map((provider) => provider({ project, sync })));
  return [...consent, ...lists.flat()];
}
