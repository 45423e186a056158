export { AuditLog, SYSTEM_ACTOR, scrubDetails, type Actor, type AuditInput, type AuditEntry, type AuditQuery } from '../state/repositories/audit-log.js';
