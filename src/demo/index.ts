/**
 * Demo data: realistic, messy, multi-source customer data written into the warehouse's raw
 * schema, with the truth about who is behind every record (raw.demo_truth).
 */
export {
  generateDemo,
  tableBatches,
  MAX_PEOPLE,
  TRUTH_TABLE,
  TRUTH_COLUMNS,
  type DemoOptions,
  type DemoResult,
  type DemoTableResult,
} from './generate.js';
export { SOURCE_TABLES, CONSENT_PURPOSES, CONSENT_SOURCES, type DemoTable, type DemoRow } from './tables/index.js';
export { createWorld, referenceDay, type DemoWorld } from './world.js';
export { allPeople, peopleInChunk, type Person } from './people.js';
export { JUNK_EMAILS, JUNK_PHONES, e164 } from './contact.js';
