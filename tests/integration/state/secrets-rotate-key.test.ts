/** `cdp secrets rotate-key`: every stored secret moves from the old CDP_SECRET_KEY to the new one, all or nothing. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { parseSecretKey, type SecretKey } from '../../../src/secrets/index.js';
import { SecretStore } from '../../../src/state/index.js';
import { runCli } from '../../helpers/cli.js';

const OLD = '1'.repeat(64);
const NEW = '2'.repeat(64);
const SECRETS = { 'destination:crm:api_key': 'sk_live_old-key-secret', 'destination:hook:signing_secret': 'whsec_ünïcode/+=', 'warehouse:password': 'p@ss w0rd' };

describe('cdp secrets rotate-key', () => {
  let dir: string;
  const saved = { old: process.env.CDP_SECRET_KEY_OLD, next: process.env.CDP_SECRET_KEY };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-rotate-'));
    writeFileSync(join(dir, 'cdp.config.mjs'), "export default { warehouse: { type: 'duckdb', path: ':memory:' } };\n");
  });
  afterEach(() => {
    for (const [name, value] of [['CDP_SECRET_KEY_OLD', saved.old], ['CDP_SECRET_KEY', saved.next]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the project's state store, runs `work` with it, closes it (the CLI opens it itself). */
  async function withStore<T>(work: (knex: Awaited<ReturnType<Project['state']>>['knex']) => Promise<T>): Promise<T> {
    const project = await Project.load(dir);
    try {
      return await work((await project.state()).knex);
    } finally {
      await project.close();
    }
  }

  async function store(key: SecretKey, entries: Record<string, string>): Promise<void> {
    await withStore(async (knex) => {
      for (const [name, value] of Object.entries(entries)) await new SecretStore(knex, key).set(name, value);
    });
  }

  async function reveal(key: SecretKey): Promise<Record<string, string>> {
    return withStore(async (knex) => {
      const secrets = new SecretStore(knex, key);
      const out: Record<string, string> = {};
      for (const name of await secrets.names()) out[name] = await secrets.reveal(name);
      return out;
    });
  }

  async function rows(): Promise<Array<{ name: string; ciphertext: string; key_id: string }>> {
    return withStore((knex) => knex('secrets').orderBy('name').select('name', 'ciphertext', 'key_id'));
  }

  it('re-encrypts every secret under the new key; the old key no longer opens them; a rerun changes nothing', async () => {
    await store(parseSecretKey(OLD), SECRETS);
    const before = await rows();
    process.env.CDP_SECRET_KEY_OLD = OLD;
    process.env.CDP_SECRET_KEY = NEW;
    const run = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('re-encrypted 3 secret(s)');
    expect(await reveal(parseSecretKey(NEW))).toEqual(SECRETS);
    await expect(reveal(parseSecretKey(OLD))).rejects.toThrow(/encrypted with another CDP_SECRET_KEY/);
    const after = await rows();
    expect(after.map((row) => row.key_id)).toEqual(after.map(() => parseSecretKey(NEW).id));
    for (const [i, row] of after.entries()) expect(row.ciphertext).not.toBe(before[i]!.ciphertext);
    // Nothing secret in what it printed.
    for (const value of Object.values(SECRETS)) expect(run.out).not.toContain(value);

    const again = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(again.out).toContain('re-encrypted 0 secret(s)');
    expect(again.out).toContain('3 were already under it');
    expect(await reveal(parseSecretKey(NEW))).toEqual(SECRETS);
    const audit = await withStore((knex) => knex('audit_log').where({ action: 'secrets.rotate_key' }).count<{ n: number }[]>({ n: '*' }));
    expect(Number(audit[0]!.n)).toBe(2);
  });

  it('a secret under neither key stops the rotation before anything changes', async () => {
    await store(parseSecretKey(OLD), SECRETS);
    await store(parseSecretKey('3'.repeat(64)), { 'destination:other:token': 'from-a-third-key' });
    const before = await rows();
    process.env.CDP_SECRET_KEY_OLD = OLD;
    process.env.CDP_SECRET_KEY = NEW;
    const run = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(run.code).not.toBe(0);
    expect(run.err).toContain('1 stored secret(s) are under neither key: destination:other:token');
    expect(await rows()).toEqual(before);
  });

  it('--dry-run checks and changes nothing; the same key twice and a missing new key are refused with what to do', async () => {
    await store(parseSecretKey(OLD), SECRETS);
    const before = await rows();
    process.env.CDP_SECRET_KEY_OLD = OLD;
    process.env.CDP_SECRET_KEY = NEW;
    const dry = await runCli('secrets', 'rotate-key', '--dry-run', '--project', dir);
    expect(dry.out).toContain('dry run: 3 secret(s) decrypt');
    expect(await rows()).toEqual(before);

    process.env.CDP_SECRET_KEY = OLD;
    const same = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(same.code).not.toBe(0);
    expect(same.err).toContain('the old and the new key are the same key');

    delete process.env.CDP_SECRET_KEY;
    const missing = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('openssl rand -hex 32');
  });

  it('moves secrets off the development key file to a real CDP_SECRET_KEY', async () => {
    const devKey = '4'.repeat(64);
    mkdirSync(join(dir, '.cdp'), { recursive: true });
    writeFileSync(join(dir, '.cdp', 'secret.key'), `${devKey}\n`, { mode: 0o600 });
    await store(parseSecretKey(devKey), SECRETS);
    delete process.env.CDP_SECRET_KEY_OLD;
    process.env.CDP_SECRET_KEY = NEW;
    const run = await runCli('secrets', 'rotate-key', '--project', dir);
    expect(run.code).toBe(0);
    expect(run.out).toContain('from the key in .cdp/secret.key');
    expect(await reveal(parseSecretKey(NEW))).toEqual(SECRETS);
  });
});
