import { registerPlanFilterProvider } from '../syncs/index.js';
import { consentFilters } from './enforce.js';
import { registerSuppressionFilter } from './requests/sync-filter.js';

let installed = false;

/**
 * Privacy plugs into sync planning through the plan-filter hook: consent enforcement (a
 * destination's `consentPurposes`, src/privacy/enforce.ts) and erasures (suppressed identifiers,
 * requests/sync-filter.ts). Syncs never import privacy; whoever plans syncs installs it once per
 * process (the CLI, the service, and the privacy requests that plan removals). A sync that needs
 * consent enforcement in a process without it is refused (src/syncs/filters.ts), never sent unfiltered.
 */
export function installPrivacy(): void {
  if (installed) return;
  installed = true;
  registerPlanFilterProvider(({ project, sync }) => consentFilters(project, sync), { enforcesConsent: true });
  registerSuppressionFilter();
}
