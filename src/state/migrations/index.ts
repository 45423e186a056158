import type { Migration } from '../types.js';
import { migration as modelBuilds } from './0001_model_builds.js';
import { migration as users } from './0100_users.js';
import { migration as sessions } from './0101_sessions.js';
import { migration as apiTokens } from './0102_api_tokens.js';
import { migration as auditLog } from './0103_audit_log.js';
import { migration as secrets } from './0104_secrets.js';
import { migration as destinations } from './0105_destinations.js';
import { migration as schedulesLocks } from './0106_schedules_locks.js';
import { migration as uiSyncs } from './0107_ui_syncs.js';
import { migration as audiences } from './0200_audiences.js';
import { migration as syncRuns } from './0300_sync_runs.js';
import { migration as privacyRequests } from './0400_privacy_requests.js';
import { migration as alerts } from './0500_alerts.js';
import { migration as syncRunReach } from './0501_sync_run_reach.js';
import { migration as alertRules } from './0601_alert_rules.js';
import { migration as webhookOneUrl } from './0602_webhook_one_url.js';
import { migration as matchReviews } from './0621_match_reviews.js';

/** Every migration, oldest first. Add one line per new migration file, at the end. */
export const migrations: Migration[] = [
  modelBuilds,
  users,
  sessions,
  apiTokens,
  auditLog,
  secrets,
  destinations,
  schedulesLocks,
  uiSyncs,
  audiences,
  syncRuns,
  privacyRequests,
  alerts,
  syncRunReach,
  alertRules,
  webhookOneUrl,
  matchReviews,
];
