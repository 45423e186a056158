import type { Logger } from 'pino';
import type { User, UserStore } from '../state/repositories/users.js';

/**
 * The first admin: when CDP_ADMIN_EMAIL and CDP_ADMIN_PASSWORD are set and no user has that
 * email, one is created. An existing user is left alone (the env never resets a password).
 */
export async function ensureAdminFromEnv(
  users: UserStore,
  env: NodeJS.ProcessEnv,
  log?: Logger,
  /** Where the credentials came from, as the log says it (the demo fills them in itself). */
  source = 'CDP_ADMIN_EMAIL and CDP_ADMIN_PASSWORD',
): Promise<User | undefined> {
  const email = env.CDP_ADMIN_EMAIL?.trim();
  const password = env.CDP_ADMIN_PASSWORD;
  if (!email || !password) {
    if ((await users.count()) === 0) {
      log?.warn('no users yet: set CDP_ADMIN_EMAIL and CDP_ADMIN_PASSWORD, or run `cdp user add <email> --role admin`');
    }
    return undefined;
  }
  const existing = await users.findByEmail(email);
  if (existing) return existing;
  const user = await users.create({ email, password, role: 'admin', name: 'Administrator' });
  log?.info({ userId: user.id }, `created the first admin from ${source}`);
  return user;
}
