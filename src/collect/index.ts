export { CollectService } from './service.js';
export { Collector, type CollectorOptions } from './collector.js';
export { Rejected, REJECT_REASONS, type RejectReason } from './errors.js';
export { EVENT_COLUMNS, EVENT_TYPES, type CollectedEvent, type EventType } from './event.js';
export { LANDING_TABLE, createTableSql, ensureLandingTable, insertNewSql, Lander } from './landing.js';
export { SHORT_PATHS, correctedTimestamp, normalizeMessage, normalizeBatch } from './normalize.js';
export { WriteKeys, newWriteKey, STORED_KEY_PREFIX, type SourceInfo } from './keys.js';
export { CollectStats, percentile } from './stats.js';
export { Spool } from './spool.js';
