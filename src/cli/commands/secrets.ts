import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { AuditLog } from '../../audit/index.js';
import { CdpError } from '../../errors.js';
import { parseSecretKey, type SecretKey } from '../../secrets/index.js';
import { rotateSecretKey } from '../../state/index.js';
import { cliActor, inProject, say, withProject } from '../context.js';

/** The key the secrets are stored under now: CDP_SECRET_KEY_OLD, else the development key file. */
function oldKey(projectDir: string, env: NodeJS.ProcessEnv): { key: SecretKey; from: string } {
  const configured = env.CDP_SECRET_KEY_OLD;
  if (configured) return { key: parseSecretKey(configured), from: 'CDP_SECRET_KEY_OLD' };
  const file = join(projectDir, '.cdp', 'secret.key');
  if (existsSync(file)) return { key: parseSecretKey(readFileSync(file, 'utf8')), from: '.cdp/secret.key' };
  throw new CdpError('SECRET_MISSING', 'CDP_SECRET_KEY_OLD is not set', {
    location: { path: 'CDP_SECRET_KEY_OLD' },
    hint: 'export CDP_SECRET_KEY_OLD=<the key the secrets are stored under> and CDP_SECRET_KEY=<the new key>',
  });
}

export function register(program: Command): void {
  const secrets = program.command('secrets').description('the encrypted secrets of `cdp serve` (destination credentials)');
  withProject(
    secrets
      .command('rotate-key')
      .description('re-encrypt every stored secret from CDP_SECRET_KEY_OLD (or the development key) to CDP_SECRET_KEY; stop the service first')
      .option('--dry-run', 'check that every secret decrypts with the old key; change nothing'),
  ).action(async (flags: { project?: string; dryRun?: boolean }) => {
    const env = process.env;
    if (!env.CDP_SECRET_KEY) {
      throw new CdpError('SECRET_MISSING', 'CDP_SECRET_KEY (the new key) is not set', {
        location: { path: 'CDP_SECRET_KEY' },
        hint: 'make one with `openssl rand -hex 32` and export it as CDP_SECRET_KEY',
      });
    }
    const next = parseSecretKey(env.CDP_SECRET_KEY);
    await inProject(flags, async (project) => {
      const old = oldKey(project.dir, env);
      const { knex } = await project.state();
      const result = await rotateSecretKey(knex, old.key, next, { dryRun: flags.dryRun ?? false });
      if (flags.dryRun) {
        say(`dry run: ${result.rotated} secret(s) decrypt with the key from ${old.from} (${old.key.id}) and would move to CDP_SECRET_KEY (${next.id}); ${result.alreadyNew} already under it`);
        return;
      }
      await new AuditLog(knex).record({
        actor: cliActor(),
        action: 'secrets.rotate_key',
        resourceType: 'secret',
        details: { rotated: result.rotated, alreadyNew: result.alreadyNew, fromKey: old.key.id, toKey: next.id },
      });
      say(`re-encrypted ${result.rotated} secret(s) from the key in ${old.from} (${old.key.id}) to CDP_SECRET_KEY (${next.id}); ${result.alreadyNew} were already under it`);
      say('start `cdp serve` with the new CDP_SECRET_KEY; keep the old key until the service runs with the new one, then destroy it');
    });
  });
}
