export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, roleSchema, can, permissionsOf, type Role, type Permission } from './roles.js';
export { hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
export { newToken, tokenHash, API_TOKEN_PREFIX, SESSION_TOKEN_PREFIX } from './tokens.js';
export { UserStore, emailSchema, passwordSchema, type User, type NewUser, type UserChanges } from './users.js';
export { SessionStore, DEFAULT_SESSION_TTL_MS } from './sessions.js';
export { ApiTokenStore, type ApiToken } from './api-tokens.js';
export { ensureAdminFromEnv } from './bootstrap.js';
export { toMs, toMsOrNull, isoOrNull } from './time.js';
export { decideRole, claimAt, claimValues, type RoleRules, type RoleDecision } from './claims.js';
