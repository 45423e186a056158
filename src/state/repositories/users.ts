import type { Knex } from 'knex';
import { z } from 'zod';
import { CdpError } from '../../errors.js';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword, dummyPasswordHash } from '../../auth/passwords.js';
import { roleSchema, type Role } from '../../auth/roles.js';
import { isoOrNull } from '../time.js';

export interface User {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: string;
  updatedAt: string;
}

interface UserRow {
  id: number | string;
  email: string;
  name: string | null;
  role: string;
  password_hash: string | null;
  disabled: boolean | number;
  created_at: number | string;
  updated_at: number | string;
}

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'an email address' }).max(320));
export const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);

export interface NewUser {
  email: string;
  role: Role;
  name?: string | null;
  password?: string | null;
}

export interface UserChanges {
  role?: Role;
  name?: string | null;
  password?: string;
  disabled?: boolean;
}

/** Validates one field, failing as a CdpError that names it (the API's schemas check first; this guards the CLI). */
function field<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CdpError('INVALID_INPUT', `${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { location: { path }, hint: `fix the ${path}` });
  }
  return parsed.data;
}

function toUser(row: UserRow): User {
  return {
    id: Number(row.id),
    email: row.email,
    name: row.name,
    role: roleSchema.parse(row.role),
    disabled: Boolean(row.disabled),
    hasPassword: row.password_hash !== null,
    createdAt: isoOrNull(row.created_at)!,
    updatedAt: isoOrNull(row.updated_at)!,
  };
}

/** People who may use the service. Emails are stored trimmed and lower-cased (unique). */
export class UserStore {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<User[]> {
    const rows = await this.knex<UserRow>('users').select('*').orderBy('id');
    return rows.map(toUser);
  }

  async get(id: number): Promise<User | undefined> {
    const row = await this.knex<UserRow>('users').where({ id }).first();
    return row ? toUser(row) : undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.knex<UserRow>('users').where({ email: email.trim().toLowerCase() }).first();
    return row ? toUser(row) : undefined;
  }

  async count(): Promise<number> {
    const [row] = await this.knex('users').count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  async create(input: NewUser): Promise<User> {
    const email = field(emailSchema, input.email, 'email');
    const password = input.password == null ? null : await hashPassword(field(passwordSchema, input.password, 'password'));
    const now = Date.now();
    try {
      await this.knex('users').insert({
        email,
        name: input.name ?? null,
        role: field(roleSchema, input.role, 'role'),
        password_hash: password,
        disabled: false,
        created_at: now,
        updated_at: now,
      });
    } catch (error) {
      if (await this.findByEmail(email)) {
        throw new CdpError('CONFLICT', `a user with email ${email} already exists`, {
          location: { path: 'email' },
          hint: 'change the existing user instead',
        });
      }
      throw error;
    }
    return (await this.findByEmail(email))!;
  }

  async update(id: number, changes: UserChanges): Promise<User> {
    const patch: Record<string, unknown> = { updated_at: Date.now() };
    if (changes.role !== undefined) patch.role = field(roleSchema, changes.role, 'role');
    if (changes.name !== undefined) patch.name = changes.name;
    if (changes.disabled !== undefined) patch.disabled = changes.disabled;
    if (changes.password !== undefined) patch.password_hash = await hashPassword(field(passwordSchema, changes.password, 'password'));
    const updated = await this.knex('users').where({ id }).update(patch);
    if (!updated) throw new CdpError('NOT_FOUND', `no user with id ${id}`, { location: { path: 'id' } });
    return (await this.get(id))!;
  }

  async remove(id: number): Promise<void> {
    const deleted = await this.knex('users').where({ id }).delete();
    if (!deleted) throw new CdpError('NOT_FOUND', `no user with id ${id}`, { location: { path: 'id' } });
  }

  /** Active admins other than `exceptId`: the last admin may not be demoted, disabled or deleted. */
  async countOtherActiveAdmins(exceptId: number): Promise<number> {
    const [row] = await this.knex('users')
      .where({ role: 'admin' })
      .andWhere('disabled', false)
      .andWhereNot({ id: exceptId })
      .count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /**
   * The user for these credentials, or undefined. Unknown emails cost the same scrypt time as
   * wrong passwords, so response times do not reveal which emails exist.
   */
  async authenticate(email: string, password: string): Promise<User | undefined> {
    const row = await this.knex<UserRow>('users').where({ email: email.trim().toLowerCase() }).first();
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
    if (!row || !row.password_hash || !ok || row.disabled) return undefined;
    return toUser(row);
  }
}
