/**
 * Identity resolution and unified profiles, as set-based SQL in the warehouse: identifier
 * normalisation, guards (junk, blocklists, degree quarantine, per-profile limits), connected
 * components (large-star/small-star), profiles with survivorship rules and computed traits.
 */
export { buildIdentity, type IdentityBuildOptions, type IdentityBuildResult } from './build.js';
export { connectedComponents, type ComponentsOptions, type ComponentsResult } from './components.js';
export { normalizeQuery, normalizeLiteralsQuery, EMAIL_PATTERN } from './normalize.js';
export { PHONE_REGIONS, SUPPORTED_PHONE_REGIONS } from './phone.js';
export { DEFAULT_JUNK_VALUES, DEFAULT_JUNK_PATTERNS } from './junk.js';
export { planIdentity, type IdentityPlan, type IdTypePlan, type SourcePlan } from './plan.js';
export { IdentityTables, OUTPUT_TABLES, STATE_TABLES } from './tables.js';
export { SqlRunner } from './runner.js';
export { identityStats, type IdentityStats } from './stats.js';
export { explainIdentifier, type IdentityExplanation, type ExplainLink, type ExplainedIdentifier, type SuppressionInfo } from './explain.js';
export { SUPPRESSIONS_TABLE } from './suppress.js';
