/**
 * Privacy requests: right to erasure (`deleteSubject`) and right of access (`exportSubject`), each
 * recorded in the state store (`privacy_requests`, the person named only by a SHA-256) and the
 * audit log. Used by `cdp privacy ...` and /api/privacy.
 */
import { installPrivacy } from '../plugin.js';

export { deleteSubject, type DeleteOptions, type DeletionReport } from './delete.js';
export { exportSubject, jsonSafe, type ExportOptions, type SubjectExport, type ExportedIdentifier } from './export.js';
export { PrivacyRequestRepository, REQUEST_KINDS, REQUEST_STATUSES, type PrivacyRequestRecord, type RequestKind, type RequestStatus } from '../../state/index.js';
export { checkIdType, sha256Hex, type SubjectInput } from './subject.js';
export type { SyncTarget, UiSyncLister } from './sync-targets.js';
export type { DestinationErasure, DestinationAction } from './forget.js';
export type { TableErasure } from './warehouse.js';
export type { SourceRecordCount, SourceRecords } from './sources.js';
export { SUPPRESSION_FILTER, suppressionFilterProvider, registerSuppressionFilter } from './sync-filter.js';

// Whoever can erase people also plans syncs here (removals): make every plan in this process honour consent and erasures.
installPrivacy();
