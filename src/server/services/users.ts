import { z } from 'zod';
import type { Actor } from '../../audit/index.js';
import { roleSchema } from '../../auth/index.js';
import { emailSchema, passwordSchema, type User } from '../../state/index.js';
import { CdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';

export const userCreateSchema = z
  .object({
    email: emailSchema,
    role: roleSchema,
    name: z.string().trim().min(1).max(200).nullable().optional(),
    /** Omit for a token-only user (scripts, CI). */
    password: passwordSchema.optional(),
  })
  .strict();

export const userUpdateSchema = z
  .object({
    role: roleSchema.optional(),
    name: z.string().trim().min(1).max(200).nullable().optional(),
    password: passwordSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

/** User administration with the guard rails: the last active admin stays an active admin. */
export class UserService {
  constructor(private readonly ctx: ServerContext) {}

  list(): Promise<User[]> {
    return this.ctx.users.list();
  }

  async get(id: number): Promise<User> {
    const user = await this.ctx.users.get(id);
    if (!user) throw new CdpError('NOT_FOUND', `no user with id ${id}`, { location: { path: 'params.id' } });
    return user;
  }

  async create(input: z.output<typeof userCreateSchema>, actor: Actor): Promise<User> {
    if (await this.ctx.users.findByEmail(input.email)) {
      throw new CdpError('CONFLICT', `a user with email ${input.email} already exists`, { location: { path: 'body.email' }, hint: 'change the existing user instead' });
    }
    const user = await this.ctx.users.create({ email: input.email, role: input.role, name: input.name ?? null, password: input.password ?? null });
    await this.ctx.audit.record({ actor, action: 'user.create', resourceType: 'user', resourceId: String(user.id), details: { email: user.email, role: user.role } });
    return user;
  }

  async update(id: number, input: z.output<typeof userUpdateSchema>, actor: Actor): Promise<User> {
    const before = await this.get(id);
    const losesAdmin = before.role === 'admin' && !before.disabled && ((input.role !== undefined && input.role !== 'admin') || input.disabled === true);
    if (losesAdmin && (await this.ctx.users.countOtherActiveAdmins(id)) === 0) {
      throw new CdpError('CONFLICT', 'this is the last active admin', {
        location: { path: input.role !== undefined ? 'body.role' : 'body.disabled' },
        hint: 'make another user admin first',
      });
    }
    const user = await this.ctx.users.update(id, input);
    // A new password, role or a disabled account ends existing sessions.
    if (input.password !== undefined || input.disabled === true || (input.role !== undefined && input.role !== before.role)) {
      await this.ctx.sessions.destroyForUser(id);
    }
    await this.ctx.audit.record({
      actor,
      action: 'user.update',
      resourceType: 'user',
      resourceId: String(id),
      details: {
        changed: Object.keys(input).filter((key) => input[key as keyof typeof input] !== undefined),
        ...(input.role !== undefined ? { role: { from: before.role, to: input.role } } : {}),
      },
    });
    return user;
  }

  async remove(id: number, actor: Actor): Promise<void> {
    const user = await this.get(id);
    if (user.role === 'admin' && !user.disabled && (await this.ctx.users.countOtherActiveAdmins(id)) === 0) {
      throw new CdpError('CONFLICT', 'this is the last active admin', { location: { path: 'params.id' }, hint: 'make another user admin first' });
    }
    await this.ctx.knex.transaction(async (trx) => {
      await trx('sessions').where({ user_id: id }).delete();
      await trx('api_tokens').where({ user_id: id }).delete();
      await trx('users').where({ id }).delete();
      await this.ctx.audit.record({ actor, action: 'user.delete', resourceType: 'user', resourceId: String(id), details: { email: user.email } }, trx);
    });
  }
}
