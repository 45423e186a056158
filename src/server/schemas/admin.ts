import { z } from 'zod';
import { ROLES } from '../../auth/index.js';
import { ActorSchema } from './common.js';

export const AuditEntrySchema = z.object({
  id: z.number(),
  at: z.string(),
  actor: ActorSchema,
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  outcome: z.enum(["error", "ok"]),
  details: z.record(z.string(), z.unknown()),
}).meta({ id: 'AuditEntry' });

export const ApiTokenSchema = z.object({
  id: z.number(),
  userId: z.number(),
  name: z.string(),
  prefix: z.string().describe("The first characters of the token, to recognise it in a list (the rest is never stored)."),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
}).meta({ id: 'ApiToken' });

export const UserSchema = z.object({
  id: z.number(),
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  disabled: z.boolean(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'User' });

export const AuditPageSchema = z.object({
  entries: z.array(AuditEntrySchema),
  nextBefore: z.number().nullable(),
}).meta({ id: 'AuditPage' });

export const SecretEntrySchema = z.object({
  name: z.string(),
  set: z.boolean(),
}).meta({ id: 'SecretEntry' });

/** A new token: the only answer that shows its value. */
export const CreatedTokenSchema = ApiTokenSchema.extend({
  role: UserSchema.shape.role,
  token: z.string(),
}).meta({ id: 'CreatedToken' });
