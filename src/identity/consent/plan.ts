import type { ConsentPolicy, PrivacyConfig } from '../../config/index.js';
import type { Project } from '../../project/index.js';
import type { RelationRef } from '../../warehouse/index.js';

/** The table of resolved decisions, one row per (profile_id, purpose) that has one. */
export const CONSENT_TABLE = 'consent';

/** Consent status values written to `consent.status` / `profiles.consent_<purpose>`. */
export const GRANTED = 'granted';
export const DENIED = 'denied';
export const UNKNOWN = 'unknown';

/** The profile column holding a purpose's status. */
export function consentColumn(purpose: string): string {
  return `consent_${purpose}`;
}

export interface ConsentSourcePlan {
  /** Position in `privacy.consent.sources`, for error paths. */
  index: number;
  name: string;
  relationName: string;
  relation: RelationRef;
  /** [id type, column] in declaration order. */
  ids: Array<{ idType: string; column: string }>;
  purpose: string;
  status: string;
  /** Trimmed, lower-cased; a value in neither list is ignored. */
  granted: string[];
  revoked: string[];
  timestamp: string;
}

export interface ConsentPlan {
  schema: string;
  sources: ConsentSourcePlan[];
  /** Configured purposes (sorted) and their policies. */
  purposes: Array<{ name: string; policy: ConsentPolicy }>;
}

const clean = (values: readonly string[]) => [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ''))];

/**
 * The consent config turned into what the SQL needs. Null when no consent source is configured:
 * consent is then not in use (no `consent` table, no `consent_*` columns, nothing enforced).
 */
export function planConsent(project: Project, privacy: PrivacyConfig | undefined = project.config.privacy): ConsentPlan | null {
  // Configs built without the schema's defaults (tests, embedders) may lack the section.
  const sources = privacy?.consent?.sources ?? [];
  const purposes = privacy?.consent?.purposes ?? {};
  if (sources.length === 0) return null;
  return {
    schema: project.schema,
    sources: sources.map((s, index) => ({
      index,
      name: s.name,
      relationName: s.relation,
      relation: project.relation(s.relation),
      ids: Object.entries(s.ids).map(([idType, column]) => ({ idType, column })),
      purpose: s.purpose,
      status: s.status,
      granted: clean(s.granted),
      revoked: clean(s.revoked),
      timestamp: s.timestamp,
    })),
    purposes: Object.entries(purposes)
      .map(([name, p]) => ({ name, policy: p.policy }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}
