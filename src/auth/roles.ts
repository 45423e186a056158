import { z } from 'zod';

/** The four roles, from most to least powerful. */
export const ROLES = ['admin', 'editor', 'marketer', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/**
 * What a route may require. `read` covers everything that is neither personal data nor
 * administration; personal data (profiles, per-row sync logs) has its own permission.
 */
export const PERMISSIONS = [
  'read',
  'profiles:read',
  'models:run',
  'audiences:write',
  'destinations:write',
  'syncs:write',
  'syncs:run',
  'users:manage',
  'audit:read',
  'pii:read',
  'privacy:manage',
  'alerts:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * The permission table: one place that says who may do what.
 * - admin: everything, including privacy requests (erasure, access exports) and alert rules.
 * - editor: data team — models (runs), destinations, syncs; profile lookup with PII to debug identity.
 * - marketer: audiences, syncs to existing destinations (no destination writes), profile lookup
 *   with PII columns masked (no `pii:read`).
 * - viewer: read only, no personal data.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  admin: new Set(PERMISSIONS),
  editor: new Set<Permission>(['read', 'profiles:read', 'pii:read', 'models:run', 'destinations:write', 'syncs:write', 'syncs:run']),
  marketer: new Set<Permission>(['read', 'profiles:read', 'audiences:write', 'syncs:write', 'syncs:run']),
  viewer: new Set<Permission>(['read']),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** The permissions of a role, in table order (for `GET /api/auth/me`, so the UI can hide buttons). */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((permission) => can(role, permission));
}
