export { ROLES, PERMISSIONS, ROLE_PERMISSIONS, roleSchema, can, permissionsOf, type Role, type Permission } from './roles.js';
export { hashPassword, verifyPassword, MIN_PASSWORD_LENGTH } from './passwords.js';
export { newToken, tokenHash, API_TOKEN_PREFIX, SESSION_TOKEN_PREFIX } from './tokens.js';
export { decideRole, claimAt, claimValues, type RoleRules, type RoleDecision } from './claims.js';
