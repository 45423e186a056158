import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { AuditLog } from '../../audit/index.js';
import { roleSchema, type Role } from '../../auth/index.js';
import { ApiTokenStore, SessionStore, UserStore } from '../../state/index.js';
import { CdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import { cliActor, inProject, say, withProject } from '../context.js';

interface Flags {
  project?: string;
}

function parseRole(value: string): Role {
  const parsed = roleSchema.safeParse(value);
  if (!parsed.success) throw new CdpError('INVALID_INPUT', `unknown role ${value}`, { location: { path: '--role' }, hint: 'one of: admin, editor, marketer, viewer' });
  return parsed.data;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    process.stdout.write(question);
    muted = true;
    rl.question('', (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

/** --password, else CDP_USER_PASSWORD, else asked twice on the terminal. */
async function passwordFrom(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  const env = process.env.CDP_USER_PASSWORD;
  if (env) return env;
  if (!process.stdin.isTTY) {
    throw new CdpError('INVALID_INPUT', 'no password given', { location: { path: '--password' }, hint: 'pass --password, set CDP_USER_PASSWORD, or run in a terminal to be asked' });
  }
  const first = await promptHidden('password: ');
  const second = await promptHidden('again: ');
  if (first !== second) throw new CdpError('INVALID_INPUT', 'the passwords differ', { location: { path: '--password' }, hint: 'type the same password twice' });
  return first;
}

async function stores(project: Project) {
  const { knex } = await project.state();
  return { knex, users: new UserStore(knex), tokens: new ApiTokenStore(knex), sessions: new SessionStore(knex), audit: new AuditLog(knex) };
}

async function requireUser(users: UserStore, email: string) {
  const user = await users.findByEmail(email);
  if (!user) throw new CdpError('NOT_FOUND', `no user with email ${email}`, { hint: '`cdp user list` shows the users' });
  return user;
}

export function register(program: Command): void {
  const user = program.command('user').description('manage the people and API tokens of `cdp serve`');

  withProject(
    user
      .command('add <email>')
      .description('create a user (password from --password, CDP_USER_PASSWORD, or a prompt)')
      .requiredOption('-r, --role <role>', 'admin | editor | marketer | viewer')
      .option('--name <name>', 'display name')
      .option('--password <password>', 'the password (prefer CDP_USER_PASSWORD or the prompt: flags end up in shell history)')
      .option('--no-password', 'no password: the user can only use API tokens'),
  ).action(async (email: string, flags: Flags & { role: string; name?: string; password?: string | false }) => {
    const role = parseRole(flags.role);
    await inProject(flags, async (project) => {
      const s = await stores(project);
      const password = flags.password === false ? null : await passwordFrom(flags.password);
      const created = await s.users.create({ email, role, name: flags.name ?? null, password });
      await s.audit.record({ actor: cliActor(), action: 'user.create', resourceType: 'user', resourceId: String(created.id), details: { email: created.email, role } });
      say(`created ${created.role} ${created.email} (id ${created.id})`);
    });
  });

  withProject(user.command('list').description('list users')).action(async (flags: Flags) => {
    await inProject(flags, async (project) => {
      const s = await stores(project);
      for (const u of await s.users.list()) say(`${String(u.id).padStart(4)}  ${u.role.padEnd(8)}  ${u.email}${u.disabled ? '  (disabled)' : ''}${u.hasPassword ? '' : '  (no password: SSO or API tokens)'}`);
    });
  });

  withProject(user.command('set-role <email> <role>').description('change a user’s role (ends their sessions)')).action(async (email: string, roleText: string, flags: Flags) => {
    const role = parseRole(roleText);
    await inProject(flags, async (project) => {
      const s = await stores(project);
      const before = await requireUser(s.users, email);
      if (before.role === 'admin' && role !== 'admin' && (await s.users.countOtherActiveAdmins(before.id)) === 0) {
        throw new CdpError('CONFLICT', 'this is the last active admin', { hint: 'make another user admin first' });
      }
      await s.users.update(before.id, { role });
      await s.sessions.destroyForUser(before.id);
      await s.audit.record({ actor: cliActor(), action: 'user.update', resourceType: 'user', resourceId: String(before.id), details: { role: { from: before.role, to: role } } });
      say(`${email} is now ${role}`);
    });
  });

  withProject(
    user.command('passwd <email>').description('set a user’s password (from --password, CDP_USER_PASSWORD, or a prompt); ends their sessions').option('--password <password>', 'the new password'),
  ).action(async (email: string, flags: Flags & { password?: string }) => {
    await inProject(flags, async (project) => {
      const s = await stores(project);
      const target = await requireUser(s.users, email);
      await s.users.update(target.id, { password: await passwordFrom(flags.password) });
      await s.sessions.destroyForUser(target.id);
      await s.audit.record({ actor: cliActor(), action: 'user.update', resourceType: 'user', resourceId: String(target.id), details: { changed: ['password'] } });
      say(`password of ${email} changed`);
    });
  });

  withProject(user.command('remove <email>').description('delete a user with their sessions and tokens')).action(async (email: string, flags: Flags) => {
    await inProject(flags, async (project) => {
      const s = await stores(project);
      const target = await requireUser(s.users, email);
      if (target.role === 'admin' && (await s.users.countOtherActiveAdmins(target.id)) === 0) {
        throw new CdpError('CONFLICT', 'this is the last active admin', { hint: 'make another user admin first' });
      }
      await s.knex.transaction(async (trx) => {
        await trx('sessions').where({ user_id: target.id }).delete();
        await trx('api_tokens').where({ user_id: target.id }).delete();
        await trx('users').where({ id: target.id }).delete();
        await s.audit.record({ actor: cliActor(), action: 'user.delete', resourceType: 'user', resourceId: String(target.id), details: { email: target.email } }, trx);
      });
      say(`removed ${email}`);
    });
  });

  withProject(
    user
      .command('token <email>')
      .description('create an API token for a user (acts with their role); printed once')
      .option('--name <name>', 'what the token is for', 'cli')
      .option('--expires-days <days>', 'stop working after this many days'),
  ).action(async (email: string, flags: Flags & { name: string; expiresDays?: string }) => {
    const days = flags.expiresDays === undefined ? undefined : Number(flags.expiresDays);
    if (days !== undefined && (!Number.isInteger(days) || days <= 0)) {
      throw new CdpError('INVALID_INPUT', '--expires-days must be a positive whole number', { location: { path: '--expires-days' } });
    }
    await inProject(flags, async (project) => {
      const s = await stores(project);
      const target = await requireUser(s.users, email);
      const created = await s.tokens.create(target.id, flags.name, days ? new Date(Date.now() + days * 86_400_000) : null);
      await s.audit.record({ actor: cliActor(), action: 'token.create', resourceType: 'token', resourceId: String(created.record.id), details: { name: flags.name, userId: target.id } });
      say(created.token);
    });
  });
}
